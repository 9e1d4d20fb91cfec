namespace Basalt.Engine.Storage.Segments;

// Iterates all entries of one segment in internal-key order, both directions. One thread (IInternalIterator).
// It holds a reference to the segment (taken by Segment.NewIterator, dropped by Dispose), and keeps its
// current block pinned in the block cache rather than copying it: a copy would cost a 16 KiB memcpy per
// block on every scan, while a pin costs one slot of cache capacity per open iterator, which the engine
// bounds (iterators are per request). The pin moves when the iterator leaves the block, and is dropped when
// the iterator becomes invalid or is disposed. A block larger than a slot, or read while no slot is free,
// is held in a pooled buffer instead.
// Within a block it works like LevelDB's block iterator: keys are rebuilt into a private buffer, and Prev
// rescans from the restart point before the current entry (at most 16 entries).
internal sealed class SegmentIterator : IInternalIterator
{
    private readonly Segment _segment;
    private BlockHandle _handle;
    private int _block = -1;
    private int _entriesEnd;
    private int _restarts;
    private int _restartIndex;
    private int _current = -1;
    private int _next;
    private readonly byte[] _key = new byte[SegmentFormat.InternalKeyBytesMax];
    private int _keyLength;
    private int _valueOffset;
    private int _valueLength;
    private bool _disposed;

    public SegmentIterator(Segment segment) => _segment = segment;

    public bool Valid => _current >= 0;

    public ReadOnlySpan<byte> UserKey
    {
        get { AssertValid(); return _key.AsSpan(0, _keyLength - InternalKey.TrailerBytes); }
    }

    public ulong Trailer
    {
        get { AssertValid(); return InternalKey.TrailerOf(_key.AsSpan(0, _keyLength)); }
    }

    public ReadOnlySpan<byte> Value
    {
        get { AssertValid(); return _handle.Span.Slice(_valueOffset, _valueLength); }
    }

    public void SeekToFirst()
    {
        if (!Load(0)) return;
        SeekToRestart(0);
    }

    public void SeekToLast()
    {
        if (!Load(_segment.BlockCount - 1)) return;
        LastInBlock();
    }

    public void Seek(ReadOnlySpan<byte> userKey, ulong trailer)
    {
        if (!Load(_segment.FindBlock(userKey, trailer))) return;
        var block = _handle.Span;
        SeekToRestart(DataBlock.SeekRestart(block, _entriesEnd, _restarts, userKey, trailer));
        while (CompareCurrent(userKey, trailer) < 0)
        {
            if (!NextInBlock())
            {
                // Not reached for a well-formed segment (the block's last key is >= target), but harmless.
                NextBlock();
                return;
            }
        }
    }

    public void SeekForPrev(ReadOnlySpan<byte> userKey, ulong trailer)
    {
        Seek(userKey, trailer);
        if (!Valid) SeekToLast();
        else if (CompareCurrent(userKey, trailer) > 0) Prev();
    }

    public void Next()
    {
        AssertValid();
        if (!NextInBlock()) NextBlock();
    }

    public void Prev()
    {
        AssertValid();
        if (PrevInBlock()) return;
        if (!Load(_block - 1)) return;
        LastInBlock();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Invalidate();
        _segment.Release();
    }

    private int CompareCurrent(ReadOnlySpan<byte> userKey, ulong trailer)
    {
        var key = _key.AsSpan(0, _keyLength);
        return InternalKey.Compare(InternalKey.UserKey(key), InternalKey.TrailerOf(key), userKey, trailer);
    }

    // Pins block b (keeping the pin if it is already the current block); invalidates and returns false
    // when b is out of range.
    private bool Load(int b)
    {
        if (_disposed) throw new ObjectDisposedException(nameof(SegmentIterator));
        if ((uint)b >= (uint)_segment.BlockCount)
        {
            Invalidate();
            return false;
        }
        if (b != _block || !_handle.IsHeld)
        {
            Invalidate();
            _segment.AcquireBlock(b, out _handle);
            _block = b;
            var block = _handle.Span;
            _restarts = DataBlock.RestartCount(block);
            _entriesEnd = DataBlock.EntriesEnd(block);
        }
        return true;
    }

    private void Invalidate()
    {
        if (_handle.IsHeld) _segment.ReleaseBlock(ref _handle);
        _block = -1;
        _current = -1;
    }

    private void NextBlock()
    {
        if (!Load(_block + 1)) return;
        SeekToRestart(0);
    }

    private void ParseAt(int offset)
    {
        _next = DataBlock.DecodeEntry(_handle.Span, offset, _key, out _keyLength, out _valueOffset, out _valueLength);
        _current = offset;
    }

    private void SeekToRestart(int restart)
    {
        _restartIndex = restart;
        ParseAt(DataBlock.RestartOffset(_handle.Span, _entriesEnd, restart));
    }

    private bool NextInBlock()
    {
        if (_next >= _entriesEnd) return false;
        ParseAt(_next);
        var block = _handle.Span;
        while (_restartIndex + 1 < _restarts && DataBlock.RestartOffset(block, _entriesEnd, _restartIndex + 1) <= _current)
            _restartIndex++;
        return true;
    }

    private bool PrevInBlock()
    {
        int original = _current;
        if (original == 0) return false; // the first entry of a block is at offset 0 (restart 0)
        var block = _handle.Span;
        int r = _restartIndex;
        while (DataBlock.RestartOffset(block, _entriesEnd, r) >= original) r--;
        SeekToRestart(r);
        while (_next < original) NextInBlock();
        return true;
    }

    private void LastInBlock()
    {
        SeekToRestart(_restarts - 1);
        while (NextInBlock()) { }
    }

    private void AssertValid()
    {
        if (_current < 0) throw new InvalidOperationException("the iterator is not positioned on an entry");
    }
}
