using Basalt.Bench.Report;

namespace Basalt.Bench.Engine;

// One (op, threads, durability) cell measured on both targets with the same workload and seed.
public sealed record CaseResult(string Op, int Threads, BenchDurability Durability, PhaseFigures First, PhaseFigures Peer)
{
    public double Ratio => Peer.OpsPerSecond > 0 ? First.OpsPerSecond / Peer.OpsPerSecond : double.NaN;
}

// Group-commit scaling of sync puts: ops/s with `Writers` concurrent writers over ops/s with one, per target.
public sealed record ScalingResult(int Writers, CaseResult Single, CaseResult Many)
{
    public double FirstScaling => Single.First.OpsPerSecond > 0 ? Many.First.OpsPerSecond / Single.First.OpsPerSecond : double.NaN;
    public double PeerScaling => Single.Peer.OpsPerSecond > 0 ? Many.Peer.OpsPerSecond / Single.Peer.OpsPerSecond : double.NaN;
}

public sealed record EngineBenchResult(
    EngineBenchOptions Options, string FirstName, string PeerName, string DataDir, MachineInfo Machine,
    DateTime StartedUtc, TimeSpan Elapsed, IReadOnlyList<CaseResult> Cases, IReadOnlyList<ScalingResult> Scaling);

// Runs the `engine` command's case matrix on two targets. Runs on the calling thread (the coordinator); each phase
// starts its own benchmark threads through PhaseRunner.
// Order and isolation: a put case runs the first target then the peer, each in a fresh directory deleted after it, so
// both see the same machine state; the get cases load one store per target (async mode, one writer), run every
// thread count on it, then close and delete it. A summary line is printed as soon as a case has both figures.
// Durability for gets: reads do not depend on it, so get cases run once per thread count, on a store loaded in async
// mode (a 1M-key load in sync mode would take minutes and measure fsync, not the load), and are labelled async.
public sealed class EngineBench(
    EngineBenchOptions options, IKvTargetFactory first, IKvTargetFactory peer, TextWriter summary, TextWriter progress)
{
    public const string OpPut = "put";
    public const string OpGet = "get";
    public const string OpLoad = "load";

    public async Task<EngineBenchResult> RunAsync()
    {
        DateTime startedUtc = DateTime.UtcNow;
        var started = System.Diagnostics.Stopwatch.StartNew();
        string dataDir = CreateRunDirectory(options.DataDir);
        progress.WriteLine($"engine: data in {dataDir}");
        MachineInfo machine = MachineInfo.Collect(dataDir);
        if (machine.DataDirIsMemoryBacked)
            progress.WriteLine($"engine: warning: the data directory is on {machine.DataDirFileSystem}; sync and group figures will not measure a disk.");

        progress.WriteLine($"engine: generating {options.Keys} keys of {options.KeyBytes} bytes");
        var workload = new Workload(options.Keys, options.KeyBytes, options.ValueBytes, options.Seed);
        var runner = new PhaseRunner(workload);
        var cases = new List<CaseResult>();
        var scaling = new List<ScalingResult>();
        try
        {
            int caseIndex = 0;
            if (options.Cases.Contains(EngineBenchOptions.CasePut))
            {
                foreach (BenchDurability durability in options.Durabilities)
                {
                    foreach (int threads in PutThreadCounts(durability))
                    {
                        caseIndex++;
                        PhaseFigures a = await RunPutAsync(runner, first, dataDir, durability, threads, caseIndex);
                        PhaseFigures b = await RunPutAsync(runner, peer, dataDir, durability, threads, caseIndex);
                        Emit(cases, new CaseResult(OpPut, threads, durability, a, b));
                    }
                }
                if (ScalingWriters() is int writers)
                {
                    CaseResult single = cases.Single(c => c.Op == OpPut && c.Durability == BenchDurability.Sync && c.Threads == 1);
                    CaseResult many = cases.Single(c => c.Op == OpPut && c.Durability == BenchDurability.Sync && c.Threads == writers);
                    var result = new ScalingResult(writers, single, many);
                    scaling.Add(result);
                    summary.WriteLine(ResultLines.Scaling(result, first.Name, peer.Name));
                }
            }

            if (options.Cases.Contains(EngineBenchOptions.CaseGet))
            {
                int getCaseBase = caseIndex + 1;
                (PhaseFigures load, PhaseFigures[] gets) a = await RunGetsAsync(runner, first, dataDir, getCaseBase);
                (PhaseFigures load, PhaseFigures[] gets) b = await RunGetsAsync(runner, peer, dataDir, getCaseBase);
                Emit(cases, new CaseResult(OpLoad, 1, BenchDurability.Async, a.load, b.load));
                for (int i = 0; i < options.Threads.Count; i++)
                    Emit(cases, new CaseResult(OpGet, options.Threads[i], BenchDurability.Async, a.gets[i], b.gets[i]));
            }
        }
        finally
        {
            DeleteQuietly(dataDir);
        }
        return new EngineBenchResult(options, first.Name, peer.Name, dataDir, machine, startedUtc, started.Elapsed, cases, scaling);
    }

    // The user's thread counts, plus 1 and --sync-writers for sync puts so the scaling ratio has both ends.
    private List<int> PutThreadCounts(BenchDurability durability)
    {
        var counts = new List<int>(options.Threads);
        if (durability == BenchDurability.Sync && ScalingWriters() is int writers)
        {
            if (!counts.Contains(1)) counts.Insert(0, 1);
            if (!counts.Contains(writers)) counts.Add(writers);
        }
        return counts;
    }

    private int? ScalingWriters() =>
        options.SyncWriters > 1 && options.Durabilities.Contains(BenchDurability.Sync) && options.Cases.Contains(EngineBenchOptions.CasePut)
            ? options.SyncWriters
            : null;

    private async Task<PhaseFigures> RunPutAsync(
        PhaseRunner runner, IKvTargetFactory factory, string dataDir, BenchDurability durability, int threads, int caseIndex)
    {
        string name = EngineBenchOptions.DurabilityName(durability);
        progress.WriteLine($"engine: {factory.Name}: put threads={threads} durability={name} for {options.Seconds:0.###} s");
        string directory = Path.Combine(dataDir, $"{factory.Name}-put-{name}-t{threads}");
        Directory.CreateDirectory(directory);
        Settle();
        PhaseFigures figures;
        IKvTarget target = factory.Open(directory, durability, options.GroupCommitMs);
        try
        {
            figures = runner.RunPuts(target, threads, options.Seconds, caseIndex);
        }
        finally
        {
            await target.DisposeAsync();
        }
        DeleteQuietly(directory);
        return figures;
    }

    private async Task<(PhaseFigures load, PhaseFigures[] gets)> RunGetsAsync(
        PhaseRunner runner, IKvTargetFactory factory, string dataDir, int caseBase)
    {
        string directory = Path.Combine(dataDir, $"{factory.Name}-get");
        Directory.CreateDirectory(directory);
        Settle();
        IKvTarget target = factory.Open(directory, BenchDurability.Async, options.GroupCommitMs);
        try
        {
            progress.WriteLine($"engine: {factory.Name}: loading {options.Keys} keys (one writer, async)");
            PhaseFigures load = runner.RunLoad(target);
            var gets = new PhaseFigures[options.Threads.Count];
            for (int i = 0; i < gets.Length; i++)
            {
                progress.WriteLine($"engine: {factory.Name}: get threads={options.Threads[i]} for {options.Seconds:0.###} s");
                Settle();
                gets[i] = runner.RunGets(target, options.Threads[i], options.Seconds, caseBase + i);
            }
            return (load, gets);
        }
        finally
        {
            await target.DisposeAsync();
            DeleteQuietly(directory);
        }
    }

    private void Emit(List<CaseResult> cases, CaseResult result)
    {
        cases.Add(result);
        summary.WriteLine(ResultLines.Case(result, first.Name, peer.Name));
        summary.Flush();
    }

    // Leaves the previous phase's garbage (histograms, reference-target copies) out of the next phase's timing.
    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    // A fresh folder for this run: under --data-dir if given (which is kept, only our folder is deleted), else under
    // the system temp folder.
    private static string CreateRunDirectory(string? parent)
    {
        string root = parent ?? Path.GetTempPath();
        string directory = Path.Combine(Path.GetFullPath(root), $"basalt-bench-engine-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        return directory;
    }

    private void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            progress.WriteLine($"engine: warning: could not delete {directory}: {e.Message}");
        }
    }
}
