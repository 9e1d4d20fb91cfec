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
public sealed record LoadFigures(string Server, char Workload, long Ops, double Seconds, LongHistogram LatencyUs, long Errors, string? FirstError, double CpuSeconds,
    HostCpu? HostFrom = null, HostCpu? HostTo = null, long ServerAllocated = 0, long ServerRequests = 0)
{
    public double? ServerBytesPerRequest => ServerRequests > 0 ? (double)ServerAllocated / ServerRequests : null;
    public (double BusyPercent, double IdlePercent, double StealPercent)? Host => HostCpu.Between(HostFrom, HostTo);
    public double OpsPerSecond => Ops / Seconds;
    public double P50Us => LatencyUs.GetValueAtPercentile(50);
    public double P99Us => LatencyUs.GetValueAtPercentile(99);
    public double P999Us => LatencyUs.GetValueAtPercentile(99.9);
    public double CpuUsPerOp => Ops == 0 ? 0 : CpuSeconds * 1e6 / Ops;
}

public sealed class LoadRunner(DynamoHttpClient client, PeerProcess? process, string server, int fieldCount, int fieldBytes, long records, double zeta, ulong seed)
{
    private long _inserted = -1; // the next sequence number to insert (workload d), once set to `records`

    public async Task LoadAsync(int concurrency)
    {
        long next = -1;
        string? error = null;
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var random = new Random(unchecked((int)seed) + w);
            using var buffer = new DynamoHttpClient.RequestBuffer(fieldCount, fieldBytes, random);
            long i;
            while ((i = Interlocked.Increment(ref next)) < records && error is null)
            {
                var (ok, message) = await client.PutAsync(buffer, YcsbKeys.Key(i), random);
                if (!ok) error ??= message;
            }
        })).ToArray();
        await Task.WhenAll(workers);
        if (error is not null) throw new InvalidOperationException($"{server}: loading failed: {error}");
        _inserted = records;
    }

    public async Task<LoadFigures> RunAsync(YcsbWorkload workload, double seconds, int concurrency, double rate, int round, bool warmupOnly = false)
    {
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
        var cpuAtMeasure = TimeSpan.Zero;
        bool cpuTaken = false;
        HostCpu? host0 = HostCpu.Read(), hostAtMeasure = null;
        var allocation0 = warmupOnly ? null : await ServerAllocation.ReadAsync(client.Endpoint);
        var histograms = new LongHistogram[concurrency];
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
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var histogram = histograms[w] = new LongHistogram(1, 60_000_000, 3);
            var random = new Random(HashCode.Combine(seed, w, round, workload.Name));
            using var buffer = new DynamoHttpClient.RequestBuffer(fieldCount, fieldBytes, random);
            var zipf = new ScrambledZipfian(records, zeta);
            while (true)
            {
                long dueAt;
                if (due is not null)
                {
                    if (!await due.Reader.WaitToReadAsync() || !due.Reader.TryRead(out dueAt))
                    {
                        if (due.Reader.Completion.IsCompleted) break;
                        continue;
                    }
                }
                else
                {
                    dueAt = Stopwatch.GetTimestamp();
                    if (dueAt >= end) break;
                }
                var op = workload.Next(random);
                long sequence = op == YcsbOp.Insert
                    ? Interlocked.Increment(ref _inserted) - 1
                    : workload.Latest ? Math.Max(0, Volatile.Read(ref _inserted) - 1 - zipf.NextRank(random)) : zipf.Next(random);
                string key = YcsbKeys.Key(sequence);
                (bool Ok, string? Error) result = op switch
                {
                    YcsbOp.Read => await client.GetAsync(buffer, key),
                    YcsbOp.ReadModifyWrite => await ReadModifyWriteAsync(buffer, key, random),
                    _ => await client.PutAsync(buffer, key, random),
                };
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
                histogram.RecordValue(Math.Clamp((done - dueAt) * 1_000_000 / Stopwatch.Frequency, 1, 60_000_000));
            }
        })).ToArray();
        await Task.WhenAll(workers);
        // Operations are counted by the time they were due (started, in closed loop) within [measureFrom, end).
        var merged = new LongHistogram(1, 60_000_000, 3);
        foreach (var h in histograms) merged.Add(h);
        double cpu = process is null ? 0 : (process.CpuTime - (cpuTaken ? cpuAtMeasure : cpu0)).TotalSeconds;
        var hostEnd = HostCpu.Read();
        var allocation1 = warmupOnly ? null : await ServerAllocation.ReadAsync(client.Endpoint);
        var (allocated, requests) = allocation0 is { } a0 && allocation1 is { } a1 ? (a1.AllocatedBytes - a0.AllocatedBytes, a1.Requests - a0.Requests) : (0L, 0L);
        return new LoadFigures(server, workload.Name, ops, seconds, merged, errors, firstError, cpu, cpuTaken ? hostAtMeasure : host0, hostEnd,
            allocated, requests);
    }

    private async Task<(bool Ok, string? Error)> ReadModifyWriteAsync(DynamoHttpClient.RequestBuffer buffer, string key, Random random)
    {
        var read = await client.GetAsync(buffer, key);
        if (!read.Ok) return read;
        return await client.PutAsync(buffer, key, random);
    }
}
