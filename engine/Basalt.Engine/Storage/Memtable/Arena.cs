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
    private readonly ArenaBlockPool? _pool;
    // Written only by the writer thread. Volatile.Write / Volatile.Read so that another thread reading
    // UsedBytes sees a whole (64-bit atomic on 64-bit targets) and recent value; the value is a statistic
    // for readers, nothing is published through it.
    private long _usedBytes;
    // The start of the high end's allocations (values, growing down from the capacity); writer only, read
    // like _usedBytes for the statistic.
    private long _highStart;

    // With a pool, the block comes from it when it holds one of this size, and goes back to it on Dispose.
    public Arena(long capacityBytes, ArenaBlockPool? pool = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, ReservedBytes + 1L);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacityBytes, Limits.MemtableBytesMax);
        _capacityBytes = capacityBytes;
        _pool = pool;
        _base = pool is not null ? pool.Rent(capacityBytes) : ArenaBlockPool.Allocate(capacityBytes);
        _usedBytes = ReservedBytes;
        _highStart = capacityBytes;
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

    // Both ends: the low end's bytes plus the high end's.
    public long UsedBytes => Volatile.Read(ref _usedBytes) + (_capacityBytes - Volatile.Read(ref _highStart));

    public bool IsDisposed => _base == null;

    // Writer thread only. Reserves lengthBytes starting at a multiple of alignBytes (a power of two) and
    // returns the start offset, or 0 when the rest of the arena is too small; a failed call changes nothing.
    public uint TryAllocate(long lengthBytes, int alignBytes) =>
        TryAllocateSplit(lengthBytes, alignBytes, 0, out uint low, out _) ? low : 0;

    // Writer thread only. Reserves lowBytes at the low end (at a multiple of lowAlignBytes, a power of two) and
    // highBytes at the high end (unaligned), both or neither: false when the free middle is too small. The two
    // ends let the skiplist keep its nodes and keys packed together at the bottom and the values at the top,
    // so a search touches a compact region instead of nodes strewn between values.
    public bool TryAllocateSplit(long lowBytes, int lowAlignBytes, long highBytes, out uint low, out uint high)
    {
        MemtableAssert.That(lowBytes >= 0 && highBytes >= 0 && lowAlignBytes > 0 && (lowAlignBytes & (lowAlignBytes - 1)) == 0,
            "bad allocation request");
        long used = _usedBytes; // the writer reads its own fields: no barrier needed
        long start = (used + lowAlignBytes - 1) & ~(long)(lowAlignBytes - 1);
        long end = start + lowBytes;
        long highStart = _highStart - highBytes;
        if (end > highStart)
        {
            low = high = 0;
            return false;
        }
        // Release stores: only a statistic for other threads (see _usedBytes).
        Volatile.Write(ref _usedBytes, end);
        Volatile.Write(ref _highStart, highStart);
        low = (uint)start;
        high = (uint)highStart;
        return true;
    }

    // Frees the block. The owner guarantees no reader still uses it (the engine pins a memtable while any
    // reader or iterator holds it). Idempotent.
    public void Dispose()
    {
        if (_base == null) return;
        if (_pool is not null) _pool.Return(_base, _capacityBytes);
        else NativeMemory.AlignedFree(_base);
        _base = null;
    }
}

// One spare arena block per shard, kept when a flushed memtable is freed and handed to the next memtable.
// A fresh block is served by the OS page by page on first touch: a page fault every 4 KiB of memtable, which
// cost about a tenth of a 1 KiB put's time (perf, PutItem in async mode). A reused block is already resident.
// The price is one memtable's worth of RAM held between a flush and the next rotation; the engine holds two
// memtables at a rotation anyway, so its peak does not grow.
//
// Threads: Rent on the shard's writer; Return wherever the last reader of a memtable lets go; Dispose when
// the shard closes. The spare is moved only with Interlocked.Exchange/CompareExchange, so a block is owned by
// exactly one of: the pool, an arena, or the thread that frees it. A block returned after Dispose is freed.
internal sealed unsafe partial class ArenaBlockPool(long blockBytes) : IDisposable
{
    private nint _spare;   // 0, or a block of blockBytes
    private int _closed;

    public bool HasSpare => Volatile.Read(ref _spare) != 0;

    // 64-byte alignment: the head node and the first entries start on a cache line. A block of several huge
    // pages is aligned to one and, on Linux, advised to use them (transparent huge pages in "madvise" mode, a
    // common default): a skiplist search touches nodes scattered over the whole block, and with 4 KiB pages
    // nearly every node visited is a TLB miss as well as a cache miss. Without huge pages the advice is
    // refused and nothing changes.
    public static byte* Allocate(long capacityBytes)
    {
        if (capacityBytes < 2 * HugePageBytes)
            return (byte*)NativeMemory.AlignedAlloc((nuint)capacityBytes, 64);
        byte* block = (byte*)NativeMemory.AlignedAlloc((nuint)capacityBytes, HugePageBytes);
        if (OperatingSystem.IsLinux()) _ = Madvise(block, (nuint)(capacityBytes & ~(HugePageBytes - 1)), MadvHugePage);
        return block;
    }

    private const int HugePageBytes = 2 << 20;
    private const int MadvHugePage = 14;

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);

    public byte* Rent(long capacityBytes)
    {
        if (capacityBytes == blockBytes)
        {
            nint spare = Interlocked.Exchange(ref _spare, 0);
            if (spare != 0) return (byte*)spare;
        }
        return Allocate(capacityBytes);
    }

    public void Return(byte* block, long capacityBytes)
    {
#if BASALT_ASSERT
        // Arena memory is never zeroed: make a reader of uninitialised bytes fail loudly in tests.
        if (capacityBytes == blockBytes) new Span<byte>(block, (int)Math.Min(capacityBytes, int.MaxValue)).Fill(0xCD);
#endif
        if (capacityBytes != blockBytes || Volatile.Read(ref _closed) != 0 ||
            Interlocked.CompareExchange(ref _spare, (nint)block, 0) != 0)
        {
            NativeMemory.AlignedFree(block);
            return;
        }
        // Closed meanwhile: Dispose may have looked before the block arrived.
        if (Volatile.Read(ref _closed) != 0) FreeSpare();
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _closed, 1);
        FreeSpare();
    }

    private void FreeSpare()
    {
        nint spare = Interlocked.Exchange(ref _spare, 0);
        if (spare != 0) NativeMemory.AlignedFree((void*)spare);
    }
}
