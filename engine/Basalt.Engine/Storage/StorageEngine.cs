using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Basalt.Engine.Shards;
using Basalt.Engine.Storage.Segments;
using Basalt.Engine.Storage.Vfs;

namespace Basalt.Engine.Storage;

public delegate void ScanVisitor(int shard, ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> value);

// Basalt's storage engine: an ordered, versioned key-value store of byte keys and byte values, split into
// thread-per-core shards. A key is a routing part (what the DynamoDB layer makes of table + partition key)
// and a rest (the sort key); the routing part's hash picks one of Limits.VirtualPartitions virtual
// partitions, and the partition's shard owns the key. Ordered iteration runs within one routing part (an
// item collection) or over a whole shard; ScanAllAsync visits every shard in parallel.
//
// Writes go to the owning shard's thread through its bounded inbox and complete (ValueTask, pooled, no
// allocation) when the configured Durability is met. Point reads and iterators run on the caller's thread
// against a pinned, immutable read view. Thread-safe: any number of callers.
public sealed class StorageEngine : IDisposable, IAsyncDisposable
{
    public const string IdentityFileName = "BASALT";
    public const string LockFileName = "LOCK";

    private readonly StorageOptions _options;
    private readonly ShardStore[] _shards;
    private readonly Partitioner _partitioner;
    private readonly BlockCache _cache;
    private readonly IDisposable _lock;
    private readonly CallerGate _gate = new();
    private int _disposed;

    private StorageEngine(StorageOptions options, ShardStore[] shards, Partitioner partitioner, BlockCache cache, IDisposable folderLock)
    {
        _options = options;
        _shards = shards;
        _partitioner = partitioner;
        _cache = cache;
        _lock = folderLock;
    }

    public int ShardCount => _shards.Length;
    public Durability Durability => _options.Durability;
    public string Directory => _options.Directory;
    public IReadOnlyList<ShardMetrics> ShardMetrics => _shards.Select(s => s.Metrics).ToArray();
    internal BlockCache BlockCache => _cache;
    public long BlockCacheHits => _cache.Hits;
    public long BlockCacheMisses => _cache.Misses;

    // Bytes used in one shard's memtables (the mutable one and those waiting for flush): a statistic for metrics,
    // read from any thread; 0 once the engine is closed.
    public long MemtableBytes(int shard)
    {
        if (!_gate.TryEnter()) return 0;
        try
        {
            return _shards[shard].MemtableBytes;
        }
        finally
        {
            _gate.Exit();
        }
    }

    // Opens or creates the data folder: takes its lock file (a second opener gets DataFolderLocked), checks
    // its identity file (shard count and partition count are fixed for a folder), and recovers each shard.
    public static StorageEngine Open(StorageOptions options)
    {
        options.Validate();
        var fs = options.FileSystem;
        string root = options.Directory;
        fs.CreateDirectory(root);
        var folderLock = fs.Lock(FileSystemExtensions.Combine(root, LockFileName));
        var cache = new BlockCache(options.BlockCacheBytes);
        var shards = new List<ShardStore>();
        try
        {
            int shardCount = ReadOrCreateIdentity(fs, root, options.Shards ?? Environment.ProcessorCount);
            var partitioner = new Partitioner(shardCount);
            for (int i = 0; i < shardCount; i++)
                shards.Add(ShardStore.Open(i, shardCount, options, cache, root, partitioner));
            return new StorageEngine(options, shards.ToArray(), partitioner, cache, folderLock);
        }
        catch
        {
            foreach (var s in shards) { s.Stop(); s.Dispose(); }
            cache.Dispose();
            folderLock.Dispose();
            throw;
        }

        int ReadOrCreateIdentity(IFileSystem fs, string root, int wantedShards)
        {
            string path = FileSystemExtensions.Combine(root, IdentityFileName);
            if (fs.Exists(path))
            {
                using var file = fs.Open(path, writable: false);
                var bytes = new byte[(int)Math.Min(file.Length, 4096)];
                file.ReadExactly(0, bytes);
                var fields = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
                if (!fields.TryGetValue("format", out var format) || format != "1"
                    || !fields.TryGetValue("shards", out var shardsText) || !int.TryParse(shardsText, out int shards)
                    || !fields.TryGetValue("vpartitions", out var vp) || vp != Limits.VirtualPartitions.ToString())
                    throw new StorageException(StorageError.IncompatibleDataFolder, $"{path} is not a Basalt data folder identity of format 1");
                // The file has no checksum: a flipped bit can turn "shards=2" into "shards=0" (BitFlipTests).
                if (shards is < 1 or > Limits.ShardsMax)
                    throw new StorageException(StorageError.IncompatibleDataFolder,
                        $"{path} names {shards} shards, outside 1 to {Limits.ShardsMax}: the identity file is damaged");
                if (options.Shards is int asked && asked != shards)
                    throw new StorageException(StorageError.IncompatibleDataFolder,
                        $"the data folder {root} was created with {shards} shards; it cannot be opened with {asked} (re-sharding moves partitions and is not supported yet)");
                return shards;
            }
            string temp = path + ".tmp";
            using (var file = fs.Create(temp))
            {
                file.Write(0, Encoding.UTF8.GetBytes($"basalt data folder\nformat=1\nshards={wantedShards}\nvpartitions={Limits.VirtualPartitions}\n"));
                file.Sync();
            }
            fs.Rename(temp, path);
            fs.SyncDirectory(root);
            return wantedShards;
        }
    }

