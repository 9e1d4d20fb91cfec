using System.Buffers.Binary;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;

namespace Basalt.Engine.Tables;

// The change log: one record per write of a table with global secondary indexes, written by the shard's writer in
// the same atomic batch as the item (a side write of ItemTransform), and applied to the global indexes afterwards by
// one applier per shard. It is how DynamoDB keeps global indexes: asynchronously, eventually consistent, never
// partly. A record holds the item before and after the write, so the same log will carry Streams' records.
//
//   vpartition := the shard's home partition (StorageEngine.HomeVPartition)     on the item's shard
//   routing    := [0xFFFFFFFF]                                                  never a table id (ids stop below it)
//   rest       := [sequence: u64 BE]                                            per shard, in write order
//   value      := [format u8 = 1][table id u32 LE][written at: i64 LE, Unix µs]
//                 [old length u32 LE][old item][new length u32 LE][new item]    (length 0: no item)
//
// The applier reads its shard's records in order, writes each one's index entries (deleting the entry of the old
// item when its key changed or it left the index, putting the new item's), one batch per target shard, and deletes
// the records once those writes are durable. A crash in between applies them again: puts and deletes of computed
// keys are idempotent, and records of one item are applied in order, so an index converges to its table. Sequence
// numbers restart after the last record found at open; a gap (a write that failed after its sequence was taken)
// is harmless.
//
// Threads: Reserve runs on a shard's writer (one at a time per shard: the writer token orders them); each applier is a
// dedicated thread that blocks on its signal and on its writes (as background tasks they waited behind the thread
// pool's request work for each step, and the index trailed its table by 10 ms on average even at half load);
// Signal and WhenCaughtUpAsync from any thread.
internal sealed class ChangeLog : IDisposable
{
    public static readonly byte[] Routing = [0xFF, 0xFF, 0xFF, 0xFF];
    private const byte Format = 1;
    private const int RecordsPerRound = 256;

    private readonly StorageEngine _engine;
    private readonly Func<uint, TableDefinition?> _tableById;
    private readonly int[] _home;
    private readonly long[] _next;
    // Per shard, the sequence number below which every record has been applied (and deleted): rounds start there, so
    // they seek past the tombstones of applied records instead of reading them all again (the log is a queue on an
    // LSM tree; scanning its dead prefix made every round cost as much as everything applied since the last flush).
    private readonly long[] _appliedBelow;
    private readonly SemaphoreSlim[] _signals;
    private readonly Thread[] _appliers;
    private readonly CancellationTokenSource _stop = new();

