using System.CommandLine;
using System.Globalization;
using System.Text;
using Basalt.Bench.Load;
using Basalt.Bench.Report;

namespace Basalt.Bench.Compare;

// `basalt-bench compare`: Basalt's server and its peers side by side in one run, each started as a process on
// 127.0.0.1 by the benchmark, with the same records, item size, key distribution, concurrency and pipelining depth:
//   compare --peers dynalite,redis,garnet --seconds 20
// Peers: dynalite (DynamoDB's JSON API), redis and garnet (RESP, through RespTarget). Basalt is measured through its
// DynamoDB API against dynalite ("basalt"), and through its binary protocol against the RESP peers ("basalt-binary", a
// second Basalt server driven by BinaryTarget; BasisFor picks). Workloads: get and put for every peer, YCSB a and c too
// for the peers that speak DynamoDB's API. Each workload runs --rounds rounds; in each round every server runs once, the order reversed every
// other round; ratio = Basalt's ops/s over the peer's, the median of the rounds' ratios.
// With two or more cores, every server runs on core 1 (taskset) and the load generator on core 0.
// Output: perf-results/compare.md and compare.csv; one line per peer and workload:
//   compare: peer=garnet workload=get ops/s=... p99=...us basalt_ops/s=... ratio=... basalt_protocol=binary
public static class CompareBench
{
    private static readonly string[] KnownPeers = ["dynalite", "redis", "garnet"];

