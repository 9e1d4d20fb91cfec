using System.Globalization;
using System.Text;
using Basalt.Bench.Engine;
using Basalt.Bench.Report;
using HdrHistogram;

namespace Basalt.Bench.Cache;

// Writes a `cache` run as Markdown (machine, commit, command, method, each cache's configuration, the table, the
// summary lines), CSV (one row per case, cache and round) and a PNG (ops/s per case, one bar per cache) side by side.
// Pure formatting: everything comes from CacheBenchResult.
public static class CacheReport
{
    public static IReadOnlyList<string> Write(CacheBenchResult result)
    {
        CacheBenchSettings s = result.Settings;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(s.Out))!);
        File.WriteAllText(s.Out, Markdown(result));
        File.WriteAllText(s.CsvPath, Csv(result));
        Plot(result, s.PngPath);
        return [s.Out, s.CsvPath, s.PngPath];
    }

    public static string Markdown(CacheBenchResult result)
    {
        CacheBenchSettings s = result.Settings;
        MachineInfo m = result.Machine;
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        string first = result.FirstName;

        Line($"# Cache: {first} vs {string.Join(", ", result.Factories.Skip(1).Select(f => f.Name))}");
        Line();
        Line($"- Date (UTC): {result.StartedUtc.ToString("yyyy-MM-dd HH:mm:ss", inv)}, run time {result.Elapsed.TotalSeconds.ToString("0", inv)} s");
        Line($"- Machine: {m.Cores} cores, {m.Memory} RAM, CPU {m.Cpu}");
        Line($"- OS: {m.Os}");
        Line($"- Runtime: {m.Runtime}");
        Line($"- Commit: {m.Commit}");
        Line($"- Command: `{EngineReport.CommandLine(s.CommandLineArgs)}`");
        if (result.HostCpu is { } cpu)
            Line(string.Create(inv, $"- Host CPU over the run (/proc/stat): busy {cpu.BusyPercent:0}%, idle {cpu.IdlePercent:0}%, steal {cpu.StealPercent:0.0}% (idle time during a run with as many threads as cores means another process or the hypervisor took the CPU)."));
        Line();

        Line("## Method");
        Line();
        Line(string.Create(inv, $"- Data: {s.Keys} keys of 8 bytes (a bijective mix of the key index and seed {s.Seed}), values of {s.ValueBytes} bytes whose first 8 bytes are the key (the rest a fixed pattern). Every cache is sized to hold all keys: nothing is evicted and nothing expires during a run (misses are counted and reported; they are 0 unless the table says otherwise)."));
        Line(string.Create(inv, $"- Cases: mixes {string.Join(", ", s.Mixes.Select(x => x.Name))} (gets/sets), key distributions {string.Join(", ", s.Distributions.Select(CacheBenchSettings.DistributionName))} (zipfian = YCSB's scrambled zipfian, constant 0.99, over all keys), threads {string.Join(", ", s.Threads)}."));
        Line(string.Create(inv, $"- Sequences: per case and thread, {s.SequenceLength} operations (key index and get/set) are generated before anything runs and stored in an int array; the thread replays it in a loop. Every cache replays the same sequences, so the generator costs nothing in the timed loop and the caches see identical key streams."));
        Line(string.Create(inv, $"- A run: a fresh cache instance is created and preloaded with every key in index order on one thread (timed, reported as preload s), its memory is measured, then the case's threads run for a warm-up of {PhaseRunner.WarmupSeconds(s.Seconds):0.###} s (not counted: JIT tiering, caches warming) and {s.Seconds:0.###} s counted, then the instance is disposed. One cache exists at a time, so no cache's heap is traced by a garbage collection that another cache's run pays for; a full GC runs between runs."));
        Line(string.Create(inv, $"- Rounds: {s.Rounds}; in each round every cache runs once, the order reversed every other round. ops/s = the median of the rounds (a round's ops/s: per thread, counted operations over that thread's window, summed over threads); ratio = {first}'s ops/s over the peer's, the median of the rounds' ratios (each round's {first} run against the same round's peer run). Latency percentiles: the rounds' histograms merged."));
        Line(string.Create(inv, $"- Timing: operations run in blocks of {CacheLoop.SampleEvery}; the first operation of each block is timed (Stopwatch.GetTimestamp before and after, into a per-thread HdrHistogram in ns, 3 significant digits), the other {CacheLoop.SampleEvery - 1} are not, so the clock adds about 1/{CacheLoop.SampleEvery} of a timestamp pair per operation on every side; p50 and p99 are those of the sampled operations."));
        Line("- The loop is one generic method specialised per cache (each cache's adapter is a struct; no interface or delegate call per operation on any side). Around each get the harness loads the sequence entry and checks the copied value's length and first 8 bytes against the key; around each set it stores the key into the first 8 bytes of the thread's value buffer. The same code for every cache.");
        Line("- Memory: after the preload, the managed heap's growth (GC.GetTotalMemory after a full collection) and the process working set's growth, both against the moment before the cache was created (first round). The working-set figure includes unmanaged memory (Basalt's and FASTER's stores) and is approximate: freed memory of an earlier run may be reused.");
        Line("- B/op: bytes allocated by the benchmark threads per counted operation (the caches' own allocations on those threads included).");
        Line();

        Line("## Caches");
        Line();
        foreach (ICacheTargetFactory factory in result.Factories)
        {
            Line($"### {factory.Name}");
            Line();
            foreach (string item in factory.Describe(s)) Line($"- {item}");
            Line();
        }

        Line("## Results");
        Line();
        Line($"| cache | mix | dist | threads | ops/s | p50 us | p99 us | ratio {first}/cache | B/op | misses | preload s | managed MiB | working set MiB | rounds' ops/s |");
        Line("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (CacheCaseResult c in result.Cases)
        {
            foreach (CacheTargetResult t in c.All)
            {
                string ratio = t == c.First ? "" : ResultLines.Ratio(c.Ratio(t));
                Line(string.Create(inv,
                    $"| {t.Target} | {c.Case.Mix.Name} | {c.Case.DistributionName} | {c.Case.Threads} | {t.OpsPerSecond:N0} | {ResultLines.UsNumber(t.P50Us)} | {ResultLines.UsNumber(t.P99Us)} | {ratio} | " +
                    $"{t.AllocatedBytesPerOp:0.#} | {t.Misses} | {t.First.PreloadSeconds:0.00} | {t.First.ManagedBytes / 1048576.0:0} | {t.First.WorkingSetBytes / 1048576.0:0} | " +
                    $"{string.Join(" / ", t.Rounds.Select(r => r.OpsPerSecond.ToString("N0", inv)))} |"));
            }
        }
        Line();
        Line($"ratio = {first}'s ops/s over that cache's (above 1: {first} is faster).");
        Line();
        var missed = result.Cases.SelectMany(c => c.All.Where(t => t.Misses > 0).Select(t => $"{t.Target} {c.Case.Mix.Name} {c.Case.DistributionName} {c.Case.Threads}t")).ToList();
        if (missed.Count > 0)
        {
            Line($"Not comparable: these rows missed gets although every key was loaded (the cache evicted or lost entries; a miss is cheaper than a hit, so their ops/s overstate the cache): {string.Join(", ", missed)}.");
            Line();
        }
        Line("State of each cache after its last run, as the cache counts it:");
        Line();
        foreach (CacheTargetResult t in result.Cases.Count > 0 ? result.Cases[^1].All : [])
        {
            string state = t.Rounds[^1].State;
            if (state.Length > 0) Line($"- {t.Target}: {state}");
        }
        Line();
        Line("## Summary lines");
        Line();
        Line("```");
        foreach (CacheCaseResult c in result.Cases)
            foreach (CacheTargetResult peer in c.Peers) Line(CacheRunner.Line(c, peer));
        Line("```");
        Line();
        Line($"stdout printed the lines of --vs {string.Join(",", s.Vs)}; the block above has every peer's.");
        return md.ToString();
    }

    public static string Csv(CacheBenchResult result)
    {
        var csv = new StringBuilder("cache,mix,dist,threads,round,ops,ops_per_s,p50_us,p99_us,p999_us,max_us,misses,allocated_bytes_per_op,preload_s,managed_bytes,working_set_bytes\n");
        foreach (CacheCaseResult c in result.Cases)
        {
            foreach (CacheTargetResult t in c.All)
            {
                foreach (CacheRunFigures r in t.Rounds)
                {
                    csv.Append(string.Create(CultureInfo.InvariantCulture,
                        $"{t.Target},{c.Case.Mix.Name},{c.Case.DistributionName},{c.Case.Threads},{r.Round + 1},{r.Ops},{r.OpsPerSecond:0},{r.LatencyNs.GetValueAtPercentile(50) / 1000.0:0.###}," +
                        $"{r.LatencyNs.GetValueAtPercentile(99) / 1000.0:0.###},{r.LatencyNs.GetValueAtPercentile(99.9) / 1000.0:0.###},{r.LatencyNs.GetMaxValue() / 1000.0:0.###}," +
                        $"{r.Misses},{r.AllocatedBytesPerOp:0.##},{r.PreloadSeconds:0.###},{r.ManagedBytes},{r.WorkingSetBytes}\n"));
                }
            }
        }
        return csv.ToString();
    }

    // Grouped bars: one group per case, one bar per cache, millions of ops/s.
    private static void Plot(CacheBenchResult result, string path)
    {
        var plot = new ScottPlot.Plot();
        var names = result.Factories.Select(f => f.Name).ToList();
        int groups = result.Cases.Count, width = names.Count + 1;
        for (int k = 0; k < names.Count; k++)
        {
            var bars = new List<ScottPlot.Bar>();
            for (int g = 0; g < groups; g++)
            {
                CacheTargetResult t = result.Cases[g].All.Single(x => x.Target == names[k]);
                bars.Add(new ScottPlot.Bar { Position = g * width + k, Value = t.OpsPerSecond / 1e6 });
            }
            var series = plot.Add.Bars(bars);
            series.LegendText = names[k];
            series.Color = ScottPlot.Palette.Default.GetColor(k);
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, groups).Select(g => g * width + (names.Count - 1) / 2.0).ToArray(),
            result.Cases.Select(c => $"{c.Case.Mix.Name}\n{c.Case.DistributionName}\n{c.Case.Threads}t").ToArray());
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"cache: {result.Settings.Keys} keys, {result.Settings.ValueBytes}-byte values"));
        plot.YLabel("million ops/s (median of rounds)");
        plot.SavePng(path, Math.Max(900, groups * 120), 500);
    }
}
