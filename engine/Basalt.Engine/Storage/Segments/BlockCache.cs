using System.Runtime.InteropServices;

namespace Basalt.Engine.Storage.Segments;

// The cache of decompressed data blocks shared by all segments of an engine, used from any thread with no
// locks. Bulk memory is one unmanaged slab of fixed-size slots (SlotBytes, 16 KiB by default: the writer's
// default block target, and a block never exceeds its target unless it holds a single entry, so ordinary
// blocks always fit and a slot wastes only the block's slack). Blocks larger than a slot bypass the cache.
//
// Each slot has a state word and a tag:
//   state := [exclusive: bit 30][referenced: bit 29][pin count: bits 0..28]
//   tag   := (owner number << 32) | block number, 0 = empty
// A reader finds a candidate slot in its segment's block -> slot array, pins it with a CAS that increments
// the pin count and sets the referenced bit (refused while exclusive), then re-checks the tag: a slot can be
// evicted and refilled between the array read and the pin, and the tag check after the pin catches that.
// Owner numbers are never reused within a cache (one per opened segment, from a 32-bit counter), so a
// matching tag means the slot holds exactly that block's bytes: the ABA case (evicted, then refilled with
// the same block) is harmless and needs no generation counter. A miss claims a victim with a CLOCK hand:
// a slot with a pin is skipped, a referenced one gets a second chance (bit cleared), an idle one is taken
// with CAS 0 -> exclusive. The claimer fills it, writes the tag, and publishes with Volatile.Write of state =
// pinned once (release: the bytes and tag are visible to anyone whose pin CAS sees that state); then the
// segment publishes slot in its array with Volatile.Write. A slot is never written while pinned.
//
// Memory ordering: pins and claims are Interlocked CAS (full fences); publish is Volatile.Write (release);
// the array entry is a hint only (any value is safe because the tag decides).
// Counters are striped per thread (padded cells, Interlocked on an almost always uncontended line).
// Does not: resize, prefetch, or pin slots on behalf of segments that are gone (Segment releases its slots
// when its last reference goes). Dispose may come while segments still use it (an engine closed under a live
// snapshot): the slab is then freed when the last of them is released, never under a reader.
public sealed unsafe class BlockCache : IDisposable
{
    public const int SlotBytesDefault = 16 * 1024;

    private const int Exclusive = 1 << 30;
    private const int Referenced = 1 << 29;
    private const int PinMask = Referenced - 1;

    // 64 bytes per slot so that pins on neighbouring slots do not share a cache line.
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    private struct SlotMeta
    {
        [FieldOffset(0)] public int State;
        [FieldOffset(8)] public ulong Tag;
    }

    private byte* _slab;
    private nint _slabToFree;   // the slab's address until it is freed; taken with Interlocked.Exchange
    private readonly SlotMeta[] _slots;
    private readonly int _slotCount;
    private int _hand;
    private int _nextOwner;
    private int _liveOwners;
    private int _closed;        // Dispose was called: the last owner to leave frees the slab
    private readonly StripedCounter _hits = new();
    private readonly StripedCounter _misses = new();
    private readonly StripedCounter _evictions = new();

    public BlockCache(long capacityBytes) : this(capacityBytes, SlotBytesDefault) { }

    public BlockCache(long capacityBytes, int slotBytes)
    {
        if (capacityBytes < 0) throw new ArgumentOutOfRangeException(nameof(capacityBytes));
        if (slotBytes < 1024 || slotBytes > SegmentFormat.BlockRawBytesMax) throw new ArgumentOutOfRangeException(nameof(slotBytes));
        SlotBytes = slotBytes;
        long count = capacityBytes / slotBytes;
        if (count > int.MaxValue / 2) throw new ArgumentOutOfRangeException(nameof(capacityBytes));
        _slotCount = (int)count;
        _slots = new SlotMeta[_slotCount];
        // Pages are committed by the OS on first touch, so a large, mostly cold cache costs little up front.
        _slab = _slotCount == 0 ? null : (byte*)NativeMemory.AlignedAlloc((nuint)(_slotCount * (long)slotBytes), 4096);
        _slabToFree = (nint)_slab;
        CapacityBytes = _slotCount * (long)slotBytes;
    }

    public int SlotBytes { get; }
    public int SlotCount => _slotCount;
    public long CapacityBytes { get; }
    public long Hits => _hits.Sum();
    public long Misses => _misses.Sum();
    public long Evictions => _evictions.Sum();

    internal uint RegisterOwner()
    {
        if (Volatile.Read(ref _closed) != 0) throw new ObjectDisposedException(nameof(BlockCache));
        Interlocked.Increment(ref _liveOwners);
        return (uint)Interlocked.Increment(ref _nextOwner);
    }

    // A full fence (the decrement) before _closed is read, as Dispose fences (its exchange) before it reads
    // _liveOwners: of a last owner leaving and a Dispose racing, at least one sees the other and frees.
    internal void UnregisterOwner()
    {
        if (Interlocked.Decrement(ref _liveOwners) == 0 && Volatile.Read(ref _closed) != 0) FreeSlab();
    }

