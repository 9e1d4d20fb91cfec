using System.CommandLine;
using System.Globalization;
using Basalt.Bench.Engine;
using Basalt.Bench.Load;

namespace Basalt.Bench.Cache;

// `basalt-bench cache`: Basalt's embedded cache store side by side with in-process caches in one run:
//   cache --vs faster --peers faster,memorycache,bitfaster --seconds 10 --keys 1000000 --value-bytes 100 --threads 1,2
//         --mixes 90/10,50/50 --distributions zipfian,uniform --rounds 2 --out perf-results/cache.md
// One summary line per case and peer of --vs (CacheRunner.Line); Markdown, CSV and PNG in perf-results/ (CacheReport).
// Exit codes: 0 success, 1 the run failed (a wrong value, a failed cache), 2 bad arguments.
public static class CacheBench
{
    public static Command Create(string[] args)
    {
        var vs = new Option<string>("--vs") { Description = "Peers that get a summary line, comma-separated: faster, memorycache, bitfaster (every peer of --peers is measured and in the report)", DefaultValueFactory = _ => string.Join(",", CacheTargets.PeerNames) };
        var peersOption = new Option<string>("--peers") { Description = "Caches measured beside Basalt, comma-separated (those of --vs are added)", DefaultValueFactory = _ => string.Join(",", CacheTargets.PeerNames) };
        var seconds = new Option<double>("--seconds") { Description = "Counted seconds per case, cache and round", DefaultValueFactory = _ => 10 };
        var keys = new Option<int>("--keys") { Description = "Keys, all preloaded", DefaultValueFactory = _ => 1_000_000 };
        var valueBytes = new Option<int>("--value-bytes") { Description = "Value size in bytes", DefaultValueFactory = _ => 100 };
        var threads = new Option<string>("--threads") { Description = "Comma-separated thread counts", DefaultValueFactory = _ => "1,2" };
        var mixes = new Option<string>("--mixes") { Description = "Comma-separated get/set mixes", DefaultValueFactory = _ => "90/10,50/50" };
        var distributions = new Option<string>("--distributions") { Description = "Comma-separated key distributions: zipfian, uniform", DefaultValueFactory = _ => "zipfian,uniform" };
        var rounds = new Option<int>("--rounds") { Description = "Rounds per case, alternating the caches' order", DefaultValueFactory = _ => 2 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of keys and sequences", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Markdown report (a .csv and a .png are written next to it), or a folder for cache.md", DefaultValueFactory = _ => "perf-results" };
        var command = new Command("cache", "Basalt's cache store vs FASTER KV, MemoryCache and BitFaster.Caching in one run");
        foreach (Option o in new Option[] { vs, peersOption, seconds, keys, valueBytes, threads, mixes, distributions, rounds, seed, output })
            command.Options.Add(o);

        command.SetAction(r =>
        {
            List<string> vsList = Split(r.GetValue(vs)!);
            // In the registry's order, so the report's rows do not depend on how the options were spelled.
            List<string> requested = Split(r.GetValue(peersOption)!).Union(vsList).ToList();
            if (requested.FirstOrDefault(p => CacheTargets.Peer(p) is null) is string unknown)
                return Usage($"--vs/--peers: '{unknown}' is not one of {string.Join(", ", CacheTargets.PeerNames)}");
            List<string> peers = CacheTargets.PeerNames.Where(requested.Contains).ToList();
            if (!EngineBenchOptions.TryParseList(r.GetValue(threads)!, ParseInt, out List<int> threadCounts, out string bad))
                return Usage($"--threads: '{bad}' is not a thread count");
            var mixList = Split(r.GetValue(mixes)!).Select(m => (Text: m, Mix: CacheMix.Parse(m))).ToList();
            if (mixList.FirstOrDefault(m => m.Mix is null).Text is string badMix)
                return Usage($"--mixes: '{badMix}' is not a get/set mix like 90/10");
            var distributionList = Split(r.GetValue(distributions)!).Select(d => (Text: d, Distribution: CacheBenchSettings.ParseDistribution(d))).ToList();
            if (distributionList.FirstOrDefault(d => d.Distribution is null).Text is string badDistribution)
                return Usage($"--distributions: '{badDistribution}' is not zipfian or uniform");
            string outPath = r.GetValue(output)!;
            if (!outPath.EndsWith(".md", StringComparison.OrdinalIgnoreCase)) outPath = Path.Combine(outPath, "cache.md");

            var settings = new CacheBenchSettings(peers, vsList, r.GetValue(seconds), r.GetValue(keys), r.GetValue(valueBytes), threadCounts,
                mixList.Select(m => m.Mix!.Value).Distinct().ToList(), distributionList.Select(d => d.Distribution!.Value).Distinct().ToList(),
                r.GetValue(rounds), r.GetValue(seed), outPath, args);
            if (settings.Validate() is string problem) return Usage(problem);
            try
            {
                CacheBenchResult result = Run(settings, Console.Out, Console.Error);
                IReadOnlyList<string> files = CacheReport.Write(result);
                Console.Error.WriteLine($"cache: wrote {string.Join(", ", files)}");
                return 0;
            }
            catch (Exception e) when (e is VerificationException or InvalidOperationException or TimeoutException)
            {
                Console.Error.WriteLine($"cache: failed: {e.Message}");
                if (e.InnerException is not null) Console.Error.WriteLine(e.InnerException);
                return 1;
            }
        });
        return command;
    }

    // The whole matrix with Basalt's store first and the named peers after it; summary lines go to `summary`.
    public static CacheBenchResult Run(CacheBenchSettings settings, TextWriter summary, TextWriter progress)
    {
        var peers = settings.Peers.Select(p => CacheTargets.Peer(p) ?? throw new ArgumentException($"unknown peer {p}")).ToList();
        return new CacheRunner(settings, CacheTargets.First(), peers, summary, progress).Run();
    }

    private static List<string> Split(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();

    private static int? ParseInt(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : null;

    private static int Usage(string message)
    {
        Console.Error.WriteLine($"cache: {message}");
        return 2;
    }
}
