using System.CommandLine;
using System.Globalization;
using System.Text;
using Basalt.Bench.Report;

namespace Basalt.Bench.Load;

// index-lag: how far a global secondary index trails its table under load, through the DynamoDB API.
//   index-lag --seconds 20 --concurrency 64 [--storage memory|disk] [--workload a]
// Starts Basalt's server, loads the YCSB table twice (without an index, then, on a fresh server, with a global index on
// field0 that projects every attribute, so each update also moves its record in the index), runs the same workload on
// both, and reads the server's lag histogram (/metrics basalt_gsi_lag_seconds: from a write to its index entries being
// durable) over the measured window. Then the same at half of the indexed run's throughput, open loop. Writes the
// "Global secondary index lag" section of perf-results/transactions.md (keeping its other sections).
public static class IndexLagBench
{
    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per run", DefaultValueFactory = _ => 20 };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent clients", DefaultValueFactory = _ => 64 };
        var storage = new Option<string>("--storage") { Description = "memory (no files) or disk (async durability)", DefaultValueFactory = _ => "memory" };
        var workload = new Option<string>("--workload") { Description = "YCSB workload with writes: a, b, d or f", DefaultValueFactory = _ => "a" };
        var records = new Option<long>("--records") { Description = "Records loaded before measuring", DefaultValueFactory = _ => 20_000 };
        var output = new Option<string>("--out") { Description = "Report", DefaultValueFactory = _ => Path.Combine("perf-results", "transactions.md") };
        var command = new Command("index-lag", "Measure how far a global secondary index trails its table under load (DynamoDB API)");
        foreach (Option o in new Option[] { seconds, concurrency, storage, workload, records, output }) command.Options.Add(o);
        command.SetAction(r =>
        {
            string name = r.GetValue(workload)!;
            var w = name.Length == 1 ? YcsbWorkload.Get(name) : null;
            if (w is null || w.Update + w.Insert + w.ReadModifyWrite == 0 || w.Scan > 0 || r.GetValue(seconds) is <= 0 or > 3600 || r.GetValue(concurrency) is < 1 or > 4096
                || r.GetValue(storage) is not ("memory" or "disk") || r.GetValue(records) < 1)
            {
                Console.Error.WriteLine("index-lag: --workload a|b|d|f, --seconds (0, 3600], --concurrency 1..4096, --storage memory|disk, --records >= 1");
                return 2;
            }
            return RunAsync(w, r.GetValue(seconds), r.GetValue(concurrency), r.GetValue(storage)!, r.GetValue(records), r.GetValue(output)!,
                Environment.GetCommandLineArgs()).GetAwaiter().GetResult();
        });
        return command;
    }

    private sealed record Lag(long Count, double SumSeconds, double MaxSeconds, List<(double Le, long Cumulative)> Buckets)
    {
        // The smallest bucket bound that holds the quantile (a histogram gives an upper bound, not the value).
        public string Quantile(double q)
        {
            if (Count == 0) return "n/a";
            long rank = (long)Math.Ceiling(q * Count);
            foreach (var (le, cumulative) in Buckets)
                if (cumulative >= rank) return double.IsPositiveInfinity(le) ? $"> {Buckets[^2].Le * 1000:0.#} ms" : $"<= {le * 1000:0.###} ms";
            return "n/a";
        }

        public static Lag Between(Lag before, Lag after) => new(after.Count - before.Count, after.SumSeconds - before.SumSeconds, after.MaxSeconds,
            after.Buckets.Select((b, i) => (b.Le, b.Cumulative - before.Buckets[i].Cumulative)).ToList());
    }

    private static async Task<Lag> ScrapeAsync(HttpClient http, Uri endpoint)
    {
        string text = await http.GetStringAsync(new Uri(endpoint, "/metrics"));
        long count = 0;
        double sum = 0, max = 0;
        var buckets = new List<(double, long)>();
        const string Bucket = "basalt_gsi_lag_seconds_bucket{le=\"";
        static double Number(string line) => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(Bucket, StringComparison.Ordinal))
            {
                string le = line[Bucket.Length..line.IndexOf('"', Bucket.Length)];
                buckets.Add((le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture), (long)Number(line)));
            }
            else if (line.StartsWith("basalt_gsi_lag_seconds_count ", StringComparison.Ordinal)) count = (long)Number(line);
            else if (line.StartsWith("basalt_gsi_lag_seconds_sum ", StringComparison.Ordinal)) sum = Number(line);
            else if (line.StartsWith("basalt_gsi_lag_max_seconds ", StringComparison.Ordinal)) max = Number(line);
        }
        return new Lag(count, sum, max, buckets);
    }

    private static async Task<int> RunAsync(YcsbWorkload workload, double seconds, int concurrency, string storage, long records, string output, string[] args)
    {
        string root = Directory.GetCurrentDirectory();
        while (!File.Exists(Path.Combine(root, "Engine.sln")) && Directory.GetParent(root) is { } parent) root = parent.FullName;
        string runDir = Path.Combine(Path.GetTempPath(), $"basalt-index-lag-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(runDir);
        var machine = MachineInfo.Collect(runDir);
        var started = DateTime.UtcNow;
        var rows = new List<(string Run, LoadFigures Figures, Lag? Lag)>();
        string description = "";
        double zeta = ScrambledZipfian.Zeta(records);
        foreach (bool indexed in new[] { false, true })
        {
            string serverDir = Path.Combine(runDir, indexed ? "indexed" : "plain");
            Directory.CreateDirectory(serverDir);
            await using var server = await PeerProcess.StartBasaltAsync(root, storage, serverDir);
            description = server.Description;
            using var client = new DynamoHttpClient(server.Endpoint, concurrency);
            using var http = new HttpClient();
            await client.CreateTableAsync(withGlobalIndex: indexed);
            using var target = new DynamoTarget(client);
            var runner = new LoadRunner(target, server, "basalt", new ItemShape(10, 100), records, KeyDistribution.Zipfian, zeta, 1);
            Console.Error.WriteLine($"index-lag: {(indexed ? "with" : "without")} a global index: loading {records} records");
            await runner.LoadAsync(concurrency, prepare: false);
            var before = await ScrapeAsync(http, server.Endpoint);
            var figures = await runner.RunAsync(workload, seconds, concurrency, 0, 0);
            var after = await ScrapeAsync(http, server.Endpoint);
            rows.Add((indexed ? "with index, closed loop" : "without index, closed loop", figures, indexed ? Lag.Between(before, after) : null));
            Console.WriteLine(Line(rows[^1]));
            if (!indexed) continue;
            double half = Math.Round(figures.OpsPerSecond / 2);
            before = await ScrapeAsync(http, server.Endpoint);
            var open = await runner.RunAsync(workload, seconds, concurrency, half, 1);
            after = await ScrapeAsync(http, server.Endpoint);
            rows.Add(($"with index, open loop at {half:0} ops/s", open, Lag.Between(before, after)));
            Console.WriteLine(Line(rows[^1]));
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        MarkdownSections.Write(output, "# Transactions and global secondary index lag", "## Global secondary index lag",
            Report(machine, args, started, description, workload, seconds, concurrency, records, rows));
        Console.Error.WriteLine($"index-lag: wrote {output}");
        return 0;
    }

    private static string Line((string Run, LoadFigures Figures, Lag? Lag) row)
    {
        var inv = CultureInfo.InvariantCulture;
        string line = string.Create(inv, $"index-lag: run=\"{row.Run}\" ops/s={row.Figures.OpsPerSecond:0} p50={row.Figures.P50Us:0}us p99={row.Figures.P99Us:0}us errors={row.Figures.Errors}");
        if (row.Lag is not { } lag) return line;
        return line + string.Create(inv, $" lag_writes={lag.Count} lag_mean={(lag.Count == 0 ? 0 : lag.SumSeconds / lag.Count * 1000):0.###}ms lag_p50=\"{lag.Quantile(0.5)}\" lag_p99=\"{lag.Quantile(0.99)}\" lag_max_since_start={lag.MaxSeconds * 1000:0.#}ms");
    }

    private static string Report(MachineInfo m, string[] args, DateTime started, string server, YcsbWorkload workload, double seconds, int concurrency,
        long records, List<(string Run, LoadFigures Figures, Lag? Lag)> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        var t = new StringBuilder();
        t.AppendLine("## Global secondary index lag (`index-lag`)");
        t.AppendLine(inv, $"- Date (UTC): {started:yyyy-MM-dd HH:mm}, run time {(DateTime.UtcNow - started).TotalSeconds:0} s");
        t.AppendLine(inv, $"- Machine: {m.Cores} cores, {m.Memory}, {m.Os}, CPU {m.Cpu}; runtime {m.Runtime}; commit {m.Commit}");
        t.AppendLine($"- Command: `dotnet run --project bench/Basalt.Bench -c Release -- {string.Join(' ', args.Skip(1))}`");
        t.AppendLine($"- Server: {server}");
        t.AppendLine(inv, $"- Method: YCSB workload {workload.Name} ({records:N0} records of 10 fields of 100 bytes, zipfian), {concurrency} clients through the DynamoDB JSON API, {seconds:0.#} s per run, each run after its own load on a fresh server. \"with index\": the table has a global secondary index on field0 projecting every attribute (every update moves its record in the index: the old entry deleted, the new one put). Lag: the server's histogram `basalt_gsi_lag_seconds` over the measured window, the time from a write (its change record) to its index entries being durable; quantiles are the histogram's bucket bounds (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100 ms ...). The client shares the machine's cores with the server.");
        t.AppendLine();
        t.AppendLine("| run | ops/s | p50 µs | p99 µs | errors | index writes | lag mean ms | lag p50 | lag p99 | lag max since start ms |");
        t.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|---|---:|");
        foreach (var (run, f, lag) in rows)
            t.AppendLine(inv, $"| {run} | {f.OpsPerSecond:N0} | {f.P50Us:0} | {f.P99Us:0} | {f.Errors} | {(lag is null ? "" : lag.Count.ToString("N0", inv))} | {(lag is null || lag.Count == 0 ? "" : (lag.SumSeconds / lag.Count * 1000).ToString("0.###", inv))} | {lag?.Quantile(0.5) ?? ""} | {lag?.Quantile(0.99) ?? ""} | {(lag is null ? "" : (lag.MaxSeconds * 1000).ToString("0.#", inv))} |");
        var plain = rows[0].Figures.OpsPerSecond;
        var indexed = rows[1].Figures.OpsPerSecond;
        t.AppendLine();
        t.AppendLine(inv, $"Throughput with the index over without: {indexed / Math.Max(plain, 1e-9):0.00} (each write with an index is a read-modify-write that also logs a change record of about twice its item, and each is applied to the index afterwards).");
        t.AppendLine();
        t.AppendLine("Summary lines:");
        t.AppendLine("```");
        foreach (var row in rows) t.AppendLine(Line(row));
        t.AppendLine("```");
        return t.ToString();
    }
}
