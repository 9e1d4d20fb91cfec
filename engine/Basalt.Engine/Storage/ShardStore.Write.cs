using System.Diagnostics;
using Basalt.Engine.Storage.Wal;

namespace Basalt.Engine.Storage;

// The write path, on the shard thread: group, log, insert, hand over for durability.
internal sealed partial class ShardStore
{
    // Requests taken from the inbox per group: one WAL write (and, in Sync mode, one fsync) covers them all.
    private const int GroupMax = 256;

    // A write waiting for its fsync: the syncer completes it. SPSC ring: the shard thread fills slots and
    // publishes `_ringTail` with Volatile.Write; the syncer reads the tail with Volatile.Read, consumes, and
    // publishes `_ringHead` the same way. Slots are reused only after the head has passed them.
    private struct Pending
    {
        public WriteRequest Request;
        public WalWriter Wal;
        public ulong Seq;
    }

    private readonly Pending[] _ring;
    private readonly int _ringCapacity;
    private long _ringTail;
    private long _ringHead;
    private readonly WriteRequest[] _group;
    private WriteRequest? _carry;     // dequeued but not yet logged: waits for a memtable rotation
    private string? _stallReason;
    private readonly System.Buffers.ArrayBufferWriter<byte> _transformOutput = new(256); // writer token

    // Rounds a caller spends as the shard's writer: its own request, then what other callers queued meanwhile.
    private const int InlineWriterRounds = 4;
    // Rounds a caller spends as the syncer: the fsync that covers its own request, then one more for writes
    // that were logged during it (their fsync can start at once; waking the syncer thread takes longer).
    private const int InlineSyncRounds = 2;

    private int _writerToken;   // 1 while a thread is the shard's writer; see TryTakeWriterToken
    private int _syncToken;     // 1 while a thread is the shard's syncer; see Syncer
    private int _gathering;     // 1 while the syncer waits for more writes before an fsync (Sync mode; see Gather)

    // Any thread (inside the engine's caller gate): hands a request to this shard. With inline writes, a
    // caller that finds the shard idle becomes its writer for a moment: it logs and applies its request (and
    // whatever else is queued) on its own thread, and, when it is going to block for the result anyway, in Sync
    // mode fsyncs too if no fsync is under way, so an uncontended write completes without a thread hop.
    // Otherwise the request waits for the shard thread.
    public void Submit(WriteRequest request, bool callerBlocks)
    {
        if (!_options.InlineWrites || !_inbox.TryEnqueue(request))
        {
            Enqueue(request); // the shard thread's path, with the backpressure of a full inbox
            return;
        }
        // The syncer is gathering writes for its next fsync: it logs this one with them (the enqueue above was a
        // full fence, and the syncer lowers the flag with one before it drains the inbox).
        if (Volatile.Read(ref _gathering) != 0) return;
        // The token is taken after the enqueue: if it is held, its holder sees the request after letting go.
        if (!TryTakeWriterToken()) return;
        long tail = _ringTail;
        for (int round = 1; ; round++)
        {
            bool stalled;
            try
            {
                DrainWrites();
                Metrics.InlineWriterRounds++;
                stalled = _stallReason is not null;
            }
            finally
            {
                ReleaseWriterToken(); // even after a bug's exception: the shard thread must not be locked out
            }
            if (stalled || !HasQueuedWrites) break;
            if (round == InlineWriterRounds || !TryTakeWriterToken())
            {
                // Left to the shard thread, or to the holder that took the token meanwhile.
                _thread.Wake();
                break;
            }
        }
        // Control work (flush results to install) and writes held back by a stall are the shard thread's.
        if (!_control.IsEmpty || Volatile.Read(ref _carry) is not null) _thread.Wake();
        if (Volatile.Read(ref _ringTail) == tail) return;
        // A caller that is going to block for its fsync anyway may as well run it. An awaiting caller is usually a
        // pool thread with other work queued behind it: it hands the fsync to the syncer thread and moves on.
        if (callerBlocks) SyncInline();
        else _syncerThread.Wake();
    }

