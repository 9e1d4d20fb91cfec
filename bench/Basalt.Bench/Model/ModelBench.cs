using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Basalt.Bench.Engine;
using Basalt.Bench.Report;
using Basalt.Engine.Storage;
using HdrHistogram;

namespace Basalt.Bench.Model;

// `model`: Basalt's embedded DynamoDB API side by side with LiteDB (an embedded .NET document store) in one run:
// load, then GetItem, PutItem, UpdateItem and Query, each a timed phase of --seconds per side over the same items and
// the same key sequence, plus a `raw` case (StorageEngine.TryGet of the same stored bytes against GetItem). Prints one
// `model:` line per case ending with ratio= (Basalt over LiteDB; for raw, GetItem's cost over the raw get) and writes
// a Markdown report. Runs on the coordinator thread, which starts --threads worker threads per phase.
public static class ModelBench
{
    private const long HighestTrackableNs = 60_000_000_000L;
    private static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;

    public static Command Create()
    {
        var vs = new Option<string>("--vs") { Description = "Peer (only litedb)", DefaultValueFactory = _ => "litedb" };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per case and side", DefaultValueFactory = _ => 10 };
        var items = new Option<int>("--items") { Description = "Items loaded (ten per partition key)", DefaultValueFactory = _ => 100_000 };
        var itemBytes = new Option<int>("--item-bytes") { Description = "Size of Basalt's encoded item in bytes", DefaultValueFactory = _ => 1024 };
        var threads = new Option<int>("--threads") { Description = "Worker threads per phase", DefaultValueFactory = _ => 1 };
        var durability = new Option<string>("--durability") { Description = "Basalt's durability: sync or async (LiteDB has one mode; see the report)", DefaultValueFactory = _ => "async" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder for the stores (a run folder is created in it and deleted afterwards); default: the system temp folder" };
        var output = new Option<string>("--out") { Description = "Markdown report path", DefaultValueFactory = _ => Path.Combine("perf-results", "model.md") };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the item text and the key sequence", DefaultValueFactory = _ => 1 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds per case: each side's --seconds are split into this many slices, run alternately (ABBA...); the ratio is the median of the rounds' ratios", DefaultValueFactory = _ => 5 };

        var command = new Command("model", "Compare Basalt's embedded API (GetItem, PutItem, UpdateItem, Query) with LiteDB in one run");
        foreach (Option option in new Option[] { vs, seconds, items, itemBytes, threads, durability, dataDir, output, seed, rounds })
            command.Options.Add(option);
        command.SetAction(parseResult =>
        {
            if (parseResult.GetValue(vs) != "litedb") return Usage("--vs: only litedb is supported.");
            Durability? mode = parseResult.GetValue(durability) switch { "sync" => Durability.Sync, "async" => Durability.Async, _ => null };
            if (mode is null) return Usage("--durability: must be sync or async.");
            var options = new ModelOptions(parseResult.GetValue(seconds), parseResult.GetValue(items), parseResult.GetValue(itemBytes),
                parseResult.GetValue(threads), mode.Value, parseResult.GetValue(dataDir), parseResult.GetValue(output)!, parseResult.GetValue(seed),
                Environment.GetCommandLineArgs().Skip(1).ToArray(), parseResult.GetValue(rounds));
            if (options.Seconds is <= 0 or > 3600) return Usage("--seconds: must be in (0, 3600].");
            if (options.Items is < ModelData.ItemsPerPartition or > 10_000_000) return Usage("--items: must be in [10, 10000000].");
            if (options.ItemBytes is < 200 or > 390_000) return Usage("--item-bytes: must be in [200, 390000].");
            if (options.Threads is < 1 or > 256) return Usage("--threads: must be in [1, 256].");
            if (options.Rounds is < 1 or > 100) return Usage("--rounds: must be in [1, 100].");
            try
            {
                ModelResult result = Run(options);
                ModelReport.Write(options, result);
                Console.Error.WriteLine($"model: wrote {options.Out}");
                return 0;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"model: failed: {e.Message}");
                Console.Error.WriteLine(e.InnerException ?? e);
                return 1;
            }
        });
        return command;
    }

    private static int Usage(string message)
    {
        Console.Error.WriteLine($"model: {message}");
        return 2;
    }

    private static ModelResult Run(ModelOptions options)
    {
        string root = options.DataDir ?? Path.GetTempPath();
        string runDir = Path.Combine(root, $"basalt-model-{Environment.ProcessId}");
        Directory.CreateDirectory(runDir);
        var machine = MachineInfo.Collect(runDir);
        var data = new ModelData(options.Items, options.ItemBytes, options.Seed);
        var cases = new List<ModelCase>();
        try
        {
            using var basalt = new BasaltModelSide(data, Path.Combine(runDir, "basalt"), options.Durability, options.Threads);
            using var lite = new LiteDbModelSide(data, Path.Combine(runDir, "litedb"));
            long t0 = Stopwatch.GetTimestamp();
            basalt.Load();
            double basaltLoad = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            t0 = Stopwatch.GetTimestamp();
            lite.Load();
            double liteLoad = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            Console.Out.WriteLine(FormattableString.Invariant(
                $"model: op=load items={options.Items} basalt_s={basaltLoad:F2} litedb_s={liteLoad:F2} ratio={liteLoad / basaltLoad:F2}"));
            int[] sequence = data.Sequence;
            int mask = sequence.Length - 1;
            int stride = sequence.Length / options.Threads;
            int Item(int worker, long step) => sequence[(int)((worker * (long)stride + step) & mask)];
            int Partition(int worker, long step) => ModelData.PartitionOf(sequence[(int)((worker * (long)stride + step) & mask)]);

            // Each write carries a count unique to the run, so PutItem really rewrites the item.
            long putCount = 1;
            cases.Add(Case(options, "get", "basalt", (w, s) => basalt.Get(w, Item(w, s)), "litedb", (w, s) => lite.Get(Item(w, s))));
            cases.Add(Case(options, "put", "basalt", (w, s) => basalt.Put(w, Item(w, s), Interlocked.Increment(ref putCount)),
                "litedb", (w, s) => lite.Put(Item(w, s), Interlocked.Increment(ref putCount))));
            cases.Add(Case(options, "update", "basalt", (w, s) => basalt.Update(w, Item(w, s)), "litedb", (w, s) => lite.Update(Item(w, s))));
            cases.Add(Case(options, "query", "basalt", (w, s) => basalt.Query(Partition(w, s)), "litedb", (w, s) => lite.Query(Partition(w, s))));
            // raw: the first side is GetItem (length-only sink), the second the raw engine get; ratio = GetItem cost over raw.
            cases.Add(Case(options, "raw", "getitem", (w, s) => basalt.GetLength(Item(w, s)), "engine", (w, s) => basalt.RawGet(Item(w, s))));
            return new ModelResult(machine, data.PayloadBytes, basaltLoad, liteLoad, cases);
        }
        finally
        {
            try { Directory.Delete(runDir, recursive: true); }
            catch (IOException) { }
        }
    }

    // A case runs both sides in --rounds alternating slices (A B, B A, A B, ...), so that a machine whose speed
    // drifts during the run (a shared VM: ±25% between minutes here) weighs on both sides alike, and the order
    // within a pair does not favour either. Figures are over all slices; the ratio is the median round's.
    private static ModelCase Case(ModelOptions options, string op, string firstName, Action<int, long> first, string secondName, Action<int, long> second)
    {
        double slice = options.Seconds / options.Rounds;
        var firsts = new List<PhaseFigures>();
        var seconds = new List<PhaseFigures>();
        for (int round = 0; round < options.Rounds; round++)
        {
            if (round % 2 == 0)
            {
                firsts.Add(Phase(firstName, options, slice, first));
                seconds.Add(Phase(secondName, options, slice, second));
            }
            else
            {
                seconds.Add(Phase(secondName, options, slice, second));
                firsts.Add(Phase(firstName, options, slice, first));
            }
        }
        var roundRatios = firsts.Zip(seconds, (a, b) => new ModelCase(op, a, b, []).OverallRatio).ToArray();
        PhaseFigures a = Merge(firsts);
        PhaseFigures b = Merge(seconds);
        var result = new ModelCase(op, a, b, roundRatios);
        string line = op == "raw"
            ? FormattableString.Invariant(
                $"model: op=raw threads={options.Threads} getitem_ops/s={a.OpsPerSecond:F0} engine_ops/s={b.OpsPerSecond:F0} getitem_p50={a.P50Us:F2}us engine_p50={b.P50Us:F2}us getitem_B/op={a.AllocatedBytesPerOp:F0} ratio={result.Ratio:F2}")
            : FormattableString.Invariant(
                $"model: op={op} threads={options.Threads} basalt_ops/s={a.OpsPerSecond:F0} litedb_ops/s={b.OpsPerSecond:F0} basalt_p50={a.P50Us:F2}us litedb_p50={b.P50Us:F2}us basalt_B/op={a.AllocatedBytesPerOp:F0} litedb_B/op={b.AllocatedBytesPerOp:F0} ratio={result.Ratio:F2}");
        Console.Out.WriteLine(line);
        return result;
    }

    // One timed phase: every worker runs op(worker, step) over its part of the key sequence; a warm-up of
    // min(1 s, 10%) first, then the measured window. Latency per op in an HdrHistogram, bytes allocated per thread.
    private static PhaseFigures Merge(List<PhaseFigures> slices)
    {
        var merged = new LongHistogram(HighestTrackableNs, 3);
        foreach (PhaseFigures slice in slices) merged.Add(slice.LatencyNs);
        return new PhaseFigures(slices[0].Target, slices.Sum(f => f.Ops), slices.Sum(f => f.Seconds), merged, slices.Sum(f => f.AllocatedBytes));
    }

    private static PhaseFigures Phase(string name, ModelOptions options, double seconds, Action<int, long> op)
    {
        int threads = options.Threads;
        double warmup = Math.Min(1.0, seconds * 0.1);
        var histograms = new LongHistogram[threads];
        var ops = new long[threads];
        var allocated = new long[threads];
        var failures = new Exception?[threads];
        using var ready = new CountdownEvent(threads);
        using var go = new ManualResetEventSlim(false);
        long windowStart = 0, windowEnd = 0;
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int worker = t;
            histograms[t] = new LongHistogram(HighestTrackableNs, 3);
            workers[t] = new Thread(() =>
            {
                try
                {
                    ready.Signal();
                    go.Wait();
                    LongHistogram histogram = histograms[worker];
                    long step = 0, count = 0, allocatedAt = -1;
                    while (true)
                    {
                        if (allocatedAt < 0 && Stopwatch.GetTimestamp() >= windowStart)
                            allocatedAt = GC.GetAllocatedBytesForCurrentThread();
                        long s0 = Stopwatch.GetTimestamp();
                        op(worker, step++);
                        long s1 = Stopwatch.GetTimestamp();
                        if (allocatedAt >= 0)
                        {
                            histogram.RecordValue(Math.Min((long)((s1 - s0) * NsPerTick), HighestTrackableNs));
                            count++;
                        }
                        if (s1 >= windowEnd) break;
                    }
                    ops[worker] = count;
                    allocated[worker] = GC.GetAllocatedBytesForCurrentThread() - allocatedAt;
                }
                catch (Exception e)
                {
                    failures[worker] = e;
                }
            }) { IsBackground = true, Name = $"model-{name}-{t}" };
            workers[t].Start();
        }
        ready.Wait();
        GC.Collect();
        long start = Stopwatch.GetTimestamp();
        windowStart = start + (long)(warmup * Stopwatch.Frequency);
        windowEnd = windowStart + (long)(seconds * Stopwatch.Frequency);
        go.Set();
        foreach (Thread worker in workers) worker.Join();
        if (failures.FirstOrDefault(f => f is not null) is { } failure)
            throw new InvalidOperationException($"{name}: benchmark thread failed: {failure.Message}", failure);
        var merged = new LongHistogram(HighestTrackableNs, 3);
        foreach (LongHistogram histogram in histograms) merged.Add(histogram);
        return new PhaseFigures(name, ops.Sum(), seconds, merged, allocated.Sum());
    }
}

