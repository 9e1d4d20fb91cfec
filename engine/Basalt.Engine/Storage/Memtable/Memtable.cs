namespace Basalt.Engine.Storage.Memtable;

// A shard's in-memory write buffer: every version of every key written since the last flush, in internal-key
// order (user key ascending, then trailer = seq << 8 | kind descending; see InternalKey), in a SkipList over
// one fixed-capacity unmanaged Arena. When TryAdd returns false the engine seals this memtable, starts a new
// one, and later flushes this one to a segment.
//
// Owner: the shard. TryAdd is for the shard's thread only (one writer, never concurrent with itself).
// TryGet, NewIterator, the iterators and the counters may be used from any thread at the same time as the
// writer: readers take no lock and never make the writer wait (see SkipList for the memory ordering).
// The engine keeps a memtable alive (does not Dispose it) while any reader, iterator or span from TryGet
// may still use it: Dispose frees the arena immediately.
// Invariants: every entry ever added stays, unchanged, until Dispose; (user key, seq) pairs are unique
// (the engine never reuses a seq); UsedBytes <= CapacityBytes.
// Not here: snapshots over tombstones across sources, merging with segments, and flushing (the engine's).
public sealed unsafe class Memtable : IDisposable
{
    private readonly Arena _arena;
    private readonly SkipList _list;
    // Written by the writer with Volatile.Write after the entry is linked, read with Volatile.Read: a reader
    // that reads Count = n (or MaxSeq = s) and then searches finds at least those n entries (every entry of
    // seq <= s, when seqs are added in ascending order, as the engine does): release-acquire ordering.
    private long _count;
    private ulong _maxSeq;
    private bool _disposed;
#if BASALT_ASSERT
    // Catches two threads inside TryAdd at once, a broken single-writer contract. Interlocked: the check
    // itself must not race.
    private int _writerInside;
#endif

    public Memtable(long capacityBytes) : this(capacityBytes, null)
    {
    }

    // With a pool, the arena's block comes from it and goes back to it (see ArenaBlockPool).
    internal Memtable(long capacityBytes, ArenaBlockPool? pool)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, CapacityBytesMin);
        _arena = new Arena(capacityBytes, pool);
        try
        {
            _list = new SkipList(_arena);
        }
        catch
        {
            _arena.Dispose();
            throw;
        }
    }

    public long CapacityBytes => _arena.CapacityBytes;

    public long UsedBytes => _arena.UsedBytes;

    public long Count => Volatile.Read(ref _count);

    public ulong MaxSeq => Volatile.Read(ref _maxSeq);

    // The smallest capacity that holds the head node (an empty memtable).
    public static long CapacityBytesMin => Arena.ReservedBytes + SkipList.NodeBytes(SkipList.MaxHeight, 0, 0);

    // Worst-case arena bytes one entry takes (tallest tower, worst alignment), so the engine can check a whole
    // batch fits before inserting any of it: if UsedBytes + the sum of EntryBytesMax over a batch is at most
    // CapacityBytes, every TryAdd of the batch succeeds.
    public static long EntryBytesMax(int userKeyBytes, int valueBytes) => SkipList.NodeBytesMax(userKeyBytes, valueBytes);

    internal SkipList List => _list;

    // Writer thread only. False when the arena has no room for this entry (the caller rotates to a new
    // memtable); the table is then unchanged. Never partial.
    public bool TryAdd(ReadOnlySpan<byte> userKey, ulong seq, EntryKind kind, ReadOnlySpan<byte> value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Argument errors would corrupt the node layout (u16 key length) or the order (seq 0, overflowing
        // seq): checked in every build, they cost two compares.
        if (seq == 0 || seq > InternalKey.SeqMax) throw new ArgumentOutOfRangeException(nameof(seq), seq, "seq must be in 1..InternalKey.SeqMax");
        if (userKey.Length > Limits.StoredKeyBytesMax) throw new ArgumentOutOfRangeException(nameof(userKey), userKey.Length, "user key longer than Limits.StoredKeyBytesMax");
        if (value.Length > Limits.ValueBytesMax) throw new ArgumentOutOfRangeException(nameof(value), value.Length, "value longer than Limits.ValueBytesMax");
        MemtableAssert.That(kind is EntryKind.Put or EntryKind.Delete, "unknown entry kind");
#if BASALT_ASSERT
        MemtableAssert.That(Interlocked.Exchange(ref _writerInside, 1) == 0, "concurrent writers");
        try
        {
#endif
            if (!_list.TryInsert(userKey, InternalKey.Trailer(seq, kind), value)) return false;
            // Release stores after the links (see _count): the entry is published before the counters move.
            Volatile.Write(ref _count, _count + 1);
            if (seq > _maxSeq) Volatile.Write(ref _maxSeq, seq);
            return true;
#if BASALT_ASSERT
        }
        finally
        {
            Volatile.Write(ref _writerInside, 0);
        }
#endif
    }

    // Any thread. The newest entry for userKey with seq <= snapshotSeq (a snapshotSeq above InternalKey.SeqMax
    // means the latest); false when there is none. A tombstone is found like any entry (kind Delete).
    // value points into the arena: valid while this memtable is alive (the engine pins it). Allocates nothing.
    public bool TryGet(ReadOnlySpan<byte> userKey, ulong snapshotSeq, out EntryKind kind, out ReadOnlySpan<byte> value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ulong seq = Math.Min(snapshotSeq, InternalKey.SeqMax);
        // (userKey, SeekTrailer(seq)) sorts before every entry of userKey with seq' <= seq and after every
        // newer one, so the first node at or after it is the answer if it has the same user key.
        uint node = _list.FindGreaterOrEqual(userKey, InternalKey.SeekTrailer(seq));
        if (node != 0 && _list.UserKeyOf(node).SequenceEqual(userKey))
        {
            kind = InternalKey.KindOf(_list.TrailerOf(node));
            value = _list.ValueOf(node);
            return true;
        }
        kind = default;
        value = default;
        return false;
    }

    // As TryGet, handing the value to sink while it is certainly pinned (the shape segments' point reads
    // share). TSink is a struct in hot paths, so the JIT specialises the call: no delegate, no allocation.
    public bool TryGet<TSink>(scoped ReadOnlySpan<byte> userKey, ulong snapshotSeq, out EntryKind kind, ref TSink sink)
        where TSink : IValueSink, allows ref struct
    {
        if (!TryGet(userKey, snapshotSeq, out kind, out ReadOnlySpan<byte> value)) return false;
        sink.OnValue(value);
        return true;
    }

    // Any thread. An iterator over every entry (every version); see MemtableIterator.
    public IInternalIterator NewIterator()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new MemtableIterator(this);
    }

    // Frees the arena at once. The engine calls it only when no reader, iterator or value span is left.
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _arena.Dispose();
    }
}