    // Lag between a write and its index entries being written, over every record applied: a histogram (microseconds,
    // LagBoundsUs; the last bucket is everything above), its sum and its maximum.
    public static readonly long[] LagBoundsUs = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000];
    private readonly long[] _lagBuckets = new long[LagBoundsUs.Length + 1];
    private long _applied, _lagSumUs, _lagMaxUs;

    public ChangeLog(StorageEngine engine, Func<uint, TableDefinition?> tableById)
    {
        _engine = engine;
        _tableById = tableById;
        int shards = engine.ShardCount;
        _home = new int[shards];
        _next = new long[shards];
        _appliedBelow = new long[shards];
        _signals = new SemaphoreSlim[shards];
        for (int s = 0; s < shards; s++)
        {
            _home[s] = engine.HomeVPartition(s);
            _signals[s] = new SemaphoreSlim(1); // starts signalled: records a crash left are applied at once
            using var last = engine.Iterate(_home[s], Routing, reverse: true);
            _next[s] = last.MoveNext() ? (long)BinaryPrimitives.ReadUInt64BigEndian(last.Rest) + 1 : 1;
            using var first = engine.Iterate(_home[s], Routing);
            _appliedBelow[s] = first.MoveNext() ? (long)BinaryPrimitives.ReadUInt64BigEndian(first.Rest) : _next[s];
        }
        _appliers = new Thread[shards];
        for (int s = 0; s < shards; s++)
        {
            int shard = s;
            _appliers[s] = new Thread(() => ApplyLoop(shard)) { IsBackground = true, Name = $"basalt-changelog-{s}" };
            _appliers[s].Start();
        }
    }

    public long Applied => Volatile.Read(ref _applied);

    // The last failure of an applier round, if any (the round is retried).
    public Exception? LastError { get; private set; }
    public long LagSumUs => Volatile.Read(ref _lagSumUs);
    public long LagMaxUs => Volatile.Read(ref _lagMaxUs);
    public long LagBucket(int i) => Volatile.Read(ref _lagBuckets[i]);

    // On the shard's writer: the place of the next record of the shard that owns itemVPartition.
    public (int VPartition, byte[] Key, int Shard) Reserve(int itemVPartition)
    {
        int shard = _engine.ShardOfVPartition(itemVPartition);
        long seq = Interlocked.Increment(ref _next[shard]) - 1;
        return (_home[shard], Key(seq), shard);
    }

    private static byte[] Key(long sequence)
    {
        var key = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(key, (ulong)sequence);
        return key;
    }

    public static long NowUs() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    public static byte[] Encode(uint tableId, long writtenAtUs, ReadOnlySpan<byte> oldItem, ReadOnlySpan<byte> newItem)
    {
        var value = new byte[1 + 4 + 8 + 4 + oldItem.Length + 4 + newItem.Length];
        value[0] = Format;
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(1), tableId);
        BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(5), writtenAtUs);
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(13), (uint)oldItem.Length);
        oldItem.CopyTo(value.AsSpan(17));
        int at = 17 + oldItem.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(at), (uint)newItem.Length);
        newItem.CopyTo(value.AsSpan(at + 4));
        return value;
    }

    private static bool TryDecode(ReadOnlySpan<byte> value, out uint tableId, out long writtenAtUs, out ReadOnlySpan<byte> oldItem, out ReadOnlySpan<byte> newItem)
    {
        tableId = 0;
        writtenAtUs = 0;
        oldItem = newItem = default;
        if (value.Length < 21 || value[0] != Format) return false;
        tableId = BinaryPrimitives.ReadUInt32LittleEndian(value[1..]);
        writtenAtUs = BinaryPrimitives.ReadInt64LittleEndian(value[5..]);
        uint oldLength = BinaryPrimitives.ReadUInt32LittleEndian(value[13..]);
        if (oldLength > value.Length - 21) return false;
        oldItem = value.Slice(17, (int)oldLength);
        int at = 17 + (int)oldLength;
        uint newLength = BinaryPrimitives.ReadUInt32LittleEndian(value[at..]);
        if (newLength != value.Length - at - 4) return false;
        newItem = value.Slice(at + 4, (int)newLength);
        return true;
    }

    // After a write that logged a record completes: wakes the shard's applier.
    public void Signal(int shard)
    {
        if (_signals[shard].CurrentCount == 0) _signals[shard].Release();
    }

    // Completes once every record logged before the call has been applied (tests, and the index lag figures).
    public async Task WhenCaughtUpAsync(CancellationToken cancel = default)
    {
        for (int s = 0; s < _home.Length; s++)
        {
            Signal(s);
            while (true)
            {
                using (var it = _engine.Iterate(_home[s], Routing, Key(Volatile.Read(ref _appliedBelow[s]))))
                    if (!it.MoveNext()) break;
                await Task.Delay(1, cancel).ConfigureAwait(false);
            }
        }
    }

    private void ApplyLoop(int shard)
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                _signals[shard].Wait(stop);
                while (!stop.IsCancellationRequested && ApplyRound(shard)) { }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException && !stop.IsCancellationRequested)
            {
                // The engine refuses writes or is closing (or a record does not decode: LastError says so): the records
                // stay, and are applied when it takes writes again. A thread must not die with an exception.
                LastError = e;
                if (stop.WaitHandle.WaitOne(100)) return;
                if (_signals[shard].CurrentCount == 0) _signals[shard].Release();
            }
        }
    }

    // Applies up to RecordsPerRound records of the shard; false when there were none.
    private bool ApplyRound(int shard)
    {
        var records = new List<(byte[] Key, byte[] Value)>();
        using (var it = _engine.Iterate(_home[shard], Routing, Key(_appliedBelow[shard])))
            while (records.Count < RecordsPerRound && it.MoveNext()) records.Add((it.Rest.ToArray(), it.Value.ToArray()));
        if (records.Count == 0) return false;

        var batches = new Dictionary<int, WriteBatch>();
        var writer = new ItemWriter();
        try
        {
            foreach (var (_, value) in records)
            {
                if (!TryDecode(value, out uint tableId, out long writtenAt, out var oldItem, out var newItem))
                    throw new StorageException(StorageError.Corruption, $"change log: a record of shard {shard} is malformed");
                if (_tableById(tableId) is not { } table) continue; // the table was deleted: its entries are purged
                foreach (var index in table.GlobalIndexes)
                {
                    if (index.Status == Database.IndexStatus.Deleting) continue; // its entries are being purged
                    var oldKey = oldItem.IsEmpty ? null : GlobalIndexes.EntryKey(table, index, oldItem);
                    var newKey = newItem.IsEmpty ? null : GlobalIndexes.EntryKey(table, index, newItem);
                    if (oldKey is { } o && (newKey is not { } n || !o.Routing.AsSpan().SequenceEqual(n.Routing) || !o.After.AsSpan().SequenceEqual(n.After)))
                        Batch(batches, o.Routing).Delete(o.Routing, o.After);
                    if (newKey is { } k)
                        Batch(batches, k.Routing).Put(k.Routing, k.After, LocalIndexes.Project(table, index, newItem, writer));
                }
            }
            foreach (var batch in batches.Values) _engine.Write(batch);
            // The lag: from the write to its entries being durable (and readable).
            long now = NowUs();
            foreach (var (_, value) in records)
                if (TryDecode(value, out _, out long writtenAt, out _, out _)) RecordLag(now - writtenAt);
        }
        finally
        {
            foreach (var b in batches.Values) b.Dispose();
            writer.Dispose();
        }
        using (var done = new WriteBatch())
        {
            foreach (var (key, _) in records) done.Delete(_home[shard], Routing, key);
            _engine.Write(done);
        }
        Volatile.Write(ref _appliedBelow[shard], (long)BinaryPrimitives.ReadUInt64BigEndian(records[^1].Key) + 1);
        return records.Count == RecordsPerRound;
    }

    private WriteBatch Batch(Dictionary<int, WriteBatch> batches, byte[] routing)
    {
        int shard = _engine.ShardOf(routing);
        if (!batches.TryGetValue(shard, out var batch)) batches[shard] = batch = new WriteBatch();
        return batch;
    }

    private void RecordLag(long us)
    {
        us = Math.Max(0, us);
        int bucket = 0;
        while (bucket < LagBoundsUs.Length && us > LagBoundsUs[bucket]) bucket++;
        Interlocked.Increment(ref _lagBuckets[bucket]);
        Interlocked.Increment(ref _applied);
        Interlocked.Add(ref _lagSumUs, us);
        long max;
        while (us > (max = Volatile.Read(ref _lagMaxUs)) && Interlocked.CompareExchange(ref _lagMaxUs, us, max) != max) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        // An applier stops between rounds; what it leaves is applied at the next open.
        foreach (var applier in _appliers) applier.Join(TimeSpan.FromSeconds(10));
        _stop.Dispose();
        foreach (var s in _signals) s.Dispose();
    }
}
