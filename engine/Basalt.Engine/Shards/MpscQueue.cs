using System.Runtime.InteropServices;

namespace Basalt.Engine.Shards;

// A bounded lock-free multi-producer single-consumer queue: a shard's inbox.
//
// Algorithm: Dmitry Vyukov's bounded MPMC array queue. Each cell carries a sequence number that says whose turn the
// cell is: a producer at position p may fill cell p & mask when its sequence equals p, and publishes by storing
// sequence p + 1; the consumer at position p may take the cell when its sequence equals p + 1, and frees it by storing
// p + capacity (the producer position that will next use the cell). Positions are 64-bit and never wrap in practice
// (2^63 operations).
//
// Threads: TryEnqueue from any thread (producers race with one CAS on the tail); TryDequeue from exactly one thread at
// a time (the shard). The single consumer owns the head, so dequeue needs no CAS: one acquire load of the cell sequence,
// one release store to hand the cell back. Checked under BASALT_ASSERT.
//
// Memory ordering: the producer writes the item, then Volatile.Write(sequence) publishes it; the consumer's
// Volatile.Read(sequence) acquires it before reading the item. The consumer clears the item, then Volatile.Write
// (sequence) releases the cell to the next producer, whose Volatile.Read acquires it. Note that a release store is not
// a full fence: a producer that then checks whether the consumer sleeps needs a full fence in between (ShardThread.Wake
// has it).
//
// Bounded: TryEnqueue returns false when all cells are taken (backpressure; the caller decides to retry, shed or
// fail). A producer that claimed a cell but has not yet published it makes the consumer see "empty" until it does; the
// consumer never waits for it (it is woken again by that producer's Wake).
//
// Head and tail sit on their own 128-byte lines (two 64-byte lines, against the adjacent-line prefetcher), away from
// each other and from the read-only fields, so producers hammering the tail do not invalidate the consumer's head.
public sealed class MpscQueue<T> where T : class
{
    private struct Cell
    {
        public long Sequence;
        public T? Item;
    }

    private readonly Cell[] _cells;
    private readonly long _mask;
    private QueuePositions _positions;
#if BASALT_ASSERT
    private int _consuming;
#endif

    public MpscQueue(int capacity)
    {
        // Capacity 1 breaks the algorithm: a full cell's sequence (p + 1) would equal the next producer's position.
        if (capacity < 2 || capacity > (1 << 30) || (capacity & (capacity - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "Capacity must be a power of two in [2, 2^30].");
        _cells = new Cell[capacity];
        for (int i = 0; i < capacity; i++)
            _cells[i].Sequence = i;
        _mask = capacity - 1;
    }

    public int Capacity => _cells.Length;

    // Approximate: producers and the consumer move while it is read. Never negative, never above Capacity.
    public int Count
    {
        get
        {
            long head = Volatile.Read(ref _positions.Head);
            long tail = Volatile.Read(ref _positions.Tail);
            return (int)Math.Clamp(tail - head, 0, _cells.Length);
        }
    }

    public bool TryEnqueue(T item)
    {
        ArgumentNullException.ThrowIfNull(item);
        Cell[] cells = _cells;
        long pos = Volatile.Read(ref _positions.Tail);
        while (true)
        {
            ref Cell cell = ref cells[pos & _mask];
            long dif = Volatile.Read(ref cell.Sequence) - pos;
            if (dif == 0)
            {
                long seen = Interlocked.CompareExchange(ref _positions.Tail, pos + 1, pos);
                if (seen == pos)
                {
                    cell.Item = item;
                    Volatile.Write(ref cell.Sequence, pos + 1);
                    return true;
                }
                pos = seen; // another producer took pos; retry at the position it left
            }
            else if (dif < 0)
            {
                // The cell still holds the item from one lap ago: the queue is full.
                return false;
            }
            else
            {
                // Another producer already filled this cell; our view of the tail is stale.
                pos = Volatile.Read(ref _positions.Tail);
            }
        }
    }

    public bool TryDequeue(out T? item)
    {
#if BASALT_ASSERT
        if (Interlocked.Exchange(ref _consuming, 1) != 0)
            throw new InvalidOperationException("MpscQueue.TryDequeue called by two threads at once: it has a single consumer.");
#endif
        long pos = _positions.Head;
        ref Cell cell = ref _cells[pos & _mask];
        bool taken = Volatile.Read(ref cell.Sequence) == pos + 1;
        if (taken)
        {
            item = cell.Item;
            cell.Item = null; // let the GC have it; the queue must not keep items alive
            Volatile.Write(ref _positions.Head, pos + 1);
            Volatile.Write(ref cell.Sequence, pos + _cells.Length);
        }
        else
        {
            item = null;
        }
#if BASALT_ASSERT
        Volatile.Write(ref _consuming, 0);
#endif
        return taken;
    }
}

// Head and tail of a queue, each alone on a 128-byte stretch. Outside MpscQueue<T> because the runtime does not
// guarantee explicit layout for generic types.
[StructLayout(LayoutKind.Explicit, Size = 3 * PaddingBytes)]
internal struct QueuePositions
{
    private const int PaddingBytes = 128;
    [FieldOffset(PaddingBytes)] public long Tail;     // next position a producer claims (CAS by producers)
    [FieldOffset(2 * PaddingBytes)] public long Head; // next position the consumer takes (written by it only)
}
