using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Basalt.Bench.Load;
using Basalt.Bench.Report;

namespace Basalt.Bench.Cache;

// `basalt-bench cache-policy`: the trace simulation that chose the cache store's eviction policy (docs/cache.md).
// Replays three synthetic traces through count-based models of LRU, SIEVE, S3-FIFO and W-TinyLFU
// (EvictionPolicies.cs) at cache sizes of 0.1%, 1% and 10% of the key space, and reports each policy's hit ratio:
//   zipfian  YCSB's scrambled zipfian, theta 0.99, over --keys keys
//   uniform  every key equally likely
//   scan     the zipfian trace, interrupted after every 10% of the key space in requests by a one-pass scan of the
//            next 5% of the key space in key order (cold keys, mostly: the zipfian's popular keys are scrambled over the
//            key space); a third of its requests are scan requests
// The first quarter of the requests warms the cache and is not counted. Deterministic for a seed.
// Ends with one line per case: `cache-policy: trace=zipfian size=1% policy=S3-FIFO hit_ratio=0.6523`.
public static class PolicySimulation
{
    public static Command Create(string[] args)
    {
        var keys = new Option<int>("--keys") { Description = "key space", DefaultValueFactory = _ => 1_000_000 };
        var requests = new Option<int>("--requests") { Description = "requests per trace (the first quarter warms up)", DefaultValueFactory = _ => 8_000_000 };
        var sizes = new Option<string>("--sizes") { Description = "comma-separated cache sizes in percent of the key space", DefaultValueFactory = _ => "0.1,1,10" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Markdown report", DefaultValueFactory = _ => Path.Combine("perf-results", "cache-policy.md") };
        var command = new Command("cache-policy", "Simulate LRU, SIEVE, S3-FIFO and W-TinyLFU on zipfian, uniform and scan-heavy traces; report hit ratios")
        {
            keys, requests, sizes, seed, output,
        };
        command.SetAction(parse =>
        {
            int keyCount = parse.GetValue(keys), requestCount = parse.GetValue(requests);
            var percents = parse.GetValue(sizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            if (keyCount < 1000 || requestCount < 1000 || percents.Any(p => p <= 0 || p >= 100))
            {
                Console.Error.WriteLine("cache-policy: --keys and --requests must be at least 1000, sizes between 0 and 100 percent");
                return 2;
            }
            var results = Run(keyCount, requestCount, percents, parse.GetValue(seed), Console.Out);
            string path = parse.GetValue(output)!;
            File.WriteAllText(path, Markdown(results, keyCount, requestCount, parse.GetValue(seed), args));
            Console.Error.WriteLine($"cache-policy: wrote {path}");
            return 0;
        });
        return command;
    }

    public sealed record Result(string Trace, double SizePercent, string Policy, double HitRatio, double Seconds);

    public static readonly string[] Traces = ["zipfian", "uniform", "scan"];

    public static List<Result> Run(int keyCount, int requestCount, double[] percents, int seed, TextWriter log)
    {
        var results = new List<Result>();
        double zeta = ScrambledZipfian.Zeta(keyCount);
        foreach (string trace in Traces)
        {
            long[] requests = Trace(trace, keyCount, requestCount, zeta, seed);
            foreach (double percent in percents)
            {
                int capacity = Math.Max(10, (int)(keyCount * percent / 100));
                foreach (var policy in Policies(capacity))
                {
                    var sw = Stopwatch.StartNew();
                    int warm = requests.Length / 4;
                    long hits = 0;
                    for (int i = 0; i < requests.Length; i++)
                        if (policy.Access(requests[i]) && i >= warm) hits++;
                    var result = new Result(trace, percent, policy.Name, (double)hits / (requests.Length - warm), sw.Elapsed.TotalSeconds);
                    results.Add(result);
                    log.WriteLine(FormattableString.Invariant(
                        $"cache-policy: trace={trace} size={percent}% policy={policy.Name.Replace(' ', '_')} hit_ratio={result.HitRatio:0.0000}"));
                }
            }
        }
        return results;
    }

    private static IEnumerable<IEvictionPolicy> Policies(int capacity)
    {
        yield return new LruPolicy(capacity);
        yield return new SievePolicy(capacity);
        yield return new S3FifoPolicy(capacity, moveThreshold: 1);
        yield return new S3FifoPolicy(capacity, moveThreshold: 2);
        yield return new WTinyLfuPolicy(capacity);
    }

    // The request keys of one trace. The scan trace: after every ScanEvery zipfian requests, a scan of ScanLength
    // consecutive keys (a third of its requests are scan requests), each scan continuing where the last one stopped.
    internal static long[] Trace(string trace, int keyCount, int requestCount, double zeta, int seed)
    {
        var random = new Random(seed);
        var zipf = new ScrambledZipfian(keyCount, zeta);
        var requests = new long[requestCount];
        int scanLength = Math.Max(1, keyCount / 20), scanEvery = scanLength * 2;
        long cursor = 0;
        for (int i = 0; i < requestCount;)
        {
            switch (trace)
            {
                case "zipfian":
                    requests[i++] = zipf.Next(random);
                    break;
                case "uniform":
                    requests[i++] = random.NextInt64(keyCount);
                    break;
                case "scan":
                    for (int j = 0; j < scanEvery && i < requestCount; j++) requests[i++] = zipf.Next(random);
                    for (int j = 0; j < scanLength && i < requestCount; j++) requests[i++] = cursor++ % keyCount;
                    break;
                default:
                    throw new ArgumentException($"unknown trace {trace}");
            }
        }
        return requests;
    }

    private static string Markdown(List<Result> results, int keyCount, int requestCount, int seed, string[] args)
    {
        var machine = MachineInfo.Collect(Path.GetTempPath());
        var md = new StringBuilder();
        md.AppendLine("# Cache eviction policy: trace simulation");
        md.AppendLine();
        md.AppendLine(FormattableString.Invariant($"Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. Machine: {machine.Cores} cores ({machine.Cpu}), {machine.Memory}, ") +
            FormattableString.Invariant($"{machine.Os}, {machine.Runtime}, commit {machine.Commit}. The machine was shared with other work: the seconds ") +
            "columns are noisy; the hit ratios are deterministic for the seed.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Command: `dotnet run --project bench/Basalt.Bench -c Release -- {string.Join(' ', args)}`");
        md.AppendLine();
        md.AppendLine(FormattableString.Invariant($"Method: {requestCount:N0} requests per trace over {keyCount:N0} keys (seed {seed}); a miss inserts the key; ") +
            "the first quarter of the requests warms the cache and is not counted. Count-based models of each policy " +
            "(bench/Basalt.Bench/Cache/EvictionPolicies.cs): every entry has the same size, so the ratios compare the " +
            "policies' choices, not their memory overheads. Traces: `zipfian` is YCSB's scrambled zipfian (theta 0.99); " +
            "`uniform` picks every key alike; `scan` is the zipfian trace with, after every 10% of the key space in zipfian " +
            "requests, a one-pass scan of the next 5% of the key space in key order (a third of its requests are scan requests).");
        md.AppendLine();
        foreach (string trace in Traces)
        {
            var rows = results.Where(r => r.Trace == trace).ToList();
            if (rows.Count == 0) continue;
            var percents = rows.Select(r => r.SizePercent).Distinct().ToList();
            md.AppendLine(CultureInfo.InvariantCulture, $"## {trace}");
            md.AppendLine();
            md.AppendLine("| policy | " + string.Join(" | ", percents.Select(p => FormattableString.Invariant($"hit ratio at {p}%"))) + " | seconds |");
            md.AppendLine("| --- | " + string.Join(" | ", percents.Select(_ => "---:")) + " | ---: |");
            foreach (var policy in rows.Select(r => r.Policy).Distinct())
            {
                var cells = percents.Select(p => rows.First(r => r.Policy == policy && r.SizePercent == p).HitRatio.ToString("0.0000", CultureInfo.InvariantCulture));
                double seconds = rows.Where(r => r.Policy == policy).Sum(r => r.Seconds);
                md.AppendLine(CultureInfo.InvariantCulture, $"| {policy} | {string.Join(" | ", cells)} | {seconds:0.0} |");
            }
            md.AppendLine();
        }
        return md.ToString();
    }
}
