namespace Basalt.Fuzz.Targets;

// Runs inputs through a target in this process, without AFL++: the seeds and the kept crash inputs in tests, and
// `target NAME --replay PATH...` by hand. Each input runs on its own background thread with a time limit, so a
// hang is reported instead of stopping the run (the thread is left behind; the process exits after the report).
// A stack overflow still ends the process: .NET cannot catch it.
public static class Replay
{
    public const int InputTimeoutMs = 10_000;

    public sealed record Failure(string Path, string Reason);

    // The files under each path (a file, or a directory walked recursively), in a stable order.
    public static IEnumerable<string> Inputs(IEnumerable<string> paths)
    {
        foreach (string path in paths)
        {
            if (File.Exists(path)) yield return path;
            else if (Directory.Exists(path))
                foreach (string file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                    if (!Path.GetFileName(file).StartsWith('.')) yield return file;
        }
    }

    // Null when the input ran as its target's contract allows; otherwise why not.
    public static string? RunOne(FuzzTarget target, byte[] input, int timeoutMs = InputTimeoutMs)
    {
        Exception? escaped = null;
        var thread = new Thread(() =>
        {
            try
            {
                target.Run(input);
            }
            catch (Exception e)
            {
                escaped = e;
            }
        }) { IsBackground = true, Name = "fuzz-replay" };
        thread.Start();
        if (!thread.Join(timeoutMs)) return $"hang: no answer in {timeoutMs} ms";
        return escaped is null ? null : Describe(escaped);
    }

    public static List<Failure> Run(FuzzTarget target, IEnumerable<string> paths, TextWriter? log = null)
    {
        var failures = new List<Failure>();
        foreach (string path in Inputs(paths))
        {
            string? reason = RunOne(target, File.ReadAllBytes(path));
            if (reason is null) continue;
            failures.Add(new Failure(path, reason));
            log?.WriteLine($"FAIL target={target.Name} input={path}: {reason}");
        }
        return failures;
    }

    // The exception type, message and the first frames: enough to tell two crashes apart.
    public static string Describe(Exception e)
    {
        string frames = string.Join(" < ", (e.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Take(4).Select(f => f.Trim().Replace("at ", "", StringComparison.Ordinal)));
        return $"{e.GetType().FullName}: {e.Message} [{frames}]";
    }
}
