namespace Basalt.Fuzz.Crash;

// How an iteration's server dies, chosen by the iteration's seed alone (so a rerun of a failure dies the same way):
// two iterations in three a SIGKILL from the supervisor at a random moment; one in three an in-engine crash point
// (BASALT_CRASH_POINT, server/Basalt.Server/Testing/CrashPoint.cs) at the Nth operation of its kind, N drawn from a
// range the kind reaches within a short iteration. One of the crash points, wal-power-loss, also tears the WAL's
// unsynced tail away: the check then holds each mode to its promise after a power loss.
public sealed record KillPlan(string? CrashPoint, double KillAtSeconds)
{
    public static KillPlan For(int iterationSeed, CrashFuzzOptions options)
    {
        var random = new Random(Seeds.Mix(iterationSeed, 0x6b696c6c));
        double killAt = 0.05 + random.NextDouble() * Math.Max(0.05, options.SecondsPerIteration - 0.05);
        var names = global::Basalt.Server.Testing.CrashPoint.Names;
        bool usePoint = random.Next(3) == 0;
        string point = names[random.Next(names.Count)];
        if (options.CrashPoint is { } only) (usePoint, point) = (true, only);
        if (!usePoint) return new KillPlan(null, killAt);
        int n = point switch
        {
            // Async mode fsyncs in the background, every 100 ms: a few per second.
            "wal-sync" or "wal-power-loss" => 1 + random.Next(options.Durability == "async" ? 12 : 300),
            "flush-write" => 1 + random.Next(40),
            "compaction-write" => 1 + random.Next(20),
            _ => 1 + random.Next(8),
        };
        return new KillPlan($"{point}:{n}", options.SecondsPerIteration * 2);
    }

    // A power loss (the WAL's unsynced tail torn away) rather than a kill of the process.
    public bool LosesUnsyncedWal => CrashPoint?.StartsWith("wal-power-loss:", StringComparison.Ordinal) == true;

    public override string ToString() => CrashPoint is null ? $"SIGKILL at {KillAtSeconds:0.00} s" : $"crash point {CrashPoint}";
}
