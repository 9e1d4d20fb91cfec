using System.Globalization;
using System.Text;
using Basalt.Engine.Storage;

namespace Basalt.Bench.Model;

// Writes perf-results/model.md for one `model` run: machine, command, method, the durability of each side, the
// results table and the issue's goals, each marked met or not. Called once on the coordinator thread.
public static class ModelReport
{
    public static void Write(ModelOptions options, ModelResult result)
    {
        var s = new StringBuilder();
        var m = result.Machine;
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        ModelCase Get(string op) => result.Cases.First(c => c.Op == op);

        s.AppendLine("# Embedded API vs LiteDB (`model`)");
        s.AppendLine();
        s.AppendLine($"Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. Commit: {m.Commit}.");
        s.AppendLine($"Machine: {m.Cores} cores ({m.Cpu}), {m.Memory}, {m.Os}; data directory on {m.DataDirDisk}; {m.Runtime}.");
        if (File.Exists("/proc/loadavg"))
            s.AppendLine($"Load average at the end of the run (1, 5, 15 min): {string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}.");
        if (options.Seconds < 10)
        {
            s.AppendLine();
            s.AppendLine($"**Check run ({F(options.Seconds, "0.###")} s per phase, under the 10 s of the official command, on a machine shared with " +
                         "other jobs): it shows the command works; these are not the official figures.**");
        }
        s.AppendLine();
        s.AppendLine("Command:");
        s.AppendLine("```");
        s.AppendLine("dotnet run --project bench/Basalt.Bench -c Release -- " + string.Join(' ', options.CommandLineArgs));
        s.AppendLine("```");
        s.AppendLine();
        s.AppendLine("## Method");
        s.AppendLine($"- {options.Items:N0} items, ten per partition key: `pk` (S, `user#00000000`...), `sk` (N, 0..9), `name`, `email`, " +
                     $"`city` (S), `count`, `score` (N) and `payload` (S, {result.PayloadBytes} bytes) so that Basalt's encoded item is " +
                     $"{options.ItemBytes} bytes. LiteDB stores the same attributes as a `BsonDocument` with `_id` = `\"pk|sk\"` and an index on `pk`.");
        s.AppendLine($"- Load first (timed separately, not part of the cases): Basalt {F(result.BasaltLoadSeconds, "F2")} s " +
                     "(64 PutItem in flight), LiteDB " + F(result.LiteDbLoadSeconds, "F2") + " s (`InsertBulk` of 1,000, then a checkpoint).");
        s.AppendLine($"- Each case measures {F(options.Seconds, "0.###")} s per side, in {options.Rounds} rounds of {F(options.Seconds / options.Rounds, "0.###")} s " +
                     "that alternate the sides (A B, B A, A B, ...; each slice after its own warm-up of min(1 s, 10%)), so that drift in the " +
                     "machine's speed weighs on both; ops/s and latencies are over all slices, and ratio is the median of the rounds' ratios " +
                     "(the range of the rounds' ratios is given next to it). Each slice runs with " +
                     $"{options.Threads} thread(s), over the same seeded key sequence for both sides. Latency per operation in an HdrHistogram; " +
                     "B/op = `GC.GetAllocatedBytesForCurrentThread` over the window, divided by the operations.");
        s.AppendLine("- GetItem: Basalt `TryGetItem` with a sink that reads the `count` attribute in place (the allocation-free read); " +
                     "LiteDB `FindById` (returns a deserialized document).");
        s.AppendLine("- PutItem: Basalt `PutItemAsync(table, ItemWriter)` of the item with a new `count` (encoded per operation); LiteDB `Upsert` of a new `BsonDocument`.");
        s.AppendLine("- UpdateItem: Basalt `UpdateItemAsync` with `SET #c = #c + :one`, one atomic read-modify-write on the shard's writer. " +
                     "LiteDB has no server-side update expression: `FindById`, increment `count`, `Update` (two calls, not atomic against other writers).");
        s.AppendLine("- Query: Basalt `Query` with `pk = :p`, `Limit` 10 (one page, decoded items); LiteDB `Query().Where(pk == x).OrderBy(sk).Limit(10).ToList()` on the `pk` index.");
        s.AppendLine("- raw: Basalt `TryGetItem` with a sink that takes the value's length, against `StorageEngine.TryGet` of the same stored key " +
                     "(routing `[table id][pk]`, rest = sk's number key) with the same sink: the API's own cost. ratio = GetItem's cost over the raw get's.");
        s.AppendLine();
        s.AppendLine("## Durability");
        s.AppendLine(options.Durability == Durability.Async
            ? "- Basalt: `async`: a write is acknowledged when it is in the shard's WAL buffer; the log is written and fsynced in the background."
            : "- Basalt: `sync`: a write is acknowledged after its WAL record is fsynced (group commit of what is pending).");
        s.AppendLine("- LiteDB 5.0.21 (Direct connection, defaults): a commit writes its pages to its own log file (`-log.db`) through a background " +
                     "writer queue that fsyncs after each drain; the call returns before that fsync (per LiteDB's source, `DiskWriterQueue`), " +
                     "and a checkpoint copies the log into the data file (default every 1,000 pages). It has no synchronous-commit option, " +
                     "so it matches Basalt `async`" + (options.Durability == Durability.Sync ? "; in this run Basalt pays an fsync per write that LiteDB does not." : "."));
        s.AppendLine();
        s.AppendLine("## Results");
        s.AppendLine("| case | Basalt ops/s | LiteDB ops/s | ratio (median round) | rounds' ratios min–max | Basalt p50 / p99 us | LiteDB p50 / p99 us | Basalt B/op | LiteDB B/op |");
        s.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (ModelCase c in result.Cases.Where(c => c.Op != "raw"))
        {
            s.AppendLine($"| {c.Op} | {F(c.First.OpsPerSecond, "N0")} | {F(c.Second.OpsPerSecond, "N0")} | {F(c.Ratio, "F2")} | {F(c.MinRoundRatio, "F2")}–{F(c.MaxRoundRatio, "F2")} | " +
                         $"{F(c.First.P50Us, "F2")} / {F(c.First.P99Us, "F2")} | {F(c.Second.P50Us, "F2")} / {F(c.Second.P99Us, "F2")} | " +
                         $"{F(c.First.AllocatedBytesPerOp, "F0")} | {F(c.Second.AllocatedBytesPerOp, "F0")} |");
        }
        ModelCase raw = Get("raw");
        s.AppendLine();
        s.AppendLine("| raw | GetItem ops/s | engine get ops/s | GetItem cost / raw (median round) | rounds min–max | GetItem p50 us | engine p50 us | GetItem B/op | engine B/op |");
        s.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        s.AppendLine($"| {options.ItemBytes} B item | {F(raw.First.OpsPerSecond, "N0")} | {F(raw.Second.OpsPerSecond, "N0")} | {F(raw.Ratio, "F2")} | {F(raw.MinRoundRatio, "F2")}–{F(raw.MaxRoundRatio, "F2")} | " +
                     $"{F(raw.First.P50Us, "F2")} | {F(raw.Second.P50Us, "F2")} | {F(raw.First.AllocatedBytesPerOp, "F0")} | {F(raw.Second.AllocatedBytesPerOp, "F0")} |");
        s.AppendLine();
        s.AppendLine("## Goals");
        ModelCase get = Get("get"), put = Get("put");
        string Met(bool ok) => ok ? "met" : "**not met**";
        double getAlloc = get.First.AllocatedBytesPerOp;
        s.AppendLine($"- No allocation on GetItem in steady state: {F(getAlloc, "F2")} B/op (`TryGetItem`). {Met(getAlloc < 1)}.");
        s.AppendLine($"- GetItem of a {options.ItemBytes} B item at most 1.5x a raw engine get: {F(raw.Ratio, "F2")}x. {Met(raw.Ratio <= 1.5)}.");
        s.AppendLine($"- GetItem throughput at least 10x LiteDB's: {F(get.Ratio, "F1")}x. {Met(get.Ratio >= 10)}.");
        s.AppendLine($"- PutItem throughput at least 10x LiteDB's: {F(put.Ratio, "F1")}x. {Met(put.Ratio >= 10)}.");
        s.AppendLine();
        s.AppendLine("Summary lines:");
        s.AppendLine("```");
        foreach (ModelCase c in result.Cases)
            s.AppendLine(FormattableString.Invariant($"op={c.Op} first_ops/s={c.First.OpsPerSecond:F0} second_ops/s={c.Second.OpsPerSecond:F0} ratio={c.Ratio:F2} rounds={string.Join('/', c.RoundRatios.Select(r => r.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}"));
        s.AppendLine("```");

        string? folder = Path.GetDirectoryName(options.Out);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        File.WriteAllText(options.Out, s.ToString());
    }
}
