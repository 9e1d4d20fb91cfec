using System.Diagnostics;
using System.Globalization;
using Basalt.Bench.Engine;
using Basalt.Bench.Load;
using Basalt.Bench.Report;
using HdrHistogram;

namespace Basalt.Bench.Cache;

// One measured run of one cache: a fresh instance, preloaded, then N threads for the case's seconds.
public sealed record CacheRunFigures(
    string Target, int Round, long Ops, double OpsPerSecond, LongHistogram LatencyNs, long Misses, long WrongValues,
    double AllocatedBytesPerOp, double PreloadSeconds, long ManagedBytes, long WorkingSetBytes, string State);

// One (mix, distribution, threads) cell.
public readonly record struct CacheCase(CacheMix Mix, KeyDistribution Distribution, int Threads)
{
    public string DistributionName => CacheBenchSettings.DistributionName(Distribution);
}

// One cache's rounds of one case. ops/s is the median of the rounds; latency percentiles come from the rounds'
// histograms merged; memory is the first round's (every round preloads the same keys into a fresh instance).
public sealed record CacheTargetResult(string Target, IReadOnlyList<CacheRunFigures> Rounds)
{
    public double OpsPerSecond => CacheRunner.Median(Rounds.Select(r => r.OpsPerSecond));
    public LongHistogram LatencyNs
    {
        get
        {
            var merged = new LongHistogram(CacheWorker.HighestTrackableNs, 3);
            foreach (CacheRunFigures round in Rounds) merged.Add(round.LatencyNs);
            return merged;
        }
    }
    public double P50Us => LatencyNs.GetValueAtPercentile(50) / 1000.0;
    public double P99Us => LatencyNs.GetValueAtPercentile(99) / 1000.0;
    public long Misses => Rounds.Sum(r => r.Misses);
    public long WrongValues => Rounds.Sum(r => r.WrongValues);
    public double AllocatedBytesPerOp => CacheRunner.Median(Rounds.Select(r => r.AllocatedBytesPerOp));
    public CacheRunFigures First => Rounds[0];
}

public sealed record CacheCaseResult(CacheCase Case, CacheTargetResult First, IReadOnlyList<CacheTargetResult> Peers)
{
    // The median over rounds of (first's ops/s / the peer's ops/s) in the same round: each pair ran minutes apart at
    // most, so a machine that slows down for a while slows both sides of a pair.
    public double Ratio(CacheTargetResult peer) =>
        CacheRunner.Median(First.Rounds.Zip(peer.Rounds, (a, b) => b.OpsPerSecond > 0 ? a.OpsPerSecond / b.OpsPerSecond : double.NaN));

    public IEnumerable<CacheTargetResult> All => Peers.Prepend(First);
}

public sealed record CacheBenchResult(
    CacheBenchSettings Settings, MachineInfo Machine, DateTime StartedUtc, TimeSpan Elapsed, string FirstName,
    IReadOnlyList<ICacheTargetFactory> Factories, IReadOnlyList<CacheCaseResult> Cases,
    (double BusyPercent, double IdlePercent, double StealPercent)? HostCpu);

