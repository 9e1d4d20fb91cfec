using Basalt.Engine.Storage.Vfs;

namespace Basalt.Engine.Storage;

// How to open a StorageEngine. Defaults are the server's.
public sealed record StorageOptions
{
    // The data folder: a LOCK file, a BASALT identity file and one folder per shard.
    public required string Directory { get; init; }
    public IFileSystem FileSystem { get; init; } = RealFileSystem.Instance;
    public Durability Durability { get; init; } = Durability.Sync;
    // Shard threads; default: the number of cores. Fixed for a data folder once created.
    public int? Shards { get; init; }
    // Pin each shard thread to one core with sched_setaffinity (Linux). Off in tests.
    public bool PinThreads { get; init; }
    // A caller that finds its shard idle runs the write path (and, in Sync mode, the fsync) on its own thread
    // instead of handing the write to the shard thread and waiting to be woken: no thread hop when
    // uncontended. Off: every write goes through the shard thread (docs/threading.md).
    public bool InlineWrites { get; init; } = true;
    public long MemtableBytes { get; init; } = Limits.MemtableBytesDefault;
    public int GroupCommitIntervalMs { get; init; } = 2;
    // Async mode: how often the background syncer fsyncs the log.
    public int AsyncSyncIntervalMs { get; init; } = 100;
    public long BlockCacheBytes { get; init; } = 256L << 20;
    // Tiered compaction: merge this many adjacent segments of one tier into one of the next tier.
    public int CompactionFanIn { get; init; } = 4;
    // Writers stall while a shard has this many segments (compaction behind).
    public int SegmentsStallCount { get; init; } = 40;
    // Segment data block size before compression.
    public int SegmentBlockBytes { get; init; } = 16 * 1024;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory)) throw new StorageException(StorageError.InvalidArgument, "a data directory is required");
        if (Shards is < 1 or > Limits.ShardsMax) throw new StorageException(StorageError.InvalidArgument, $"shards must be between 1 and {Limits.ShardsMax}");
        if (MemtableBytes is < Limits.MemtableBytesMin or > Limits.MemtableBytesMax)
            throw new StorageException(StorageError.InvalidArgument, $"memtable size must be between {Limits.MemtableBytesMin} and {Limits.MemtableBytesMax} bytes");
        if (GroupCommitIntervalMs is < 1 or > 1000) throw new StorageException(StorageError.InvalidArgument, "group commit interval must be between 1 and 1000 ms");
        if (AsyncSyncIntervalMs is < 1 or > 60_000) throw new StorageException(StorageError.InvalidArgument, "async sync interval must be between 1 and 60000 ms");
        if (CompactionFanIn is < 2 or > 64) throw new StorageException(StorageError.InvalidArgument, "compaction fan-in must be between 2 and 64");
        if (SegmentsStallCount < CompactionFanIn * 2) throw new StorageException(StorageError.InvalidArgument, "segment stall count must be at least twice the compaction fan-in");
        if (BlockCacheBytes < 0) throw new StorageException(StorageError.InvalidArgument, "block cache size cannot be negative");
    }
}