    // After a caller logged writes that wait for an fsync: it becomes the syncer when none is running (in Group
    // mode only once the commit window has closed, which the syncer decides), else the syncer thread is told.
    private void SyncInline()
    {
        if (_options.Durability == Durability.Async) return;
        for (int round = 1; ; round++)
        {
            if (!TryTakeSyncToken()) return; // the holder looks at the ring again after it lets go
            try
            {
                _syncer.RunLocked();
                Metrics.InlineSyncRounds++;
            }
            finally
            {
                ReleaseSyncToken();
            }
            bool pending = Volatile.Read(ref _ringTail) != Volatile.Read(ref _ringHead) || !_retiredWals.IsEmpty;
            if (!pending) return;
            // Group mode with its commit window open waits on the syncer thread's timer.
            if (round == InlineSyncRounds || _syncer.NextDeadlineTimestamp != long.MaxValue)
            {
                _syncerThread.Wake();
                return;
            }
        }
    }

    // The syncer, at the end of a gather: logs what callers queued meanwhile, as one group, if the shard is idle
    // (else its writer does). Writes queued after the drain are the shard thread's.
    private void LogQueuedWrites()
    {
        if (!HasQueuedWrites || !TryTakeWriterToken()) return;
        bool stalled;
        try
        {
            DrainWrites();
            stalled = _stallReason is not null;
        }
        finally
        {
            ReleaseWriterToken();
        }
        if (stalled || HasQueuedWrites || !_control.IsEmpty || Volatile.Read(ref _carry) is not null) _thread.Wake();
    }

    // The sync token makes one thread at a time the shard's syncer (the syncer thread or a caller, as the
    // writer token does for writers); the ring's consumer side and the syncer's state belong to its holder.
    private bool TryTakeSyncToken() => Interlocked.CompareExchange(ref _syncToken, 1, 0) == 0;

    private void ReleaseSyncToken() => Interlocked.Exchange(ref _syncToken, 0);

    // Any thread: hands a request to this shard. Blocks (spinning, then sleeping) while the inbox is full:
    // that is the backpressure a stalled shard exerts on its producers.
    public void Enqueue(WriteRequest request)
    {
        if (!_inbox.TryEnqueue(request))
        {
            Metrics.InboxFullWaits++;
            var spin = new SpinWait();
            while (!_inbox.TryEnqueue(request))
            {
                _thread.Wake();
                spin.SpinOnce(sleep1Threshold: 20);
            }
        }
        _thread.Wake();
    }

    // IShardWork: timed work is the syncer's and the maintenance thread's, not the shard's.
    public long NextDeadlineTimestamp => long.MaxValue;

    public bool RunOnce()
    {
        // A caller holds the writer token: it runs the write path now and looks at the inbox again after it
        // lets go (waking this thread if it leaves work behind), so there is nothing to do here.
        if (!TryTakeWriterToken()) return false;
        long tail = _ringTail;
        bool did;
        try
        {
            did = RunControl();
            did |= DrainWrites();
        }
        finally
        {
            ReleaseWriterToken();
        }
        if (_ringTail != tail) _syncerThread.Wake();
        // A caller that queued while this thread held the token left its request to it: run again.
        return did || (HasQueuedWrites && _stallReason is null);
    }

    // Under the writer token: fails queued writes once the shard refuses writes, else logs and applies them.
    private bool DrainWrites()
    {
        var refused = Volatile.Read(ref _refused);
        return refused is not null ? FailQueued(refused) : ProcessWrites();
    }

    // The writer token makes one thread at a time the shard's writer: the shard thread while it runs, or a
    // caller that found the shard idle (see Submit). Nobody waits for it: a thread that fails to take it
    // leaves its work in the inbox, and the holder looks at the inbox again after letting go. The CAS and
    // the release store order everything the writer state holds between one holder and the next.
    private bool TryTakeWriterToken() => Interlocked.CompareExchange(ref _writerToken, 1, 0) == 0;

    // A full fence, not a release store: the holder reads the inbox next, and that read must not pass the
    // release (a caller that saw the token held relies on the holder seeing its request).
    private void ReleaseWriterToken() => Interlocked.Exchange(ref _writerToken, 0);

    private bool HasQueuedWrites => _inbox.Count > 0 || Volatile.Read(ref _carry) is not null;

