using System.Numerics;

namespace Basalt.Engine.Cache;

// Hits and misses, counted on the lock-free read path of every stripe: one pair of counters per processor
// (Thread.GetCurrentProcessorId, which the runtime caches), each pair on a 128-byte line of its own, incremented with
// Interlocked (two threads share a pair only while one of them moves between cores). A single pair of counters would
// put every reader of every core on one cache line.
internal sealed class ReadCounters
{
    private const int StrideLongs = 16;
    private readonly long[] _cells;
    private readonly int _mask;

    public ReadCounters()
    {
        int pairs = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, Environment.ProcessorCount));
        _mask = pairs - 1;
        // One spare line in front: the array's header shares no line with the first pair.
        _cells = new long[(pairs + 1) * StrideLongs];
    }

    public void Hit() => Interlocked.Increment(ref _cells[Cell()]);

    public void Miss() => Interlocked.Increment(ref _cells[Cell() + 1]);

    private int Cell() => ((Thread.GetCurrentProcessorId() & _mask) + 1) * StrideLongs;

    public long Hits => Sum(0);

    public long Misses => Sum(1);

    private long Sum(int which)
    {
        long sum = 0;
        for (int i = StrideLongs; i < _cells.Length; i += StrideLongs) sum += Volatile.Read(ref _cells[i + which]);
        return sum;
    }
}
