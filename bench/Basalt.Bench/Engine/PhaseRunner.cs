using System.Diagnostics;
using HdrHistogram;

namespace Basalt.Bench.Engine;

// What one target did in one phase: counted operations, the window they were counted in, the merged latency histogram
// (nanoseconds), and the bytes the benchmark threads allocated while measuring (harness plus target, caller threads
// only), which should be 0 per op for a target that honours "no allocation on the hot path".
public sealed record PhaseFigures(string Target, long Ops, double Seconds, LongHistogram LatencyNs, long AllocatedBytes)
{
    public double OpsPerSecond => Seconds > 0 ? Ops / Seconds : 0;
    public double P50Us => LatencyNs.GetValueAtPercentile(50) / 1000.0;
    public double P99Us => LatencyNs.GetValueAtPercentile(99) / 1000.0;
    public double P999Us => LatencyNs.GetValueAtPercentile(99.9) / 1000.0;
    public double MaxUs => LatencyNs.GetMaxValue() / 1000.0;
    public double AllocatedBytesPerOp => Ops > 0 ? (double)AllocatedBytes / Ops : 0;
}

// A read returned something other than the value written for its key: the run is void.
public sealed class VerificationException(string message) : Exception(message);

// Runs one timed phase against one open target on dedicated threads and measures it.
// Threads: the caller (coordinator) starts N benchmark threads, waits until all are ready, fixes the measurement
// window, releases them at once, then joins them with a deadline. Each benchmark thread owns its buffers, its index
// generator and its histogram, so the measured loop shares nothing writable except the stop flag; histograms are
// merged after the join.
// Window: threads run from release to windowEnd; only operations that start at or after windowStart (release plus a
// warm-up that lets the JIT reach its final tier and the engine fill its caches) are counted, so ops/s = counted ops
// / window length. Allocated bytes are counted over the same window, per thread.
// Timed phases fail with a TimeoutException when a thread has not finished JoinGrace after the window (a put whose
// ValueTask never completes); the load phase has no deadline, since its length is not known in advance.
public sealed class PhaseRunner(Workload workload)
{
    // Latencies above this are clamped (and would show as the max); a minute is far beyond any sane operation.
    private const long HighestTrackableNs = 60_000_000_000L;
    private const int SignificantDigits = 3;
    // How long after the window a thread may take to finish its last operation before the run is declared hung.
    private static readonly TimeSpan JoinGrace = TimeSpan.FromSeconds(60);
    private static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;

    public static double WarmupSeconds(double seconds) => Math.Min(1.0, seconds * 0.1);

    public PhaseFigures RunPuts(IKvTarget target, int threads, double seconds, int caseIndex) =>
        Run(target, threads, seconds, WarmupSeconds(seconds), (worker, control) => PutLoop(target, worker, control, caseIndex));

    public PhaseFigures RunGets(IKvTarget target, int threads, double seconds, int caseIndex) =>
        Run(target, threads, seconds, WarmupSeconds(seconds), (worker, control) => GetLoop(target, worker, control, caseIndex));

    // Inserts every key once, in index order (random key order, since keys are hashed), from one writer; the whole
    // load is measured, without warm-up.
    public PhaseFigures RunLoad(IKvTarget target) =>
        Run(target, 1, double.PositiveInfinity, 0, (worker, control) => LoadLoop(target, worker, control));