    private bool RunControl()
    {
        bool did = false;
        while (_control.TryDequeue(out var action))
        {
            action();
            did = true;
        }
        return did;
    }

    private bool FailQueued(StorageException error)
    {
        bool did = false;
        if (_carry is not null)
        {
            _carry.SetException(error);
            _carry = null;
            did = true;
        }
        while (_inbox.TryDequeue(out var request))
        {
            request!.SetException(error);
            did = true;
        }
        return did;
    }

    private long MemtableRoom(Memtable.Memtable table) => table.CapacityBytes - table.UsedBytes;

    private bool ProcessWrites()
    {
        bool did = false;
        while (true)
        {
            int count = 0;
            long bytes = 0;
            var table = _current.Mutable.Table;
            long room = MemtableRoom(table);
            bool durable = _options.Durability != Durability.Async;
            while (count < GroupMax)
            {
                if (durable && _ringTail - Volatile.Read(ref _ringHead) + count >= _ringCapacity)
                {
                    SetStall("wal-sync-behind");
                    break;
                }
                WriteRequest? request = _carry;
                _carry = null;
                if (request is null && !_inbox.TryDequeue(out request)) break;
                if (request!.Transform is not null && !request.Transformed)
                {
                    // A read-modify-write decides on what every earlier write left: it starts a group of its
                    // own, once the group before it is in the memtable (see RunTransform).
                    if (count > 0)
                    {
                        _carry = request;
                        break;
                    }
                    if (!RunTransform(request))
                    {
                        did = true;
                        continue;
                    }
                }
                if (bytes + request.MemtableBytes > room)
                {
                    if (count > 0)
                    {
                        _carry = request; // log what we have first, then rotate
                        break;
                    }
                    var error = TryRotate(request.MemtableBytes, out bool stalled);
                    if (stalled)
                    {
                        if (StallFailure() is { } error2)
                        {
                            // Flushes or compactions are failing (a full disk, a corrupt segment): waiting would be
                            // forever. Fail what is queued with the cause; writes resume once one succeeds.
                            request.SetException(error2);
                            FailQueued(error2);
                            return true;
                        }
                        _carry = request;
                        break;
                    }
                    if (error is not null)
                    {
                        request.SetException(error);
                        did = true;
                        continue;
                    }
                    table = _current.Mutable.Table;
                    room = MemtableRoom(table);
                    did = true;
                }
                if (_wal is null)
                {
                    var error = TryOpenLog();
                    if (error is not null)
                    {
                        request.SetException(error);
                        did = true;
                        continue;
                    }
                }
                if (request.NoWrite)
                {
                    CompleteWithoutWrite(request);
                    did = true;
                    continue;
                }
                if (_locks.Count > 0 && request.Transform is null && LockedEntry(request) is { } locked)
                {
                    request.SetException(locked);
                    did = true;
                    continue;
                }
                _group[count++] = request;
                bytes += request.MemtableBytes;
            }
            if (count == 0) return did;
            ClearStall();
            try
            {
                CommitGroup(count, table);
            }
            catch (Exception e) when (e is not StorageException)
            {
                // A bug, not an operating error: the memtable may hold part of the group. Fail the group,
                // fence the shard (reads go on; writes get WritesRefused), never leave a caller waiting.
                var error = new StorageException(StorageError.IoError, $"shard {_index} failed internally and refuses writes: {e.Message}", e);
                for (int i = 0; i < count; i++)
                {
                    _group[i]?.SetException(error);
                    _group[i] = null!;
                }
                Refuse(error);
                return true;
            }
            did = true;
            if (_carry is null && count < GroupMax) return did;
        }
    }