    public int ShardOf(ReadOnlySpan<byte> routing) => _partitioner.ShardOf(Partitioner.VirtualPartitionFor(routing));

    // The shard that owns a virtual partition.
    public int ShardOfVPartition(int vpartition) => _partitioner.ShardOf(WriteBatch.CheckVPartition(vpartition));

    // A virtual partition of the shard: the first it owns (a fixed home for per-shard records such as the database's
    // change log, which must be written in the same atomic batch as any key of the shard).
    public int HomeVPartition(int shard)
    {
        for (int v = 0; v < Limits.VirtualPartitions; v++)
            if (_partitioner.ShardOf(v) == shard) return v;
        throw new StorageException(StorageError.InvalidArgument, $"shard {shard} owns no virtual partition");
    }

    // Puts one value. Completes with the write's sequence number (per shard) when durable per the mode.
    public ValueTask<ulong> PutAsync(ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> value) =>
        Submit(EncodeOne(EntryKind.Put, routing, rest, value), callerBlocks: false).Task;

    public ValueTask<ulong> DeleteAsync(ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest) =>
        Submit(EncodeOne(EntryKind.Delete, routing, rest, default), callerBlocks: false).Task;

    // Applies a batch atomically: all of it or none of it, with consecutive sequence numbers. Every key must
    // live on one shard (StorageError.CrossShardBatch otherwise). The batch may be reused once this returns.
    public ValueTask<ulong> WriteAsync(WriteBatch batch) => Submit(EncodeBatch(batch), callerBlocks: false).Task;

    // Blocking forms, for callers on their own threads (as an embedding application's worker threads are): they
    // return when the write is durable per the mode, and the thread that completes the write wakes the caller
    // directly, without the thread-pool hop an await's continuation takes. Errors are thrown as StorageException.
    public ulong Put(ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> value) =>
        Submit(EncodeOne(EntryKind.Put, routing, rest, value), callerBlocks: true).Wait(BlockingSpins);

    public ulong Delete(ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest) =>
        Submit(EncodeOne(EntryKind.Delete, routing, rest, default), callerBlocks: true).Wait(BlockingSpins);

    public ulong Write(WriteBatch batch) => Submit(EncodeBatch(batch), callerBlocks: true).Wait(BlockingSpins);

    // A read-modify-write of one key, atomic with every other write of its shard: the shard's writer reads the
    // key's latest value, calls the transform (IWriteTransform: on the writer's thread, so quick and
    // non-blocking) and logs its decision as the shard's next write. Completes like any write, when durable per
    // the mode, with the write's sequence number (for a decision of None, the shard's last sequence number, once
    // durable: a result never rests on a write that could still be lost). The transform holds its own results.
    public ValueTask<ulong> TransformAsync(ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, IWriteTransform transform) =>
        Submit(EncodeTransform(routing, rest, transform), callerBlocks: false).Task;

    public ulong Transform(ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, IWriteTransform transform) =>
        Submit(EncodeTransform(routing, rest, transform), callerBlocks: true).Wait(BlockingSpins);

