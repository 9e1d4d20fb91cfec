using Basalt.Engine.Storage;

namespace Basalt.Bench.Engine;

// Basalt's storage engine as a benchmark target. The 16-byte benchmark key is the routing part (so keys
// spread over the shards by hash, as DynamoDB partition keys do) and the rest is empty.
public sealed class BasaltTargetFactory : IDescribedKvTargetFactory
{
    public const long MemtableBytes = 64L << 20;   // RocksDB's write_buffer_size in this comparison
    public const long BlockCacheBytes = 64L << 20; // RocksDB's block cache in this comparison

    public string Name => "basalt";

    public IKvTarget Open(string directory, BenchDurability durability, int groupCommitMs) =>
        new BasaltTarget(directory, durability, groupCommitMs);

    public IReadOnlyList<string> DescribeConfiguration() =>
    [
        $"Basalt.Engine StorageEngine, {Environment.ProcessorCount} shards (one per core, threads not pinned), " +
        "called in process on the benchmark's threads, as RocksDB is: the blocking Put (a caller that finds its shard idle logs, " +
        "inserts and, in sync mode, fsyncs on its own thread; otherwise the shard's thread or the caller holding the shard " +
        "completes it and wakes it) and TryGet on the caller's thread",
        "memtable 64 MiB (as RocksDB's write buffer); segments with LZ4 16 KiB blocks, bloom filter 10 bits/key, block cache 64 MiB (as RocksDB); tiered compaction, fan-in 4",
    ];

    public string DescribeDurability(BenchDurability durability) => durability switch
    {
        BenchDurability.Sync => "`Durability.Sync`: acknowledged after fdatasync of the WAL; concurrent writers share one fsync (group commit).",
        BenchDurability.Group => "`Durability.Group`: the WAL is fsynced at most every --group-commit-ms and puts are acknowledged after the fsync that covers them (stronger than RocksDB's mapping).",
        BenchDurability.Async => "`Durability.Async`: acknowledged after the memtable insert; the WAL is written to the OS at once and fsynced every 100 ms (survives a process crash, not a power loss), as RocksDB's.",
        _ => throw new ArgumentOutOfRangeException(nameof(durability)),
    };
}

public sealed class BasaltTarget : IKvTarget
{
    private readonly StorageEngine _engine;

    public BasaltTarget(string directory, BenchDurability durability, int groupCommitMs)
    {
        _engine = StorageEngine.Open(new StorageOptions
        {
            Directory = directory,
            Durability = durability switch
            {
                BenchDurability.Sync => Durability.Sync,
                BenchDurability.Group => Durability.Group,
                _ => Durability.Async,
            },
            GroupCommitIntervalMs = groupCommitMs,
            MemtableBytes = BasaltTargetFactory.MemtableBytes,
            BlockCacheBytes = BasaltTargetFactory.BlockCacheBytes,
        });
    }

    public string Name => "basalt";

    public ValueTask PutAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value)
    {
        _engine.Put(key.Span, default, value.Span);
        return default;
    }

    public bool Get(ReadOnlySpan<byte> key, Span<byte> valueBuffer, out int valueLength)
    {
        var sink = new CopySink(valueBuffer);
        bool found = _engine.TryGet(key, default, ref sink);
        valueLength = sink.Length;
        return found;
    }

    private ref struct CopySink(Span<byte> buffer) : IValueSink
    {
        private readonly Span<byte> _buffer = buffer;
        public int Length;

        public void OnValue(scoped ReadOnlySpan<byte> value)
        {
            Length = value.Length;
            if (value.Length <= _buffer.Length) value.CopyTo(_buffer);
        }
    }

    public ValueTask DisposeAsync() => _engine.DisposeAsync();
}