public sealed record ModelOptions(double Seconds, int Items, int ItemBytes, int Threads, Durability Durability, string? DataDir,
    string Out, ulong Seed, string[] CommandLineArgs, int Rounds = 5);

// One case: first = Basalt (or GetItem for raw), second = LiteDB (or the raw engine get).
// Ratio: throughput of first over second; for raw, GetItem's cost over the raw get's (= raw ops/s over GetItem ops/s).
// Ratio is the median of the rounds' ratios (OverallRatio when there are none); RoundRatios are in run order.
public sealed record ModelCase(string Op, PhaseFigures First, PhaseFigures Second, double[] RoundRatios)
{
    public double OverallRatio => Op == "raw"
        ? (First.OpsPerSecond > 0 ? Second.OpsPerSecond / First.OpsPerSecond : 0)
        : (Second.OpsPerSecond > 0 ? First.OpsPerSecond / Second.OpsPerSecond : 0);

    public double Ratio => RoundRatios.Length == 0 ? OverallRatio : Median(RoundRatios);

    public double MinRoundRatio => RoundRatios.Length == 0 ? OverallRatio : RoundRatios.Min();
    public double MaxRoundRatio => RoundRatios.Length == 0 ? OverallRatio : RoundRatios.Max();

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

public sealed record ModelResult(MachineInfo Machine, int PayloadBytes, double BasaltLoadSeconds, double LiteDbLoadSeconds, List<ModelCase> Cases);
