using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Basalt.Bench.Report;

// What a reader of a perf-results file needs to judge the figures: the machine, the disk under the data directory,
// the runtime and the commit. Collected once per run on the coordinator thread; every probe is best effort and falls
// back to "unknown" (a missing /proc or git must not fail a benchmark).
public sealed record MachineInfo(
    int Cores, string Memory, string Os, string Cpu, string DataDirDisk, string DataDirFileSystem,
    string Runtime, string Commit)
{
    public bool DataDirIsMemoryBacked => DataDirFileSystem is "tmpfs" or "ramfs";

    public static MachineInfo Collect(string dataDir) => new(
        Environment.ProcessorCount,
        ReadMemory(),
        ReadOs(),
        ReadFirstValue("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        DescribeDisk(dataDir, out string fileSystem),
        fileSystem,
        $"{RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC, " +
        $"{RuntimeInformation.ProcessArchitecture}",
        ReadCommit());

    private static string ReadMemory()
    {
        string? total = ReadFirstValue("/proc/meminfo", "MemTotal");
        if (total is null) return "unknown";
        string[] parts = total.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2 && parts[1] == "kB" && long.TryParse(parts[0], out long kib)
            ? $"{kib / (1024.0 * 1024.0):0.0} GiB"
            : total;
    }

    private static string ReadOs()
    {
        string kernel = ReadAllTextOrNull("/proc/sys/kernel/osrelease")?.Trim() is { Length: > 0 } release
            ? $"Linux {release}"
            : RuntimeInformation.OSDescription;
        try
        {
            foreach (string line in File.ReadLines("/etc/os-release"))
            {
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                    return $"{line["PRETTY_NAME=".Length..].Trim('"')}, {kernel}";
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return kernel;
    }

    // `df -PT dir` names the device, file system, size and mount point; rotational comes from sysfs when the device
    // is a block device (for a partition, its parent disk's queue).
    private static string DescribeDisk(string directory, out string fileSystem)
    {
        fileSystem = "unknown";
        string? output = RunQuiet("df", ["-PT", directory]);
        string[]? lines = output?.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines is not { Length: >= 2 }) return "unknown (df failed)";
        string[] f = lines[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 7) return lines[^1];
        fileSystem = f[1];
        string sizeGiB = long.TryParse(f[2], out long kib) ? $"{kib / (1024.0 * 1024.0):0} GiB" : f[2] + " KiB blocks";
        string description = $"{f[0]}, {f[1]}, {sizeGiB}, mounted on {f[6]}";
        string device = Path.GetFileName(f[0]);
        foreach (string candidate in new[] { $"/sys/class/block/{device}/queue/rotational", $"/sys/class/block/{device}/../queue/rotational" })
        {
            try
            {
                if (File.Exists(candidate))
                {
                    // Virtual disks often claim to be rotational; say where the claim comes from.
                    description += File.ReadAllText(candidate).Trim() == "1" ? ", rotational (per sysfs)" : ", non-rotational (per sysfs)";
                    break;
                }
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return description;
    }

    private static string ReadCommit()
    {
        string? commit = RunQuiet("git", ["rev-parse", "--short", "HEAD"])?.Trim();
        if (string.IsNullOrEmpty(commit)) return "unknown (not a git checkout)";
        string? status = RunQuiet("git", ["status", "--porcelain", "--untracked-files=no"]);
        return string.IsNullOrWhiteSpace(status) ? commit : commit + " (with uncommitted changes)";
    }

    private static string? ReadAllTextOrNull(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static string? ReadFirstValue(string path, string key)
    {
        try
        {
            foreach (string line in File.ReadLines(path))
            {
                int colon = line.IndexOf(':');
                if (colon > 0 && line.AsSpan(0, colon).Trim().SequenceEqual(key)) return line[(colon + 1)..].Trim();
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    // Runs a short probe; null if it cannot start, fails, or takes more than 10 s.
    private static string? RunQuiet(string fileName, string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo(fileName)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in arguments) start.ArgumentList.Add(argument);
            using Process? process = Process.Start(start);
            if (process is null) return null;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(10_000))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }
            return process.ExitCode == 0 ? stdout.GetAwaiter().GetResult() : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
    }
}
