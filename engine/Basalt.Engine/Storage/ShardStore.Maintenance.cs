using System.Collections.Concurrent;
using System.Diagnostics;
using Basalt.Engine.Storage.Manifest;
using Basalt.Engine.Storage.Segments;

namespace Basalt.Engine.Storage;

// The maintenance thread: flushes and compactions. It owns the manifest and the live segment list (with one
// reference on each live segment); the shard thread learns of every change through the control queue and
// installs it into a new Version.
//
// Compaction policy: tiered (size-tiered over adjacent runs). A flush makes a tier-0 segment; when
// CompactionFanIn (4) adjacent segments share a tier they merge into one segment of the next tier. Each
// byte is therefore rewritten once per tier: with 64 MiB memtables and fan-in 4, 100 GiB of data sits in
// about 6 tiers, so write amplification is bounded by 1 (WAL) + 1 (flush) + ~6, against leveled
// compaction's ~10 per level (RocksDB's estimate) — this engine serves write-heavy DynamoDB workloads and
// pays for it with read amplification (up to fan-in - 1 segments per tier), which bloom filters absorb for
// point reads. Only adjacent runs merge, so segments stay ordered newest first with disjoint seq ranges.
// Measured by the `engine` benchmark (write amplification line) and ShardMetrics.
internal sealed partial class ShardStore
{
    private readonly BlockingCollection<Action> _maintenanceJobs = new();
    private ManifestState _manifest;        // maintenance thread (and recovery before it starts)
    private List<Segment> _liveSegments = new();  // maintenance thread; newest first, matches _manifest
    private readonly List<TaskCompletionSource> _flushWaiters = new();  // shard thread
    private bool _flushRequested;  // shard thread: a FlushAsync waits for a rotation that stalled
    private StorageException? _flushError;  // Volatile: the last flush failure, cleared by a successful flush
    private readonly List<string> _abandonedSegments = new();  // maintenance thread: see Abandon
    private StorageException? _compactionError;  // Volatile: the last compaction failure, cleared by a compaction that succeeds
    private int _compactionRetryMs = Timeout.Infinite;  // maintenance thread: when to retry a failed compaction
    private int _compactionAttempts;  // maintenance thread

    private void PostMaintenance(Action job)
    {
        try { _maintenanceJobs.Add(job); }
        catch (InvalidOperationException) { /* stopping: the WAL keeps the data; the next open replays it */ }
    }

    private void PostControl(Action action)
    {
        _control.Enqueue(action);
        _thread.Wake();
    }

    private void MaintenanceLoop()
    {
        while (true)
        {
            Action? job;
            try
            {
                // A compaction that failed on a full disk or an I/O error is retried on its own, with backoff: no
                // flush comes to ask for it while writers are stalled behind it.
                if (!_maintenanceJobs.TryTake(out job, _compactionRetryMs))
                {
                    if (_maintenanceJobs.IsCompleted) return;
                    job = () => MaybeCompact(force: false);
                }
            }
            catch (InvalidOperationException)
            {
                return; // completed while waiting
            }
            try
            {
                job();
            }
            catch (Exception e)
            {
                Metrics.MaintenanceErrors++;
                Metrics.LastMaintenanceError = e.Message;
            }
        }
    }

    private void FlushJob(MemtableHandle handle, ulong successorLog, ulong maxSeq)
    {
        // Only acknowledged (visible) entries may be flushed: dropping shadowed versions is safe only when
        // the newer version can be seen by every reader.
        var spin = new SpinWait();
        while (Volatile.Read(ref _visibleSeq) < maxSeq)
        {
            if (Volatile.Read(ref _refused) is not null || _stopping)
            {
                handle.Release();
                return;
            }
            spin.SpinOnce(sleep1Threshold: 10);
        }
        var sw = Stopwatch.StartNew();
        int attempt = 0;
        using var activity = StorageActivity.Enter(StorageActivityKind.Flush);
        while (true)
        {
            try
            {
                var entry = WriteSegmentFrom(handle.Table.NewIterator(), maxSeq, dropTombstones: _liveSegments.Count == 0, tier: 0, out var segment);
                var segments = _manifest.Segments.ToList();
                if (entry is not null)
                {
                    segments.Insert(0, entry);
                    _liveSegments.Insert(0, segment!);
                }
                var next = _manifest with
                {
                    Segments = segments,
                    LogReplayNumber = successorLog,
                    LastSeq = Math.Max(_manifest.LastSeq, maxSeq),
                    NextFileNumber = (ulong)Volatile.Read(ref _nextFileNumber) + 1,
                };
                try
                {
                    _manifestStore.Save(next);
                }
                catch
                {
                    if (entry is not null)
                    {
                        _liveSegments.RemoveAt(0);
                        Abandon(segment!);
                    }
                    throw;
                }
                _manifest = next;
                DeleteAbandoned();
                Volatile.Write(ref _flushError, null);
                Metrics.Flushes++;
                Metrics.FlushBytes += entry?.FileBytes ?? 0;
                Metrics.FlushMs += sw.ElapsedMilliseconds;
                if (segment is not null) segment.AddRef(); // the install's reference, dropped once installed
                PostControl(() => InstallFlush(handle, segment, successorLog));
                break;
            }
            catch (StorageException e) when (!_stopping)
            {
                // A full disk or an I/O error: keep the memtable (its WAL still holds the data) and retry
                // with backoff. Reads go on; once immutable memtables pile up, the stalled shard fails the
                // writes waiting behind the stall with this error instead of letting them wait forever.
                Metrics.MaintenanceErrors++;
                Metrics.LastMaintenanceError = e.Message;
                Volatile.Write(ref _flushError, e);
                _thread.Wake();
                Thread.Sleep(Math.Min(1000, 10 << Math.Min(attempt++, 6)));
            }
            catch (StorageException)
            {
                handle.Release();
                return;
            }
        }
        MaybeCompact(force: false);
    }

