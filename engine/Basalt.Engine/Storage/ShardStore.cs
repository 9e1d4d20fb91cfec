using System.Collections.Concurrent;
using System.Diagnostics;
using Basalt.Engine.Shards;
using Basalt.Engine.Storage.Manifest;
using Basalt.Engine.Storage.Segments;
using Basalt.Engine.Storage.Vfs;
using Basalt.Engine.Storage.Wal;

namespace Basalt.Engine.Storage;

// One shard's LSM store: its WAL, memtables, segments and manifest, in its own folder `shard-NNN/`.
// Three threads touch it, each with its own part of the state:
//   - the shard thread (ShardThread running this as IShardWork): the only writer. It drains the inbox,
//     assigns sequence numbers, appends to the WAL, inserts into the mutable memtable, rotates memtables and
//     logs, and publishes versions (the read view) — so versions change on one thread only.
//   - the syncer thread: fsyncs the WAL and completes the writes waiting for durability (Sync, Group), or
//     fsyncs periodically (Async). It is the only thread that calls WalWriter.Sync and disposes writers.
//   - the maintenance thread: flushes immutable memtables to segments, compacts segments, and owns the
//     manifest. It tells the shard thread what changed through the control queue; the shard installs it.
// Readers run on any thread against a pinned Version and the published visible sequence number.
//
// Visibility: a write becomes visible to readers only when it is acknowledged, i.e. once durable in Sync and
// Group modes. `_visibleSeq` is advanced (Volatile.Write) by whichever thread acknowledges; readers never see
// a write that a crash could still take away in a durable mode, even though it is already in the memtable.
internal sealed partial class ShardStore : IShardWork, IDisposable
{
    private const string WalPrefix = "wal-";
    private const string WalSuffix = ".log";
    private const string SegmentPrefix = "seg-";
    private const string SegmentSuffix = ".seg";
    private const int RecycledLogsKept = 2;

    private readonly int _index;
    private readonly int _shardCount;
    private readonly IFileSystem _fs;
    private readonly string _dir;
    private readonly StorageOptions _options;
    private readonly Memtable.ArenaBlockPool _arenaBlocks; // the spare memtable block (see ArenaBlockPool)
    private readonly BlockCache _cache;
    private readonly ManifestStore _manifestStore;
    private readonly MpscQueue<WriteRequest> _inbox = new(Limits.ShardQueueCapacity);
    private readonly ConcurrentQueue<Action> _control = new();
    private readonly ShardThread _thread;
    private readonly ShardThread _syncerThread;
    private readonly Syncer _syncer;
    private readonly Thread _maintenanceThread;

    private Version _current;          // written by the shard thread only (Volatile.Write); read anywhere
    private ulong _lastSeq;            // shard thread
    private ulong _visibleSeq;         // Volatile; see the header
    private WalWriter? _wal;           // shard thread; null after a failed write until a new log opens
    private long _nextFileNumber;      // Interlocked: log and segment numbers share one counter
    private StorageException? _refused;  // Volatile; set once, on an fsync failure
    private volatile bool _stopping;
    private readonly SortedSet<ulong> _logs = new();        // shard thread: log numbers with files on disk
    private readonly Queue<ulong> _recyclableLogs = new();  // shard thread

    internal ShardMetrics Metrics { get; } = new();

    public int Index => _index;
    public ulong VisibleSeq => Volatile.Read(ref _visibleSeq);
    internal StorageException? RefusedError => Volatile.Read(ref _refused);

    private Shards.Partitioner _partitioner = null!; // which shard owns a virtual partition (a transform's side writes must be this shard's)

    private ShardStore(int index, int shardCount, StorageOptions options, BlockCache cache, string dir)
    {
        _index = index;
        _shardCount = shardCount;
        _fs = options.FileSystem;
        _options = options;
        _arenaBlocks = new Memtable.ArenaBlockPool(options.MemtableBytes);
        _cache = cache;
        _dir = dir;
        _manifestStore = new ManifestStore(_fs, dir);
        _ringCapacity = Limits.ShardQueueCapacity * 2;
        _ring = new Pending[_ringCapacity];
        _group = new WriteRequest[GroupMax];
        int? cpu = options.PinThreads ? index % Environment.ProcessorCount : null;
        _thread = new ShardThread($"basalt-shard-{index}", this, cpu);
        _syncer = new Syncer(this);
        _syncerThread = new ShardThread($"basalt-sync-{index}", _syncer, null);
        _maintenanceThread = new Thread(MaintenanceLoop) { Name = $"basalt-maint-{index}", IsBackground = true };
        _current = null!;
        _manifest = null!;
    }