    public bool IsFreed => Volatile.Read(ref _slabToFree) == 0;

    internal static ulong Tag(uint owner, int block) => ((ulong)owner << 32) | (uint)block;

    internal byte* SlotPointer(int slot) => _slab + (long)slot * SlotBytes;

    // Pins slot if it holds the block with this tag; counts a hit when it does.
    internal bool TryPin(int slot, ulong tag)
    {
        if ((uint)slot >= (uint)_slotCount) return false;
        ref var meta = ref _slots[slot];
        int s = Volatile.Read(ref meta.State);
        while (true)
        {
            if ((s & Exclusive) != 0) return false;
            int seen = Interlocked.CompareExchange(ref meta.State, (s + 1) | Referenced, s);
            if (seen == s) break;
            s = seen;
        }
        if (Volatile.Read(ref meta.Tag) == tag)
        {
            _hits.Increment();
            return true;
        }
        Interlocked.Decrement(ref meta.State);
        return false;
    }

    internal void Unpin(int slot)
    {
        int after = Interlocked.Decrement(ref _slots[slot].State);
        System.Diagnostics.Debug.Assert((after & Exclusive) == 0 && (after & PinMask) != PinMask, "unpin of a slot that was not pinned");
    }

    internal void CountMiss() => _misses.Increment();

    // Claims an idle slot for exclusive filling, or returns -1 when none could be found within two turns of
    // the hand (every slot pinned or hot): the caller then bypasses the cache for this read.
    internal int Claim()
    {
        int n = _slotCount;
        if (n == 0) return -1;
        for (int step = 0, steps = 2 * n + 1; step < steps; step++)
        {
            int i = (int)((uint)Interlocked.Increment(ref _hand) % (uint)n);
            ref var meta = ref _slots[i];
            int s = Volatile.Read(ref meta.State);
            if (s == 0)
            {
                if (Interlocked.CompareExchange(ref meta.State, Exclusive, 0) == 0)
                {
                    if (meta.Tag != 0)
                    {
                        _evictions.Increment();
                        meta.Tag = 0;
                    }
                    return i;
                }
                continue;
            }
            if ((s & Exclusive) == 0 && (s & Referenced) != 0)
                Interlocked.CompareExchange(ref meta.State, s & ~Referenced, s);
        }
        return -1;
    }

    // Publishes a claimed slot now holding the block with this tag, pinned once for the claimer.
    internal void Publish(int slot, ulong tag)
    {
        ref var meta = ref _slots[slot];
        meta.Tag = tag;
        Volatile.Write(ref meta.State, 1 | Referenced);
    }

    // Returns a claimed slot unfilled (the block failed its checksum).
    internal void Abandon(int slot)
    {
        ref var meta = ref _slots[slot];
        meta.Tag = 0;
        Volatile.Write(ref meta.State, 0);
    }

    // Empties slot if it is idle and still holds tag: a released segment gives its slots back at once
    // instead of waiting for the hand.
    internal void Forget(int slot, ulong tag)
    {
        if ((uint)slot >= (uint)_slotCount) return;
        ref var meta = ref _slots[slot];
        int s = Volatile.Read(ref meta.State);
        if ((s & (Exclusive | PinMask)) != 0) return;
        if (Interlocked.CompareExchange(ref meta.State, Exclusive, s) != s) return;
        if (meta.Tag == tag)
        {
            meta.Tag = 0;
            Volatile.Write(ref meta.State, 0);
        }
        else
        {
            Volatile.Write(ref meta.State, s);
        }
    }

    // Frees the slab now, or when the last segment still using the cache is released.
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        if (Volatile.Read(ref _liveOwners) == 0) FreeSlab();
    }

    // Whoever takes the pointer frees it: exactly once.
    private void FreeSlab()
    {
        nint slab = Interlocked.Exchange(ref _slabToFree, 0);
        if (slab == 0) return;
        _slab = null;
        NativeMemory.AlignedFree((void*)slab);
    }

    // A counter incremented from many threads: one padded cell per thread stripe, summed on read.
    private sealed class StripedCounter
    {
        private const int Stride = 16; // 128 bytes: two cache lines, against adjacent-line prefetch
        private readonly long[] _cells;
        private readonly int _mask;

        public StripedCounter()
        {
            int stripes = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, Environment.ProcessorCount) * 2);
            _mask = stripes - 1;
            _cells = new long[stripes * Stride];
        }

        public void Increment() =>
            Interlocked.Increment(ref _cells[(Environment.CurrentManagedThreadId & _mask) * Stride]);

        public long Sum()
        {
            long sum = 0;
            for (int i = 0; i < _cells.Length; i += Stride) sum += Volatile.Read(ref _cells[i]);
            return sum;
        }
    }
}