    // Under the writer token, with no group in progress: runs a read-modify-write's transform on the key's
    // latest value and encodes its decision as the request's payload. The value is read as of _lastSeq, the
    // last sequence number this shard assigned, not as of _visibleSeq: every earlier group is in the memtable
    // already (CommitGroup inserts before it returns), though some may still wait for their fsync. Deciding on
    // those is safe because the transformed write is logged after them: it becomes durable only with them
    // (the syncer acknowledges in log order, and recovery replays a prefix of the log), and if their fsync
    // fails the shard refuses every later write, this one included. So no acknowledged result ever rests on a
    // write that was lost. Returns false when the request has failed (its exception is set).
    private bool RunTransform(WriteRequest request)
    {
        var transform = request.Transform!;
        var key = request.TransformKey;
        var locking = transform as ILockingTransform;
        if (_locks.Count > 0 && _locks.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out long holder) && holder != (locking?.LockOwner ?? 0))
        {
            request.SetException(LockedError());
            return false;
        }
        var output = _transformOutput;
        output.ResetWrittenCount();
        Version version;
        while (true)
        {
            version = Volatile.Read(ref _current);
            if (!version.TryAcquire()) continue;
            if (ReferenceEquals(Volatile.Read(ref _current), version)) break;
            version.Release();
        }
        WriteDecision decision;
        var contextual = transform is IWriteTransformWithContext { WantsContext: true } c ? c : null;
        try
        {
            if (contextual is not null) contextual.Context = new TransformContext(this, version, _lastSeq);
            var sink = new TransformSink(transform, output);
            if (TryGet(version, _lastSeq, key, ref sink)) decision = sink.Decision;
            else
            {
                output.ResetWrittenCount(); // a tombstone's reader may have written nothing; be sure
                decision = transform.Apply(default, exists: false, output);
            }
        }
        catch (Exception e)
        {
            request.SetException(e);
            return false;
        }
        finally
        {
            if (contextual is not null) contextual.Context = null;
            version.Release();
        }
        request.Transformed = true;
        if (locking is not null)
        {
            // Under the writer token, before the write is logged: every later write of the shard sees it.
            if (locking.LockChange == LockChange.Acquire) _locks[key.ToArray()] = locking.LockOwner;
            else if (locking.LockChange == LockChange.Release && _locks.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out long owner) && owner == locking.LockOwner)
                _locks.GetAlternateLookup<ReadOnlySpan<byte>>().Remove(key);
        }
        switch (decision)
        {
            case WriteDecision.None:
                request.NoWrite = true;
                return true;
            case WriteDecision.Put when output.WrittenCount > Limits.ValueBytesMax:
                request.SetException(new StorageException(StorageError.ValueTooLarge,
                    $"value of {output.WrittenCount} bytes exceeds the limit of {Limits.ValueBytesMax} bytes"));
                return false;
            case WriteDecision.Keep:
                if ((transform as IWriteTransformWithSideWrites)?.SideWrites is not { Count: > 0 } only)
                {
                    request.NoWrite = true;
                    return true;
                }
                var onlyEntries = only.Entries();
                long onlyBytes = 0;
                while (onlyEntries.TryRead(out _, out var onlyKey, out var onlyValue))
                {
                    if (_partitioner.ShardOf(StoredKey.VPartitionOf(onlyKey)) != _index)
                    {
                        request.SetException(new StorageException(StorageError.InvalidArgument,
                            "a write transform's side writes must be on the shard of the key it transforms"));
                        return false;
                    }
                    onlyBytes += Memtable.Memtable.EntryBytesMax(onlyKey.Length, onlyValue.Length);
                }
                var encoded = only.Encoded();
                encoded.CopyTo(request.Reserve(encoded.Length));
                request.Count = only.Count;
                request.MemtableBytes = onlyBytes;
                return true;
            case WriteDecision.Put:
            case WriteDecision.Delete:
                var kind = decision == WriteDecision.Put ? EntryKind.Put : EntryKind.Delete;
                var value = decision == WriteDecision.Put ? output.WrittenSpan : default;
                var routing = StoredKey.RoutingOf(key);
                var rest = StoredKey.RestOf(key);
                int vpartition = StoredKey.VPartitionOf(key);
                int ownBytes = WriteBatchFormat.EntryBytes(routing.Length, rest.Length, value.Length);
                var side = (transform as IWriteTransformWithSideWrites)?.SideWrites;
                ReadOnlySpan<byte> sideEntries = default;
                long sideMemtableBytes = 0;
                if (side is { Count: > 0 })
                {
                    var entries = side.Entries();
                    while (entries.TryRead(out _, out var sideKey, out var sideValue))
                    {
                        if (_partitioner.ShardOf(StoredKey.VPartitionOf(sideKey)) != _index)
                        {
                            request.SetException(new StorageException(StorageError.InvalidArgument,
                                "a write transform's side writes must be on the shard of the key it transforms"));
                            return false;
                        }
                        sideMemtableBytes += Memtable.Memtable.EntryBytesMax(sideKey.Length, sideValue.Length);
                    }
                    sideEntries = side.Encoded()[WriteBatchFormat.HeaderBytes..];
                    if ((long)WriteBatchFormat.HeaderBytes + ownBytes + sideEntries.Length > Limits.WriteBatchBytesMax)
                    {
                        request.SetException(new StorageException(StorageError.BatchTooLarge, $"a write batch holds at most {Limits.WriteBatchBytesMax} bytes"));
                        return false;
                    }
                }
                var payload = request.Reserve(WriteBatchFormat.HeaderBytes + ownBytes + sideEntries.Length);
                int count = 1 + (sideEntries.IsEmpty ? 0 : side!.Count);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(payload, (uint)count);
                WriteBatchFormat.WriteEntry(payload[WriteBatchFormat.HeaderBytes..], kind, vpartition, routing, rest, value);
                sideEntries.CopyTo(payload[(WriteBatchFormat.HeaderBytes + ownBytes)..]);
                request.Count = count;
                request.MemtableBytes = Memtable.Memtable.EntryBytesMax(key.Length, value.Length) + sideMemtableBytes;
                return true;
            default:
                request.SetException(new StorageException(StorageError.InvalidArgument, $"a write transform returned an unknown decision {decision}"));
                return false;
        }
    }

    // Key locks (ILockingTransform): stored key -> owner. Writer token only.
    private readonly Dictionary<byte[], long> _locks = new(StoredKeyEquality.Instance);

    // The first entry of a plain write whose key another owner has locked, as the error to fail the write with.
    private StorageException? LockedEntry(WriteRequest request)
    {
        var lookup = _locks.GetAlternateLookup<ReadOnlySpan<byte>>();
        var entries = new WriteBatchFormat.Reader(request.Payload);
        while (entries.TryRead(out _, out var storedKey, out _))
            if (lookup.ContainsKey(storedKey)) return LockedError();
        return null;
    }

    private static StorageException LockedError() => new(StorageError.Locked, "the key is locked by a transaction in progress");

    // ITransformContext for one Apply: reads of the shard's keys as of the transform's own read point.
    private sealed class TransformContext(ShardStore shard, Version version, ulong seq) : ITransformContext
    {
        public bool TryRead(int vpartition, ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, System.Buffers.IBufferWriter<byte> value)
        {
            if (shard._partitioner.ShardOf(WriteBatch.CheckVPartition(vpartition)) != shard._index)
                throw new StorageException(StorageError.InvalidArgument, "a write transform may read only keys of its own shard");
            WriteBatch.Validate(routing, rest, default);
            var key = new byte[StoredKey.Length(routing.Length, rest.Length)];
            StoredKey.Write(key, vpartition, routing, rest);
            var sink = new CopyInto(value);
            return TryGet(version, seq, key, ref sink);
        }

        private readonly struct CopyInto(System.Buffers.IBufferWriter<byte> destination) : IValueSink
        {
            public void OnValue(scoped ReadOnlySpan<byte> value) => System.Buffers.BuffersExtensions.Write(destination, value);
        }
    }

    // Calls the transform while the found value's bytes are pinned.
    private ref struct TransformSink(IWriteTransform transform, System.Buffers.ArrayBufferWriter<byte> output) : IValueSink
    {
        public WriteDecision Decision;
        public void OnValue(scoped ReadOnlySpan<byte> value) => Decision = transform.Apply(value, exists: true, output);
    }

    // A read-modify-write that decided to write nothing: it is acknowledged like a write at _lastSeq, so that
    // its result (which may rest on writes still waiting for their fsync) is not seen before they are durable.
    private void CompleteWithoutWrite(WriteRequest request)
    {
        request.FirstSeq = _lastSeq;
        if (_options.Durability == Durability.Async)
        {
            request.SetResult(_lastSeq);
            return;
        }
        long tail = _ringTail;
        ref var slot = ref _ring[tail & (_ringCapacity - 1)];
        slot.Request = request;
        slot.Wal = _wal!;
        slot.Seq = _lastSeq;
        Volatile.Write(ref _ringTail, tail + 1);
    }

    private void CommitGroup(int count, Memtable.Memtable table)
    {
        var wal = _wal!;
        ulong seq = _lastSeq;
        long payloadBytes = 0;
        for (int i = 0; i < count; i++)
        {
            var request = _group[i];
            request.FirstSeq = seq + 1;
            var payload = request.Payload;
            payload.CopyTo(wal.BeginAppend(payload.Length));
            wal.EndAppend(seq + 1);
            seq += (ulong)request.Count;
            payloadBytes += payload.Length;
        }
        _lastSeq = seq;
        try
        {
            wal.Flush();
        }
        catch (StorageException e)
        {
            // Nothing of this group reached the memtable, so nothing of it can become visible. The log may
            // end in a torn record now; recovery cuts it. Writes go on in a new log once one can be opened, and only
            // once this one is durable (see TryRotate).
            _wal = null;
            SyncBeforeNextLog(wal);
            RetireWal(wal);
            if (wal.FlushedPosition == 0)
            {
                // No record of this log was ever written whole: nothing in it can be acknowledged or replayed (a ring
                // slot of a transform that wrote nothing may name it, but its fsync has nothing to cover). Delete it
                // rather than keep one more empty log per failed write: on a disk
                // that takes new files but no data, every failed write made a new log (200 failed writes, 200 logs,
                // until a flush that the full disk also prevented). The syncer still closes the writer.
                _logs.Remove(wal.LogNumber);
                try { _fs.Delete(wal.Path); }
                catch (StorageException) { /* an empty log left behind reads as empty and is recycled at the next open */ }
            }
            var error = e.Error == StorageError.DiskFull ? e : new StorageException(StorageError.IoError, $"write-ahead log write failed: {e.Message}", e);
            for (int i = 0; i < count; i++)
            {
                _group[i].SetException(error);
                _group[i] = null!;
            }
            Metrics.FailedWrites += count;
            return;
        }

        for (int i = 0; i < count; i++)
        {
            var request = _group[i];
            var reader = new WriteBatchFormat.Reader(request.Payload);
            ulong s = request.FirstSeq;
            while (reader.TryRead(out var kind, out var key, out var value))
            {
                bool added = table.TryAdd(key, s++, kind, value);
                Debug.Assert(added, "room was reserved before logging");
                if (!added) throw new InvalidOperationException("memtable rejected an entry after room was reserved");
            }
        }
        Metrics.Writes += count;
        Metrics.WalBytes += payloadBytes;

        if (_options.Durability == Durability.Async)
        {
            Volatile.Write(ref _visibleSeq, _lastSeq);
            for (int i = 0; i < count; i++)
            {
                var request = _group[i];
                _group[i] = null!;
                request.SetResult(request.FirstSeq + (ulong)request.Count - 1);
            }
            return;
        }

        long tail = _ringTail;
        for (int i = 0; i < count; i++)
        {
            var request = _group[i];
            _group[i] = null!;
            ref var slot = ref _ring[tail & (_ringCapacity - 1)];
            slot.Request = request;
            slot.Wal = wal;
            slot.Seq = request.FirstSeq + (ulong)request.Count - 1;
            tail++;
        }
        // Release: the slots are written before the syncer can see the new tail. The writer that published it
        // wakes the syncer or syncs itself (RunOnce, Submit).
        Volatile.Write(ref _ringTail, tail);
    }

    private StorageException? TryOpenLog()
    {
        ulong log = NextFileNumber();
        try
        {
            _wal = WalWriter.Create(_fs, _dir, (uint)log, WalPreallocateBytes, TakeRecyclableLog());
            _logs.Add(log);
            return null;
        }
        catch (StorageException e)
        {
            return e.Error == StorageError.DiskFull ? e : new StorageException(StorageError.IoError, $"cannot open a write-ahead log: {e.Message}", e);
        }
    }

    // Makes the mutable memtable immutable and starts a new memtable with a new log. Returns an error to fail
    // the waiting request with, or sets `stalled` when flushes or compactions are behind: the request then
    // waits in `_carry`, the inbox fills, and producers feel the backpressure.
    private StorageException? TryRotate(long bytesNeeded, out bool stalled)
    {
        stalled = false;
        var old = _current;
        if (old.Immutables.Length >= Limits.ImmutableMemtablesMax)
        {
            SetStall("memtable-flush-behind");
            stalled = true;
            return null;
        }
        if (old.Segments.Length >= _options.SegmentsStallCount)
        {
            SetStall("compaction-behind");
            stalled = true;
            return null;
        }
        // The previous log must be durable before the next one holds a record. Recovery replays the logs in order and
        // cuts a torn tail; the OS writes dirty pages back file by file in no particular order, so if the new log's
        // first records reached the disk and the old log's unsynced tail did not, a power loss would keep later writes
        // and lose earlier ones: a hole, not a suffix. In Async mode those earlier writes were acknowledged (the
        // crash fuzzer found it: a power loss at a rotation left global index entries for items the table had lost).
        // The syncer syncs a retired log soon after, but not before the writer goes on. One fsync per rotation.
        if (_wal is { } previous && SyncBeforeNextLog(previous) is { } refused) return refused;
        ulong log = NextFileNumber();
        WalWriter wal;
        try
        {
            wal = WalWriter.Create(_fs, _dir, (uint)log, WalPreallocateBytes, TakeRecyclableLog());
        }
        catch (StorageException e)
        {
            return e.Error == StorageError.DiskFull ? e : new StorageException(StorageError.IoError, $"cannot open a write-ahead log: {e.Message}", e);
        }
        _logs.Add(log);
        var previousWal = _wal;
        _wal = wal;
        if (previousWal is not null) RetireWal(previousWal);

        long capacity = Math.Max(_options.MemtableBytes, bytesNeeded + 4096);
        var mutable = new MemtableHandle(new Memtable.Memtable(capacity, _arenaBlocks), log);
        var frozen = old.Mutable;
        MemtableHandle[] immutables = [frozen, .. old.Immutables];
        Publish(new Version(mutable, immutables, old.Segments));
        mutable.Release(); // the version holds it now
        Metrics.Rotations++;
        if (frozen.Table.Count > 0)
        {
            frozen.AddRef(); // the flush job's reference
            ulong maxSeq = _lastSeq;
            PostMaintenance(() => FlushJob(frozen, log, maxSeq));
        }
        else
        {
            // An empty memtable has nothing to flush: drop it from the read view at once.
            var current = _current;
            Publish(new Version(current.Mutable, current.Immutables.Where(m => m != frozen).ToArray(), current.Segments));
            CompleteFlushWaitersIfIdle();
        }
        return null;
    }

    private void Publish(Version next)
    {
        var old = _current;
        // Release: the version is fully built (and holds its references) before readers can see it.
        Volatile.Write(ref _current, next);
        old.Release();
    }

    private void SetStall(string reason)
    {
        if (_stallReason is null)
        {
            _stallReason = reason;
            Metrics.StallStartTimestamp = Stopwatch.GetTimestamp();
            Metrics.Stalls++;
            Metrics.StallReason = reason;
        }
    }

    private void ClearStall()
    {
        if (_stallReason is null) return;
        Metrics.StallMs += Stopwatch.GetElapsedTime(Metrics.StallStartTimestamp).TotalMilliseconds;
        _stallReason = null;
        Metrics.StallReason = null;
    }

    // Writer: makes a log that is about to be retired durable (WalWriter.Sync may run on any thread; it skips the
    // fdatasync when the syncer already covered everything). A failed fsync fences the shard as the syncer's would;
    // the error is returned for the request that asked for the rotation.
    private StorageException? SyncBeforeNextLog(WalWriter wal)
    {
        try
        {
            wal.Sync();
            return null;
        }
        catch (StorageException e)
        {
            Refuse(e);
            return Volatile.Read(ref _refused);
        }
    }

    // Retired logs go to the syncer, which syncs and closes them. The writer syncs a log only as it retires it
    // (SyncBeforeNextLog); every other fsync of the log is the syncer's.
    private void RetireWal(WalWriter wal)
    {
        _retiredWals.Enqueue(wal);
        _syncerThread.Wake();
    }
}
