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

        private bool Sync(WalWriter wal)
        {
            try
            {
                long start = Stopwatch.GetTimestamp();
                wal.Sync();
                shard.Metrics.Syncs++;
                shard.Metrics.SyncTicks += Stopwatch.GetTimestamp() - start;
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
            if (ok)
            {
                // Visible first, then acknowledged: a caller that saw its write acknowledged can read it.
                Volatile.Write(ref shard._visibleSeq, shard._ring[(tail - 1) & mask].Seq);
            }
            var error = Volatile.Read(ref shard._refused);
            for (long i = head; i < tail; i++)
            {
                ref var slot = ref shard._ring[i & mask];
                var request = slot.Request;
                ulong seq = slot.Seq;
                slot = default;
                if (ok) request.SetResult(seq);
                else request.SetException(error!);
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
