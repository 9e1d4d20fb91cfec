using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using HdrHistogram;

namespace Basalt.Bench.Cache;

// Shared by the coordinator and the benchmark threads of one measured run. The window fields are written before Go is
// set and read only after Go.Wait() (Set is a full fence); Stop is a flag any thread may raise to end the run early.
public sealed class CacheControl
{
    public readonly ManualResetEventSlim Go = new(false);
    public long WindowStart;
    public long WindowEnd;
    public volatile bool Stop;
}

// One benchmark thread's inputs and results; the results are read by the coordinator only after joining the thread.
public sealed class CacheWorker(int index, CacheData data, int[] sequence, CacheControl control)
{
    // Latencies are recorded in nanoseconds; anything above a minute is clamped (and would show as the max).
    public const long HighestTrackableNs = 60_000_000_000L;

    public int Index { get; } = index;
    public CacheData Data { get; } = data;
    public int[] Sequence { get; } = sequence;
    public CacheControl Control { get; } = control;
    public LongHistogram LatencyNs { get; } = new(HighestTrackableNs, 3);

    // Operations counted in the window, and the window as this thread saw it (from its first counted operation to
    // the end of its last), in Stopwatch ticks.
    public long Ops;
    public long Ticks;
    // Over the whole run, warm-up included: gets that found nothing, and gets whose value had the wrong length or
    // did not start with the key's word. Both must stay 0: every key is loaded and no cache evicts in these runs.
    public long Misses;
    public long WrongValues;
    public long AllocatedBytes;
    public Exception? Failure;

    public double OpsPerSecond => Ticks > 0 ? Ops * (double)Stopwatch.Frequency / Ticks : 0;
}

// The timed loop, one specialised copy per cache (TOps is a struct). Operations run in blocks of SampleEvery: the
// first of each block is timed with two Stopwatch.GetTimestamp calls into the thread's HdrHistogram, the other 63
// are not timed at all, so the clock costs about 1/64 of a timestamp pair per operation on every side. The block's
// end timestamp also drives the window: a block is counted when its timed operation started inside the window, and
// the thread stops after the block that ends past it.
// What a get costs here besides the cache: the sequence load, a copy of the value into the thread's buffer (the
// cache does it), a length check and an 8-byte compare against the key's word. A set: the sequence load and an
// 8-byte store of the key's word into the value buffer.
public static class CacheLoop
{
    public const int SampleEvery = 64;
    private static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;

    public static void Run<TOps>(ref TOps ops, CacheWorker worker) where TOps : struct, ICacheOps
    {
        int[] sequence = worker.Sequence;
        if (sequence.Length % SampleEvery != 0) throw new ArgumentException("sequence length must be a multiple of SampleEvery");
        ulong[] words = worker.Data.Words;
        byte[] buffer = new byte[worker.Data.ValueBytes];
        byte[] value = worker.Data.NewValue();
        CacheControl control = worker.Control;
        LongHistogram histogram = worker.LatencyNs;
        long windowStart = control.WindowStart, windowEnd = control.WindowEnd;
        long counted = 0, firstCounted = -1, last = 0, misses = 0, wrong = 0, allocatedAtStart = 0;
        // Threads start at different points of their sequences, so a thread does not replay another's first keys.
        int position = (int)((long)worker.Index * sequence.Length / 7 / SampleEvery * SampleEvery % sequence.Length);
        while (!control.Stop)
        {
            long t0 = Stopwatch.GetTimestamp();
            Step(ref ops, sequence[position], words, buffer, value, ref misses, ref wrong);
            long t1 = Stopwatch.GetTimestamp();
            for (int j = position + 1; j < position + SampleEvery; j++)
                Step(ref ops, sequence[j], words, buffer, value, ref misses, ref wrong);
            position += SampleEvery;
            if (position == sequence.Length) position = 0;
            if (t0 >= windowStart)
            {
                if (firstCounted < 0)
                {
                    firstCounted = t0;
                    allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
                }
                histogram.RecordValue(Math.Min((long)((t1 - t0) * NsPerTick), CacheWorker.HighestTrackableNs));
                counted += SampleEvery;
                // The block's end: the next block's start is close enough to it that a third timestamp per block is
                // not worth taking; the last block's end is read once after the loop.
                if (t1 >= windowEnd) break;
            }
        }
        last = Stopwatch.GetTimestamp();
        worker.Ops = counted;
        worker.Ticks = firstCounted < 0 ? 0 : last - firstCounted;
        worker.Misses = misses;
        worker.WrongValues = wrong;
        worker.AllocatedBytes = firstCounted < 0 ? 0 : GC.GetAllocatedBytesForCurrentThread() - allocatedAtStart;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TOps>(ref TOps ops, int op, ulong[] words, byte[] buffer, byte[] value, ref long misses, ref long wrong)
        where TOps : struct, ICacheOps
    {
        int key = op & int.MaxValue;
        if (op >= 0)
        {
            if (!ops.Get(key, buffer, out int length)) misses++;
            else if (length != buffer.Length || BinaryPrimitives.ReadUInt64LittleEndian(buffer) != words[key]) wrong++;
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(value, words[key]);
            ops.Set(key, value);
        }
    }
}