    private PhaseFigures Run(IKvTarget target, int threads, double seconds, double warmupSeconds, Action<Worker, Control> loop)
    {
        var control = new Control { Threads = threads };
        var workers = new Worker[threads];
        var benchThreads = new Thread[threads];
        using var ready = new CountdownEvent(threads);
        for (int t = 0; t < threads; t++)
        {
            Worker worker = workers[t] = new Worker(t);
            benchThreads[t] = new Thread(() =>
            {
                try
                {
                    ready.Signal();
                    control.Go.Wait();
                    loop(worker, control);
                }
                catch (Exception e)
                {
                    worker.Failure = e;
                    control.Stop = true;
                }
            })
            { IsBackground = true, Name = $"bench-{target.Name}-{t}" };
            benchThreads[t].Start();
        }

        ready.Wait();
        long now = Stopwatch.GetTimestamp();
        control.WindowStart = now + (long)(warmupSeconds * Stopwatch.Frequency);
        control.WindowEnd = double.IsPositiveInfinity(seconds)
            ? long.MaxValue
            : control.WindowStart + (long)(seconds * Stopwatch.Frequency);
        control.Go.Set(); // a full fence: the window fields are visible to every thread that passes Wait().

        TimeSpan budget = double.IsPositiveInfinity(seconds)
            ? Timeout.InfiniteTimeSpan
            : TimeSpan.FromSeconds(warmupSeconds + seconds) + JoinGrace;
        long joinStart = Stopwatch.GetTimestamp();
        foreach (Thread thread in benchThreads)
        {
            // The load phase has no known length, so it has no deadline either.
            if (budget == Timeout.InfiniteTimeSpan)
            {
                thread.Join();
                continue;
            }
            TimeSpan left = budget - Stopwatch.GetElapsedTime(joinStart);
            if (!thread.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                control.Stop = true;
                throw new TimeoutException(
                    $"{target.Name}: benchmark thread {thread.Name} did not finish within {JoinGrace.TotalSeconds:F0} s " +
                    "after the end of the case (an operation that never completed?)");
            }
        }
        long finished = Stopwatch.GetTimestamp();

        foreach (Worker worker in workers)
        {
            if (worker.Failure is VerificationException) throw worker.Failure;
        }
        foreach (Worker worker in workers)
        {
            if (worker.Failure is { } failure)
                throw new InvalidOperationException($"{target.Name}: benchmark thread {worker.Index} failed: {failure.Message}", failure);
        }

        var merged = NewHistogram();
        long ops = 0, allocated = 0;
        foreach (Worker worker in workers)
        {
            merged.Add(worker.Histogram);
            ops += worker.Ops;
            allocated += worker.AllocatedBytes;
        }
        double windowSeconds = double.IsPositiveInfinity(seconds)
            ? (finished - control.WindowStart) / (double)Stopwatch.Frequency
            : seconds;
        return new PhaseFigures(target.Name, ops, windowSeconds, merged, allocated);
    }

    private void PutLoop(IKvTarget target, Worker worker, Control control, int caseIndex)
    {
        IndexGenerator indexes = workload.Indexes(caseIndex, worker.Index);
        byte[] value = new byte[workload.ValueBytes];
        ReadOnlyMemory<byte> valueMemory = value;
        var waiter = new CompletionWaiter(spin: control.Threads < Environment.ProcessorCount * 2);
        LongHistogram histogram = worker.Histogram;
        long windowStart = control.WindowStart, windowEnd = control.WindowEnd, ops = 0;
        long allocatedAtWindowStart = -1;
        while (!control.Stop)
        {
            // Allocation is counted from the window on, so one-time costs of the warm-up (JIT, lazy statics, the
            // first wait's kernel event) do not show up as bytes per operation.
            if (allocatedAtWindowStart < 0 && Stopwatch.GetTimestamp() >= windowStart)
                allocatedAtWindowStart = GC.GetAllocatedBytesForCurrentThread();
            long index = indexes.Next();
            workload.WriteValue(index, value);
            long t0 = Stopwatch.GetTimestamp();
            waiter.Wait(target.PutAsync(workload.Key(index), valueMemory));
            long t1 = Stopwatch.GetTimestamp();
            if (allocatedAtWindowStart >= 0)
            {
                histogram.RecordValue(Math.Min((long)((t1 - t0) * NsPerTick), HighestTrackableNs));
                ops++;
            }
            if (t1 >= windowEnd) break;
        }
        worker.Ops = ops;
        if (allocatedAtWindowStart >= 0) worker.AllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocatedAtWindowStart;
    }

    private void GetLoop(IKvTarget target, Worker worker, Control control, int caseIndex)
    {
        IndexGenerator indexes = workload.Indexes(caseIndex, worker.Index);
        // One spare byte, so a value longer than expected shows up as a wrong length rather than as a truncated copy.
        byte[] buffer = new byte[workload.ValueBytes + 1];
        byte[] expected = new byte[workload.ValueBytes];
        LongHistogram histogram = worker.Histogram;
        long windowStart = control.WindowStart, windowEnd = control.WindowEnd, ops = 0;
        long allocatedAtWindowStart = -1;
        while (!control.Stop)
        {
            // Allocation is counted from the window on, so one-time costs of the warm-up (JIT, lazy statics, the
            // first wait's kernel event) do not show up as bytes per operation.
            if (allocatedAtWindowStart < 0 && Stopwatch.GetTimestamp() >= windowStart)
                allocatedAtWindowStart = GC.GetAllocatedBytesForCurrentThread();
            long index = indexes.Next();
            ReadOnlySpan<byte> key = workload.Key(index).Span;
            long t0 = Stopwatch.GetTimestamp();
            bool found = target.Get(key, buffer, out int length);
            long t1 = Stopwatch.GetTimestamp();
            workload.WriteValue(index, expected);
            if (!found || length != expected.Length || !buffer.AsSpan(0, length).SequenceEqual(expected))
            {
                throw new VerificationException(
                    $"{target.Name}: get of key index {index} (key {Convert.ToHexString(key)}) returned " +
                    (!found ? "not found"
                        : length != expected.Length ? $"a value of {length} bytes, expected {expected.Length} bytes"
                        : "a value whose bytes differ from the ones written") +
                    " after it was loaded: the run is void");
            }
            if (allocatedAtWindowStart >= 0)
            {
                histogram.RecordValue(Math.Min((long)((t1 - t0) * NsPerTick), HighestTrackableNs));
                ops++;
            }
            if (t1 >= windowEnd) break;
        }
        worker.Ops = ops;
        if (allocatedAtWindowStart >= 0) worker.AllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocatedAtWindowStart;
    }