    // Maintenance thread, after a manifest save failed: drops the new segment that the failed state listed. Its file
    // goes at once if the old manifest is certainly the one on disk; else it waits for the next successful save (the
    // new manifest may have reached the disk, and deleting a segment a durable manifest lists loses its data: the
    // next open fails on the missing file, and the logs it came from are no longer replayed).
    private void Abandon(Segment segment)
    {
        if (_manifestStore.LastSaveMayBeOnDisk) _abandonedSegments.Add(segment.Path);
        else segment.DeleteWhenUnreferenced = true;
        segment.Release();
    }

    // Maintenance thread, after a successful save: no durable manifest lists the abandoned segments now.
    private void DeleteAbandoned()
    {
        foreach (var path in _abandonedSegments)
        {
            try { _fs.Delete(path); }
            catch (StorageException) { /* the next open deletes it: no manifest lists it */ }
        }
        _abandonedSegments.Clear();
    }

    // Shard thread.
    private void InstallFlush(MemtableHandle flushed, Segment? segment, ulong successorLog)
    {
        var old = _current;
        var immutables = old.Immutables.Where(m => m != flushed).ToArray();
        Segment[] segments = segment is null ? old.Segments : [segment, .. old.Segments];
        Publish(new Version(old.Mutable, immutables, segments));
        segment?.Release();
        flushed.Release();

        // Logs before the replay point are obsolete: recycle a few, delete the rest. A log the syncer has
        // not closed yet is deleted rather than recycled, so two writers never share a file.
        long closed = Volatile.Read(ref _maxClosedLog);
        foreach (ulong log in _logs.Where(l => l < successorLog).ToList())
        {
            if ((long)log <= closed && !_recyclableLogs.Contains(log)) _recyclableLogs.Enqueue(log);
            else if (!_recyclableLogs.Contains(log))
            {
                _logs.Remove(log);
                try { _fs.Delete(PathOf(WalName(log))); } catch (StorageException) { }
            }
        }
        TrimRecyclableLogs();
        ClearStall();
        TryRotateForFlush();
        CompleteFlushWaitersIfIdle();
    }

    private void CompleteFlushWaitersIfIdle()
    {
        if (_flushRequested || _current.Immutables.Length > 0 || _flushWaiters.Count == 0) return;
        foreach (var waiter in _flushWaiters) waiter.TrySetResult();
        _flushWaiters.Clear();
    }

