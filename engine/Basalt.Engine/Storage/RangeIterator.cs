using System.Buffers;

namespace Basalt.Engine.Storage;

// Iterates the live keys of one shard between two stored-key bounds, as of one sequence number: for each
// user key it yields the newest version with seq <= the snapshot's, and skips keys whose newest visible
// version is a tombstone. Forward or backward, fixed at creation. Holds a reference to a Version (and so to
// its memtables and segments) until disposed: dispose iterators promptly, a live one pins files on disk.
// Key and Value spans are valid until the next MoveNext or Dispose. One thread at a time.
public sealed class RangeIterator : IDisposable
{
    private readonly Version _version;
    private readonly MergingIterator _merger;
    private readonly ulong _snapshotSeq;
    private readonly byte[] _lower;
    private readonly byte[]? _upper;   // exclusive; null: to the end of the shard
    private readonly bool _reverse;
    private bool _started;
    private bool _stepPending;
    private bool _done;
    private byte[] _key = ArrayPool<byte>.Shared.Rent(64);
    private int _keyLength;
    private byte[] _value = ArrayPool<byte>.Shared.Rent(256);
    private int _valueLength;
    private bool _valueInMerger;  // forward: the value is read from the merger in place, no copy

    internal RangeIterator(Version version, ulong snapshotSeq, byte[] lowerInclusive, byte[]? upperExclusive, bool reverse)
    {
        _version = version;
        _snapshotSeq = snapshotSeq;
        _lower = lowerInclusive;
        _upper = upperExclusive;
        _reverse = reverse;
        _merger = new MergingIterator(version.NewIterators(), reverse);
    }

    // The full stored key: [vpartition][routing length][routing][rest]. See StoredKey.
    public ReadOnlySpan<byte> StoredKey => _key.AsSpan(0, _keyLength);
    public ReadOnlySpan<byte> Routing => Storage.StoredKey.RoutingOf(StoredKey);
    public ReadOnlySpan<byte> Rest => Storage.StoredKey.RestOf(StoredKey);
    public ReadOnlySpan<byte> Value => _valueInMerger ? _merger.Value : _value.AsSpan(0, _valueLength);

    public bool MoveNext()
    {
        if (_done) return false;
        if (!_started)
        {
            _started = true;
            if (_reverse)
            {
                if (_upper is null) _merger.SeekToLast();
                else _merger.SeekForPrev(_upper, InternalKey.SeekTrailer(InternalKey.SeqMax));
            }
            else _merger.Seek(_lower, InternalKey.SeekTrailer(InternalKey.SeqMax));
        }
        bool found = _reverse ? MoveBackward() : MoveForward();
        if (!found) _done = true;
        return found;
    }

    private bool MoveForward()
    {
        if (_stepPending)
        {
            _stepPending = false;
            _merger.Step();
        }
        bool haveLast = _keyLength > 0 || _valueInMerger;
        while (_merger.Valid)
        {
            var userKey = _merger.UserKey;
            if (_upper is not null && userKey.SequenceCompareTo(_upper) >= 0) return false;
            ulong trailer = _merger.Trailer;
            if (InternalKey.SeqOf(trailer) > _snapshotSeq || (haveLast && userKey.SequenceEqual(StoredKey)))
            {
                _merger.Step(); // invisible at this snapshot, or an older version of the key just handled
                continue;
            }
            SetKey(userKey);
            haveLast = true;
            if (InternalKey.KindOf(trailer) == EntryKind.Delete)
            {
                _valueInMerger = false;
                _merger.Step();
                continue;
            }
            _valueInMerger = true;
            _stepPending = true;
            return true;
        }
        return false;
    }

    private bool MoveBackward()
    {
        // Backward, the versions of one user key arrive oldest first: the last visible one is the answer.
        while (_merger.Valid)
        {
            var userKey = _merger.UserKey;
            if (userKey.SequenceCompareTo(_lower) < 0) return false;
            SetKey(userKey);
            bool visible = false;
            EntryKind kind = EntryKind.Delete;
            while (_merger.Valid && _merger.UserKey.SequenceEqual(StoredKey))
            {
                ulong trailer = _merger.Trailer;
                if (InternalKey.SeqOf(trailer) <= _snapshotSeq)
                {
                    visible = true;
                    kind = InternalKey.KindOf(trailer);
                    if (kind == EntryKind.Put) SetValue(_merger.Value);
                }
                _merger.Step();
            }
            if (visible && kind == EntryKind.Put)
            {
                _valueInMerger = false;
                return true;
            }
        }
        return false;
    }

    private void SetKey(ReadOnlySpan<byte> key)
    {
        if (key.Length > _key.Length)
        {
            ArrayPool<byte>.Shared.Return(_key);
            _key = ArrayPool<byte>.Shared.Rent(key.Length);
        }
        key.CopyTo(_key);
        _keyLength = key.Length;
    }

    private void SetValue(ReadOnlySpan<byte> value)
    {
        if (value.Length > _value.Length)
        {
            ArrayPool<byte>.Shared.Return(_value);
            _value = ArrayPool<byte>.Shared.Rent(value.Length);
        }
        value.CopyTo(_value);
        _valueLength = value.Length;
    }

    public void Dispose()
    {
        if (_done && _key.Length == 0) return;
        _done = true;
        _merger.Dispose();
        _version.Release();
        ArrayPool<byte>.Shared.Return(_key);
        ArrayPool<byte>.Shared.Return(_value);
        _key = [];
        _value = [];
    }
}

// A consistent read view across all shards: for each shard, a pinned version and the sequence number it was
// taken at. Reads through a snapshot see exactly the writes acknowledged (made visible) before it was taken.
// Sequence numbers are per shard: a snapshot is consistent per shard; atomicity across shards is the
// transaction layer's. Dispose releases the pinned memtables and segments.
public sealed class Snapshot : IDisposable
{
    internal readonly Version[] Versions;
    internal readonly ulong[] Seqs;
    private int _disposed;

    internal Snapshot(Version[] versions, ulong[] seqs)
    {
        Versions = versions;
        Seqs = seqs;
    }

    public ulong SequenceOf(int shard) => Seqs[shard];

    internal void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0) throw new ObjectDisposedException(nameof(Snapshot));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var v in Versions) v.Release();
    }
}
