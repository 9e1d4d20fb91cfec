using System.Diagnostics;

namespace Basalt.Fuzz.Crash;

// Errors: iterations that could not run to their check (the first start failed, a table could not be created, the
// workers did not stop): not a finding about durability, but the run did not test what it claims, so it fails too.
public sealed record CrashFuzzResult(int Iterations, long Acked, int Lost, int Corrupt, int Seed, IReadOnlyList<IterationResult> Failures, int Errors, bool Cancelled)
{
    public bool Passed => Lost == 0 && Corrupt == 0 && Errors == 0 && !Cancelled;

    public string SummaryLine => $"crash-fuzz: iterations={Iterations} acked={Acked} lost={Lost} corrupt={Corrupt} seed={Seed}";
}

// The supervisor: runs the iterations (each seed drawn from the run's seed, or the one given to replay), prints a line
// per iteration, and on a failure prints the violations, keeps the data folder and searches for a shorter history
// that still fails (the same iteration seed, so the same requests and the same kind of kill, with fewer requests per
// worker). Data folders of passing iterations are removed.
public static class CrashFuzzer
{
    public static async Task<CrashFuzzResult> RunAsync(CrashFuzzOptions options, TextWriter output, CancellationToken cancel)
    {
        string dll = options.ServerDll ?? ServerProcess.LocateServerDll();
        var seeds = new Random(options.Seed);
        int iterations = options.IterationSeed is null ? options.Iterations : 1;
        long acked = 0;
        int lost = 0, corrupt = 0, done = 0, errors = 0;
        var failures = new List<IterationResult>();
        output.WriteLine($"crash-fuzz: {iterations} iteration(s), durability {options.Durability}, {options.ShardCount} shard(s), {options.Workers} workers, " +
            $"{options.SecondsPerIteration:0.##} s per iteration, memtable {options.MemtableMb} MiB, seed {options.Seed}, server {dll}");
        for (int i = 0; i < iterations && !cancel.IsCancellationRequested; i++)
        {
            int iterationSeed = options.IterationSeed ?? seeds.Next();
            IterationResult result;
            try
            {
                result = await CrashIteration.RunAsync(options, dll, iterationSeed, options.OpsPerWorkerMax, cancel);
            }
            catch (Exception) when (cancel.IsCancellationRequested)
            {
                break; // Ctrl-C: whatever the unfinished iteration threw, it was cut short
            }
            catch (Exception e)
            {
                errors++;
                output.WriteLine($"iteration {i + 1}/{iterations}: seed={iterationSeed} ERROR (not run to its check): {e.GetType().Name}: {e.Message}");
                continue;
            }
            done++;
            acked += result.Stats.Acked;
            lost += result.Report.Lost;
            corrupt += result.Report.Corrupt;
            Print(output, options, $"iteration {i + 1}/{iterations}", result);
            if (result.Passed)
            {
                TryDelete(result.DataDir);
                continue;
            }
            failures.Add(result);
            output.WriteLine($"  FAILED: seed={options.Seed} iteration={i + 1} iteration-seed={result.IterationSeed}; data folder kept: {result.DataDir}");
            foreach (var v in result.Report.Violations.Take(20)) output.WriteLine($"    {v}");
            if (options.Verbose || result.Report.Violations.Any(v => v.Check is "restart" or "server died"))
                foreach (var line in result.ServerOutput.TakeLast(20)) output.WriteLine($"    server| {line}");
            IterationResult shortest = result;
            try
            {
                if (options.Shrink) shortest = await ShrinkAsync(options, dll, result, output, cancel);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested) { }
            PrintHistory(output, options, shortest);
        }
        return new CrashFuzzResult(done, acked, lost, corrupt, options.Seed, failures, errors, cancel.IsCancellationRequested);
    }