    // Any thread: rotates the mutable memtable (if it holds anything) and completes once every memtable
    // that existed at the call has been flushed to a segment.
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        PostControl(() =>
        {
            _flushWaiters.Add(done);
            _flushRequested = true;
            TryRotateForFlush();
        });
        return done.Task;
    }

    // Shard thread. A rotation that stalls (flushes behind) is retried when the next flush installs.
    private void TryRotateForFlush()
    {
        if (!_flushRequested) return;
        if (_current.Mutable.Table.Count > 0)
        {
            var error = TryRotate(0, out bool stalled);
            if (stalled && _stallReason == "compaction-behind" && StallFailure() is { } failure)
                error = failure; // a compaction that failed does not come back by itself to clear the stall
            else if (stalled) return;
            if (error is not null)
            {
                foreach (var waiter in _flushWaiters) waiter.TrySetException(error);
                _flushWaiters.Clear();
                _flushRequested = false;
                return;
            }
        }
        _flushRequested = false;
        CompleteFlushWaitersIfIdle();
    }

    // Any thread: completes when every maintenance job queued before the call (flushes, the compactions they
    // trigger) has finished.
    public Task WhenMaintenanceIdleAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        PostMaintenance(() => done.TrySetResult());
        return done.Task;
    }

    // Any thread: merges every segment into one (dropping tombstones and shadowed versions).
    public Task CompactAllAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        PostMaintenance(() =>
        {
            try
            {
                MaybeCompact(force: true);
                PostControl(() => done.TrySetResult());
            }
            catch (Exception e) { done.TrySetException(e); }
        });
        return done.Task;
    }

    // Maintenance thread. Picks the lowest tier with a run of at least fan-in adjacent segments (or, forced,
    // everything) and merges it; repeats while there is work.
    private void MaybeCompact(bool force)
    {
        try
        {
            while (!_stopping)
            {
                int start, count;
                if (force)
                {
                    if (_liveSegments.Count < 2) break;
                    (start, count) = (0, _liveSegments.Count);
                    force = false;
                }
                else if (!PickRun(out start, out count)) break;
                Compact(start, count);
            }
        }
        catch (StorageException e) when (!_stopping)
        {
            // Flushes go on meanwhile, so segments pile up toward SegmentsStallCount, where writers stall behind
            // compaction. Record the cause: the stalled shard fails its writes with it instead of letting them wait
            // forever (a corrupt input never compacts), and a full disk or an I/O error is retried with backoff.
            Volatile.Write(ref _compactionError, e);
            _compactionRetryMs = e.Error == StorageError.Corruption ? Timeout.Infinite : Math.Min(1000, 10 << Math.Min(_compactionAttempts++, 6));
            PostControl(FailStalledOnCompaction);
            throw;
        }
        if (Volatile.Read(ref _compactionError) is not null) Volatile.Write(ref _compactionError, null);
        _compactionRetryMs = Timeout.Infinite;
        _compactionAttempts = 0;
    }

    // Shard thread, after a compaction failed: if writers are stalled behind compaction, they (and flushes waiting to
    // rotate) fail now with the cause rather than wait for a compaction that may never come.
    private void FailStalledOnCompaction()
    {
        if (_stallReason != "compaction-behind" || StallFailure() is not { } error) return;
        FailQueued(error);
        foreach (var waiter in _flushWaiters) waiter.TrySetException(error);
        _flushWaiters.Clear();
        _flushRequested = false;
    }

    // Shard thread: the error to fail writes with when the current stall cannot clear by itself, because the flushes
    // (memtable-flush-behind) or the compactions (compaction-behind) it waits for are failing. Null otherwise.
    private StorageException? StallFailure()
    {
        var (cause, what) = _stallReason switch
        {
            "memtable-flush-behind" => (Volatile.Read(ref _flushError), "memtables cannot be flushed"),
            "compaction-behind" => (Volatile.Read(ref _compactionError), "segments cannot be compacted"),
            _ => (null, ""),
        };
        if (cause is null) return null;
        return new StorageException(cause.Error == StorageError.DiskFull ? StorageError.DiskFull : StorageError.IoError,
            $"shard {_index} cannot take writes: {what}: {cause.Message}", cause);
    }

    private bool PickRun(out int start, out int count)
    {
        var segs = _manifest.Segments;
        int fanIn = _options.CompactionFanIn;
        int bestTier = int.MaxValue;
        start = count = 0;
        for (int i = 0; i < segs.Count;)
        {
            int j = i;
            while (j < segs.Count && segs[j].Tier == segs[i].Tier) j++;
            if (j - i >= fanIn && segs[i].Tier < bestTier)
            {
                bestTier = segs[i].Tier;
                // The oldest fan-in of the run: newer ones keep accumulating toward the next merge.
                start = j - fanIn;
                count = fanIn;
            }
            i = j;
        }
        return bestTier != int.MaxValue;
    }

    private void Compact(int start, int count)
    {
        using var activity = StorageActivity.Enter(StorageActivityKind.Compaction);
        var sw = Stopwatch.StartNew();
        var inputs = _liveSegments.GetRange(start, count);
        var inputEntries = _manifest.Segments.Skip(start).Take(count).ToList();
        bool bottom = start + count == _liveSegments.Count;
        int tier = inputEntries.Max(e => e.Tier) + 1;
        ulong maxSeq = inputEntries.Max(e => e.MaxSeq);
        var merger = new MergingIterator(inputs.Select(s => s.NewIterator()).ToList(), reverse: false);
        SegmentEntry? entry;
        Segment? output;
        using (merger)
        {
            entry = WriteSegmentFrom(merger, maxSeq, dropTombstones: bottom, tier, out output);
        }
        var segments = _manifest.Segments.ToList();
        segments.RemoveRange(start, count);
        if (entry is not null) segments.Insert(start, entry);
        var next = _manifest with { Segments = segments, NextFileNumber = (ulong)Volatile.Read(ref _nextFileNumber) + 1 };
        try
        {
            _manifestStore.Save(next);
        }
        catch
        {
            if (output is not null) Abandon(output);
            throw;
        }
        _manifest = next;
        DeleteAbandoned();
        _liveSegments.RemoveRange(start, count);
        if (output is not null) _liveSegments.Insert(start, output);
        Metrics.Compactions++;
        Metrics.CompactionBytesRead += inputEntries.Sum(e => e.FileBytes);
        Metrics.CompactionBytesWritten += entry?.FileBytes ?? 0;
        Metrics.CompactionMs += sw.ElapsedMilliseconds;

        var removed = inputs.ToHashSet();
        output?.AddRef(); // the install's reference
        PostControl(() =>
        {
            var old = _current;
            var list = old.Segments.ToList();
            int at = list.FindIndex(removed.Contains);
            list.RemoveAll(removed.Contains);
            if (output is not null) list.Insert(Math.Max(0, at), output);
            Publish(new Version(old.Mutable, old.Immutables, list.ToArray()));
            output?.Release();
            ClearStall();
            TryRotateForFlush(); // a FlushAsync that stalled behind compaction
        });
        // The live-set references: files go away when the last version reading them is released.
        foreach (var s in inputs)
        {
            s.DeleteWhenUnreferenced = true;
            s.Release();
        }
    }

    // Writes the newest version of every key from a sorted source into a new segment (older versions are
    // shadowed: every entry here is visible, and a reader that needs an older one pins an older Version).
    // Tombstones are dropped only when no older segment can hold the key. Returns null when nothing is left.
    // A flush passes its one memtable iterator through a one-child merger: the same path as compaction.
    private SegmentEntry? WriteSegmentFrom(IInternalIterator source, ulong maxSeq, bool dropTombstones, int tier, out Segment? segment)
    {
        using var merger = new MergingIterator([source], reverse: false);
        return WriteSegmentFrom(merger, maxSeq, dropTombstones, tier, out segment);
    }

    private SegmentEntry? WriteSegmentFrom(MergingIterator cursor, ulong maxSeq, bool dropTombstones, int tier, out Segment? segment)
    {
        cursor.SeekToFirst();
        ulong id = NextFileNumber();
        string path = PathOf(SegmentName(id));
        segment = null;
        try
        {
            return WriteSegment(cursor, maxSeq, dropTombstones, tier, id, path, out segment);
        }
        catch
        {
            // No manifest lists the file yet: a partial segment (a full disk, a failed write or fsync) is deleted at
            // once. Left for the next open to delete, every failed retry of a flush on a full disk left one more
            // partial file behind, holding the space the retries were waiting for.
            try { if (_fs.Exists(path)) _fs.Delete(path); }
            catch (StorageException) { /* the next open deletes it: no manifest lists it */ }
            throw;
        }
    }

    private SegmentEntry? WriteSegment(MergingIterator cursor, ulong maxSeq, bool dropTombstones, int tier, ulong id, string path, out Segment? segment)
    {
        segment = null;
        SegmentProperties props;
        long entries = 0;
        using (var writer = new SegmentWriter(_fs, path, new SegmentWriterOptions(BlockBytes: _options.SegmentBlockBytes)))
        {
            byte[] last = new byte[Limits.StoredKeyBytesMax + 16];
            int lastLength = -1;
            while (cursor.Valid)
            {
                var key = cursor.UserKey;
                if (lastLength >= 0 && key.SequenceEqual(last.AsSpan(0, lastLength)))
                {
                    cursor.Step();
                    continue;
                }
                key.CopyTo(last);
                lastLength = key.Length;
                ulong trailer = cursor.Trailer;
                Debug.Assert(InternalKey.SeqOf(trailer) <= maxSeq);
                if (!(dropTombstones && InternalKey.KindOf(trailer) == EntryKind.Delete))
                {
                    writer.Add(key, trailer, cursor.Value);
                    entries++;
                }
                cursor.Step();
            }
            if (entries == 0)
            {
                writer.Dispose();
                if (_fs.Exists(path)) _fs.Delete(path);
                return null;
            }
            props = writer.Finish();
        }
        _fs.SyncDirectory(_dir);
        segment = Segment.Open(_fs, path, id, _cache);
        return new SegmentEntry(id, tier, props.FileBytes, props.EntryCount, props.MinSeq, props.MaxSeq, props.SmallestKey, props.LargestKey);
    }
}
