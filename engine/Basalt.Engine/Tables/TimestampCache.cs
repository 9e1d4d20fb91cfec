using Basalt.Engine.Storage;

namespace Basalt.Engine.Tables;

// Timestamp ordering of transactions (docs/transactions.md), per shard: for the items transactions have touched,
// the highest timestamp that read each one (TransactGetItems) and the highest that wrote it (a transaction's
// prepare). A prepare at timestamp T of an item read or written at T or later is refused, and so is a transactional
// read at T of an item written later than T: together with the prepare's lock, every transaction and every
// TransactGetItems is serializable in timestamp order, and a read needs one round.
//
// Bounded: past Capacity entries the table is emptied and its watermark raised to the highest timestamp it held, which
// then stands for every item not in the table (conservative: an old transaction is refused rather than misordered).
// After a restart the watermark starts at the open's time, as nothing of the past is known.
//
// Threads: one per shard, touched only by transforms running on that shard's writer (the writer token orders them).
internal sealed class TimestampCache(long watermark)
{
    public const int Capacity = 1 << 16;
    private readonly Dictionary<byte[], (long Read, long Write)> _items = new(StoredKeyEquality.Instance);
    private long _watermark = watermark;

    // Whether a write at `timestamp` may go ahead (no later read or write of the item); if so, it is recorded.
    public bool TryWrite(byte[] key, long timestamp)
    {
        var (read, write) = _items.TryGetValue(key, out var seen) ? seen : (_watermark, _watermark);
        if (timestamp <= read || timestamp <= write) return false;
        Set(key, (read, timestamp));
        return true;
    }

    // Whether a read at `timestamp` sees the item as of then (no later write); if so, the read is recorded.
    public bool TryRead(byte[] key, long timestamp)
    {
        var (read, write) = _items.TryGetValue(key, out var seen) ? seen : (_watermark, _watermark);
        if (timestamp <= write) return false;
        Set(key, (Math.Max(read, timestamp), write));
        return true;
    }

    private void Set(byte[] key, (long Read, long Write) value)
    {
        if (_items.Count >= Capacity && !_items.ContainsKey(key))
        {
            foreach (var (r, w) in _items.Values) _watermark = Math.Max(_watermark, Math.Max(r, w));
            _items.Clear();
        }
        _items[key] = value;
    }
}

// Transaction timestamps: microseconds of wall-clock time, strictly increasing within the process.
internal sealed class TimestampOracle
{
    private long _last;

    public long Next()
    {
        while (true)
        {
            long last = Volatile.Read(ref _last);
            long next = Math.Max(last + 1, (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10);
            if (Interlocked.CompareExchange(ref _last, next, last) == last) return next;
        }
    }
}
