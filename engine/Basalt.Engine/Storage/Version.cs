using Basalt.Engine.Storage.Memtable;
using Basalt.Engine.Storage.Segments;

namespace Basalt.Engine.Storage;

// A memtable with the number of the first WAL log that holds its entries, reference-counted: versions and
// flush jobs hold references, and the arena is freed when the last one is released.
internal sealed class MemtableHandle(Memtable.Memtable table, ulong firstLogNumber)
{
    private int _refs = 1;

    public Memtable.Memtable Table { get; } = table;
    public ulong FirstLogNumber { get; } = firstLogNumber;

    public void AddRef() => Interlocked.Increment(ref _refs);

    public void Release()
    {
        int left = Interlocked.Decrement(ref _refs);
        if (left == 0) Table.Dispose();
#if BASALT_ASSERT
        if (left < 0) throw new InvalidOperationException("memtable released more often than referenced");
#endif
    }
}

// One shard's read view: the mutable memtable, the immutable memtables waiting for flush (newest first) and
// the live segments (newest first; their seq ranges are disjoint and descending, so the first hit of a point
// read is the newest version). Immutable once built. Created only by the shard thread, which holds one
// reference while the version is current; readers on any thread pin it with TryAcquire/Release.
//
// Memory ordering: the shard publishes a version with Volatile.Write of its `_current` field after the
// constructor has taken its references; readers Volatile.Read it and then TryAcquire, which fails once the
// count has dropped to zero (the version is dead and its memtables may be freed), in which case they re-read
// `_current`. A reference count costs an Interlocked pair per read; epochs would avoid the shared cache line
// and are the next step if a profile shows it (STYLE: simplest correct mechanism first).
internal sealed class Version
{
    private int _refs = 1;

    public MemtableHandle Mutable { get; }
    public MemtableHandle[] Immutables { get; }
    public Segment[] Segments { get; }

    public Version(MemtableHandle mutable, MemtableHandle[] immutables, Segment[] segments)
    {
        Mutable = mutable;
        Immutables = immutables;
        Segments = segments;
        mutable.AddRef();
        foreach (var m in immutables) m.AddRef();
        foreach (var s in segments) s.AddRef();
    }

    public bool TryAcquire()
    {
        while (true)
        {
            int refs = Volatile.Read(ref _refs);
            if (refs == 0) return false;
            if (Interlocked.CompareExchange(ref _refs, refs + 1, refs) == refs) return true;
        }
    }

    public void Release()
    {
        int left = Interlocked.Decrement(ref _refs);
        if (left != 0)
        {
#if BASALT_ASSERT
            if (left < 0) throw new InvalidOperationException("version released more often than acquired");
#endif
            return;
        }
        Mutable.Release();
        foreach (var m in Immutables) m.Release();
        foreach (var s in Segments) s.Release();
    }

    // Iterators over every component, newest first (the merging iterator breaks no ties: seqs are unique).
    public List<IInternalIterator> NewIterators()
    {
        var list = new List<IInternalIterator>(1 + Immutables.Length + Segments.Length) { Mutable.Table.NewIterator() };
        foreach (var m in Immutables) list.Add(m.Table.NewIterator());
        foreach (var s in Segments) list.Add(s.NewIterator());
        return list;
    }
}