    // args: the program's arguments, for the report's command line.
    public static Command Create(string[] args)
    {
        var peers = new Option<string>("--peers") { Description = "Peers, comma-separated: dynalite, redis, garnet", DefaultValueFactory = _ => "dynalite,redis,garnet" };
        var workloads = new Option<string>("--workload") { Description = "Workloads: get, put (all peers); a, c (peers with DynamoDB's API)", DefaultValueFactory = _ => "get,put,a,c" };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per workload and server (split over the rounds)", DefaultValueFactory = _ => 20 };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent clients, one connection and one request in flight each", DefaultValueFactory = _ => 64 };
        var records = new Option<long>("--records") { Description = "Records loaded into each server", DefaultValueFactory = _ => 20_000 };
        var itemBytes = new Option<int>("--item-bytes") { Description = "Bytes of values per record", DefaultValueFactory = _ => 1000 };
        var fieldCount = new Option<int>("--field-count") { Description = "DynamoDB attributes the item bytes are split over (RESP: one value)", DefaultValueFactory = _ => 10 };
        var distribution = new Option<string>("--distribution") { Description = "zipfian or uniform", DefaultValueFactory = _ => "zipfian" };
        var storage = new Option<string>("--storage") { Description = "memory (nothing on disk anywhere) or disk (each server's lazy-fsync mode)", DefaultValueFactory = _ => "memory" };
        var rounds = new Option<int>("--rounds") { Description = "Rounds per workload, alternating the servers' order", DefaultValueFactory = _ => 2 };
        var pin = new Option<bool>("--no-pin") { Description = "Do not pin the servers and the load generator to separate cores" };
        var smoke = new Option<bool>("--smoke") { Description = "Label the report a smoke run (proves the pipeline; its figures are not measurements)" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of keys and values", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Report; a .csv is written next to it", DefaultValueFactory = _ => Path.Combine("perf-results", "compare.md") };
        var command = new Command("compare", "Basalt's server and its peers (dynalite, Redis, Garnet) side by side in one run");
        foreach (Option o in new Option[] { peers, workloads, seconds, concurrency, records, itemBytes, fieldCount, distribution, storage, rounds, pin, smoke, seed, output })
            command.Options.Add(o);
        command.SetAction(r =>
        {
            var peerList = r.GetValue(peers)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
            var workloadList = r.GetValue(workloads)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct()
                .Select(YcsbWorkload.Get).ToList();
            string? problem = peerList.Count == 0 || peerList.Any(p => !KnownPeers.Contains(p)) ? "--peers: dynalite, redis, garnet" : null;
            problem ??= workloadList.Count == 0 || workloadList.Any(w => w is null || !w.IsKeyValue) ? "--workload: get, put, a, b, c, f (no inserts or scans: RESP peers run them too)" : null;
            problem ??= r.GetValue(storage) is not ("memory" or "disk") ? "--storage memory|disk" : null;
            problem ??= r.GetValue(distribution) is not ("zipfian" or "uniform") ? "--distribution zipfian|uniform" : null;
            problem ??= r.GetValue(seconds) is <= 0 or > 3600 || r.GetValue(concurrency) is < 1 or > 4096 || r.GetValue(records) < 1
                || r.GetValue(fieldCount) is < 1 or > 64 || r.GetValue(itemBytes) is < 1 or > 350_000 || r.GetValue(rounds) < 1
                ? "--seconds (0, 3600], --concurrency 1..4096, --records >= 1, --field-count 1..64, --item-bytes 1..350000, --rounds >= 1" : null;
            if (problem is not null)
            {
                Console.Error.WriteLine("compare: " + problem);
                return 2;
            }
            var settings = new CompareSettings(peerList, workloadList!, r.GetValue(seconds), r.GetValue(concurrency), r.GetValue(records),
                ItemShape.FromItemBytes(r.GetValue(itemBytes), r.GetValue(fieldCount)),
                r.GetValue(distribution) == "uniform" ? KeyDistribution.Uniform : KeyDistribution.Zipfian, r.GetValue(storage)!,
                r.GetValue(rounds), !r.GetValue(pin) && Environment.ProcessorCount >= 2, r.GetValue(smoke), r.GetValue(seed), r.GetValue(output)!);
            try
            {
                RunAsync(settings, args).GetAwaiter().GetResult();
                return 0;
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine("compare: " + e.Message);
                return 1;
            }
        });
        return command;
    }

    public sealed record CompareSettings(List<string> Peers, List<YcsbWorkload> Workloads, double Seconds, int Concurrency, long Records,
        ItemShape Shape, KeyDistribution Distribution, string Storage, int Rounds, bool Pin, bool Smoke, ulong Seed, string Output);

    // One server under test: its process, its target, the runner that loads and drives it.
    private sealed record Server(string Name, PeerProcess Process, ILoadTarget Target, LoadRunner Runner)
    {
        public string Protocol => Target.Protocol;
    }

    public sealed record Row(string Peer, string Protocol, string Workload, LoadFigures PeerFigures, LoadFigures Basalt, string BasaltProtocol, List<double> RoundRatios)
    {
        public double Ratio => Median(RoundRatios);
    }

    private const int ServerCore = 1, LoadCore = 0;

    private static async Task RunAsync(CompareSettings s, string[] args)
    {
        string root = RepoRoot();
        string runDir = Path.Combine(Path.GetTempPath(), $"basalt-compare-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(runDir);
        var machine = MachineInfo.Collect(runDir);
        var started = DateTime.UtcNow;
        int? serverCore = s.Pin ? ServerCore : null;
        bool pinned = s.Pin && CpuPinning.PinProcess(LoadCore);
        if (s.Pin && !pinned) Console.Error.WriteLine("compare: could not pin the load generator to core 0; it runs unpinned");
        double zeta = ScrambledZipfian.Zeta(s.Records);
        var servers = new List<Server>();
        try
        {
            servers.Add(await StartAsync("basalt", root, s, runDir, serverCore, zeta));
            // The RESP peers are set against Basalt's binary protocol: a second Basalt server of its own, driven through
            // its binary port (idle while the others run).
            if (s.Peers.Any(p => p is "redis" or "garnet")) servers.Add(await StartAsync("basalt-binary", root, s, runDir, serverCore, zeta));
            foreach (string peer in s.Peers) servers.Add(await StartAsync(peer, root, s, runDir, serverCore, zeta));
            var loadSeconds = new Dictionary<string, double>();
            foreach (var server in servers)
            {
                Console.Error.WriteLine($"compare: {server.Name}: loading {s.Records} records of {s.Shape.ItemBytes} bytes");
                var clock = System.Diagnostics.Stopwatch.StartNew();
                await server.Runner.LoadAsync(s.Concurrency);
                loadSeconds[server.Name] = clock.Elapsed.TotalSeconds;
            }

            var rows = new List<Row>();
            foreach (var w in s.Workloads)
            {
                // get and put run everywhere; YCSB's mixes only where DynamoDB's API is spoken.
                var taking = servers.Where(x => w.Name is "get" or "put" || x.Protocol == "dynamodb").ToList();
                var figures = taking.ToDictionary(x => x.Name, _ => new List<LoadFigures>());
                var workloadStarted = DateTime.UtcNow;
                for (int round = 0; round < s.Rounds; round++)
                {
                    var order = round % 2 == 0 ? taking : Enumerable.Reverse(taking).ToList();
                    foreach (var server in order)
                    {
                        Console.Error.WriteLine($"compare: {server.Name}: workload {w.Name}, round {round + 1}/{s.Rounds}, {s.Seconds / s.Rounds:0.#} s");
                        figures[server.Name].Add(await server.Runner.RunAsync(w, s.Seconds / s.Rounds, s.Concurrency, 0, round));
                    }
                }
                string stem = Path.GetFileNameWithoutExtension(s.Output) + "-" + LatencyFiles.Slug(w.Name);
                var files = LatencyFiles.WriteSeries(Path.GetDirectoryName(Path.GetFullPath(s.Output))!, stem,
                    taking.Select(x => (x.Name, (HdrHistogram.HistogramBase)Merge(figures[x.Name]).LatencyUs)).ToList(), workloadStarted, DateTime.UtcNow,
                    string.Create(CultureInfo.InvariantCulture, $"workload {w.Name}, {s.Concurrency} clients, closed loop{(s.Smoke ? " (smoke run)" : "")}"));
                Console.Error.WriteLine($"compare: wrote {string.Join(", ", files)}");
                foreach (var peer in taking.Where(x => !x.Name.StartsWith("basalt", StringComparison.Ordinal)))
                {
                    var basis = BasisFor(peer, taking);
                    var ratios = figures[basis.Name].Zip(figures[peer.Name], (b, p) => b.OpsPerSecond / Math.Max(p.OpsPerSecond, 1e-9)).ToList();
                    var row = new Row(peer.Name, peer.Protocol, w.Name, Merge(figures[peer.Name]), Merge(figures[basis.Name]), basis.Protocol, ratios);
                    rows.Add(row);
                    Console.WriteLine(Line(row));
                }
            }

            string report = Report(s, machine, args, started, pinned, servers, loadSeconds, rows);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(s.Output))!);
            File.WriteAllText(s.Output, report);
            string csv = Path.ChangeExtension(s.Output, ".csv");
            File.WriteAllText(csv, Csv(rows));
            Console.Error.WriteLine($"compare: wrote {s.Output} and {csv}");
        }
        finally
        {
            foreach (var server in servers)
            {
                server.Target.Dispose();
                await server.Process.DisposeAsync();
            }
            try { Directory.Delete(runDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    // The Basalt server a peer is set against: its binary protocol for RESP peers when one runs ("basalt-binary"),
    // else its DynamoDB API ("basalt").
    private static Server BasisFor(Server peer, List<Server> running) =>
        (peer.Protocol == "resp" ? running.FirstOrDefault(x => x.Name == "basalt-binary") : null) ?? running.First(x => x.Name == "basalt");

    private static async Task<Server> StartAsync(string name, string root, CompareSettings s, string runDir, int? core, double zeta)
    {
        Console.Error.WriteLine($"compare: starting {name}{(core is { } c ? $" on core {c}" : "")}");
        PeerProcess process = name switch
        {
            "basalt" or "basalt-binary" => await PeerProcess.StartBasaltAsync(root, s.Storage, runDir, core),
            "dynalite" => await PeerProcess.StartDynaliteAsync(root, s.Storage, runDir, core),
            "redis" => await PeerProcess.StartRedisAsync(s.Storage, runDir, core),
            "garnet" => await PeerProcess.StartGarnetAsync(root, s.Storage, runDir, core),
            _ => throw new InvalidOperationException($"unknown peer {name}"),
        };
        ILoadTarget target = name switch
        {
            "redis" or "garnet" => new RespTarget(process.Endpoint),
            "basalt-binary" => new BinaryTarget(process.BinaryEndpoint!, process.Endpoint),
            _ => new DynamoTarget(process.Endpoint, s.Concurrency),
        };
        return new Server(name, process, target, new LoadRunner(target, process, name, s.Shape, s.Records, s.Distribution, zeta, s.Seed));
    }

    public static string Line(Row row) => string.Create(CultureInfo.InvariantCulture,
        $"compare: peer={row.Peer} workload={row.Workload} ops/s={row.PeerFigures.OpsPerSecond:0} p99={ResultLines.Us(row.PeerFigures.P99Us)} " +
        $"basalt_ops/s={row.Basalt.OpsPerSecond:0} ratio={ResultLines.Ratio(row.Ratio)} basalt_protocol={row.BasaltProtocol}") +
        (row.PeerFigures.Errors + row.Basalt.Errors > 0 ? $" errors={row.PeerFigures.Errors} basalt_errors={row.Basalt.Errors}" : "");

    private static string Csv(List<Row> rows)
    {
        var t = new StringBuilder("peer,protocol,workload,ops_per_s,p50_us,p99_us,p999_us,max_us,errors,basalt_protocol,basalt_ops_per_s,basalt_p50_us,basalt_p99_us,basalt_p999_us,basalt_errors,ratio,cpu_us_per_op,client_cpu_percent,basalt_cpu_us_per_op,basalt_client_cpu_percent\n");
        foreach (var r in rows)
            t.Append(CultureInfo.InvariantCulture,
                $"{r.Peer},{r.Protocol},{r.Workload},{r.PeerFigures.OpsPerSecond:0},{r.PeerFigures.P50Us:0},{r.PeerFigures.P99Us:0},{r.PeerFigures.P999Us:0},{r.PeerFigures.MaxUs:0},{r.PeerFigures.Errors},{r.BasaltProtocol},{r.Basalt.OpsPerSecond:0},{r.Basalt.P50Us:0},{r.Basalt.P99Us:0},{r.Basalt.P999Us:0},{r.Basalt.Errors},{r.Ratio:0.00},{r.PeerFigures.CpuUsPerOp:0.0},{r.PeerFigures.ClientCpuPercent:0},{r.Basalt.CpuUsPerOp:0.0},{r.Basalt.ClientCpuPercent:0}\n");
        return t.ToString();
    }

    private static string Report(CompareSettings s, MachineInfo m, string[] args, DateTime started, bool pinned, List<Server> servers,
        Dictionary<string, double> loadSeconds, List<Row> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        var t = new StringBuilder();
        t.AppendLine("# Basalt and its peers side by side (`compare`)");
        t.AppendLine();
        if (s.Smoke)
        {
            t.AppendLine(inv, $"> **Smoke run on a shared machine** ({s.Seconds:0.#} s per workload and server): it shows that the pipeline works end to end. Other engineers' builds and tests ran on the same two cores at the same time, so its figures are not measurements; a quiet run of the command without `--smoke` replaces this file.");
            t.AppendLine();
        }
        t.AppendLine(inv, $"- Date (UTC): {started:yyyy-MM-dd HH:mm}, run time {(DateTime.UtcNow - started).TotalSeconds:0} s");
        t.AppendLine(inv, $"- Machine: {m.Cores} cores, {m.Memory}, {m.Os}, CPU {m.Cpu}");
        t.AppendLine(inv, $"- Runtime: {m.Runtime}; commit {m.Commit}");
        t.AppendLine(inv, $"- Command: `dotnet run --project bench/Basalt.Bench -c Release -- {string.Join(' ', args.SkipWhile(a => a != "compare"))}`");
        t.AppendLine(inv, $"- Cores: {(pinned ? $"every server pinned to core {ServerCore} (`taskset -c {ServerCore}`), the load generator to core {LoadCore} (sched_setaffinity on each of its threads); one server under load at a time, the others idle" : "not pinned: servers and load generator share all cores")}.");
        t.AppendLine();
        t.AppendLine("## Method");
        t.AppendLine(inv, $"- Data: {s.Records:N0} records per server under the same keys (YCSB's `user` + FNV-1a hash of the sequence number), each {s.Shape.ItemBytes} bytes of random alphanumeric values: on DynamoDB's API an item of {s.Shape.FieldCount} string attributes `field0..` of {s.Shape.FieldBytes} bytes plus the key `key` in table `usertable` (hash key only); on RESP a string value of {s.Shape.ItemBytes} bytes (the same fields concatenated) under the key. So the payload is the same; the DynamoDB item also carries attribute names and types, the protocols' framing differs (HTTP/1.1 + JSON vs RESP), and that difference is part of what is compared.");
        t.AppendLine(inv, $"- Workloads: get = 100% reads of loaded keys (GetItem / GET, verified: a missing item or a value of the wrong length counts as an error); put = 100% overwrites of loaded keys (PutItem / SET of the whole record); YCSB a (50% read, 50% update) and c (100% read) for the servers that speak DynamoDB's API. Keys {(s.Distribution == KeyDistribution.Zipfian ? "scrambled zipfian (YCSB's, constant 0.99)" : "uniform")}.");
        t.AppendLine(inv, $"- Clients: {s.Concurrency} concurrent workers in the benchmark process, each with its own connection and one request in flight (closed loop), for every server: the same concurrency and no pipelining on any side. The clients are the benchmark's own lean ones: an HTTP/1.1 client for DynamoDB's API (RawHttpConnection) and a RESP client on sockets (RespTarget), both writing each request into a buffer the connection keeps and parsing the answer in place, nothing allocated per request. StackExchange.Redis was not used: it multiplexes all callers onto one connection and pipelines their commands, a different concurrency shape from the DynamoDB side's {s.Concurrency} connections with one request each, which would have made the RESP peers' figures a measure of a different client design.");
        t.AppendLine(inv, $"- Rounds: each workload runs {s.Rounds} round(s) of {s.Seconds / s.Rounds:0.#} s per server (each after a warm-up of min(1 s, 10%)), every server once per round, the order reversed every other round. Latency: from the start of an operation to its answer, in an HdrHistogram (µs), the rounds merged. ratio = Basalt's ops/s over the peer's, the median of the rounds' ratios (each round's Basalt figure against the same round's peer figure).");
        t.AppendLine("- Basalt's protocol: against the RESP peers (Redis, Garnet), Basalt is measured through its binary protocol (`basalt-binary`: a second Basalt server of the same build and settings, driven by Basalt.Client's lean GetItem/PutItem path with one connection and one request in flight per worker, as on RESP); against dynalite, through its DynamoDB JSON API (`basalt`). Each row's `basalt_protocol` says which.");
        t.AppendLine();
        t.AppendLine("## Servers and durability");
        foreach (var server in servers)
            t.AppendLine(inv, $"- {server.Name}: {server.Process.Description}. Load: {loadSeconds.GetValueOrDefault(server.Name):0.00} s.");
        t.AppendLine(s.Storage == "memory"
            ? "- Same durability on every side: nothing is written to disk and nothing is fsynced (in memory against in memory)."
            : "- Disk mode: every server writes its log to the OS per write and syncs it lazily (Basalt fsyncs every 100 ms, Garnet commits its AOF every 100 ms, Redis fsyncs every second, dynalite never): all survive a process crash, none a power loss without losing the last interval.");
        t.AppendLine();
        t.AppendLine("## Results");
        t.AppendLine(inv, $"Server CPU: the server process's CPU time per operation. Client CPU: the load generator's CPU time over the phase in percent of one core ({(pinned ? "it has one core: near 100% the client, not the server, set the pace, and the ratio understates the faster side" : $"it shares the machine's {m.Cores} cores with the server")}).");
        t.AppendLine();
        t.AppendLine("| peer | protocol | workload | ops/s | p50 µs | p99 µs | p99.9 µs | errors | server CPU µs/op | client CPU % | Basalt ops/s (protocol) | Basalt p99 µs | Basalt server CPU µs/op | Basalt client CPU % | ratio Basalt/peer (median) | rounds' ratios |");
        t.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in rows)
            t.AppendLine(inv, $"| {r.Peer} | {r.Protocol} | {r.Workload} | {r.PeerFigures.OpsPerSecond:N0} | {r.PeerFigures.P50Us:0} | {r.PeerFigures.P99Us:0} | {r.PeerFigures.P999Us:0} | {r.PeerFigures.Errors} | {r.PeerFigures.CpuUsPerOp:0.0} | {r.PeerFigures.ClientCpuPercent:0} | {r.Basalt.OpsPerSecond:N0} ({(r.BasaltProtocol == "dynamodb" ? "DynamoDB API" : r.BasaltProtocol)}) | {r.Basalt.P99Us:0} | {r.Basalt.CpuUsPerOp:0.0} | {r.Basalt.ClientCpuPercent:0} | {ResultLines.Ratio(r.Ratio)} | {string.Join(" / ", r.RoundRatios.Select(x => x.ToString("0.00", inv)))} |");
        t.AppendLine();
        t.AppendLine(inv, $"Latency per workload, every server in one file: `{Path.GetFileNameWithoutExtension(s.Output)}-<workload>.hlog` (HdrHistogram log, one histogram per server, tagged with its name), `.csv` (each server's percentile distribution) and `.png` (percentile plot).");
        t.AppendLine();
        t.AppendLine("Summary lines:");
        t.AppendLine("```");
        foreach (var r in rows) t.AppendLine(Line(r));
        t.AppendLine("```");
        return t.ToString();
    }

    private static LoadFigures Merge(List<LoadFigures> parts)
    {
        var histogram = new HdrHistogram.LongHistogram(1, 60_000_000, 3);
        foreach (var p in parts) histogram.Add(p.LatencyUs);
        return new LoadFigures(parts[0].Server, parts[0].Workload, parts.Sum(p => p.Ops), parts.Sum(p => p.Seconds), histogram,
            parts.Sum(p => p.Errors), parts.Select(p => p.FirstError).FirstOrDefault(e => e is not null), parts.Sum(p => p.CpuSeconds),
            ClientCpuPercent: parts.Sum(p => p.ClientCpuPercent * p.Seconds) / parts.Sum(p => p.Seconds));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return double.NaN;
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
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