    private void LoadLoop(IKvTarget target, Worker worker, Control control)
    {
        byte[] value = new byte[workload.ValueBytes];
        ReadOnlyMemory<byte> valueMemory = value;
        var waiter = new CompletionWaiter(spin: control.Threads < Environment.ProcessorCount * 2);
        LongHistogram histogram = worker.Histogram;
        long ops = 0;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (long index = 0; index < workload.KeyCount && !control.Stop; index++)
        {
            workload.WriteValue(index, value);
            long t0 = Stopwatch.GetTimestamp();
            waiter.Wait(target.PutAsync(workload.Key(index), valueMemory));
            long t1 = Stopwatch.GetTimestamp();
            histogram.RecordValue(Math.Min((long)((t1 - t0) * NsPerTick), HighestTrackableNs));
            ops++;
        }
        worker.Ops = ops;
        worker.AllocatedBytes = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
    }

    private static LongHistogram NewHistogram() => new(HighestTrackableNs, SignificantDigits);

    // Shared by the coordinator and the benchmark threads of one phase. Window fields are written before Go is set
    // and only read after Go.Wait(); Stop is a plain volatile flag any thread may raise to end the phase early.
    private sealed class Control
    {
        public readonly ManualResetEventSlim Go = new(false);
        public long WindowStart;
        public long WindowEnd;
        public volatile bool Stop;
        public int Threads;
    }

    // One benchmark thread's private results; read by the coordinator only after the thread has been joined.
    private sealed class Worker(int index)
    {
        public int Index { get; } = index;
        public LongHistogram Histogram { get; } = NewHistogram();
        public long Ops;
        public long AllocatedBytes;
        public Exception? Failure;
    }
}

// Blocks a dedicated benchmark thread until a ValueTask completes, without allocating: a put that completed inline
// (RocksDB, async modes) costs one IsCompleted check; one that completes later (a group commit on another thread)
// signals this thread's event through a cached delegate. Owned by one benchmark thread.
// With few threads (fewer than two per core) the waiter first spins briefly on IsCompleted, yielding, the way a
// latency-sensitive caller would; that sees a completion from another thread without waking this one through an
// event. With many threads (64 writers on 2 cores) it does not spin: spinning waiters would steal the CPU of the
// thread that has to complete them. A target that completes inline (RocksDB) is unaffected either way.
public sealed class CompletionWaiter(bool spin)
{
    private const int SpinsMax = 200;
    private readonly ManualResetEventSlim _done = new(false, spinCount: 0);
    private Action? _signal;

    public void Wait(ValueTask task)
    {
        if (!task.IsCompleted) Block(new Untyped(task));
        task.GetAwaiter().GetResult();
    }

    public T Wait<T>(ValueTask<T> task)
    {
        if (!task.IsCompleted) Block(new Typed<T>(task));
        return task.GetAwaiter().GetResult();
    }

    // One body for both task shapes: a struct adapter, so the generic call is specialised and nothing is boxed.
    private void Block<TTask>(TTask task) where TTask : struct, IPending
    {
        if (spin)
        {
            var spinner = new SpinWait();
            for (int i = 0; i < SpinsMax && !task.IsCompleted; i++) spinner.SpinOnce(sleep1Threshold: -1);
        }
        if (!task.IsCompleted)
        {
            _signal ??= _done.Set;
            _done.Reset();
            task.OnCompleted(_signal);
            _done.Wait();
        }
    }

    private interface IPending
    {
        bool IsCompleted { get; }
        void OnCompleted(Action continuation);
    }

    private readonly struct Untyped(ValueTask task) : IPending
    {
        public bool IsCompleted => task.IsCompleted;
        public void OnCompleted(Action continuation) => task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(continuation);
    }

    private readonly struct Typed<T>(ValueTask<T> task) : IPending
    {
        public bool IsCompleted => task.IsCompleted;
        public void OnCompleted(Action continuation) => task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(continuation);
    }
}
