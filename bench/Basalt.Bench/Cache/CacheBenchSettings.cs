using System.Globalization;
using Basalt.Bench.Load;

namespace Basalt.Bench.Cache;

// One get/set mix: GetPercent of the operations are gets, the rest sets. Named as on the command line ("90/10").
public readonly record struct CacheMix(int GetPercent)
{
    public int SetPercent => 100 - GetPercent;
    public string Name => string.Create(CultureInfo.InvariantCulture, $"{GetPercent}/{SetPercent}");

    // "90/10" (the two parts must add up to 100) or "90".
    public static CacheMix? Parse(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length is < 1 or > 2) return null;
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int get) || get > 100) return null;
        if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int set) || get + set != 100)) return null;
        return new CacheMix(get);
    }
}

// Everything the `cache` command was asked to run. Peers are the registry names of the caches measured beside Basalt's
// CacheStore (faster, memorycache, bitfaster), which always runs and is the numerator of every ratio; Vs are the peers
// that get a summary line (all of them in the report). The command, `cache --vs faster`, measures every peer
// and prints FASTER's lines.
public sealed record CacheBenchSettings(
    IReadOnlyList<string> Peers,
    IReadOnlyList<string> Vs,
    double Seconds,
    int Keys,
    int ValueBytes,
    IReadOnlyList<int> Threads,
    IReadOnlyList<CacheMix> Mixes,
    IReadOnlyList<KeyDistribution> Distributions,
    int Rounds,
    ulong Seed,
    string Out,
    IReadOnlyList<string> CommandLineArgs)
{
    public string CsvPath => Path.ChangeExtension(Out, ".csv");
    public string PngPath => Path.ChangeExtension(Out, ".png");

    // The per-thread operation sequence is replayed in a loop; 4 Mi operations (16 MiB per thread) is long enough that a
    // zipfian or uniform sample of it looks like the distribution, and short enough to generate in a fraction of a second.
    // Tests shorten it; it must be a multiple of CacheLoop.SampleEvery.
    public int SequenceLength { get; init; } = 1 << 22;

    public string? Validate()
    {
        if (Peers.Count == 0) return "--peers: at least one peer";
        if (Vs.Count == 0) return "--vs: at least one peer";
        if (Vs.FirstOrDefault(v => !Peers.Contains(v)) is string missing) return $"--vs: {missing} is not among --peers";
        if (Seconds is <= 0 or > 3600) return "--seconds: (0, 3600]";
        if (Keys is < 64 or > 100_000_000) return "--keys: 64 .. 100,000,000";
        if (ValueBytes is < 8 or > 1 << 20) return "--value-bytes: 8 .. 1 MiB (the first 8 bytes carry the key, for verification)";
        if (Threads.Count == 0 || Threads.Any(t => t is < 1 or > 256)) return "--threads: 1 .. 256";
        if (Mixes.Count == 0) return "--mixes: at least one, like 90/10";
        if (Distributions.Count == 0) return "--distributions: zipfian, uniform";
        if (Rounds is < 1 or > 100) return "--rounds: 1 .. 100";
        if (SequenceLength < CacheLoop.SampleEvery || SequenceLength % CacheLoop.SampleEvery != 0) return "sequence length: a positive multiple of 64";
        return null;
    }

    public static string DistributionName(KeyDistribution distribution) =>
        distribution == KeyDistribution.Zipfian ? "zipfian" : "uniform";

    public static KeyDistribution? ParseDistribution(string text) => text switch
    {
        "zipfian" => KeyDistribution.Zipfian,
        "uniform" => KeyDistribution.Uniform,
        _ => null,
    };
}
