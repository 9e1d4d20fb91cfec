namespace Basalt.Engine.Storage;

// Merges several internal iterators into one stream in internal-key order (forward) or its reverse
// (backward). The direction is fixed at construction: DynamoDB reads a range in one direction, and a fixed
// direction keeps the merge a plain binary heap (LevelDB's direction switching buys nothing here).
// Owns its children and disposes them. One thread at a time.
internal sealed class MergingIterator : IDisposable
{
    private readonly IInternalIterator[] _children;
    private readonly int[] _heap;
    private int _heapSize;
    private readonly bool _reverse;

    public MergingIterator(IReadOnlyList<IInternalIterator> children, bool reverse)
    {
        _children = children.ToArray();
        _heap = new int[_children.Length];
        _reverse = reverse;
    }

    public bool Valid => _heapSize > 0;
    private IInternalIterator Top => _children[_heap[0]];
    public ReadOnlySpan<byte> UserKey => Top.UserKey;
    public ulong Trailer => Top.Trailer;
    public ReadOnlySpan<byte> Value => Top.Value;

    public void SeekToFirst() { foreach (var c in _children) c.SeekToFirst(); Rebuild(); }
    public void SeekToLast() { foreach (var c in _children) c.SeekToLast(); Rebuild(); }
    public void Seek(ReadOnlySpan<byte> userKey, ulong trailer) { foreach (var c in _children) c.Seek(userKey, trailer); Rebuild(); }
    public void SeekForPrev(ReadOnlySpan<byte> userKey, ulong trailer) { foreach (var c in _children) c.SeekForPrev(userKey, trailer); Rebuild(); }

    // Moves one step in the iterator's direction.
    public void Step()
    {
        var top = Top;
        if (_reverse) top.Prev(); else top.Next();
        if (top.Valid) SiftDown(0);
        else
        {
            _heap[0] = _heap[--_heapSize];
            if (_heapSize > 0) SiftDown(0);
        }
    }

    private void Rebuild()
    {
        _heapSize = 0;
        for (int i = 0; i < _children.Length; i++)
            if (_children[i].Valid) _heap[_heapSize++] = i;
        for (int i = _heapSize / 2 - 1; i >= 0; i--) SiftDown(i);
    }

    // True when child a should come out before child b.
    private bool Before(int a, int b)
    {
        var x = _children[a];
        var y = _children[b];
        int c = InternalKey.Compare(x.UserKey, x.Trailer, y.UserKey, y.Trailer);
        return _reverse ? c > 0 : c < 0;
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            int l = 2 * i + 1, r = l + 1, best = i;
            if (l < _heapSize && Before(_heap[l], _heap[best])) best = l;
            if (r < _heapSize && Before(_heap[r], _heap[best])) best = r;
            if (best == i) return;
            (_heap[i], _heap[best]) = (_heap[best], _heap[i]);
            i = best;
        }
    }

    public void Dispose()
    {
        foreach (var c in _children) c.Dispose();
    }
}