    private (ShardStore Shard, WriteRequest Request) EncodeTransform(ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, IWriteTransform transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        WriteBatch.Validate(routing, rest, default);
        int vpartition = Partitioner.VirtualPartitionFor(routing);
        var request = WriteRequest.Rent();
        StoredKey.Write(request.ReserveKey(StoredKey.Length(routing.Length, rest.Length)), vpartition, routing, rest);
        request.Transform = transform;
        return (_shards[_partitioner.ShardOf(vpartition)], request);
    }

    // A blocking caller whose write another thread completes: in Async mode that takes microseconds (the holder of
    // the shard's writer token applies it), so spin a little before sleeping; in durable modes it spans an fsync.
    private int BlockingSpins => _options.Durability == Durability.Async ? 30 : 0;

    private (ShardStore Shard, WriteRequest Request) EncodeOne(EntryKind kind, ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> value)
    {
        WriteBatch.Validate(routing, rest, value);
        int vpartition = Partitioner.VirtualPartitionFor(routing);
        var shard = _shards[_partitioner.ShardOf(vpartition)];
        var request = WriteRequest.Rent();
        var payload = request.Reserve(WriteBatchFormat.HeaderBytes + WriteBatchFormat.EntryBytes(routing.Length, rest.Length, value.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(payload, 1);
        WriteBatchFormat.WriteEntry(payload[WriteBatchFormat.HeaderBytes..], kind, vpartition, routing, rest, value);
        request.Count = 1;
        request.MemtableBytes = Memtable.Memtable.EntryBytesMax(StoredKey.Length(routing.Length, rest.Length), value.Length);
        return (shard, request);
    }

    private (ShardStore Shard, WriteRequest Request) EncodeBatch(WriteBatch batch)
    {
        if (batch.Count == 0) throw new StorageException(StorageError.InvalidArgument, "a write batch must hold at least one entry");
        int shardIndex = _partitioner.ShardOf(batch.FirstVPartition);
        long memtableBytes = 0;
        var entries = batch.Entries();
        while (entries.TryRead(out _, out var key, out var value))
        {
            if (_partitioner.ShardOf(StoredKey.VPartitionOf(key)) != shardIndex)
                throw new StorageException(StorageError.CrossShardBatch, "all keys of a write batch must belong to one shard; use a transaction across shards");
            memtableBytes += Memtable.Memtable.EntryBytesMax(key.Length, value.Length);
        }
        var request = WriteRequest.Rent();
        var encoded = batch.Encoded();
        encoded.CopyTo(request.Reserve(encoded.Length));
        request.Count = batch.Count;
        request.MemtableBytes = memtableBytes;
        return (_shards[shardIndex], request);
    }

    // Hands the request to its shard (or fails it when the engine is closed); the caller then awaits or waits it.
    private WriteRequest Submit((ShardStore Shard, WriteRequest Request) write, bool callerBlocks)
    {
        var (shard, request) = write;
        if (!_gate.TryEnter())
        {
            request.SetException(new StorageException(StorageError.Closed, "the storage engine is closed"));
            return request;
        }
        try
        {
            shard.Submit(request, callerBlocks);
        }
        finally
        {
            _gate.Exit();
        }
        return request;
    }

    // Point read of the latest acknowledged value; the sink receives the value while its bytes are pinned.
    [SkipLocalsInit]
    public bool TryGet<TSink>(ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, ref TSink sink) where TSink : IValueSink, allows ref struct
    {
        WriteBatch.Validate(routing, rest, default);
        int vpartition = Partitioner.VirtualPartitionFor(routing);
        Span<byte> key = stackalloc byte[StoredKey.Length(routing.Length, rest.Length)];
        StoredKey.Write(key, vpartition, routing, rest);
        if (!_gate.TryEnter()) throw Closed();
        try
        {
            return _shards[_partitioner.ShardOf(vpartition)].TryGet(key, ref sink);
        }
        finally
        {
            _gate.Exit();
        }
    }

    // Point read through a snapshot.
    [SkipLocalsInit]
    public bool TryGet<TSink>(Snapshot snapshot, ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, ref TSink sink) where TSink : IValueSink, allows ref struct
    {
        snapshot.ThrowIfDisposed();
        WriteBatch.Validate(routing, rest, default);
        int vpartition = Partitioner.VirtualPartitionFor(routing);
        Span<byte> key = stackalloc byte[StoredKey.Length(routing.Length, rest.Length)];
        StoredKey.Write(key, vpartition, routing, rest);
        int shard = _partitioner.ShardOf(vpartition);
        return ShardStore.TryGet(snapshot.Versions[shard], snapshot.Seqs[shard], key, ref sink);
    }

    public byte[]? Get(ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest)
    {
        var sink = new CopySink();
        return TryGet(routing, rest, ref sink) ? sink.Value : null;
    }

    public byte[]? Get(Snapshot snapshot, ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest)
    {
        var sink = new CopySink();
        return TryGet(snapshot, routing, rest, ref sink) ? sink.Value : null;
    }

    private struct CopySink : IValueSink
    {
        public byte[]? Value;
        public void OnValue(scoped ReadOnlySpan<byte> value) => Value = value.ToArray();
    }

    // A consistent view of every shard as of now; dispose it to release what it pins.
    public Snapshot GetSnapshot()
    {
        if (!_gate.TryEnter()) throw Closed();
        try
        {
            var versions = new Version[_shards.Length];
            var seqs = new ulong[_shards.Length];
            for (int i = 0; i < _shards.Length; i++) versions[i] = _shards[i].Acquire(out seqs[i]);
            return new Snapshot(versions, seqs);
        }
        finally
        {
            _gate.Exit();
        }
    }

    // Iterates one item collection (one routing part) in rest order between restFrom (inclusive; null: from
    // the start) and restTo (exclusive; null: to the end), forward or backward, as of the snapshot or now.
    public RangeIterator Iterate(ReadOnlySpan<byte> routing, byte[]? restFrom = null, byte[]? restTo = null, bool reverse = false, Snapshot? snapshot = null) =>
        Iterate(Partitioner.VirtualPartitionFor(routing), routing, restFrom, restTo, reverse, snapshot);

    // As above, for keys written to an explicit virtual partition (WriteBatch's placed forms).
    public RangeIterator Iterate(int vpartition, ReadOnlySpan<byte> routing, byte[]? restFrom = null, byte[]? restTo = null, bool reverse = false, Snapshot? snapshot = null)
    {
        WriteBatch.CheckVPartition(vpartition);
        WriteBatch.Validate(routing, restFrom ?? [], default);
        WriteBatch.Validate(routing, restTo ?? [], default);
        var lower = new byte[StoredKey.Length(routing.Length, restFrom?.Length ?? 0)];
        StoredKey.Write(lower, vpartition, routing, restFrom);
        byte[] upper;
        if (restTo is not null)
        {
            upper = new byte[StoredKey.Length(routing.Length, restTo.Length)];
            StoredKey.Write(upper, vpartition, routing, restTo);
        }
        else
        {
            var prefix = new byte[StoredKey.Length(routing.Length, 0)];
            StoredKey.Write(prefix, vpartition, routing, default);
            upper = PrefixSuccessor(prefix);
        }
        return NewIterator(_partitioner.ShardOf(vpartition), lower, upper, reverse, snapshot);
    }

    // Iterates every live key of one shard in stored-key order (for scans; DynamoDB's Scan order is hash order).
    public RangeIterator IterateShard(int shard, bool reverse = false, Snapshot? snapshot = null)
    {
        if ((uint)shard >= (uint)_shards.Length) throw new StorageException(StorageError.InvalidArgument, $"shard {shard} does not exist");
        return NewIterator(shard, [], null, reverse, snapshot);
    }

    // Iterates the live keys of one shard whose stored keys are in [lower, upper) (an empty upper: no bound), in
    // stored-key order. A stored key starts with its virtual partition (u16 big-endian, StoredKey), so a run of
    // virtual partitions is one range: [vp_lo as 2 bytes, vp_hi as 2 bytes). To resume after a key k, pass
    // k + 0x00 (its immediate successor) as lower.
    public RangeIterator IterateShard(int shard, ReadOnlySpan<byte> lower, ReadOnlySpan<byte> upper, bool reverse = false, Snapshot? snapshot = null)
    {
        if ((uint)shard >= (uint)_shards.Length) throw new StorageException(StorageError.InvalidArgument, $"shard {shard} does not exist");
        return NewIterator(shard, lower.ToArray(), upper.IsEmpty ? null : upper.ToArray(), reverse, snapshot);
    }

    // Visits every live key on every shard, the shards in parallel (one dedicated thread each: a scan is long
    // and synchronous, and must not hold thread-pool workers). The visitor is called concurrently from
    // several threads.
    public Task ScanAllAsync(ScanVisitor visitor, Snapshot? snapshot = null) =>
        Task.WhenAll(Enumerable.Range(0, _shards.Length).Select(i => Task.Factory.StartNew(() =>
        {
            using var it = IterateShard(i, snapshot: snapshot);
            while (it.MoveNext()) visitor(i, it.Routing, it.Rest, it.Value);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

    private RangeIterator NewIterator(int shard, byte[] lower, byte[]? upper, bool reverse, Snapshot? snapshot)
    {
        if (!_gate.TryEnter()) throw Closed();
        try
        {
            Version version;
            ulong seq;
            if (snapshot is not null)
            {
                snapshot.ThrowIfDisposed();
                version = snapshot.Versions[shard];
                if (!version.TryAcquire()) throw new ObjectDisposedException(nameof(Snapshot));
                seq = snapshot.Seqs[shard];
            }
            else version = _shards[shard].Acquire(out seq);
            return new RangeIterator(version, seq, lower, upper, reverse);
        }
        finally
        {
            _gate.Exit();
        }
    }

    // The smallest key greater than every key that starts with prefix; null when there is none (all 0xFF).
    internal static byte[] PrefixSuccessor(byte[] prefix)
    {
        var result = (byte[])prefix.Clone();
        for (int i = result.Length - 1; i >= 0; i--)
        {
            if (result[i] != 0xFF)
            {
                result[i]++;
                return result.AsSpan(0, i + 1).ToArray();
            }
        }
        return [0xFF, 0xFF, 0xFF, 0xFF, 0xFF]; // unreachable for stored keys: the vpartition is < 0xFFFF
    }

    // Flushes every shard's memtables to segments (for tests, benchmarks and a clean backup point).
    public Task FlushAsync() => Task.WhenAll(_shards.Select(s => s.FlushAsync()));

    // Completes when every flush and compaction queued before the call has finished (benchmarks, tests).
    public Task WhenMaintenanceIdleAsync() => Task.WhenAll(_shards.Select(s => s.WhenMaintenanceIdleAsync()));

    // Merges each shard's segments into one.
    public Task CompactAsync() => Task.WhenAll(_shards.Select(s => s.CompactAllAsync()));

    // The error a shard gives writes after an fsync failure, if any.
    public StorageException? WritesRefusedError(int shard) => _shards[shard].RefusedError;

    private static StorageException Closed() => new(StorageError.Closed, "the storage engine is closed");

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _gate.Close();
        foreach (var s in _shards) s.Stop();
        foreach (var s in _shards) s.Dispose();
        // A snapshot or iterator that still pins segments keeps the cache's memory until it is disposed.
        _cache.Dispose();
        _lock.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    // Lets Dispose wait for callers already inside the engine, without a lock on their path: each caller
    // increments a counter striped by thread (its own cache line, so two threads rarely share one), then
    // checks the closed flag; Close sets the flag, then waits for every stripe to drain. Interlocked gives the
    // full fences that make this Dekker-style handshake correct.
    private sealed class CallerGate
    {
        private const int Stripes = 16;
        private const int StrideLongs = 16; // 128 bytes per stripe
        private readonly long[] _counts = new long[Stripes * StrideLongs];
        private int _closed;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TryEnter()
        {
            ref long count = ref _counts[(Environment.CurrentManagedThreadId & (Stripes - 1)) * StrideLongs];
            Interlocked.Increment(ref count);
            if (Volatile.Read(ref _closed) == 0) return true;
            Interlocked.Decrement(ref count);
            return false;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Exit() => Interlocked.Decrement(ref _counts[(Environment.CurrentManagedThreadId & (Stripes - 1)) * StrideLongs]);

        public void Close()
        {
            Interlocked.Exchange(ref _closed, 1);
            var spin = new SpinWait();
            for (int i = 0; i < Stripes; i++)
                while (Interlocked.Read(ref _counts[i * StrideLongs]) != 0) spin.SpinOnce();
        }
    }
}
