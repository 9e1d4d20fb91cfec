using System.Diagnostics;
using Basalt.Bench.Report;
using HdrHistogram;

namespace Basalt.Bench.Load;

// One measured phase of the load generator against one server: `concurrency` workers (async tasks on the thread
// pool, one request in flight each), closed loop (each starts its next operation when the last answered) or open
// loop (--rate: operation i is due at start + i / rate, whoever is free takes it, and its latency counts from when
// it was due, so a server that falls behind is charged for the queue it causes: no coordinated omission).
// Latency per operation in an HdrHistogram (microseconds, 3 significant digits); a read-modify-write counts once,
// from its read to its write's answer.
// Host: the machine's CPU time over the measured window (busy, idle and stolen by the hypervisor), when known.
// ServerAllocated / ServerRequests: what the server allocated and answered over the phase (its /metrics; Basalt only).
// Intervals: the measured window's latency second by second (each with its start and end time stamps, ms since the
// epoch), for the .hlog; LatencyUs is their sum.
// ClientCpuPercent: the load generator's own CPU time over the phase (warm-up included) in percent of one core: near
// the number of cores it may use, the client rather than the server set the pace, and the figures say so.
public sealed record LoadFigures(string Server, string Workload, long Ops, double Seconds, LongHistogram LatencyUs, long Errors, string? FirstError, double CpuSeconds,
    HostCpu? HostFrom = null, HostCpu? HostTo = null, long ServerAllocated = 0, long ServerRequests = 0, double ClientCpuPercent = double.NaN,
    IReadOnlyList<HistogramBase>? Intervals = null)
{
    public double? ServerBytesPerRequest => ServerRequests > 0 ? (double)ServerAllocated / ServerRequests : null;
    public (double BusyPercent, double IdlePercent, double StealPercent)? Host => HostCpu.Between(HostFrom, HostTo);
    public double OpsPerSecond => Ops / Seconds;
    // 0 when nothing was measured (HdrHistogram throws on an empty histogram); Ops says so.
    public double P50Us => LatencyUs.TotalCount == 0 ? 0 : LatencyUs.GetValueAtPercentile(50);
    public double P99Us => LatencyUs.TotalCount == 0 ? 0 : LatencyUs.GetValueAtPercentile(99);
    public double P999Us => LatencyUs.TotalCount == 0 ? 0 : LatencyUs.GetValueAtPercentile(99.9);
    public double MaxUs => LatencyUs.GetMaxValue();
    public double CpuUsPerOp => Ops == 0 ? 0 : CpuSeconds * 1e6 / Ops;
}

