using System.Collections.Concurrent;
using System.Diagnostics;
using Basalt.Engine.Shards;
using Basalt.Engine.Storage.Wal;

namespace Basalt.Engine.Storage;

// The syncer: the one thread that fsyncs this shard's logs.
internal sealed partial class ShardStore
{
    private readonly ConcurrentQueue<WalWriter> _retiredWals = new();
    private long _maxClosedLog;   // Volatile: the highest log number the syncer has closed

    private sealed class Syncer(ShardStore shard) : IShardWork
    {
        private long _lastSyncTimestamp = Stopwatch.GetTimestamp();
        private long _deadline = long.MaxValue;
        private readonly List<WalWriter> _retired = new();
        // Sync mode's gather (see Gather): the shard's recent write concurrency, in 1/16ths, decaying; and the
        // mean duration of an fsync, in Stopwatch ticks (exponentially weighted, 1/8 per sample).
        private long _concurrency16;
        private long _syncTicksAverage;
        private readonly ThreadParker.UnparkBatch _unparks = new();
        // The gather's bounds besides half an fsync: an absolute cap, since the device idles meanwhile (when its
        // fsyncs slow to milliseconds, half of one is far longer than writers take to come back), and a gap: no
        // new write for this long ends it. Writers woken by the previous fsync come back within tens of
        // microseconds of each other (ThreadParker's wake-up tree: about five levels of 10–30 µs wake-ups here).
        private static readonly long GatherTicksMax = 300 * Stopwatch.Frequency / 1_000_000;
        private static readonly long GatherGapTicks = 40 * Stopwatch.Frequency / 1_000_000;

        public long NextDeadlineTimestamp => _deadline;

        public bool RunOnce()
        {
            // A caller is syncing: it looks at the ring again after it lets go (and wakes this thread if work
            // is left), so there is nothing to do here.
            if (!shard.TryTakeSyncToken()) return false;
            long tail = Volatile.Read(ref shard._ringTail);
            bool did;
            try
            {
                did = RunLocked();
            }
            finally
            {
                shard.ReleaseSyncToken();
            }
            // Writes logged while this thread held the token, by a caller that then found the token taken.
            return did || Volatile.Read(ref shard._ringTail) != tail;
        }

        // Under the sync token.
        public bool RunLocked()
        {
            // Retired logs are collected before the ring's tail is read: the shard retires a log only after
            // publishing every write it holds, so the tail read next covers all of them.
            while (shard._retiredWals.TryDequeue(out var retired)) _retired.Add(retired);
            bool did = false;
            long head = shard._ringHead;
            long tail = Volatile.Read(ref shard._ringTail);
            long now = Stopwatch.GetTimestamp();
            var durability = shard._options.Durability;
            _deadline = long.MaxValue;

            if (tail > head)
            {
                long due = _lastSyncTimestamp + shard._options.GroupCommitIntervalMs * Stopwatch.Frequency / 1000;
                if (durability == Durability.Group && now < due && !shard._stopping)
                    _deadline = due; // the group-commit window is still open
                else
                {
                    if (durability == Durability.Sync) tail = Gather(head, tail);
                    SyncAndComplete(head, tail);
                    did = true;
                }
            }
            else if (durability == Durability.Async)
            {
                long due = _lastSyncTimestamp + shard._options.AsyncSyncIntervalMs * Stopwatch.Frequency / 1000;
                if (now >= due || shard._stopping)
                {
                    var wal = Volatile.Read(ref shard._wal);
                    if (wal is not null) Sync(wal);
                    _lastSyncTimestamp = Stopwatch.GetTimestamp();
                }
                _deadline = _lastSyncTimestamp + shard._options.AsyncSyncIntervalMs * Stopwatch.Frequency / 1000;
            }

            if (_retired.Count > 0 && Volatile.Read(ref shard._ringHead) == tail)
            {
                foreach (var wal in _retired)
                {
                    Sync(wal);
                    wal.Dispose();
                    Volatile.Write(ref shard._maxClosedLog, (long)wal.LogNumber);
                }
                _retired.Clear();
                did = true;
            }
            return did;
        }

