namespace Basalt.Fuzz.Crash;

// The crash fuzzer's settings (the `crash` command's options).
public sealed record CrashFuzzOptions
{
    public int Iterations { get; init; } = 50;
    public int Seed { get; init; } = 1;
    public string Durability { get; init; } = "sync";
    // The random kill falls within this many seconds of the workload's start; a crash point gets twice as long to fire.
    public double SecondsPerIteration { get; init; } = 2;
    public int Workers { get; init; } = 6;
    // Default: 2 for sync and group; 1 for async, so that its one log orders every write.
    public int? Shards { get; init; }
    // Small memtables flush and compact within a short iteration.
    public int MemtableMb { get; init; } = 1;
    // Replays one iteration (the seed a failure printed) instead of deriving iteration seeds from Seed.
    public int? IterationSeed { get; init; }
    // Requests per worker at most (a failure's shorter history is searched by lowering it).
    public int OpsPerWorkerMax { get; init; } = 100_000;
    // Every iteration dies at this crash point (its N still drawn from the seed) instead of the usual mix.
    public string? CrashPoint { get; init; }
    public bool Shrink { get; init; } = true;
    public bool Verbose { get; init; }
    public string? ServerDll { get; init; }
    public string WorkRoot { get; init; } = Path.GetTempPath();
    // How long one server start may take (to listening), and how long the index may take to catch up.
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan IndexCatchUpTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public int ShardCount => Shards ?? (Durability == "async" ? 1 : 2);
}
