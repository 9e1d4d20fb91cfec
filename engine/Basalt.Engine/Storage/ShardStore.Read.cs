using System.Runtime.CompilerServices;

namespace Basalt.Engine.Storage;

// The read path: any thread, no locks, no allocation for point reads.
internal sealed partial class ShardStore
{
    // Pins the current version and reads the visible sequence number, so that every write at or below that
    // number is in the pinned version. The seq is read after pinning and the version re-checked: a version
    // replaced in between (rotation, flush, compaction) may lack newer writes or hold compacted-away older
    // ones, so the pair is retried. Versions change a few times per 64 MiB written: retries are rare.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Version Acquire(out ulong seq)
    {
        while (true)
        {
            var version = Volatile.Read(ref _current);
            if (!version.TryAcquire()) continue;
            seq = Volatile.Read(ref _visibleSeq);
            if (ReferenceEquals(Volatile.Read(ref _current), version)) return version;
            version.Release();
        }
    }

    // Arena bytes used by the memtables of the current version (mutable and immutable), pinned so none is freed
    // while it is read; each figure is racy (Arena.UsedBytes), which a statistic tolerates.
    internal long MemtableBytes
    {
        get
        {
            var version = Acquire(out _);
            try
            {
                long bytes = version.Mutable.Table.UsedBytes;
                foreach (var m in version.Immutables) bytes += m.Table.UsedBytes;
                return bytes;
            }
            finally
            {
                version.Release();
            }
        }
    }

    public bool TryGet<TSink>(scoped ReadOnlySpan<byte> storedKey, ref TSink sink) where TSink : IValueSink, allows ref struct
    {
        var version = Acquire(out ulong seq);
        try
        {
            return TryGet(version, seq, storedKey, ref sink);
        }
        finally
        {
            version.Release();
        }
    }

    internal static bool TryGet<TSink>(Version version, ulong seq, scoped ReadOnlySpan<byte> storedKey, ref TSink sink)
        where TSink : IValueSink, allows ref struct
    {
        if (version.Mutable.Table.TryGet(storedKey, seq, out var kind, out var value))
            return Found(kind, value, ref sink);
        foreach (var m in version.Immutables)
            if (m.Table.TryGet(storedKey, seq, out kind, out value))
                return Found(kind, value, ref sink);
        foreach (var segment in version.Segments)
        {
            if (segment.TryGet(storedKey, seq, out kind, ref sink))
                return kind == EntryKind.Put;
        }
        return false;
    }

    private static bool Found<TSink>(EntryKind kind, scoped ReadOnlySpan<byte> value, ref TSink sink) where TSink : IValueSink, allows ref struct
    {
        if (kind != EntryKind.Put) return false;
        sink.OnValue(value);
        return true;
    }
}

// Counters of one shard. Each is written by one thread at a time (the holder of the token named, or the thread
// named) and read racily by metrics readers: plain fields, no atomics on the hot path; a reader may see a
// slightly stale value.
public sealed class ShardMetrics
{
    // writer token (the shard thread, or a caller writing inline)
    public long Writes;
    public long FailedWrites;
    public long WalBytes;
    public long Rotations;
    public long Stalls;
    public double StallMs;
    public string? StallReason;
    internal long StallStartTimestamp;
    public long InboxFullWaits;     // any producer; approximate
    // Inline writes (StorageOptions.InlineWrites): rounds callers spent as the writer, and as the syncer.
    public long InlineWriterRounds;
    public long InlineSyncRounds;
    // sync token (the syncer thread, or a caller syncing inline)
    public long Syncs;
    public long SyncedWrites;
    public long SyncTicks;
    public long GatherWaits;        // Sync mode: fsyncs delayed to gather more writers, and the ticks spent so
    public long GatherTicks;
    // maintenance thread
    public long Flushes;
    public long FlushBytes;
    public long FlushMs;
    public long Compactions;
    public long CompactionBytesRead;
    public long CompactionBytesWritten;
    public long CompactionMs;
    public long MaintenanceErrors;
    public string? LastMaintenanceError;
    // open
    public long RecoveryMs;
    public long RecoveredEntries;
    // Logs whose end was a bad record with nothing valid after it (a write torn by a crash, or a flipped bit in the
    // last record: the two cannot be told apart), cut there at the open; the last one as "file at offset N".
    public long WalTailsCut;
    public string? LastWalTailCut;
}
