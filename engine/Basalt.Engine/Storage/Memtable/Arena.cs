using System.Runtime.InteropServices;

namespace Basalt.Engine.Storage.Memtable;

// A bump allocator over one block of unmanaged memory of a fixed capacity, addressed by uint offsets.
//
// Owner: one Memtable, which disposes it. Allocation is for the memtable's single writer thread only;
// Base and UsedBytes may be read from any thread.
// Invariants:
//   - offset 0 is never handed out (the first ReservedBytes are unused), so 0 serves as the null offset;
//   - allocated bytes are never moved, reused or freed before Dispose: an offset stays valid, and what a
//     reader finds there stays put, for the arena's whole life;
//   - UsedBytes only grows and never exceeds CapacityBytes; every offset fits a uint (capacity <= 2 GiB,
//     Limits.MemtableBytesMax).
// It holds no managed references, so the GC never scans it. It does not zero memory: callers initialise
// everything they allocate before publishing it, and not touching the block up front means a large arena
// (served by fresh anonymous pages, committed by the OS on first touch) costs RAM only as it fills.
//
// No finalizer, on purpose: a span a reader got from the arena does not keep the arena's owner alive, so
// a finalizer could free the block under a reader still holding such a span. Forgetting Dispose leaks the
// block; freeing it under a reader would corrupt memory, which is worse.
internal sealed unsafe class Arena : IDisposable
{
    // Offset 0 is null; 4 bytes keep the first allocation at the arena's natural alignment.
    public const int ReservedBytes = 4;

    private byte* _base;
    private readonly long _capacityBytes;
    // Written only by the writer thread. Volatile.Write / Volatile.Read so that another thread reading
    // UsedBytes sees a whole (64-bit atomic on 64-bit targets) and recent value; the value is a statistic
    // for readers, nothing is published through it.
    private long _usedBytes;

    public Arena(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, ReservedBytes + 1L);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacityBytes, Limits.MemtableBytesMax);
        _capacityBytes = capacityBytes;
        // 64-byte alignment: the head node and the first entries start on a cache line.
        _base = (byte*)NativeMemory.AlignedAlloc((nuint)capacityBytes, 64);
        _usedBytes = ReservedBytes;
    }

    public byte* Base
    {
        get
        {
            ObjectDisposedException.ThrowIf(_base == null, this);
            return _base;
        }
    }

    public long CapacityBytes => _capacityBytes;

    public long UsedBytes => Volatile.Read(ref _usedBytes);

    public bool IsDisposed => _base == null;

    // Writer thread only. Reserves lengthBytes starting at a multiple of alignBytes (a power of two) and
    // returns the start offset, or 0 when the rest of the arena is too small; a failed call changes nothing.
    public uint TryAllocate(long lengthBytes, int alignBytes)
    {
        MemtableAssert.That(lengthBytes >= 0 && alignBytes > 0 && (alignBytes & (alignBytes - 1)) == 0, "bad allocation request");
        long used = _usedBytes; // the writer reads its own field: no barrier needed
        long start = (used + alignBytes - 1) & ~(long)(alignBytes - 1);
        long end = start + lengthBytes;
        if (end > _capacityBytes) return 0;
        // Release store: only a statistic for other threads (see _usedBytes).
        Volatile.Write(ref _usedBytes, end);
        return (uint)start;
    }

    // Frees the block. The owner guarantees no reader still uses it (the engine pins a memtable while any
    // reader or iterator holds it). Idempotent.
    public void Dispose()
    {
        if (_base == null) return;
        NativeMemory.AlignedFree(_base);
        _base = null;
    }
}