    public static string FolderName(int index) => $"shard-{index:D3}";
    private static string WalName(ulong n) => $"{WalPrefix}{n:D8}{WalSuffix}";
    private static string SegmentName(ulong n) => $"{SegmentPrefix}{n:D8}{SegmentSuffix}";
    private string PathOf(string name) => FileSystemExtensions.Combine(_dir, name);
    private ulong NextFileNumber() => (ulong)Interlocked.Increment(ref _nextFileNumber);
    private long WalPreallocateBytes => _options.MemtableBytes + (_options.MemtableBytes >> 3);

    private static bool TryParseNumber(string name, string prefix, string suffix, out ulong number)
    {
        number = 0;
        return name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(suffix, StringComparison.Ordinal)
            && ulong.TryParse(name.AsSpan(prefix.Length, name.Length - prefix.Length - suffix.Length), out number);
    }

    // Opens (or creates) the shard: loads the manifest, opens the live segments, deletes files a crash left
    // behind, replays the WAL from the replay point (cutting a torn tail), flushes what it replayed to a
    // segment, and starts a fresh log. Then starts the three threads.
    public static ShardStore Open(int index, int shardCount, StorageOptions options, BlockCache cache, string root, Shards.Partitioner partitioner)
    {
        string dir = FileSystemExtensions.Combine(root, FolderName(index));
        options.FileSystem.CreateDirectory(dir);
        var store = new ShardStore(index, shardCount, options, cache, dir) { _partitioner = partitioner };
        try
        {
            store.Recover();
        }
        catch
        {
            store.DisposeRecovered();
            throw;
        }
        store._maintenanceThread.Start();
        store._syncerThread.Start();
        store._thread.Start();
        return store;
    }

    private void Recover()
    {
        var sw = Stopwatch.StartNew();
        var manifest = _manifestStore.Load() ?? new ManifestState(_index, _shardCount, 1, 0, 0, []);
        if (manifest.ShardIndex != _index || manifest.ShardCount != _shardCount)
            throw new StorageException(StorageError.IncompatibleDataFolder,
                $"manifest of shard folder {_dir} belongs to shard {manifest.ShardIndex} of {manifest.ShardCount}, expected {_index} of {_shardCount}");

        var files = _fs.List(_dir);
        ulong maxNumber = manifest.NextFileNumber;
        var logsToReplay = new List<ulong>();
        var liveIds = manifest.Segments.Select(s => s.Id).ToHashSet();
        foreach (var name in files)
        {
            if (TryParseNumber(name, WalPrefix, WalSuffix, out ulong log))
            {
                maxNumber = Math.Max(maxNumber, log);
                if (log >= manifest.LogReplayNumber) logsToReplay.Add(log);
                else _recyclableLogs.Enqueue(log);
                _logs.Add(log);
            }
            else if (TryParseNumber(name, SegmentPrefix, SegmentSuffix, out ulong seg))
            {
                maxNumber = Math.Max(maxNumber, seg);
                // A segment the manifest does not list was being written when the process stopped.
                if (!liveIds.Contains(seg)) _fs.Delete(PathOf(name));
            }
            else if (name == ManifestFormat.TempFileName) _fs.Delete(PathOf(name));
        }
        _nextFileNumber = (long)maxNumber;

        var segments = new List<Segment>();
        try
        {
            foreach (var entry in manifest.Segments)
                segments.Add(Segment.Open(_fs, PathOf(SegmentName(entry.Id)), entry.Id, _cache));
        }
        catch
        {
            foreach (var s in segments) s.Release();
            throw;
        }
        _liveSegments = segments;
        _manifest = manifest;
        ulong lastSeq = manifest.LastSeq;
        foreach (var s in segments) lastSeq = Math.Max(lastSeq, s.Properties.MaxSeq);

        // Replay. Entries at or below the flushed high-water mark are already in segments (a crash between
        // the manifest update and the log deletion leaves such logs behind); replaying them again would be
        // harmless but is skipped.
        ulong flushedSeq = lastSeq;
        logsToReplay.Sort();
        var replay = new MemtableHandle(new Memtable.Memtable(_options.MemtableBytes, _arenaBlocks), 0);
        long replayed = 0;
        // The writer gives each entry the next sequence number, so each record's first seq is at least the one after
        // the previous record's last entry, across logs too. A record that goes back passed its CRC but was not
        // written there (a block repeated or misplaced by the disk): replaying it could resurrect an old value under
        // a seq another write holds. Corruption at that record (WalReader adds the file and offset).
        ulong nextSeq = 0;
        foreach (ulong log in logsToReplay)
        {
            string path = PathOf(WalName(log));
            var read = WalReader.Read(_fs, path, (uint)log, (seq, payload) =>
            {
                if (seq < nextSeq)
                    throw new FormatException($"the record's sequence number {seq} is below {nextSeq}, the one after the previous record's");
                var reader = new WriteBatchFormat.Reader(payload);
                ulong s = seq;
                while (reader.TryRead(out var kind, out var key, out var value))
                {
                    if (s > flushedSeq)
                    {
                        if (!replay.Table.TryAdd(key, s, kind, value))
                        {
                            FlushDuringRecovery(replay);
                            replay.Release();
                            replay = new MemtableHandle(new Memtable.Memtable(Math.Max(_options.MemtableBytes,
                                Memtable.Memtable.EntryBytesMax(key.Length, value.Length) * 2)), 0);
                            if (!replay.Table.TryAdd(key, s, kind, value))
                                throw new InvalidOperationException("an entry does not fit an empty memtable");
                        }
                        replayed++;
                    }
                    lastSeq = Math.Max(lastSeq, s);
                    s++;
                }
                nextSeq = s;
            });
            if (read.TornTailCut)
            {
                Metrics.WalTailsCut++;
                Metrics.LastWalTailCut = $"{path} at offset {read.EndOffset}";
            }
        }
        if (replay.Table.Count > 0) FlushDuringRecovery(replay);
        replay.Release();
        _lastSeq = lastSeq;
        _visibleSeq = lastSeq;

        // A fresh log for new writes; everything before it is in segments now.
        ulong newLog = NextFileNumber();
        _manifest = _manifest with { LogReplayNumber = newLog, LastSeq = lastSeq, NextFileNumber = (ulong)Volatile.Read(ref _nextFileNumber) + 1 };
        _manifestStore.Save(_manifest);
        foreach (ulong log in logsToReplay) _recyclableLogs.Enqueue(log);
        TrimRecyclableLogs();
        _wal = WalWriter.Create(_fs, _dir, (uint)newLog, WalPreallocateBytes, TakeRecyclableLog());
        _logs.Add(newLog);

        var mutable = new MemtableHandle(new Memtable.Memtable(_options.MemtableBytes, _arenaBlocks), newLog);
        _current = new Version(mutable, [], _liveSegments.ToArray());
        mutable.Release();
        Metrics.RecoveryMs = sw.ElapsedMilliseconds;
        Metrics.RecoveredEntries = replayed;
    }

