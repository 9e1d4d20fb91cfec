namespace Basalt.Fuzz.Crash;

// How an iteration's server dies, chosen by the iteration's seed alone (so a rerun of a failure dies the same way):
// two iterations in three a SIGKILL from the supervisor at a random moment; one in three an in-engine crash point
// (BASALT_CRASH_POINT, server/Basalt.Server/Testing/CrashPoint.cs) at the Nth operation of its kind, N drawn from a
// range the kind reaches within a short iteration.
public sealed record KillPlan(string? CrashPoint, double KillAtSeconds)
{
    public static KillPlan For(int iterationSeed, CrashFuzzOptions options)
    {
        var random = new Random(Seeds.Mix(iterationSeed, 0x6b696c6c));
        double killAt = 0.05 + random.NextDouble() * Math.Max(0.05, options.SecondsPerIteration - 0.05);
        if (random.Next(3) != 0) return new KillPlan(null, killAt);
        string point = global::Basalt.Server.Testing.CrashPoint.Names[random.Next(global::Basalt.Server.Testing.CrashPoint.Names.Count)];
        int n = point switch
        {
            "wal-sync" => 1 + random.Next(300),
            "flush-write" => 1 + random.Next(40),
            "compaction-write" => 1 + random.Next(20),
            _ => 1 + random.Next(8),
        };
        return new KillPlan($"{point}:{n}", options.SecondsPerIteration * 2);
    }

    public override string ToString() => CrashPoint is null ? $"SIGKILL at {KillAtSeconds:0.00} s" : $"crash point {CrashPoint}";
}