// Loads the records and runs workloads against one target. The records of each key layout are loaded on first need
// (LoadAsync, or EnsureLoadedAsync for the workload about to run), `records` of them, sequence numbers 0..records-1;
// inserts (d, e) continue the sequence. Each worker has its own connection, random generator and key chooser.
public sealed class LoadRunner(ILoadTarget target, PeerProcess? process, string server, ItemShape shape, long records,
    KeyDistribution distribution, double zeta, ulong seed, int scanLengthMax = 100)
{
    // Per layout (KeyLayout as index): the inserted records, null until the layout is loaded.
    private readonly AcknowledgedCounter?[] _inserted = [null, null];

    public ILoadTarget Target => target;

    public string Server => server;

    // Loads the workload's layout unless it is loaded; true when it loaded it now.
    public async Task<bool> EnsureLoadedAsync(YcsbWorkload workload, int concurrency)
    {
        if (_inserted[(int)workload.Layout] is not null) return false;
        await LoadAsync(concurrency, workload.Layout);
        return true;
    }

    // prepare: create the layout's table first (false when the caller created it, with options of its own).
    public async Task LoadAsync(int concurrency, KeyLayout layout = KeyLayout.Hash, bool prepare = true)
    {
        if (prepare) await target.PrepareAsync(layout);
        long next = -1;
        string? error = null;
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var random = new Random(unchecked((int)seed) + w);
            using var connection = target.Connect(shape, random);
            long i;
            while ((i = Interlocked.Increment(ref next)) < records && error is null)
            {
                var result = await connection.PutAsync(LoadKey.For(layout, i), random);
                if (!result.Ok) error ??= result.Error;
            }
        })).ToArray();
        await Task.WhenAll(workers);
        if (error is not null) throw new InvalidOperationException($"{server}: loading failed: {error}");
        _inserted[(int)layout] = new AcknowledgedCounter(records);
    }

    public async Task<LoadFigures> RunAsync(YcsbWorkload workload, double seconds, int concurrency, double rate, int round, bool warmupOnly = false)
    {
        if (_inserted[(int)workload.Layout] is null)
            throw new InvalidOperationException($"{server}: workload {workload.Name} runs before its records are loaded");
        double warmup = Math.Min(1.0, seconds * 0.1);
        // Open loop warms up in closed loop first: paced from a cold start (connections still opening, code still
        // being tiered up) a server falls behind, and the backlog would be charged to the measured window.
        if (rate > 0) await RunAsync(workload, warmup, concurrency, 0, round + 1000, warmupOnly: true);
        long start = Stopwatch.GetTimestamp();
        long measureFrom = rate > 0 || warmupOnly ? start : start + (long)(warmup * Stopwatch.Frequency);
        long end = measureFrom + (long)(seconds * Stopwatch.Frequency);
        double ticksPerOp = rate > 0 ? Stopwatch.Frequency / rate : 0;
        long ops = 0, errors = 0;
        string? firstError = null;
        var cpu0 = process?.CpuTime ?? TimeSpan.Zero;
        var client0 = ClientCpu();
        long wall0 = Stopwatch.GetTimestamp();
        var cpuAtMeasure = TimeSpan.Zero;
        bool cpuTaken = false;
        HostCpu? host0 = HostCpu.Read(), hostAtMeasure = null;
        bool readAllocation = !warmupOnly && target.Protocol == "dynamodb";
        var allocation0 = readAllocation ? await ServerAllocation.ReadAsync(target.Endpoint) : null;
        // One recorder shared by the workers (HdrHistogram's Recorder over a concurrent histogram: a few interlocked
        // operations per record), sampled once a second from the start of the measured window.
        var recorder = new Recorder(1, 60_000_000, 3, (id, lowest, highest, digits) => new LongConcurrentHistogram(id, lowest, highest, digits));
        var intervals = new List<HistogramBase>();
        using var workersDone = new CancellationTokenSource();
        var sampler = warmupOnly ? Task.CompletedTask : Task.Run(async () =>
        {
            long from = measureFrom;
            while (!workersDone.IsCancellationRequested)
            {
                long next = from + Stopwatch.Frequency;
                var wait = TimeSpan.FromSeconds((double)(next - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
                if (wait > TimeSpan.Zero)
                {
                    try { await Task.Delay(wait, workersDone.Token); }
                    catch (OperationCanceledException) { break; }
                }
                intervals.Add(Sample(recorder, from, next = Stopwatch.GetTimestamp()));
                from = next;
            }
            intervals.Add(Sample(recorder, from, Stopwatch.GetTimestamp()));
        });
        // Open loop: one pacer thread releases each operation when it is due (sleeping until then: Pacer), and the
        // workers take them in order; nothing spins.
        var due = rate > 0 ? System.Threading.Channels.Channel.CreateUnbounded<long>(new() { SingleWriter = true }) : null;
        Thread? pacer = null;
        if (due is not null)
        {
            pacer = new Thread(() =>
            {
                Pacer.PrepareThread();
                for (long i = 0; ; i++)
                {
                    long at = start + (long)(i * ticksPerOp);
                    if (at >= end) break;
                    // Sleeps until the operation is due; one that is already due (the pacer woke late) goes at once,
                    // its lateness counted in its latency.
                    if (at > Stopwatch.GetTimestamp()) Pacer.WaitUntil(at);
                    due.Writer.TryWrite(at);
                }
                due.Writer.TryComplete();
            }) { IsBackground = true, Name = "load-pacer" };
            pacer.Start();
        }
        var layout = workload.Layout;
        var inserts = _inserted[(int)layout]!;
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var random = new Random(HashCode.Combine(seed, w, round, workload.Name));
            using var connection = target.Connect(shape, random);
            var chooser = new KeyChooser(distribution, records, zeta);
            while (true)
            {
                long dueAt;
                if (due is not null)
                {
                    // ReadAsync hands each release to one waiting worker. WaitToReadAsync, used before, woke every
                    // waiting worker for each release (63 of 64 then found nothing and waited again): at 3,500 ops/s
                    // the load generator burned a whole core, and its own scheduling delay was the latency tail.
                    try { dueAt = await due.Reader.ReadAsync(); }
                    catch (System.Threading.Channels.ChannelClosedException) { break; }
                }
                else
                {
                    dueAt = Stopwatch.GetTimestamp();
                    if (dueAt >= end) break;
                }
                var op = workload.Next(random);
                OpResult result;
                if (op == YcsbOp.Insert)
                {
                    long sequence = inserts.Claim();
                    result = await connection.PutAsync(LoadKey.For(layout, sequence), random);
                    if (result.Ok) inserts.Acknowledge(sequence);
                }
                else
                {
                    long present = inserts.Limit;
                    long sequence = chooser.Next(random, workload.Latest, present);
                    result = op switch
                    {
                        YcsbOp.Read => await connection.GetAsync(LoadKey.For(layout, sequence)),
                        YcsbOp.Update => await connection.PutAsync(LoadKey.For(layout, sequence), random),
                        YcsbOp.Scan => await ScanAsync(connection, sequence, random, present),
                        _ => await ReadModifyWriteAsync(connection, LoadKey.For(layout, sequence), random),
                    };
                }
                long done = Stopwatch.GetTimestamp();
                if (dueAt < measureFrom) continue;
                if (!cpuTaken && process is not null)
                {
                    cpuTaken = true;
                    cpuAtMeasure = process.CpuTime;
                    hostAtMeasure = HostCpu.Read();
                }
                Interlocked.Increment(ref ops);
                if (!result.Ok)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, result.Error, null);
                }
                recorder.RecordValue(Math.Clamp((done - dueAt) * 1_000_000 / Stopwatch.Frequency, 1, 60_000_000));
            }
        })).ToArray();
        await Task.WhenAll(workers);
        // Operations are counted by the time they were due (started, in closed loop) within [measureFrom, end).
        workersDone.Cancel();
        await sampler;
        var merged = new LongHistogram(1, 60_000_000, 3);
        if (warmupOnly) merged.Add(recorder.GetIntervalHistogram());
        foreach (var h in intervals) merged.Add(h);
        double cpu = process is null ? 0 : (process.CpuTime - (cpuTaken ? cpuAtMeasure : cpu0)).TotalSeconds;
        double clientPercent = 100 * (ClientCpu() - client0).TotalSeconds / Stopwatch.GetElapsedTime(wall0).TotalSeconds;
        var hostEnd = HostCpu.Read();
        var allocation1 = readAllocation ? await ServerAllocation.ReadAsync(target.Endpoint) : null;
        var (allocated, requests) = allocation0 is { } a0 && allocation1 is { } a1 ? (a1.AllocatedBytes - a0.AllocatedBytes, a1.Requests - a0.Requests) : (0L, 0L);
        return new LoadFigures(server, workload.Name, ops, seconds, merged, errors, firstError, cpu, cpuTaken ? hostAtMeasure : host0, hostEnd,
            allocated, requests, clientPercent, intervals);
    }

    // The recorder's histogram since the last sample, stamped with the wall-clock times of `from` and `to`.
    private static HistogramBase Sample(Recorder recorder, long from, long to)
    {
        var interval = recorder.GetIntervalHistogram();
        long nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), nowTicks = Stopwatch.GetTimestamp();
        interval.StartTimeStamp = nowMs - (nowTicks - from) * 1000 / Stopwatch.Frequency;
        interval.EndTimeStamp = nowMs - (nowTicks - to) * 1000 / Stopwatch.Frequency;
        return interval;
    }

    private static TimeSpan ClientCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    // YCSB's scan (ScanLayout): a length uniform in 1..scanLengthMax from the drawn start; the Query must return every
    // item known to be in that range (records inserted by other workers meanwhile may add to it).
    private ValueTask<OpResult> ScanAsync(ILoadConnection connection, long start, Random random, long present)
    {
        int length = random.Next(1, scanLengthMax + 1);
        return connection.QueryAsync(ScanLayout.Partition(start), ScanLayout.Sort(start), length, ScanLayout.Expected(start, length, present));
    }

    private static async ValueTask<OpResult> ReadModifyWriteAsync(ILoadConnection connection, LoadKey key, Random random)
    {
        var read = await connection.GetAsync(key);
        if (!read.Ok) return read;
        return await connection.PutAsync(key, random);
    }
}

// YCSB's AcknowledgedCounterGenerator: inserts claim sequence numbers in order, but finish out of order; readers of
// "the records present" (d's latest, e's scan ranges) must see only a prefix of sequence numbers that are all
// written, or they would read a key whose put is still in flight and count a miss. Limit is one past the longest
// acknowledged prefix. Thread-safe; a lock, since inserts are at most 5% of a workload's operations.
public sealed class AcknowledgedCounter(long initial)
{
    private readonly Lock _lock = new();
    private readonly SortedSet<long> _ahead = []; // acknowledged above the prefix
    private long _next = initial, _limit = initial;

    public long Limit => Volatile.Read(ref _limit);

    public long Claim() => Interlocked.Increment(ref _next) - 1;

    public void Acknowledge(long sequence)
    {
        lock (_lock)
        {
            _ahead.Add(sequence);
            long limit = _limit;
            while (_ahead.Remove(limit)) limit++;
            Volatile.Write(ref _limit, limit);
        }
    }
}