// Runs the `cache` command's matrix: for each mix, distribution and thread count, Rounds rounds; in each round every
// cache runs once, the order reversed every other round (first, peers... then ...peers, first). Each run is a fresh
// cache: created, preloaded with every key, measured for memory, then driven by the case's threads for warm-up plus
// Seconds, then disposed. Only one cache exists at a time, so one cache's garbage and heap are never traced by a
// collection that another cache's run pays for. Runs on the calling thread (the coordinator); benchmark threads are
// dedicated threads started per run. Prints a summary line per case and peer of Vs as soon as the case is done.
public sealed class CacheRunner(
    CacheBenchSettings settings, ICacheTargetFactory first, IReadOnlyList<ICacheTargetFactory> peers, TextWriter summary, TextWriter progress)
{
    private static readonly TimeSpan JoinGrace = TimeSpan.FromSeconds(60);

    public CacheBenchResult Run()
    {
        DateTime startedUtc = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        HostCpu? cpuBefore = Report.HostCpu.Read();
        MachineInfo machine = MachineInfo.Collect(Path.GetTempPath());
        progress.WriteLine($"cache: generating {settings.Keys} keys");
        var data = new CacheData(settings);
        var factories = peers.Prepend(first).ToList();
        var cases = new List<CacheCaseResult>();
        foreach (CacheMix mix in settings.Mixes)
        {
            foreach (KeyDistribution distribution in settings.Distributions)
            {
                foreach (int threads in settings.Threads)
                {
                    var @case = new CacheCase(mix, distribution, threads);
                    var sequences = Enumerable.Range(0, threads).Select(t => data.Sequence(mix, distribution, t)).ToArray();
                    var rounds = factories.ToDictionary(f => f.Name, _ => new List<CacheRunFigures>());
                    for (int round = 0; round < settings.Rounds; round++)
                    {
                        IEnumerable<ICacheTargetFactory> order = round % 2 == 0 ? factories : Enumerable.Reverse(factories);
                        foreach (ICacheTargetFactory factory in order)
                            rounds[factory.Name].Add(RunOne(factory, data, sequences, @case, round));
                    }
                    var result = new CacheCaseResult(@case, new CacheTargetResult(first.Name, rounds[first.Name]),
                        peers.Select(p => new CacheTargetResult(p.Name, rounds[p.Name])).ToList());
                    cases.Add(result);
                    foreach (CacheTargetResult peer in result.Peers.Where(p => settings.Vs.Contains(p.Target))) summary.WriteLine(Line(result, peer));
                    summary.Flush();
                }
                data.ForgetSequences();
            }
        }
        return new CacheBenchResult(settings, machine, startedUtc, clock.Elapsed, first.Name, factories, cases,
            Report.HostCpu.Between(cpuBefore, Report.HostCpu.Read()));
    }

    //   cache: vs=faster mix=90/10 dist=zipfian threads=2 ops/s=12345678 p99=0.52us peer_ops/s=9876543 ratio=1.25
    // ops/s and p99 are the first target's (Basalt's); ratio is its ops/s over the peer's (median of the rounds' ratios).
    public static string Line(CacheCaseResult result, CacheTargetResult peer) => string.Create(CultureInfo.InvariantCulture,
        $"cache: vs={peer.Target} mix={result.Case.Mix.Name} dist={result.Case.DistributionName} threads={result.Case.Threads} " +
        $"ops/s={result.First.OpsPerSecond:0} p99={ResultLines.Us(result.First.P99Us)} peer_ops/s={peer.OpsPerSecond:0} " +
        $"ratio={ResultLines.Ratio(result.Ratio(peer))}");

    private CacheRunFigures RunOne(ICacheTargetFactory factory, CacheData data, int[][] sequences, CacheCase @case, int round)
    {
        Settle();
        long managedBefore = GC.GetTotalMemory(forceFullCollection: true);
        long workingSetBefore = WorkingSet();
        ICacheTarget target = factory.Create(data);
        try
        {
            var preload = Stopwatch.StartNew();
            target.Preload(data);
            double preloadSeconds = preload.Elapsed.TotalSeconds;
            long managed = GC.GetTotalMemory(forceFullCollection: true) - managedBefore;
            long workingSet = WorkingSet() - workingSetBefore;
            Settle();
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cache: {factory.Name}: mix={@case.Mix.Name} dist={@case.DistributionName} threads={@case.Threads} round {round + 1}/{settings.Rounds}: " +
                $"preloaded {data.Keys} keys in {preloadSeconds:0.00} s, running {settings.Seconds:0.###} s"));
            CacheWorker[] workers = RunThreads(target, data, sequences);
            long ops = workers.Sum(w => w.Ops);
            long misses = workers.Sum(w => w.Misses), wrong = workers.Sum(w => w.WrongValues);
            if (wrong > 0)
                throw new VerificationException($"{factory.Name}: {wrong} gets returned a value of the wrong length or for another key: the run is void");
            var latency = new LongHistogram(CacheWorker.HighestTrackableNs, 3);
            foreach (CacheWorker worker in workers) latency.Add(worker.LatencyNs);
            string state = target.DescribeState();
            if (misses > 0) progress.WriteLine($"cache: warning: {factory.Name}: {misses} gets missed although every key was loaded ({state})");
            return new CacheRunFigures(factory.Name, round, ops, workers.Sum(w => w.OpsPerSecond), latency, misses, wrong,
                ops > 0 ? (double)workers.Sum(w => w.AllocatedBytes) / ops : 0, preloadSeconds, managed, workingSet, state);
        }
        finally
        {
            target.Dispose();
        }
    }

    private CacheWorker[] RunThreads(ICacheTarget target, CacheData data, int[][] sequences)
    {
        int threads = sequences.Length;
        var control = new CacheControl();
        var workers = new CacheWorker[threads];
        var benchThreads = new Thread[threads];
        using var ready = new CountdownEvent(threads);
        for (int t = 0; t < threads; t++)
        {
            CacheWorker worker = workers[t] = new CacheWorker(t, data, sequences[t], control);
            benchThreads[t] = new Thread(() =>
            {
                try
                {
                    ready.Signal();
                    control.Go.Wait();
                    target.RunWorker(worker);
                }
                catch (Exception e)
                {
                    worker.Failure = e;
                    control.Stop = true;
                }
            })
            { IsBackground = true, Name = $"cache-{target.Name}-{t}" };
            benchThreads[t].Start();
        }
        ready.Wait();
        double warmup = PhaseRunner.WarmupSeconds(settings.Seconds);
        control.WindowStart = Stopwatch.GetTimestamp() + (long)(warmup * Stopwatch.Frequency);
        control.WindowEnd = control.WindowStart + (long)(settings.Seconds * Stopwatch.Frequency);
        control.Go.Set();
        TimeSpan budget = TimeSpan.FromSeconds(warmup + settings.Seconds) + JoinGrace;
        var joining = Stopwatch.StartNew();
        foreach (Thread thread in benchThreads)
        {
            TimeSpan left = budget - joining.Elapsed;
            if (!thread.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                control.Stop = true;
                throw new TimeoutException($"{target.Name}: benchmark thread {thread.Name} did not finish within {JoinGrace.TotalSeconds:0} s after its window");
            }
        }
        foreach (CacheWorker worker in workers)
        {
            if (worker.Failure is { } failure)
                throw new InvalidOperationException($"{target.Name}: benchmark thread {worker.Index} failed: {failure.Message}", failure);
        }
        return workers;
    }

    private static long WorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToList();
        if (sorted.Count == 0) return double.NaN;
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
