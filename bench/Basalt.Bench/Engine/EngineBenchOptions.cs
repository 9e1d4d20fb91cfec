namespace Basalt.Bench.Engine;

// The parsed and validated `engine` command line. Immutable; Validate() returns the first problem a user must fix.
public sealed record EngineBenchOptions
{
    public required string First { get; init; }
    public required string Vs { get; init; }
    public required long Keys { get; init; }
    public required double Seconds { get; init; }
    public required IReadOnlyList<int> Threads { get; init; }
    public required IReadOnlyList<BenchDurability> Durabilities { get; init; }
    public required int ValueBytes { get; init; }
    public required int KeyBytes { get; init; }
    public string? DataDir { get; init; }
    public required string Out { get; init; }
    public required IReadOnlyList<string> Cases { get; init; }
    public required int GroupCommitMs { get; init; }
    public required int SyncWriters { get; init; }
    public required ulong Seed { get; init; }

    // The exact arguments the command was given, for the report.
    public required IReadOnlyList<string> CommandLineArgs { get; init; }

    public const string CasePut = "put";
    public const string CaseGet = "get";

    // Caps that keep one run inside this machine's means: 64 writers of sync puts need 64 threads, and the shared key
    // table is one array.
    public const int ThreadsMax = 1024;
    public const int ValueBytesMax = 1 << 20;
    public const int KeyBytesMax = 1024;

    public string? Validate()
    {
        if (First == Vs) return $"--first and --vs name the same target ({First}); pick two different ones.";
        if (Keys < 1) return "--keys must be at least 1.";
        if (!(Seconds > 0)) return "--seconds must be positive.";
        if (Threads.Count == 0) return "--threads needs at least one thread count.";
        foreach (int t in Threads) if (t < 1 || t > ThreadsMax) return $"--threads: {t} is outside 1..{ThreadsMax}.";
        if (Durabilities.Count == 0) return "--durability needs at least one of sync, group, async.";
        if (ValueBytes < 1 || ValueBytes > ValueBytesMax) return $"--value-bytes must be within 1..{ValueBytesMax}.";
        if (KeyBytes < Workload.KeyBytesMin || KeyBytes > KeyBytesMax) return $"--key-bytes must be within {Workload.KeyBytesMin}..{KeyBytesMax} (keys are distinct by construction from 8 bytes on).";
        if (Keys * KeyBytes > Array.MaxLength) return $"--keys x --key-bytes ({Keys} x {KeyBytes}) must fit in one array of {Array.MaxLength} bytes.";
        if (Cases.Count == 0) return "--cases needs at least one of put, get.";
        foreach (string c in Cases) if (c != CasePut && c != CaseGet) return $"--cases: unknown case '{c}' (known: put, get).";
        if (GroupCommitMs < 1) return "--group-commit-ms must be at least 1.";
        if (SyncWriters < 0 || SyncWriters > ThreadsMax) return $"--sync-writers must be within 0..{ThreadsMax} (0 skips the group-commit scaling case).";
        return null;
    }

    public static bool TryParseList<T>(string text, Func<string, T?> parseOne, out List<T> values, out string badItem) where T : struct
    {
        values = new List<T>();
        badItem = "";
        foreach (string raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            T? value = parseOne(raw);
            if (value is null) { badItem = raw; return false; }
            if (!values.Contains(value.Value)) values.Add(value.Value);
        }
        return true;
    }

    public static BenchDurability? ParseDurability(string text) => text.ToLowerInvariant() switch
    {
        "sync" => BenchDurability.Sync,
        "group" => BenchDurability.Group,
        "async" => BenchDurability.Async,
        _ => null,
    };

    public static string DurabilityName(BenchDurability durability) => durability switch
    {
        BenchDurability.Sync => "sync",
        BenchDurability.Group => "group",
        BenchDurability.Async => "async",
        _ => throw new ArgumentOutOfRangeException(nameof(durability)),
    };
}
