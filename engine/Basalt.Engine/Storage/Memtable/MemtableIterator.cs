namespace Basalt.Engine.Storage.Memtable;

// An IInternalIterator over a Memtable's skiplist: every version of every key, in internal-key order.
//
// Owner: one reader thread (not thread-safe itself), which may differ from the memtable's writer and run
// while it inserts. Entries inserted concurrently may or may not be seen; a seen entry is always whole and
// in order (SkipList invariant 3). Holds a reference to its memtable, so the memtable object stays alive,
// but the engine must still keep it undisposed while the iterator is in use.
// Spans from UserKey and Value point into the arena and stay valid until the memtable is disposed (longer
// than IInternalIterator promises).
// Next follows level 0; Prev searches again from the head for the last node before the current one,
// O(log n), as leveldb does: back links would cost 4 bytes per node and a second publication per insert.
internal sealed class MemtableIterator : IInternalIterator
{
    // Never read: holding it keeps the memtable object (and the arena's owner) reachable while iterating.
    private readonly Memtable _memtable;
    private readonly SkipList _list;
    // Current node offset; 0 = not valid.
    private uint _node;
    private bool _disposed;

    public MemtableIterator(Memtable memtable)
    {
        _memtable = memtable;
        _list = memtable.List;
    }

    public bool Valid => _node != 0;

    public void SeekToFirst()
    {
        ThrowIfDisposed();
        _node = _list.Next(_list.Head, 0);
    }

    public void SeekToLast()
    {
        ThrowIfDisposed();
        _node = NullIfHead(_list.FindLast());
    }

    public void Seek(ReadOnlySpan<byte> userKey, ulong trailer)
    {
        ThrowIfDisposed();
        _node = _list.FindGreaterOrEqual(userKey, trailer);
    }

    public void SeekForPrev(ReadOnlySpan<byte> userKey, ulong trailer)
    {
        ThrowIfDisposed();
        _node = NullIfHead(_list.FindLessThan(userKey, trailer, orEqual: true));
    }

    public void Next()
    {
        ThrowIfNotValid();
        _node = _list.Next(_node, 0);
    }

    public void Prev()
    {
        ThrowIfNotValid();
        _node = NullIfHead(_list.FindLessThan(_list.UserKeyOf(_node), _list.TrailerOf(_node), orEqual: false));
    }

    public ReadOnlySpan<byte> UserKey
    {
        get
        {
            ThrowIfNotValid();
            return _list.UserKeyOf(_node);
        }
    }

    public ulong Trailer
    {
        get
        {
            ThrowIfNotValid();
            return _list.TrailerOf(_node);
        }
    }

    public ReadOnlySpan<byte> Value
    {
        get
        {
            ThrowIfNotValid();
            return _list.ValueOf(_node);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _node = 0;
    }

    private uint NullIfHead(uint node) => node == _list.Head ? 0 : node;

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private void ThrowIfNotValid()
    {
        ThrowIfDisposed();
        if (_node == 0) throw new InvalidOperationException("iterator is not positioned on an entry");
    }
}
