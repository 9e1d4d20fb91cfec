using System.CommandLine;
using System.Globalization;
using System.Text;
using Basalt.Bench.Report;

namespace Basalt.Bench.Load;

// `basalt-bench load`: YCSB-style load against one server, or Basalt's server against dynalite.
//   load --target dynamodb --endpoint URL --workload a,e       one server that is already running (DynamoDB JSON API)
//   load --target resp --endpoint tcp://127.0.0.1:6379 --workload get,put   a RESP server (Redis, Garnet)
//   load --target binary --endpoint basalt://127.0.0.1:8100   Basalt's binary protocol (tables created over --admin-endpoint)
//   load --target dynamodb --vs dynalite --workload a,c        starts Basalt's server and dynalite, same data and
//                                                               load on both, rounds alternating, a report
// Closed loop by default (--concurrency workers, one request in flight each); --rate N makes it open loop, with the
// latency of each operation counted from when it was due (coordinated omission corrected).
// Against an endpoint, each workload ends with one line
//   load: target=dynamodb workload=a ops/s=... p50=...us p99=...us p999=...us max=...us errors=N
// and writes perf-results/load-<target>-<workload>.hlog, .csv and .png (LatencyFiles; --out-dir moves them).
// With --vs, after the comparison it measures Basalt's latency in open loop at half of its own peak rate (the
// issue's goal: p99 under 2 ms there). Summary lines: `load: target=dynamodb server=S workload=W ops/s=...
// p50=...us p99=...us p999=...us max=...us errors=N`, and `load: workload=W basalt_ops/s=... dynalite_ops/s=... ratio=...`.
public static class LoadBench
{
    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "dynamodb (DynamoDB's JSON API), resp (Redis protocol: get/put/a/b/c/f), binary (Basalt's binary protocol)", DefaultValueFactory = _ => "dynamodb" };
        var endpoint = new Option<string?>("--endpoint") { Description = "URL of a running server (without --vs): http://host:port for dynamodb, tcp://host:port for resp, basalt://host:port for binary" };
        var admin = new Option<string?>("--admin-endpoint") { Description = "--target binary: the server's DynamoDB API, where the tables are created (default http://HOST:8000)" };
        var vs = new Option<string?>("--vs") { Description = "Start Basalt's server and this peer (dynalite) and compare them" };
        var storage = new Option<string>("--storage") { Description = "For started servers: memory (no files) or disk (async durability on both)", DefaultValueFactory = _ => "memory" };
        var workloads = new Option<string>("--workload") { Description = "Workloads, comma-separated: a, b, c, d, e, f (YCSB), get, put", DefaultValueFactory = _ => "c" };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per workload and server", DefaultValueFactory = _ => 20 };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent clients (requests in flight)", DefaultValueFactory = _ => 64 };
        var rate = new Option<double>("--rate") { Description = "Open loop at this many operations per second (0: closed loop)", DefaultValueFactory = _ => 0 };
        var records = new Option<long>("--records") { Description = "Records loaded before measuring", DefaultValueFactory = _ => 20_000 };
        var itemBytes = new Option<int>("--item-bytes") { Description = "Bytes of field values per record (YCSB: 10 fields of 100)", DefaultValueFactory = _ => 1000 };
        var fieldCount = new Option<int>("--field-count") { Description = "Fields per record, --item-bytes split over them (YCSB: 10)", DefaultValueFactory = _ => 10 };
        var distribution = new Option<string>("--distribution") { Description = "Key distribution: zipfian (YCSB's; latest for d) or uniform", DefaultValueFactory = _ => "zipfian" };
        var scanLength = new Option<int>("--scan-length") { Description = "Workload e: longest scan, in items (YCSB's maxscanlength)", DefaultValueFactory = _ => 100 };
        var rounds = new Option<int>("--rounds") { Description = "With --vs: rounds per workload, alternating the servers", DefaultValueFactory = _ => 4 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of keys and values", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Report (with --vs)", DefaultValueFactory = _ => Path.Combine("perf-results", "dynamodb-api.md") };
        var outDir = new Option<string>("--out-dir") { Description = "Folder of the .hlog, .csv and .png files", DefaultValueFactory = _ => "perf-results" };
        var command = new Command("load", "YCSB-style load against a running server (DynamoDB API or RESP), or Basalt vs a peer");
        foreach (Option o in new Option[] { target, endpoint, admin, vs, storage, workloads, seconds, concurrency, rate, records, itemBytes, fieldCount, distribution, scanLength, rounds, seed, output, outDir })
            command.Options.Add(o);
        command.SetAction(r =>
        {
            var list = r.GetValue(workloads)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(YcsbWorkload.Get).ToList();
            string targetName = r.GetValue(target)!;
            string? problem = targetName switch
            {
                "dynamodb" => null,
                "resp" => r.GetValue(vs) is not null ? "--target resp runs against --endpoint only (the compare command starts Redis and Garnet)" : null,
                "binary" => r.GetValue(vs) is not null ? "--target binary runs against --endpoint only (the compare command starts Basalt with its binary port)" : null,
                var t => $"--target {t}: unknown ({LoadTargets.Names})",
            };
            problem ??= list.Count == 0 || list.Any(w => w is null) ? "--workload: a, b, c, d, e, f, get or put, comma-separated" : null;
            problem ??= targetName == "resp" && list.Any(w => !w!.IsKeyValue) ? "--target resp: workloads without inserts or scans only (a, b, c, f, get, put)" : null;
            problem ??= r.GetValue(vs) is { } peer && peer != "dynalite" ? $"--vs {peer}: only dynalite" : null;
            problem ??= r.GetValue(vs) is null && r.GetValue(endpoint) is null ? "give --endpoint URL (a running server) or --vs dynalite" : null;
            problem ??= r.GetValue(endpoint) is { } given && !Uri.TryCreate(given, UriKind.Absolute, out _) ? $"--endpoint {given}: not an absolute URL" : null;
            problem ??= r.GetValue(admin) is { } adminUrl && !Uri.TryCreate(adminUrl, UriKind.Absolute, out _) ? $"--admin-endpoint {adminUrl}: not an absolute URL" : null;
            problem ??= r.GetValue(storage) is not ("memory" or "disk") ? "--storage memory|disk" : null;
            problem ??= r.GetValue(distribution) is not ("zipfian" or "uniform") ? "--distribution zipfian|uniform" : null;
            problem ??= r.GetValue(seconds) is <= 0 or > 3600 || r.GetValue(concurrency) is < 1 or > 4096 || r.GetValue(records) < 1
                || r.GetValue(fieldCount) is < 1 or > 64 || r.GetValue(itemBytes) is < 1 or > 350_000 || r.GetValue(rounds) < 1 || r.GetValue(rate) < 0
                || r.GetValue(scanLength) is < 1 or > ScanLayout.ItemsPerPartition
                ? "--seconds (0, 3600], --concurrency 1..4096, --records >= 1, --field-count 1..64, --item-bytes 1..350000, --rounds >= 1, --rate >= 0, --scan-length 1..100" : null;
            if (problem is not null)
            {
                Console.Error.WriteLine("load: " + problem);
                return 2;
            }
            var settings = new Settings(list!, r.GetValue(seconds), r.GetValue(concurrency), r.GetValue(rate), r.GetValue(records),
                ItemShape.FromItemBytes(r.GetValue(itemBytes), r.GetValue(fieldCount)),
                r.GetValue(distribution) == "uniform" ? KeyDistribution.Uniform : KeyDistribution.Zipfian, r.GetValue(scanLength),
                r.GetValue(rounds), r.GetValue(seed), r.GetValue(storage)!, r.GetValue(outDir)!);
            try
            {
                if (r.GetValue(endpoint) is { } url && r.GetValue(vs) is null)
                {
                    using var t = LoadTargets.Create(targetName, new Uri(url), settings.Concurrency, out string? refused,
                        r.GetValue(admin) is { } adminGiven ? new Uri(adminGiven) : null);
                    if (t is null)
                    {
                        Console.Error.WriteLine("load: " + refused);
                        return 2;
                    }
                    RunAgainstEndpointAsync(t, settings, Console.Out).GetAwaiter().GetResult();
                }
                else
                    CompareAsync(settings, r.GetValue(output)!, Environment.GetCommandLineArgs()).GetAwaiter().GetResult();
                return 0;
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine("load: " + e.Message);
                return 1;
            }
        });
        return command;
    }

    public sealed record Settings(List<YcsbWorkload> Workloads, double Seconds, int Concurrency, double Rate, long Records,
        ItemShape Shape, KeyDistribution Distribution, int ScanLengthMax, int Rounds, ulong Seed, string Storage, string OutDir);

    // Loads the records each workload needs (once per layout), runs each workload, prints its `load:` line to `output`
    // and writes its latency files; returns the figures.
    public static async Task<List<LoadFigures>> RunAgainstEndpointAsync(ILoadTarget target, Settings s, TextWriter output)
    {
        var runner = new LoadRunner(target, null, target.Endpoint.ToString(), s.Shape, s.Records, s.Distribution,
            ScrambledZipfian.Zeta(s.Records), s.Seed, s.ScanLengthMax);
        var all = new List<LoadFigures>();
        foreach (var w in s.Workloads)
        {
            if (!target.SupportsLayout(w.Layout)) throw new InvalidOperationException($"target {target.Protocol} cannot run workload {w.Name}");
            var loading = System.Diagnostics.Stopwatch.StartNew();
            if (await runner.EnsureLoadedAsync(w, s.Concurrency))
                Console.Error.WriteLine($"load: loaded {s.Records} records into {(target.Protocol == "dynamodb" ? DynamoHttpClient.TableFor(w.Layout) : "the store")} in {loading.Elapsed.TotalSeconds:0.0} s");
            Console.Error.WriteLine($"load: workload {w.Name}, {s.Seconds:0.#} s, {s.Concurrency} clients, {(s.Rate > 0 ? $"open loop at {s.Rate:0} ops/s" : "closed loop")}");
            var started = DateTime.UtcNow;
            var f = await runner.RunAsync(w, s.Seconds, s.Concurrency, s.Rate, 0);
            all.Add(f);
            output.WriteLine(Line(target.Protocol, null, f));
            string name = $"load-{LatencyFiles.Slug(target.Protocol)}-{LatencyFiles.Slug(w.Name)}";
            var files = LatencyFiles.Write(s.OutDir, name, f.LatencyUs, started, DateTime.UtcNow,
                string.Create(CultureInfo.InvariantCulture, $"{target.Protocol} {target.Endpoint} workload {w.Name}, {(s.Rate > 0 ? $"open loop {s.Rate:0} ops/s" : "closed loop")}, {s.Concurrency} clients: {f.OpsPerSecond:0} ops/s"),
                f.Intervals);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load: wrote {string.Join(", ", files)}; machine busy / idle / steal {HostShares(f)} %; the load generator used {f.ClientCpuPercent:0}% of a core"));
            if (f.ServerBytesPerRequest is { } bytes)
                Console.Error.WriteLine($"load: server allocated {bytes:0} bytes per request (its /metrics)");
        }
        return all;
    }

    private static async Task CompareAsync(Settings s, string output, string[] args)
    {
        string root = RepoRoot();
        string runDir = Path.Combine(Path.GetTempPath(), $"basalt-load-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(runDir);
        var machine = MachineInfo.Collect(runDir);
        var started = DateTime.UtcNow;
        double zeta = ScrambledZipfian.Zeta(s.Records);
        try
        {
            await using var basalt = await PeerProcess.StartBasaltAsync(root, s.Storage, runDir);
            await using var dynalite = await PeerProcess.StartDynaliteAsync(root, s.Storage, runDir);
            using var basaltTarget = new DynamoTarget(basalt.Endpoint, s.Concurrency);
            using var dynaliteTarget = new DynamoTarget(dynalite.Endpoint, s.Concurrency);
            var runners = new[]
            {
                new LoadRunner(basaltTarget, basalt, "basalt", s.Shape, s.Records, s.Distribution, zeta, s.Seed, s.ScanLengthMax),
                new LoadRunner(dynaliteTarget, dynalite, "dynalite", s.Shape, s.Records, s.Distribution, zeta, s.Seed, s.ScanLengthMax),
            };
            var loadSeconds = new double[2];
            for (int i = 0; i < 2; i++)
            {
                Console.Error.WriteLine($"load: {(i == 0 ? "basalt" : "dynalite")}: creating {DynamoHttpClient.Table}, loading {s.Records} records");
                var clock = System.Diagnostics.Stopwatch.StartNew();
                await runners[i].LoadAsync(s.Concurrency);
                loadSeconds[i] = clock.Elapsed.TotalSeconds;
                foreach (var layout in s.Workloads.Select(w => w.Layout).Where(l => l != KeyLayout.Hash).Distinct())
                    await runners[i].LoadAsync(s.Concurrency, layout);
            }

            var results = new List<(YcsbWorkload Workload, LoadFigures Basalt, LoadFigures Dynalite, List<double> RoundRatios)>();
            foreach (var w in s.Workloads)
            {
                var figures = new List<LoadFigures>[] { [], [] };
                var starts = new DateTime[2];
                var ratios = new List<double>();
                for (int round = 0; round < s.Rounds; round++)
                {
                    // ABBA: the order flips every round, so drift weighs on both.
                    int[] order = round % 2 == 0 ? [0, 1] : [1, 0];
                    var pair = new LoadFigures[2];
                    foreach (int i in order)
                    {
                        Console.Error.WriteLine($"load: {(i == 0 ? "basalt" : "dynalite")}: workload {w.Name}, round {round + 1}/{s.Rounds}, {s.Seconds / s.Rounds:0.#} s");
                        var roundStarted = DateTime.UtcNow;
                        pair[i] = await runners[i].RunAsync(w, s.Seconds / s.Rounds, s.Concurrency, s.Rate, round);
                        if (round == 0) starts[i] = roundStarted;
                        figures[i].Add(pair[i]);
                    }
                    ratios.Add(pair[0].OpsPerSecond / Math.Max(pair[1].OpsPerSecond, 1e-9));
                }
                var b = Merge(figures[0]);
                var d = Merge(figures[1]);
                results.Add((w, b, d, ratios));
                Console.WriteLine(Line("dynamodb", "basalt", b));
                Console.WriteLine(Line("dynamodb", "dynalite", d));
                for (int i = 0; i < 2; i++)
                    LatencyFiles.Write(s.OutDir, $"load-dynamodb-{(i == 0 ? "basalt" : "dynalite")}-{w.Name}", (i == 0 ? b : d).LatencyUs, starts[i], DateTime.UtcNow,
                        string.Create(CultureInfo.InvariantCulture, $"{(i == 0 ? "basalt" : "dynalite")} (DynamoDB API), workload {w.Name}, {s.Concurrency} clients, {s.Rounds} rounds merged: {(i == 0 ? b : d).OpsPerSecond:0} ops/s"));
                Console.WriteLine($"load: workload={w.Name} basalt_ops/s={b.OpsPerSecond:0} dynalite_ops/s={d.OpsPerSecond:0} ratio={Median(ratios):0.00}");
            }

            // Latency at half of Basalt's own peak (the first workload's), open loop.
            var first = results[0];
            double halfRate = Math.Round(first.Basalt.OpsPerSecond / 2);
            Console.Error.WriteLine($"load: basalt: workload {first.Workload.Name}, open loop at {halfRate:0} ops/s for {s.Seconds:0.#} s");
            var half = await runners[0].RunAsync(first.Workload, s.Seconds, s.Concurrency, halfRate, 99);
            Console.WriteLine(Line("dynamodb", "basalt", half) + $" rate={halfRate:0} goal_p99=2000us");

            string report = Report(s, machine, args, started, basalt.Description, dynalite.Description, loadSeconds, results, half, halfRate);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            File.WriteAllText(output, report);
            Console.Error.WriteLine($"load: wrote {output}");
        }
        finally
        {
            try { Directory.Delete(runDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static LoadFigures Merge(List<LoadFigures> parts)
    {
        var histogram = new HdrHistogram.LongHistogram(1, 60_000_000, 3);
        foreach (var p in parts) histogram.Add(p.LatencyUs);
        return new LoadFigures(parts[0].Server, parts[0].Workload, parts.Sum(p => p.Ops), parts.Sum(p => p.Seconds), histogram,
            parts.Sum(p => p.Errors), parts.Select(p => p.FirstError).FirstOrDefault(e => e is not null), parts.Sum(p => p.CpuSeconds),
            SumHost(parts.Select(p => p.HostFrom)), SumHost(parts.Select(p => p.HostTo)),
            parts.Sum(p => p.ServerAllocated), parts.Sum(p => p.ServerRequests));
    }

    // The rounds' host CPU readings added up, so that the merged figures' shares weigh each round by its length.
    private static HostCpu? SumHost(IEnumerable<HostCpu?> readings)
    {
        long busy = 0, idle = 0, steal = 0;
        foreach (var r in readings)
        {
            if (r is not { } h) return null;
            (busy, idle, steal) = (busy + h.Busy, idle + h.Idle, steal + h.Steal);
        }
        return new HostCpu(busy, idle, steal);
    }

    private static string HostShares(LoadFigures f) =>
        f.Host is { } h ? string.Create(CultureInfo.InvariantCulture, $"{h.BusyPercent:0} / {h.IdlePercent:0} / {h.StealPercent:0}") : "n/a";

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    // The summary line of one measured phase; server= only when the run names its servers (--vs).
    public static string Line(string target, string? server, LoadFigures f) => string.Create(CultureInfo.InvariantCulture,
        $"load: target={target}{(server is null ? "" : " server=" + server)} workload={f.Workload} ops/s={f.OpsPerSecond:0} p50={ResultLines.Us(f.P50Us)} " +
        $"p99={ResultLines.Us(f.P99Us)} p999={ResultLines.Us(f.P999Us)} max={ResultLines.Us(f.MaxUs)} errors={f.Errors}") +
        (f.FirstError is { } e ? $" first_error=\"{e[..Math.Min(e.Length, 200)].Replace('"', '\'')}\"" : "");

    private static string Report(Settings s, MachineInfo m, string[] args, DateTime started, string basalt, string dynalite,
        double[] loadSeconds, List<(YcsbWorkload Workload, LoadFigures Basalt, LoadFigures Dynalite, List<double> RoundRatios)> results,
        LoadFigures half, double halfRate)
    {
        var inv = CultureInfo.InvariantCulture;
        var t = new StringBuilder();
        t.AppendLine("# DynamoDB JSON API: Basalt vs dynalite (`load`)");
        t.AppendLine();
        t.AppendLine(inv, $"- Date (UTC): {started:yyyy-MM-dd HH:mm}, run time {(DateTime.UtcNow - started).TotalSeconds:0} s");
        t.AppendLine(inv, $"- Machine: {m.Cores} cores, {m.Memory}, {m.Os}, CPU {m.Cpu}; runtime {m.Runtime}; commit {m.Commit}");
        t.AppendLine(inv, $"- Command: `dotnet run --project bench/Basalt.Bench -c Release -- {string.Join(' ', args.SkipWhile(a => a != "load"))}`");
        t.AppendLine();
        t.AppendLine("## Method");
        t.AppendLine(inv, $"- Data: {s.Records:N0} YCSB records (key `user` + FNV-1a hash of the sequence number; {s.Shape.FieldCount} string fields of {s.Shape.FieldBytes} random alphanumeric bytes), loaded into a fresh table `{DynamoHttpClient.Table}` (hash key `key`, S) on each server with {s.Concurrency} concurrent PutItem; then each workload for {s.Seconds:0.#} s per server in {s.Rounds} rounds that alternate the servers (A B, B A, ...), each round after a warm-up of min(1 s, 10%).");
        t.AppendLine("- Operations: a read is GetItem of a whole record (verified: a missing item counts as an error); an update or insert is PutItem of a whole record; " + (s.Distribution == KeyDistribution.Zipfian ? "YCSB's request distributions (scrambled zipfian, constant 0.99; latest for d)" : "keys drawn uniformly") + "; a scan (e) is a Query of up to " + s.ScanLengthMax.ToString(inv) + " items within one partition of table `usertable_e` (Ycsb.cs, ScanLayout).");
        t.AppendLine(inv, $"- Clients: {s.Concurrency} concurrent clients in the benchmark process (async tasks, each with its own HTTP/1.1 keep-alive connection and one request in flight; the benchmark's minimal HTTP/1.1 client, which sends the bytes HttpClient would and allocates nothing per request, so that the client leaves the shared cores to the server under test), {(s.Rate > 0 ? $"open loop at {s.Rate:0} ops/s" : "closed loop")}; the same client code, bodies and headers for both servers (a well-formed SigV4 Authorization header with a fixed signature: neither server verifies signatures here). The client shares the machine's {m.Cores} cores with the server under test.");
        t.AppendLine("- Latency: from when the operation was due (closed loop: when it started) to its answer, in an HdrHistogram (microseconds). ratio = Basalt's throughput over dynalite's, the median of the rounds' ratios. CPU µs/op: the server process's CPU time over the measured operations. Server bytes/request: what Basalt's server allocated on its managed heap per request it answered over the rounds (its /metrics: basalt_gc_allocated_bytes_total over basalt_requests_total; n/a for dynalite). Machine busy / idle / steal: shares of the machine's CPU time over the measured windows (/proc/stat); steal is time the hypervisor gave this virtual machine's CPUs to others, which stalls every thread at once and shows in the latency tail.");
        t.AppendLine("- Latency goal: after the comparison, Basalt alone in open loop at half of its own closed-loop throughput on the first workload, for the same time.");
        t.AppendLine();
        t.AppendLine("## Servers and durability");
        t.AppendLine($"- basalt: {basalt}");
        t.AppendLine($"- dynalite: {dynalite}");
        t.AppendLine(s.Storage == "memory"
            ? "- Both keep everything in memory: neither writes a file nor calls fsync (same durability: none)."
            : "- Both write to disk without fsync per write (survive a process crash, not a power loss).");
        t.AppendLine(inv, $"- Load time: basalt {loadSeconds[0]:0.00} s, dynalite {loadSeconds[1]:0.00} s ({s.Records / loadSeconds[0]:0} vs {s.Records / loadSeconds[1]:0} puts/s).");
        t.AppendLine();
        t.AppendLine("## Results");
        t.AppendLine("| workload | server | ops/s | p50 µs | p99 µs | p99.9 µs | errors | server CPU µs/op | server bytes/request | machine busy / idle / steal % | ratio (median round) | rounds' ratios |");
        t.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (w, b, d, ratios) in results)
        {
            foreach (var f in new[] { b, d })
            {
                bool isBasalt = f == b;
                t.AppendLine(inv, $"| {w.Name} | {f.Server} | {f.OpsPerSecond:N0} | {f.P50Us:0} | {f.P99Us:0} | {f.P999Us:0} | {f.Errors} | {f.CpuUsPerOp:0.0} | {(f.ServerBytesPerRequest is { } bytes ? bytes.ToString("N0", inv) : "n/a")} | {HostShares(f)} | {(isBasalt ? Median(ratios).ToString("0.00", inv) : "")} | {(isBasalt ? string.Join(" / ", ratios.Select(r => r.ToString("0.00", inv))) : "")} |");
            }
        }
        t.AppendLine();
        t.AppendLine("## Latency at half of Basalt's peak");
        t.AppendLine(inv, $"- Workload {half.Workload}, open loop at {halfRate:N0} ops/s (half of {results[0].Basalt.OpsPerSecond:N0}), {s.Concurrency} clients: achieved {half.OpsPerSecond:N0} ops/s, p50 {half.P50Us:0} µs, p99 {half.P99Us:0} µs, p99.9 {half.P999Us:0} µs, errors {half.Errors}; machine busy / idle / steal {HostShares(half)} %. Goal p99 < 2000 µs: {(half.P99Us < 2000 ? "met" : "not met")}.");
        t.AppendLine();
        t.AppendLine("## Goals");
        foreach (var (w, b, d, ratios) in results)
            t.AppendLine(inv, $"- Workload {w.Name}: Basalt at least 10x dynalite's throughput at {s.Concurrency} clients: {Median(ratios):0.00}x, {(Median(ratios) >= 10 ? "met" : "not met")}.");
        t.AppendLine();
        t.AppendLine("Summary lines:");
        t.AppendLine("```");
        foreach (var (w, b, d, ratios) in results)
        {
            t.AppendLine(Line("dynamodb", "basalt", b));
            t.AppendLine(Line("dynamodb", "dynalite", d));
            t.AppendLine(inv, $"load: workload={w.Name} basalt_ops/s={b.OpsPerSecond:0} dynalite_ops/s={d.OpsPerSecond:0} ratio={Median(ratios):0.00}");
        }
        t.AppendLine(Line("dynamodb", "basalt", half) + $" rate={halfRate:0} goal_p99=2000us");
        t.AppendLine("```");
        return t.ToString();
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Engine.sln"))) return dir.FullName;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Engine.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (Engine.sln) to start the servers from");
    }
}
