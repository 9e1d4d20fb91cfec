using System.Globalization;
using System.Text;
using Basalt.Bench.Engine;

namespace Basalt.Bench.Report;

// Writes an `engine` run as Markdown (for people: machine, commit, command, method, each engine's configuration and
// durability mapping, the table, group-commit scaling) and CSV (for tools: one row per case and target) next to it.
// Pure formatting: everything it prints comes from EngineBenchResult and the two factories.
public static class EngineReport
{
    public const string RunCommandPrefix = "dotnet run --project bench/Basalt.Bench -c Release --";

    public static string CsvPathFor(string markdownPath) => Path.ChangeExtension(markdownPath, ".csv");

    public static void Write(string markdownPath, EngineBenchResult result, IKvTargetFactory first, IKvTargetFactory peer)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(markdownPath));
        if (folder is not null) Directory.CreateDirectory(folder);
        File.WriteAllText(markdownPath, Markdown(result, first, peer));
        File.WriteAllText(CsvPathFor(markdownPath), Csv(result));
    }

    public static string CommandLine(IReadOnlyList<string> args) =>
        RunCommandPrefix + " " + string.Join(" ", args.Select(ShellQuote));

    public static string Markdown(EngineBenchResult result, IKvTargetFactory first, IKvTargetFactory peer)
    {
        EngineBenchOptions o = result.Options;
        MachineInfo m = result.Machine;
        string a = result.FirstName, b = result.PeerName;
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        void Line(string text = "") => md.Append(text).Append('\n');

        Line($"# Engine: {a} vs {b}");
        Line();
        Line($"- Date (UTC): {result.StartedUtc.ToString("yyyy-MM-dd HH:mm:ss", inv)}, run time {result.Elapsed.TotalSeconds.ToString("0", inv)} s");
        Line($"- Machine: {m.Cores} cores, {m.Memory} RAM, CPU {m.Cpu}");
        Line($"- OS: {m.Os}");
        Line($"- Disk of the data directory: {m.DataDirDisk}" +
             (m.DataDirIsMemoryBacked ? " (memory-backed: sync and group figures do not measure a disk)" : ""));
        Line($"- Runtime: {m.Runtime}");
        Line($"- Commit: {m.Commit}");
        Line($"- Command: `{CommandLine(o.CommandLineArgs)}`");
        Line();

        Line("## Method");
        Line();
        Line(string.Create(inv, $"- Data: {o.Keys} keys of {o.KeyBytes} bytes and values of {o.ValueBytes} bytes, seed {o.Seed}. Key i is a pure function of (seed, i) whose first 8 bytes are a bijective mix of i (so keys are distinct and in random order); values are pseudo-random, hence incompressible (LZ4 gains nothing on either side). Both targets get the same keys, values and index sequences."));
        Line(string.Create(inv, $"- put: T writer threads, each with one put in flight (it waits for the acknowledgement before the next put), on uniformly random key indexes in [0, {o.Keys}) (so later puts overwrite), on an empty store; a warm-up of {PhaseRunner.WarmupSeconds(o.Seconds):0.###} s is not counted, then {o.Seconds:0.###} s are measured. ops/s = puts started in the window / window length."));
        Line(string.Create(inv, $"- load and get: one store per target is loaded with all {o.Keys} keys in index order by one writer in async mode (reported as op=load, the whole load timed); then T reader threads do uniformly random gets for {o.Seconds:0.###} s (after the same warm-up), verifying every value: a missing or wrong value aborts the run. Reads do not depend on durability, so gets are labelled async and run once per thread count."));
        if (result.Scaling.Count > 0)
            Line($"- group-commit scaling: sync puts with {result.Scaling[0].Writers} concurrent writers (--sync-writers) over sync puts with 1 writer, both measured in this run, per target.");
        Line("- Latency: per operation, from the call to its acknowledgement (a get: to its return), on the calling thread with Stopwatch; one HdrHistogram per thread (3 significant digits), merged. Writers and readers are dedicated threads calling blocking puts on both sides: RocksDB's `rocksdb_put`, and Basalt's `StorageEngine.Put`, which returns at once when the caller logged (and in sync mode fsynced) its own write, and otherwise sleeps on an event that the thread completing the write sets. (A target whose put returns a pending ValueTask is awaited by a brief yielding spin, when there are fewer than two threads per core, then by blocking on an event its completion sets; neither target does so here.)");
        Line("- Order: each case runs the first target, then the peer, each in a fresh directory deleted afterwards; a full GC runs between phases.");
        Line("- B/op: bytes allocated by the benchmark threads while measuring, per operation (harness plus target code on the calling thread; engine background threads are not counted). 0 means no managed allocation on the hot path.");
        Line();

        Line("## Targets and durability mapping");
        Line();
        foreach ((IKvTargetFactory factory, string name) in new[] { (first, a), (peer, b) })
        {
            Line($"### {name}");
            Line();
            if (factory is IDescribedKvTargetFactory described)
            {
                foreach (string item in described.DescribeConfiguration()) Line($"- {item}");
                foreach (BenchDurability d in Enum.GetValues<BenchDurability>())
                {
                    if (!o.Durabilities.Contains(d) && d != BenchDurability.Async) continue;
                    Line($"- durability {EngineBenchOptions.DurabilityName(d)}: {described.DescribeDurability(d)}");
                }
            }
            else
            {
                Line("- (this target does not describe its configuration)");
            }
            Line(string.Create(inv, $"- group-commit interval: {o.GroupCommitMs} ms (--group-commit-ms)"));
            Line();
        }

        Line("## Results");
        Line();
        Line($"| op | threads | durability | {a} ops/s | {b} ops/s | ratio | {a} p50 us | {a} p99 us | {a} p99.9 us | {b} p50 us | {b} p99 us | {b} p99.9 us | {a} B/op | {b} B/op |");
        Line("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (CaseResult c in result.Cases)
        {
            Line(string.Create(inv,
                $"| {c.Op} | {c.Threads} | {EngineBenchOptions.DurabilityName(c.Durability)} | {c.First.OpsPerSecond:0} | {c.Peer.OpsPerSecond:0} | {ResultLines.Ratio(c.Ratio)} | " +
                $"{ResultLines.UsNumber(c.First.P50Us)} | {ResultLines.UsNumber(c.First.P99Us)} | {ResultLines.UsNumber(c.First.P999Us)} | " +
                $"{ResultLines.UsNumber(c.Peer.P50Us)} | {ResultLines.UsNumber(c.Peer.P99Us)} | {ResultLines.UsNumber(c.Peer.P999Us)} | " +
                $"{c.First.AllocatedBytesPerOp:0.#} | {c.Peer.AllocatedBytesPerOp:0.#} |"));
        }
        Line();
        Line("ratio = first target's ops/s over the peer's (above 1: the first is faster).");
        Line();

        if (result.Scaling.Count > 0)
        {
            Line("## Group-commit scaling (sync puts)");
            Line();
            foreach (ScalingResult s in result.Scaling)
            {
                Line(string.Create(inv, $"- {a}: {s.Writers} writers {s.Many.First.OpsPerSecond:0} ops/s / 1 writer {s.Single.First.OpsPerSecond:0} ops/s = {ResultLines.Ratio(s.FirstScaling)}x"));
                Line(string.Create(inv, $"- {b}: {s.Writers} writers {s.Many.Peer.OpsPerSecond:0} ops/s / 1 writer {s.Single.Peer.OpsPerSecond:0} ops/s = {ResultLines.Ratio(s.PeerScaling)}x"));
            }
            Line();
        }

        Line("## Summary lines");
        Line();
        Line("```");
        foreach (CaseResult c in result.Cases) Line(ResultLines.Case(c, a, b));
        foreach (ScalingResult s in result.Scaling) Line(ResultLines.Scaling(s, a, b));
        Line("```");
        return md.ToString();
    }

    public static string Csv(EngineBenchResult result)
    {
        var csv = new StringBuilder();
        csv.Append("op,threads,durability,target,role,ops,seconds,ops_per_s,p50_us,p99_us,p999_us,max_us,allocated_bytes_per_op\n");
        foreach (CaseResult c in result.Cases)
        {
            foreach ((PhaseFigures f, string role) in new[] { (c.First, "first"), (c.Peer, "peer") })
            {
                csv.Append(string.Create(CultureInfo.InvariantCulture,
                    $"{c.Op},{c.Threads},{EngineBenchOptions.DurabilityName(c.Durability)},{f.Target},{role},{f.Ops},{f.Seconds:0.###}," +
                    $"{f.OpsPerSecond:0.#},{f.P50Us:0.###},{f.P99Us:0.###},{f.P999Us:0.###},{f.MaxUs:0.###},{f.AllocatedBytesPerOp:0.##}\n"));
            }
        }
        return csv.ToString();
    }

    private static string ShellQuote(string arg) =>
        arg.Length > 0 && arg.All(ch => char.IsAsciiLetterOrDigit(ch) || "-_.,/=:@+%".Contains(ch))
            ? arg
            : "'" + arg.Replace("'", "'\\''") + "'";
}
