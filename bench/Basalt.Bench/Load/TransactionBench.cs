using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Basalt.Bench.Report;
using HdrHistogram;

namespace Basalt.Bench.Load;

// transactions: TransactWriteItems throughput and latency through the DynamoDB API.
//   transactions --seconds 5 --concurrency 16 [--storage memory|disk]
// Starts Basalt's server, loads an accounts table, then for transactions of 2, 10 and 100 items runs, closed loop,
// low contention (items drawn from every account) and high contention (from a few hot ones): each transaction moves
// one unit from its first account to each of the others (ADD, so the total stays), and the last run checks the total.
// Committed and cancelled transactions are counted apart; latency is of every call, committed or cancelled.
// Writes the "Transactions" section of perf-results/transactions.md (keeping its other sections).
public static class TransactionBench
{
    private const string Table = "accounts";

    public static Command Create()
    {
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per case", DefaultValueFactory = _ => 5 };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent clients", DefaultValueFactory = _ => 16 };
        var storage = new Option<string>("--storage") { Description = "memory (no files) or disk (async durability)", DefaultValueFactory = _ => "memory" };
        var accounts = new Option<int>("--accounts") { Description = "Accounts loaded (low contention draws from all of them)", DefaultValueFactory = _ => 20_000 };
        var hot = new Option<int>("--hot") { Description = "Accounts that high contention draws from (at least the items of a transaction)", DefaultValueFactory = _ => 200 };
        var output = new Option<string>("--out") { Description = "Report", DefaultValueFactory = _ => Path.Combine("perf-results", "transactions.md") };
        var command = new Command("transactions", "TransactWriteItems throughput and latency through the DynamoDB API, low and high contention");
        foreach (Option o in new Option[] { seconds, concurrency, storage, accounts, hot, output }) command.Options.Add(o);
        command.SetAction(r =>
        {
            if (r.GetValue(seconds) is <= 0 or > 3600 || r.GetValue(concurrency) is < 1 or > 1024 || r.GetValue(storage) is not ("memory" or "disk")
                || r.GetValue(accounts) < 200 || r.GetValue(hot) is < 100)
            {
                Console.Error.WriteLine("transactions: --seconds (0, 3600], --concurrency 1..1024, --storage memory|disk, --accounts >= 200, --hot >= 100");
                return 2;
            }
            return RunAsync(r.GetValue(seconds), r.GetValue(concurrency), r.GetValue(storage)!, r.GetValue(accounts), Math.Min(r.GetValue(hot), r.GetValue(accounts)),
                r.GetValue(output)!, Environment.GetCommandLineArgs()).GetAwaiter().GetResult();
        });
        return command;
    }

    private sealed record Case(int Items, string Contention, long Committed, long Cancelled, long Errors, double Seconds, LongHistogram LatencyUs)
    {
        public double CommittedPerSecond => Committed / Seconds;
    }

    private static async Task<int> RunAsync(double seconds, int concurrency, string storage, int accounts, int hot, string output, string[] args)
    {
        string root = Directory.GetCurrentDirectory();
        while (!File.Exists(Path.Combine(root, "Engine.sln")) && Directory.GetParent(root) is { } parent) root = parent.FullName;
        string runDir = Path.Combine(Path.GetTempPath(), $"basalt-transactions-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(runDir);
        var machine = MachineInfo.Collect(runDir);
        var started = DateTime.UtcNow;
        await using var server = await PeerProcess.StartBasaltAsync(root, storage, runDir);
        using var client = new DynamoHttpClient(server.Endpoint, concurrency);
        await Send(client, "CreateTable", $$"""{"TableName":"{{Table}}","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}""");
        Console.Error.WriteLine($"transactions: loading {accounts} accounts");
        int next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < accounts)
                await Send(client, "PutItem", $$$$"""{"TableName":"{{{{Table}}}}","Item":{"id":{"S":"acct{{{{i}}}}"},"balance":{"N":"1000"}}}""");
        })));

        var cases = new List<Case>();
        foreach (int items in new[] { 2, 10, 100 })
            foreach (var (contention, pool) in new[] { ("low", accounts), ("high", Math.Max(hot, items)) })
            {
                Console.Error.WriteLine($"transactions: {items} items, {contention} contention ({pool} accounts), {seconds:0.#} s");
                var result = await MeasureAsync(client, items, contention, pool, seconds, concurrency);
                cases.Add(result);
                Console.WriteLine(Line(result));
            }

        // Every transaction moves units between accounts and none is half applied: the total is what was loaded.
        long total = 0;
        for (int i = 0; i < accounts; i++)
        {
            var (_, body) = await client.SendAsync("GetItem", Encoding.UTF8.GetBytes($$$"""{"TableName":"{{{Table}}}","Key":{"id":{"S":"acct{{{i}}}"}},"ConsistentRead":true}"""));
            int at = body.IndexOf("\"N\":\"", StringComparison.Ordinal) + 5;
            total += long.Parse(body[at..body.IndexOf('"', at)], CultureInfo.InvariantCulture);
        }
        string check = total == accounts * 1000L ? $"total {total:N0} = {accounts:N0} x 1,000: held" : $"total {total:N0}, expected {accounts * 1000L:N0}: NOT held";
        Console.WriteLine($"transactions: {check}");
        MarkdownSections.Write(output, "# Transactions and global secondary index lag", "## Transactions", Report(machine, args, started, server.Description, seconds, concurrency, accounts, hot, cases, check));
        Console.Error.WriteLine($"transactions: wrote {output}");
        return total == accounts * 1000L ? 0 : 1;
    }

    private static async Task<Case> MeasureAsync(DynamoHttpClient client, int items, string contention, int pool, double seconds, int concurrency)
    {
        long committed = 0, cancelled = 0, errors = 0;
        var histograms = new LongHistogram[concurrency];
        long warmupEnd = Stopwatch.GetTimestamp() + (long)(Math.Min(1, seconds / 10) * Stopwatch.Frequency);
        long end = warmupEnd + (long)(seconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var histogram = histograms[w] = new LongHistogram(1, 60_000_000, 3);
            var random = new Random(w * 7919 + items);
            var chosen = new HashSet<int>();
            var body = new StringBuilder(items * 160);
            while (true)
            {
                long begin = Stopwatch.GetTimestamp();
                if (begin >= end) break;
                chosen.Clear();
                while (chosen.Count < items) chosen.Add(random.Next(pool));
                body.Clear().Append("{\"TransactItems\":[");
                bool first = true;
                foreach (int account in chosen)
                {
                    if (!first) body.Append(',');
                    body.Append("{\"Update\":{\"TableName\":\"").Append(Table).Append("\",\"Key\":{\"id\":{\"S\":\"acct").Append(account)
                        .Append("\"}},\"UpdateExpression\":\"ADD balance :d\",\"ExpressionAttributeValues\":{\":d\":{\"N\":\"")
                        .Append(first ? -(items - 1) : 1).Append("\"}}}}");
                    first = false;
                }
                body.Append("]}");
                var (status, answer) = await client.SendAsync("TransactWriteItems", Encoding.UTF8.GetBytes(body.ToString()));
                long done = Stopwatch.GetTimestamp();
                if (begin < warmupEnd) continue;
                histogram.RecordValue(Math.Clamp((done - begin) * 1_000_000 / Stopwatch.Frequency, 1, 60_000_000));
                if (status == HttpStatusCode.OK) Interlocked.Increment(ref committed);
                else if (answer.Contains("TransactionCanceledException", StringComparison.Ordinal)) Interlocked.Increment(ref cancelled);
                else Interlocked.Increment(ref errors);
            }
        })));
        var merged = new LongHistogram(1, 60_000_000, 3);
        foreach (var h in histograms) merged.Add(h);
        return new Case(items, contention, committed, cancelled, errors, seconds, merged);
    }

    private static async Task Send(DynamoHttpClient client, string operation, string json)
    {
        var (status, body) = await client.SendAsync(operation, Encoding.UTF8.GetBytes(json));
        if (status != HttpStatusCode.OK) throw new InvalidOperationException($"{operation}: HTTP {(int)status} {body}");
    }

    private static string Line(Case c) => string.Create(CultureInfo.InvariantCulture,
        $"transactions: items={c.Items} contention={c.Contention} committed/s={c.CommittedPerSecond:0} cancelled/s={c.Cancelled / c.Seconds:0} p50={c.LatencyUs.GetValueAtPercentile(50)}us p99={c.LatencyUs.GetValueAtPercentile(99)}us errors={c.Errors}");

    private static string Report(MachineInfo m, string[] args, DateTime started, string server, double seconds, int concurrency, int accounts, int hot,
        List<Case> cases, string check)
    {
        var inv = CultureInfo.InvariantCulture;
        var t = new StringBuilder();
        t.AppendLine("## Transactions (`transactions`)");
        t.AppendLine(inv, $"- Date (UTC): {started:yyyy-MM-dd HH:mm}, run time {(DateTime.UtcNow - started).TotalSeconds:0} s");
        t.AppendLine(inv, $"- Machine: {m.Cores} cores, {m.Memory}, {m.Os}, CPU {m.Cpu}; runtime {m.Runtime}; commit {m.Commit}");
        t.AppendLine($"- Command: `dotnet run --project bench/Basalt.Bench -c Release -- {string.Join(' ', args.Skip(1))}`");
        t.AppendLine($"- Server: {server}");
        t.AppendLine(inv, $"- Method: {accounts:N0} accounts (balance 1,000) in one table; TransactWriteItems of N Update actions (ADD: the first account gives one unit to each of the others), {concurrency} clients through the DynamoDB JSON API, closed loop, {seconds:0.#} s per case after a warm-up. Low contention: the N accounts drawn from all {accounts:N0}; high: from {hot} (or N if more). A cancelled transaction (TransactionConflict with another, as DynamoDB cancels instead of waiting) counts apart; latency is of every call. The client shares the machine's cores with the server.");
        t.AppendLine();
        t.AppendLine("| items | contention | committed/s | cancelled/s | p50 µs | p99 µs | p99.9 µs | errors |");
        t.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var c in cases)
            t.AppendLine(inv, $"| {c.Items} | {c.Contention} | {c.CommittedPerSecond:N0} | {c.Cancelled / c.Seconds:N0} | {c.LatencyUs.GetValueAtPercentile(50)} | {c.LatencyUs.GetValueAtPercentile(99)} | {c.LatencyUs.GetValueAtPercentile(99.9)} | {c.Errors} |");
        t.AppendLine();
        t.AppendLine($"Consistency check after the runs: {check}.");
        t.AppendLine();
        t.AppendLine("Summary lines:");
        t.AppendLine("```");
        foreach (var c in cases) t.AppendLine(Line(c));
        t.AppendLine("```");
        t.AppendLine();
        return t.ToString();
    }

}