    private void FlushDuringRecovery(MemtableHandle handle)
    {
        using var activity = StorageActivity.Enter(StorageActivityKind.RecoveryFlush);
        var entry = WriteSegmentFrom(handle.Table.NewIterator(), handle.Table.MaxSeq, dropTombstones: _liveSegments.Count == 0, tier: 0, out var segment);
        if (entry is null) return;
        _liveSegments.Insert(0, segment!);
        _manifest = _manifest with
        {
            Segments = [entry, .. _manifest.Segments],
            LastSeq = Math.Max(_manifest.LastSeq, handle.Table.MaxSeq),
            NextFileNumber = (ulong)Volatile.Read(ref _nextFileNumber) + 1,
        };
        _manifestStore.Save(_manifest);
    }

    private string? TakeRecyclableLog()
    {
        while (_recyclableLogs.Count > 0)
        {
            ulong log = _recyclableLogs.Dequeue();
            _logs.Remove(log);
            string path = PathOf(WalName(log));
            if (_fs.Exists(path)) return path;
        }
        return null;
    }

    private void TrimRecyclableLogs()
    {
        while (_recyclableLogs.Count > RecycledLogsKept)
        {
            ulong log = _recyclableLogs.Dequeue();
            _logs.Remove(log);
            try { _fs.Delete(PathOf(WalName(log))); }
            catch (StorageException) { /* an obsolete log left behind is deleted at the next open */ }
        }
    }

    private void DisposeRecovered()
    {
        foreach (var s in _liveSegments ?? []) s.Release();
        _wal?.Dispose();
        _arenaBlocks.Dispose();
    }

    // Stops the threads in dependency order: the shard drains its inbox (writes keep completing), the syncer
    // syncs what is left, the maintenance thread finishes its current job. Unflushed memtables are not
    // flushed: their WAL is synced and replayed at the next open.
    public void Stop()
    {
        _thread.Stop();
        // A shard stalled behind a flush that cannot finish (a full disk) stops with writes still queued: they
        // fail rather than wait forever. The shard thread has exited, so its state is ours to touch.
        FailQueued(new StorageException(StorageError.Closed, "the storage engine closed before this write was logged"));
        _stopping = true;
        _syncerThread.Wake();
        _syncerThread.Stop();
        _maintenanceJobs.CompleteAdding();
        _maintenanceThread.Join();
    }

    public void Dispose()
    {
        var wal = _wal;
        _wal = null;
        if (wal is not null)
        {
            try { wal.Flush(); wal.Sync(); } catch (StorageException) { /* refused or broken: nothing more to make durable */ }
            wal.Dispose();
        }
        while (_retiredWals.TryDequeue(out var retired)) retired.Dispose();
        _current.Release();
        foreach (var s in _liveSegments) s.Release();
        _liveSegments.Clear();
        _arenaBlocks.Dispose(); // a memtable a live snapshot still holds frees its block when it lets go
        _thread.Dispose();
        _syncerThread.Dispose();
        _maintenanceJobs.Dispose();
    }
}