        // Sync mode's adaptive group commit. An fsync covers the writes logged before it starts; writers that
        // were acknowledged by the previous one come back while it runs and wait for the next, so with many
        // writers the fsyncs split them into cohorts that each get a fraction of the device's flushes. When
        // fewer writes are pending than the shard has recently had writers, the syncer waits a moment for
        // them (yielding the core to them): at most half an average fsync, so a write waits at most that much
        // longer, and not at all while the shard sees fewer than three concurrent writers (one writer never
        // waits). Meanwhile callers only queue their writes (see Submit), and the syncer logs them all with
        // one WAL write when the wait ends. Returns the ring's tail to sync up to.
        private long Gather(long head, long tail)
        {
            long target = _concurrency16 * 3 / 64; // three quarters of the recent concurrency
            if (target < 3 || tail - head >= target || shard._stopping) return tail;
            long start = Stopwatch.GetTimestamp();
            long limit = start + Math.Min(_syncTicksAverage / 2, GatherTicksMax);
            shard.Metrics.GatherWaits++;
            // A full fence: a caller that enqueues after this reads it (Submit) and leaves its write queued.
            Interlocked.Exchange(ref shard._gathering, 1);
            long seen = tail - head, seenAt = start;
            while (true)
            {
                Thread.Yield();
                long pending = Volatile.Read(ref shard._ringTail) - head + shard._inbox.Count;
                if (pending >= target || pending >= shard._ringCapacity / 2) break;
                long now = Stopwatch.GetTimestamp();
                if (now >= limit) break;
                // The returning writers have stopped coming: the rest are busy elsewhere (or on another shard).
                if (pending != seen) (seen, seenAt) = (pending, now);
                else if (now - seenAt >= GatherGapTicks) break;
            }
            // A full fence before the inbox is read: a caller either saw the flag down (and logs its own write)
            // or its write is in the inbox now.
            Interlocked.Exchange(ref shard._gathering, 0);
            shard.LogQueuedWrites();
            shard.Metrics.GatherTicks += Stopwatch.GetTimestamp() - start;
            return Volatile.Read(ref shard._ringTail);
        }

        // After an fsync that covered `synced` writes, with `waiting` more logged meanwhile: the shard's write
        // concurrency is at least their sum (each writer has one write in flight, or is one of a batch).
        private void ObserveConcurrency(long synced, long waiting)
        {
            long observed = (synced + waiting) * 16;
            long decayed = _concurrency16 - (_concurrency16 >> 4);
            _concurrency16 = Math.Max(observed, decayed);
        }

        private bool Sync(WalWriter wal)
        {
            try
            {
                long start = Stopwatch.GetTimestamp();
                wal.Sync();
                long ticks = Stopwatch.GetTimestamp() - start;
                shard.Metrics.Syncs++;
                shard.Metrics.SyncTicks += ticks;
                _syncTicksAverage = _syncTicksAverage == 0 ? ticks : _syncTicksAverage + (ticks - _syncTicksAverage) / 8;
                return true;
            }
            catch (StorageException e)
            {
                shard.Refuse(e);
                return false;
            }
        }

        private void SyncAndComplete(long head, long tail)
        {
            int mask = shard._ringCapacity - 1;
            WalWriter? synced = null;
            bool ok = Volatile.Read(ref shard._refused) is null;
            for (long i = head; i < tail && ok; i++)
            {
                var wal = shard._ring[i & mask].Wal;
                if (wal != synced)
                {
                    ok = Sync(wal);
                    synced = wal;
                }
            }
            _lastSyncTimestamp = Stopwatch.GetTimestamp();
            // Read before any acknowledgement: writes logged beyond `tail` so far are other writers'.
            ObserveConcurrency(tail - head, Volatile.Read(ref shard._ringTail) - tail + shard._inbox.Count);
            if (ok)
            {
                // Visible first, then acknowledged: a caller that saw its write acknowledged can read it.
                Volatile.Write(ref shard._visibleSeq, shard._ring[(tail - 1) & mask].Seq);
            }
            var error = Volatile.Read(ref shard._refused);
            // Blocked writers are woken as a tree of themselves after the loop (ThreadParker): this thread makes one
            // wake-up instead of one per writer, and can start the next fsync sooner.
            _unparks.Begin();
            try
            {
                for (long i = head; i < tail; i++)
                {
                    ref var slot = ref shard._ring[i & mask];
                    var request = slot.Request;
                    ulong seq = slot.Seq;
                    slot = default;
                    if (ok) request.SetResult(seq);
                    else request.SetException(error!);
                }
            }
            finally
            {
                _unparks.Release();
            }
            shard.Metrics.SyncedWrites += tail - head;
            // Release: the slots are cleared before the shard may reuse them.
            Volatile.Write(ref shard._ringHead, tail);
            // A writer that found the ring full left its requests queued (the inbox or the carry) and waits
            // for this: the requests stay there until it runs, so reading them here needs no fence.
            if (shard.HasQueuedWrites) shard._thread.Wake();
        }
    }

    // After an fsync failure the shard cannot know what reached the disk: it refuses every later write
    // (PostgreSQL's fsyncgate lesson: retrying fsync can report success for data that was dropped).
    // Reads go on; a reopen recovers from what is really on disk.
    private void Refuse(StorageException cause)
    {
        var error = new StorageException(StorageError.WritesRefused,
            $"shard {_index} refuses writes after a failed fsync of its write-ahead log: {cause.Message}", cause);
        Interlocked.CompareExchange(ref _refused, error, null);
        _thread.Wake();
    }
}