    private static void Print(TextWriter output, CrashFuzzOptions options, string label, IterationResult r)
    {
        var s = r.Stats;
        output.WriteLine($"{label}: seed={r.IterationSeed} {r.Kill}; sent={s.Sent} acked={s.Acked} condition-failed={s.ConditionFailed} refused={s.Refused} in-flight={s.Unknown} " +
            $"ops/worker={r.OpsPerWorkerSent} lost={r.Report.Lost} corrupt={r.Report.Corrupt} {r.Duration.TotalSeconds:0.0}s {(r.Passed ? "ok" : "FAILED")}");
        if (options.Verbose || s.Refused > 0)
            lock (s.Unexpected)
                foreach (var note in s.Unexpected.Take(options.Verbose ? 20 : 3)) output.WriteLine($"    note: {note}");
    }

    // Reruns the failing iteration with half, a quarter, ... of the requests per worker (two tries each: the kill's
    // moment relative to the requests is timing); the shortest run that still fails one of the same checks is the one
    // reported.
    private static async Task<IterationResult> ShrinkAsync(CrashFuzzOptions options, string dll, IterationResult failed, TextWriter output, CancellationToken cancel)
    {
        var shortest = failed;
        var checks = failed.Report.Violations.Select(v => v.Check).ToHashSet();
        int ops = Math.Max(1, failed.OpsPerWorkerSent);
        var budget = Stopwatch.StartNew();
        while (ops > 1 && budget.Elapsed < TimeSpan.FromMinutes(3) && !cancel.IsCancellationRequested)
        {
            ops = Math.Max(1, ops / 2);
            IterationResult? again = null;
            for (int attempt = 0; attempt < 2 && again is null; attempt++)
            {
                IterationResult r;
                try
                {
                    r = await CrashIteration.RunAsync(options, dll, failed.IterationSeed, ops, cancel);
                }
                catch (Exception e) when (!cancel.IsCancellationRequested)
                {
                    output.WriteLine($"  shrink ops/worker<={ops}: ERROR {e.GetType().Name}: {e.Message}");
                    continue;
                }
                Print(output, options, $"  shrink ops/worker<={ops} try {attempt + 1}", r);
                // It must still fail the same way (one of the original's checks), not merely fail.
                if (!r.Passed && r.Report.Violations.Any(v => checks.Contains(v.Check))) again = r;
                else TryDelete(r.DataDir);
            }
            if (again is null) break;
            shortest = again;
        }
        return shortest;
    }

    private static void PrintHistory(TextWriter output, CrashFuzzOptions options, IterationResult r)
    {
        output.WriteLine($"  shortest reproducing history: {r.OpsPerWorkerSent} request(s) per worker at most, {r.Kill}; data folder {r.DataDir}");
        output.WriteLine($"  reproduce: dotnet run --project fuzz/Basalt.Fuzz -c Release -- crash --durability {options.Durability} --shards {options.ShardCount} " +
            $"--seconds-per-iteration {options.SecondsPerIteration}{(options.CrashPoint is null ? "" : " --crash-point " + options.CrashPoint)} --iteration-seed {r.IterationSeed} --max-ops {r.OpsPerWorkerMax} --no-shrink");
        foreach (var v in r.Report.Violations.Take(10)) output.WriteLine($"    {v}");
        var keys = r.Report.Violations.Where(v => v.Key is not null).Select(v => v.Key!.Value).Distinct().Take(5).ToList();
        foreach (var key in keys)
        {
            if (!r.Model.Keys.TryGetValue(key, out var history)) continue;
            output.WriteLine($"  history of {key}:");
            foreach (var e in history.Entries.Skip(1).Concat(history.Refused).OrderBy(e => e.Sent))
                output.WriteLine($"    t={e.Sent}..{(e.AckedAt == 0 ? "?" : e.AckedAt.ToString())} op {e.OpId} {e.Op}: {(e.Acked ? "acknowledged" : "not acknowledged")} -> {ItemState.Describe(e.After)}");
        }
    }

    internal static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
