using System.Runtime.InteropServices;

namespace Basalt.Engine.Shards;

// Pins the calling thread to one CPU. Linux only (sched_setaffinity on thread id 0, i.e. the caller); elsewhere, or
// when the call fails (CPU not in the process's cpuset, libc not found), it returns the reason instead of throwing:
// pinning is an optimisation, never a requirement.
public static unsafe partial class CpuAffinity
{
    // The kernel supports at most 8192 CPUs (NR_CPUS); bounding the index bounds the stack mask at 1 KiB.
    public const int CpuIndexMax = 8191;

    // Null on success, else why the thread was not pinned.
    public static string? TryPinCurrentThread(int cpu)
    {
        if (!OperatingSystem.IsLinux())
            return $"CPU pinning is implemented on Linux only (sched_setaffinity); this is {RuntimeInformation.OSDescription}.";
        if ((uint)cpu > CpuIndexMax)
            return $"CPU {cpu} is outside [0, {CpuIndexMax}].";

        // A mask of whole 64-bit words, large enough for both the CPU asked for and every CPU the runtime counts; the
        // kernel zero-fills a mask shorter than its own and ignores bits past its last CPU.
        int words = Math.Max(cpu / 64 + 1, (Environment.ProcessorCount + 63) / 64);
        ulong* mask = stackalloc ulong[words];
        new Span<ulong>(mask, words).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        try
        {
            if (SchedSetAffinity(0, (nuint)(words * sizeof(ulong)), mask) == 0)
                return null;
            int errno = Marshal.GetLastPInvokeError();
            return $"sched_setaffinity(cpu {cpu}) failed with errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})"
                + (errno == 22 ? ": the CPU does not exist or is not in this process's allowed set." : ".");
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return $"sched_setaffinity is not available: {e.Message}";
        }
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nuint cpuSetSizeBytes, ulong* mask);
}
