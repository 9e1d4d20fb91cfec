using System.Reflection;
using System.Runtime.InteropServices;
using RocksDbSharp;

namespace Basalt.Bench.Engine;

// RocksDB (through the RocksDB NuGet package's RocksDbSharp binding and its bundled librocksdb) as a benchmark peer.
// Configuration is RocksDB's defaults except the few settings chosen to match Basalt (see Options below); anything
// changed here must also change DescribeConfiguration, which the report prints.
public sealed class RocksDbTargetFactory : IDescribedKvTargetFactory
{
    // Basalt's memtable size, so that both engines flush after the same amount of data.
    public const ulong WriteBufferBytes = 64UL << 20;
    public const ulong BlockCacheBytes = 64UL << 20;
    public const int BloomBitsPerKey = 10;

    public string Name => "rocksdb";

    public IKvTarget Open(string directory, BenchDurability durability, int groupCommitMs) =>
        new RocksDbTarget(directory, durability, groupCommitMs);

    public IReadOnlyList<string> DescribeConfiguration()
    {
        Assembly binding = typeof(RocksDb).Assembly;
        string version = binding.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? binding.GetName().Version?.ToString() ?? "unknown";
        int plus = version.IndexOf('+');
        if (plus >= 0) version = version[..plus];
        return
        [
            $"NuGet package `RocksDB` {version} (RocksDbSharp binding, bundled native librocksdb), called through its " +
            "C API: `rocksdb_put` and `rocksdb_get_into_buffer` (no managed allocation per operation)",
            "create_if_missing; write_buffer_size 64 MiB (Basalt's memtable size); compression LZ4; " +
            "block-based table with a full bloom filter of 10 bits/key and an LRU block cache of 64 MiB",
            "everything else at RocksDB defaults (one column family, leveled compaction, default background jobs, " +
            "WAL on, no direct I/O, verify_checksums on reads)",
        ];
    }

    public string DescribeDurability(BenchDurability durability) => durability switch
    {
        BenchDurability.Sync => "`WriteOptions.sync = true` on every put: the put returns after the WAL is fsynced " +
            "(RocksDB's write groups share one fsync among concurrent writers).",
        BenchDurability.Group => "no per-put sync; a background thread calls `FlushWAL(sync=true)` every " +
            "--group-commit-ms, and a put returns only after the first such sync that started after its `rocksdb_put` " +
            "has finished (the benchmark's waiters block on a monitor the syncer pulses, as RocksDB's own write-group " +
            "followers do): acknowledged after the periodic fsync that covers it, the same promise as Basalt's group mode.",
        BenchDurability.Async => "no sync, WAL on (RocksDB's default): an acknowledged put is in the OS page cache " +
            "and survives a process crash, not a power loss.",
        _ => throw new ArgumentOutOfRangeException(nameof(durability)),
    };
}

// One open RocksDB database. Put and Get are called from many benchmark threads at once (RocksDB's DB handle is
// thread-safe); the optional WAL syncer thread is owned by this object and stopped before the database closes.
// Every RocksDbSharp object handed to the database is kept in a field, because their finalizers free the native
// handles that the database still points to.
public sealed class RocksDbTarget : IKvTarget
{
    private readonly DbOptions _options;
    private readonly BlockBasedTableOptions _tableOptions;
    private readonly RocksDbSharp.Cache _blockCache;
    private readonly BloomFilterPolicy _bloom;
    private readonly WriteOptions _writeOptions;
    private readonly ReadOptions _readOptions;
    private readonly RocksDb _db;
    private readonly Thread? _walSyncer;
    private readonly ManualResetEventSlim _stopSyncer = new(false);
    private readonly int _groupCommitMs;
    private Exception? _syncerFailure;
    private readonly object _syncMonitor = new();
    private long _syncsStarted;     // Interlocked: group-mode syncs begun
    private long _syncsCompleted;   // under _syncMonitor: the latest finished sync's number
    private bool _disposed;

    public RocksDbTarget(string directory, BenchDurability durability, int groupCommitMs)
    {
        _groupCommitMs = groupCommitMs;
        _bloom = BloomFilterPolicy.Create(RocksDbTargetFactory.BloomBitsPerKey, false);
        _blockCache = RocksDbSharp.Cache.CreateLru(RocksDbTargetFactory.BlockCacheBytes);
        _tableOptions = new BlockBasedTableOptions()
            .SetFilterPolicy(_bloom)
            .SetBlockCache(_blockCache);
        _options = new DbOptions()
            .SetCreateIfMissing(true)
            .SetWriteBufferSize(RocksDbTargetFactory.WriteBufferBytes)
            .SetCompression(Compression.Lz4)
            .SetBlockBasedTableFactory(_tableOptions);
        _writeOptions = new WriteOptions().SetSync(durability == BenchDurability.Sync);
        _readOptions = new ReadOptions();
        _db = RocksDb.Open(_options, directory);

        if (durability == BenchDurability.Group)
        {
            _walSyncer = new Thread(SyncWalLoop) { IsBackground = true, Name = "rocksdb-wal-syncer" };
            _walSyncer.Start();
        }
    }

    public string Name => "rocksdb";

    public unsafe ValueTask PutAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value)
    {
        if (Volatile.Read(ref _syncerFailure) is { } failure) return ValueTask.FromException(failure);
        IntPtr error;
        ReadOnlySpan<byte> keySpan = key.Span, valueSpan = value.Span;
        fixed (byte* k = keySpan)
        fixed (byte* v = valueSpan)
        {
            Native.Instance.rocksdb_put(_db.Handle, _writeOptions.Handle, k, (UIntPtr)keySpan.Length,
                v, (UIntPtr)valueSpan.Length, out error);
        }
        if (error != IntPtr.Zero) return ValueTask.FromException(TakeError(error, "put"));
        if (_walSyncer is not null) WaitForCoveringSync();
        return default;
    }

    // Group mode: a sync that starts after this call began covers the put that returned before it (syncs started
    // so far may have begun before the put reached the log, so the next one is needed).
    private void WaitForCoveringSync()
    {
        long needed = Volatile.Read(ref _syncsStarted) + 1;
        lock (_syncMonitor)
        {
            while (_syncsCompleted < needed && _syncerFailure is null && !_stopSyncer.IsSet)
                Monitor.Wait(_syncMonitor);
        }
        if (Volatile.Read(ref _syncerFailure) is { } failure) throw failure;
    }

    public unsafe bool Get(ReadOnlySpan<byte> key, Span<byte> valueBuffer, out int valueLength)
    {
        IntPtr error;
        UIntPtr length;
        byte found;
        fixed (byte* k = key)
        fixed (byte* v = valueBuffer)
        {
            Native.Instance.rocksdb_get_into_buffer(_db.Handle, _readOptions.Handle, k, (UIntPtr)key.Length,
                (IntPtr)v, (UIntPtr)valueBuffer.Length, out length, out found, out error);
        }
        if (error != IntPtr.Zero) throw TakeError(error, "get");
        valueLength = found != 0 ? checked((int)length) : 0;
        return found != 0;
    }

    public ValueTask DisposeAsync()
    {
        if (_disposed) return default;
        _disposed = true;
        _stopSyncer.Set();
        _walSyncer?.Join();
        _db.Dispose();
        GC.KeepAlive(_options);
        GC.KeepAlive(_tableOptions);
        GC.KeepAlive(_blockCache);
        GC.KeepAlive(_bloom);
        GC.KeepAlive(_writeOptions);
        GC.KeepAlive(_readOptions);
        _stopSyncer.Dispose();
        return _syncerFailure is { } failure ? ValueTask.FromException(failure) : default;
    }

    // Group mode: sync the WAL every interval. Waiting on the stop event (rather than Thread.Sleep) lets Dispose end
    // the loop without waiting a full interval.
    private void SyncWalLoop()
    {
        try
        {
            while (!_stopSyncer.Wait(_groupCommitMs))
            {
                long generation = Interlocked.Increment(ref _syncsStarted);
                Native.Instance.rocksdb_flush_wal(_db.Handle, 1, out IntPtr error);
                if (error != IntPtr.Zero) throw TakeError(error, "FlushWAL(sync)");
                lock (_syncMonitor)
                {
                    _syncsCompleted = generation;
                    Monitor.PulseAll(_syncMonitor);
                }
            }
        }
        catch (Exception e)
        {
            // Surfaced by the next put, so a failing sync fails the run instead of silently measuring async mode.
            Volatile.Write(ref _syncerFailure, e);
        }
        finally
        {
            lock (_syncMonitor) Monitor.PulseAll(_syncMonitor); // no waiter is left behind at stop or failure
        }
    }

    private static Exception TakeError(IntPtr error, string operation)
    {
        string message = Marshal.PtrToStringUTF8(error) ?? "unknown error";
        Native.Instance.rocksdb_free(error);
        return new IOException($"rocksdb {operation} failed: {message}");
    }
}
