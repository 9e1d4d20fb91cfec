using Basalt.Engine;
using Basalt.Engine.Storage.Vfs;
using Basalt.Engine.Storage.Wal;
using static Basalt.Tests.Storage.Wal.WalTestKit;

namespace Basalt.Tests.Storage.Wal;

public class WalWriterTests
{
    [Fact]
    public void Round_trip_of_records_from_0_bytes_to_1_MiB() => WithSeed(random =>
    {
        var fs = NewFs();
        var written = new List<(ulong Seq, byte[] Payload)>();
        string path;
        using (var writer = WalWriter.Create(fs, Dir, logNumber: 3, preallocateBytes: 256 << 10))
        {
            path = writer.Path;
            for (int i = 0; i < 150; i++)
            {
                int bytes = i switch
                {
                    0 => 0,
                    1 => 1 << 20,
                    _ when random.Next(10) == 0 => random.Next((1 << 20) + 1),
                    _ => random.Next(2048),
                };
                var payload = Payload(random, bytes);
                ulong seq = (ulong)i * 3 + 1;
                if (random.Next(2) == 0)
                {
                    writer.Append(seq, payload);
                }
                else
                {
                    payload.CopyTo(writer.BeginAppend(payload.Length));
                    writer.EndAppend(seq);
                }
                written.Add((seq, payload));
                if (random.Next(4) == 0) writer.Flush();
            }
            long end = writer.Flush();
            Assert.Equal(0, writer.BufferedBytes);
            Assert.Equal(end, writer.Sync());
            Assert.Equal(end, writer.SyncedPosition);
        }

        fs.Crash(); // everything was synced: nothing may be lost
        var (read, result) = ReadAll(fs, path, 3);
        AssertSame(written, read);
        Assert.False(result.TornTailCut);
        Assert.Equal(written.Sum(r => 21L + r.Payload.Length), result.EndOffset);
    });

    [Fact]
    public void Round_trip_on_the_real_file_system_including_recycling() => WithSeed(random =>
    {
        string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "basalt-wal-" + Guid.NewGuid().ToString("N"));
        var fs = RealFileSystem.Instance;
        fs.CreateDirectory(dir);
        try
        {
            var first = new List<(ulong, byte[])>();
            string firstPath;
            using (var writer = WalWriter.Create(fs, dir, logNumber: 1, preallocateBytes: 64 << 10))
            {
                firstPath = writer.Path;
                for (int i = 0; i < 300; i++)
                {
                    var payload = Payload(random, random.Next(i % 50 == 0 ? 64 << 10 : 512));
                    writer.Append((ulong)i + 1, payload);
                    first.Add(((ulong)i + 1, payload));
                    if (i % 7 == 0) writer.Flush();
                }
                writer.Flush();
                writer.Sync();
            }
            Assert.True(new FileInfo(firstPath).Length % (64 << 10) == 0);
            var (read, result) = ReadAll(fs, firstPath, 1);
            AssertSame(first, read);
            Assert.False(result.TornTailCut);

            var second = new List<(ulong, byte[])>();
            string secondPath;
            using (var writer = WalWriter.Create(fs, dir, logNumber: 2, preallocateBytes: 64 << 10, recyclePath: firstPath))
            {
                secondPath = writer.Path;
                for (int i = 0; i < 5; i++)
                {
                    var payload = Payload(random, 100);
                    writer.Append(1000 + (ulong)i, payload);
                    second.Add((1000 + (ulong)i, payload));
                }
                writer.Flush();
                writer.Sync();
            }
            Assert.False(File.Exists(firstPath));
            Assert.Equal(System.IO.Path.Combine(dir, "wal-00000002.log"), secondPath);
            (read, result) = ReadAll(fs, secondPath, 2);
            AssertSame(second, read);
            Assert.False(result.TornTailCut);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    });

    [Fact]
    public void Pre_allocation_is_extended_by_the_same_size_when_outgrown() => WithSeed(random =>
    {
        const int Step = 4096;
        var fs = NewFs();
        var written = new List<(ulong, byte[])>();
        string path;
        using (var writer = WalWriter.Create(fs, Dir, logNumber: 9, preallocateBytes: Step))
        {
            path = writer.Path;
            Assert.Equal(Step, fs.ReadAll(path).Length);
            for (int i = 0; i < 120; i++)
            {
                // Mostly small records, one larger than several steps at once.
                var payload = Payload(random, i == 60 ? 3 * Step + 100 : 100);
                writer.Append((ulong)i, payload);
                written.Add(((ulong)i, payload));
                long end = writer.Flush();
                // The smallest whole number of steps that holds the records and the end marker.
                long expected = Math.Max(Step, (end + 21 + Step - 1) / Step * Step);
                Assert.Equal(expected, fs.ReadAll(path).Length);
            }
            Assert.True(fs.ReadAll(path).Length > 5 * Step);
            writer.Sync();
        }
        fs.Crash(); // the extensions themselves must be durable once synced
        var (read, result) = ReadAll(fs, path, 9);
        AssertSame(written, read);
        Assert.False(result.TornTailCut);
    });

    [Fact]
    public void A_recycled_log_returns_only_its_own_records() => WithSeed(random =>
    {
        var fs = NewFs();
        string oldPath;
        using (var old = WalWriter.Create(fs, Dir, logNumber: 4, preallocateBytes: 64 << 10))
        {
            oldPath = old.Path;
            AppendFlushed(old, random, 200, _ => random.Next(50, 400));
            old.Sync();
        }
        long oldBytes = fs.ReadAll(oldPath).Length;

        using (var recycled = WalWriter.Create(fs, Dir, logNumber: 5, preallocateBytes: 64 << 10, recyclePath: oldPath))
        {
            Assert.False(fs.Exists(oldPath));
            Assert.Equal("/wal/wal-00000005.log", recycled.Path);

            // Nothing written yet: the old records must not show through.
            var (none, emptyResult) = ReadAll(fs, recycled.Path, 5);
            Assert.Empty(none);
            Assert.False(emptyResult.TornTailCut);
            Assert.Equal(0, emptyResult.EndOffset);

            var (fresh, _) = AppendFlushed(recycled, random, 7, _ => random.Next(10, 300));
            recycled.Sync();

            var bytes = fs.ReadAll(recycled.Path);
            Assert.Equal(oldBytes, bytes.Length); // reused in place, not truncated
            // The old life is really still there behind the new records (else this test proves nothing).
            Assert.True(bytes.AsSpan((int)recycled.FlushedPosition + 21, 1000).ContainsAnyExcept((byte)0));

            var (read, result) = ReadAll(fs, recycled.Path, 5);
            AssertSame(fresh, read);
            Assert.False(result.TornTailCut);
            Assert.Equal(recycled.FlushedPosition, result.EndOffset);
        }
    });

    [Fact]
    public void A_recycled_log_that_crashed_before_its_first_sync_reads_empty() => WithSeed(random =>
    {
        var fs = NewFs();
        string oldPath;
        using (var old = WalWriter.Create(fs, Dir, logNumber: 1, preallocateBytes: 16 << 10))
        {
            oldPath = old.Path;
            AppendFlushed(old, random, 50, _ => 200);
            old.Sync();
        }
        string path;
        using (var recycled = WalWriter.Create(fs, Dir, logNumber: 2, preallocateBytes: 16 << 10, recyclePath: oldPath))
        {
            path = recycled.Path;
            AppendFlushed(recycled, random, 3, _ => 200);
        }
        fs.Crash();
        Assert.False(fs.Exists(oldPath)); // Create synced the rename
        var (read, result) = ReadAll(fs, path, 2);
        Assert.Empty(read);
        Assert.False(result.TornTailCut);
    });

    [Fact]
    public void Create_makes_the_empty_log_durable()
    {
        var fs = NewFs();
        string path;
        using (var writer = WalWriter.Create(fs, Dir, logNumber: 12, preallocateBytes: 8192)) path = writer.Path;
        fs.Crash();
        Assert.True(fs.Exists(path));
        Assert.Equal(8192, fs.ReadAll(path).Length);
        var (read, result) = ReadAll(fs, path, 12);
        Assert.Empty(read);
        Assert.Equal(new WalReadResult(0, false, 0), result);
    }

    [Fact]
    public void A_failed_sync_poisons_the_writer()
    {
        bool failSync = false;
        int syncs = 0;
        var fs = new FaultInjectingFileSystem(NewFs(), (op, _, _) =>
        {
            if (op != FileOp.Sync) return FaultKind.None;
            syncs++;
            return failSync ? FaultKind.IoError : FaultKind.None;
        });
        using var writer = WalWriter.Create(fs, Dir, logNumber: 1, preallocateBytes: 4096);
        writer.Append(1, "first"u8);
        long flushed = writer.Flush();
        Assert.Equal(flushed, writer.Sync());

        int syncsBefore = syncs;
        Assert.Equal(flushed, writer.Sync()); // nothing new flushed: no fdatasync at all
        Assert.Equal(syncsBefore, syncs);

        writer.Append(2, "second"u8);
        writer.Flush();
        failSync = true;
        var cause = Assert.Throws<StorageException>(() => writer.Sync());
        Assert.Equal(StorageError.IoError, cause.Error);
        Assert.True(writer.IsPoisoned);
        Assert.Equal(flushed, writer.SyncedPosition);

        failSync = false; // even if the disk "recovers", nothing is trusted any more
        AssertRefused(() => writer.Append(3, "third"u8), cause);
        AssertRefused(() => writer.BeginAppend(10), cause);
        AssertRefused(() => writer.Flush(), cause);
        AssertRefused(() => writer.Sync(), cause);
    }

    [Fact]
    public void A_failed_flush_poisons_appends_but_still_syncs_what_was_flushed_before()
    {
        bool failWrite = false;
        var fs = new FaultInjectingFileSystem(NewFs(), (op, _, _) =>
            op == FileOp.Write && failWrite ? FaultKind.DiskFull : FaultKind.None);
        using var writer = WalWriter.Create(fs, Dir, logNumber: 1, preallocateBytes: 4096);
        writer.Append(1, "kept"u8);
        long flushed = writer.Flush();
        writer.Append(2, "lost"u8);
        failWrite = true;
        var cause = Assert.Throws<StorageException>(() => writer.Flush());
        Assert.Equal(StorageError.DiskFull, cause.Error);
        Assert.Equal(0, writer.BufferedBytes);
        Assert.Equal(flushed, writer.FlushedPosition);

        failWrite = false;
        AssertRefused(() => writer.Append(3, "x"u8), cause);
        AssertRefused(() => writer.Flush(), cause);
        // The record flushed before the failure is whole: a full disk must not cost it its durability.
        Assert.Equal(flushed, writer.Sync());
        Assert.Equal(flushed, writer.SyncedPosition);
    }

    [Fact]
    public void A_failed_pre_allocation_extension_poisons_the_writer()
    {
        var memory = NewFs();
        using var writer = WalWriter.Create(memory, Dir, logNumber: 1, preallocateBytes: 4096);
        memory.CapacityBytes = 4096; // the log's current size: no room to extend
        writer.Append(1, new byte[5000]);
        var cause = Assert.Throws<StorageException>(() => writer.Flush());
        Assert.Equal(StorageError.DiskFull, cause.Error);
        AssertRefused(() => writer.Append(2, "x"u8), cause);
    }

    [Fact]
    public void A_torn_flush_leaves_a_prefix_that_recovery_cuts_cleanly() => WithSeed(random =>
    {
        bool tear = false;
        var memory = NewFs();
        var fs = new FaultInjectingFileSystem(memory, (op, _, _) =>
            op == FileOp.Write && tear ? FaultKind.TornWrite : FaultKind.None);
        string path;
        List<(ulong Seq, byte[] Payload)> durable;
        var attempted = new List<(ulong Seq, byte[] Payload)>();
        using (var writer = WalWriter.Create(fs, Dir, logNumber: 6, preallocateBytes: 64 << 10))
        {
            path = writer.Path;
            (durable, _) = AppendFlushed(writer, random, 10, _ => random.Next(20, 200));
            writer.Sync();
            for (int i = 0; i < 10; i++)
            {
                var payload = Payload(random, random.Next(20, 200));
                writer.Append(500 + (ulong)i, payload);
                attempted.Add((500 + (ulong)i, payload));
            }
            tear = true;
            Assert.Equal(StorageError.IoError, Assert.Throws<StorageException>(() => writer.Flush()).Error);
            Assert.True(writer.IsPoisoned);
        }

        // No crash: the torn half is in the file. The records of the failed flush that made it whole come back
        // (their outcome was reported as unknown); the one cut in half must not, and nothing may be invented.
        long halfBytes = (attempted.Sum(r => 21L + r.Payload.Length) + 21) / 2; // what the injected tear writes
        int whole = 0;
        long endBytes = 0;
        foreach (var (_, payload) in attempted)
        {
            if (endBytes + 21 + payload.Length > halfBytes) break;
            endBytes += 21 + payload.Length;
            whole++;
        }
        var (read, result) = ReadAll(memory, path, 6);
        Assert.Equal(durable.Count + whole, read.Count);
        AssertSame(durable.Concat(attempted).Take(read.Count).ToList(), read);
        // A tear exactly on a record boundary leaves the zero fill behind it: a clean end, not a cut.
        Assert.Equal(endBytes != halfBytes, result.TornTailCut);
    });

    [Fact]
    public void Syncing_on_another_thread_while_appending_keeps_everything_at_or_below_the_synced_position() => WithSeed(random =>
    {
        var fs = NewFs();
        var written = new List<(ulong Seq, byte[] Payload)>();
        var ends = new List<long>();
        string path;
        long synced;
        int syncCalls = 0;
        using (var writer = WalWriter.Create(fs, Dir, logNumber: 8, preallocateBytes: 32 << 10))
        {
            path = writer.Path;
            var shardRandom = new Random(random.Next()); // the syncer thread owns `random` from here on
            using var stop = new ManualResetEventSlim();
            Exception? syncerError = null;
            var syncer = new Thread(() =>
            {
                try
                {
                    long last = 0;
                    while (!stop.IsSet)
                    {
                        long covered = writer.Sync();
                        Assert.True(covered >= last, "SyncedPosition went backwards");
                        last = covered;
                        syncCalls++;
                        Thread.Sleep(random.Next(2) == 0 ? 0 : 1);
                    }
                }
                catch (Exception e) { syncerError = e; }
            }) { IsBackground = true };
            syncer.Start();

            for (int i = 0; i < 3000; i++)
            {
                var payload = Payload(shardRandom, shardRandom.Next(0, 600));
                writer.Append((ulong)i + 1, payload);
                written.Add(((ulong)i + 1, payload));
                ends.Add(writer.FlushedPosition + writer.BufferedBytes);
                if (shardRandom.Next(3) == 0) writer.Flush();
                Assert.True(writer.SyncedPosition <= writer.FlushedPosition);
            }
            writer.Flush();
            // On a loaded machine the syncer may not have run yet (the appends take milliseconds): let it sync at
            // least once before stopping it, so the crash below has a synced position to check.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (writer.SyncedPosition == 0 && syncerError is null && DateTime.UtcNow < deadline) Thread.Sleep(1);
            stop.Set();
            Assert.True(syncer.Join(TimeSpan.FromSeconds(10)));
            Assert.Null(syncerError);
            synced = writer.SyncedPosition;
            Assert.True(synced > 0, "the syncer never synced");
        }

        fs.Crash();
        var (read, result) = ReadAll(fs, path, 8);
        int mustSurvive = ends.Count(e => e <= synced);
        Assert.True(read.Count >= mustSurvive, $"{read.Count} records survived, {mustSurvive} were synced ({syncCalls} syncs)");
        AssertSame(written.Take(read.Count).ToList(), read);
        Assert.False(result.TornTailCut);
    });

    [Fact]
    public void Misuse_and_bounds_are_reported()
    {
        var fs = NewFs();
        Assert.Equal(StorageError.InvalidArgument,
            Assert.Throws<StorageException>(() => WalWriter.Create(fs, Dir, 1, preallocateBytes: 10)).Error);

        var writer = WalWriter.Create(fs, Dir, logNumber: 1, preallocateBytes: 4096);
        Assert.Equal(StorageError.BatchTooLarge,
            Assert.Throws<StorageException>(() => writer.BeginAppend(Limits.WriteBatchBytesMax + 1)).Error);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.BeginAppend(-1));
        Assert.Throws<InvalidOperationException>(() => writer.EndAppend(1));

        writer.BeginAppend(3).Fill(7);
        Assert.Throws<InvalidOperationException>(() => writer.BeginAppend(3));
        Assert.Throws<InvalidOperationException>(() => writer.Flush());
        writer.EndAppend(1);
        Assert.Equal(24, writer.BufferedBytes);
        Assert.Equal(24, writer.Flush());
        Assert.Equal(24, writer.Flush()); // nothing buffered: no write, same position

        writer.Dispose();
        writer.Dispose();
        Assert.Equal(StorageError.Closed, Assert.Throws<StorageException>(() => writer.Append(2, "x"u8)).Error);
        Assert.Equal(StorageError.Closed, Assert.Throws<StorageException>(() => writer.Sync()).Error);
    }

    [Fact]
    public void A_batch_of_the_maximum_size_round_trips()
    {
        var fs = NewFs();
        var payload = new byte[Limits.WriteBatchBytesMax];
        new Random(1).NextBytes(payload);
        string path;
        using (var writer = WalWriter.Create(fs, Dir, logNumber: 1, preallocateBytes: 1 << 20))
        {
            path = writer.Path;
            writer.Append(77, payload);
            writer.Append(78, "after"u8);
            writer.Flush();
            // A flush of more than BufferRetainBytesMax gives the big buffer back; the writer keeps working.
            writer.Append(79, "small"u8);
            writer.Flush();
        }
        var (read, _) = ReadAll(fs, path, 1);
        AssertSame([(77, payload), (78, "after"u8.ToArray()), (79, "small"u8.ToArray())], read);
    }

    // Zero-ahead (WalWriter.ZeroAheadBytes): a new log's blocks are written with zeros a chunk ahead of its records,
    // never over them; a recycled log is left alone; a failed zero write fails nothing.
    [Fact]
    public void A_new_log_is_zeroed_a_chunk_ahead_of_its_records_and_never_over_them() => WithSeed(random =>
    {
        var writes = new List<int>();
        var fs = new FaultInjectingFileSystem(NewFs(), (op, _, bytes) => { if (op == FileOp.Write) writes.Add(bytes); return FaultKind.None; });
        const int chunk = WalWriter.ZeroAheadBytes;
        var written = new List<(ulong Seq, byte[] Payload)>();
        string path;
        using (var writer = WalWriter.Create(fs, Dir, logNumber: 2, preallocateBytes: 4 * chunk))
        {
            path = writer.Path;
            writes.Clear(); // the creation's end marker
            var first = Payload(random, 100);
            writer.Append(1, first);
            written.Add((1, first));
            writer.Flush();
            Assert.Equal([100 + 21 + 21, chunk], writes); // the records and their end marker, then one chunk of zeros
            writes.Clear();
            // Records up to half a chunk past the zeroed end need no more zeros; past it, the next chunk follows.
            long zeroed = 121 + 21 + chunk;
            ulong seq = 2;
            while (writer.FlushedPosition + 4000 + 42 < zeroed - chunk / 2)
            {
                var payload = Payload(random, 4000);
                writer.Append(seq, payload);
                written.Add((seq++, payload));
                writer.Flush();
            }
            Assert.DoesNotContain(chunk, writes);
            var more = Payload(random, chunk);
            writer.Append(seq, more);
            written.Add((seq, more));
            writer.Flush();
            Assert.Equal(chunk, writes[^1]);
            // Records crossing the pre-allocation's end extend it; zeros stop at the file's end.
            while (writer.FlushedPosition < 5L * chunk)
            {
                var payload = Payload(random, random.Next(1, 3 * chunk / 2));
                writer.Append(++seq, payload);
                written.Add((seq, payload));
                writer.Flush();
            }
            writer.Sync();
            Assert.True(fs.Inner is MemoryFileSystem m && m.ReadAll(path).Length == 8 * chunk);
        }
        var (read, result) = ReadAll(fs, path, 2);
        AssertSame(written, read);
        Assert.False(result.TornTailCut);
    });

    [Fact]
    public void A_recycled_log_is_not_zeroed_ahead()
    {
        var fs = NewFs();
        string oldPath;
        using (var old = WalWriter.Create(fs, Dir, logNumber: 1, preallocateBytes: 1 << 20)) oldPath = old.Path;
        var writes = new List<int>();
        var faults = new FaultInjectingFileSystem(fs, (op, _, bytes) => { if (op == FileOp.Write) writes.Add(bytes); return FaultKind.None; });
        using var recycled = WalWriter.Create(faults, Dir, logNumber: 2, preallocateBytes: 1 << 20, recyclePath: oldPath);
        writes.Clear();
        recycled.Append(1, new byte[300]);
        recycled.Flush();
        Assert.Equal([300 + 42], writes);
    }

    [Fact]
    public void A_failed_zero_write_fails_no_record_and_zero_ahead_stops()
    {
        int zeroWrites = 0;
        var fs = new FaultInjectingFileSystem(NewFs(), (op, _, bytes) =>
        {
            if (op != FileOp.Write || bytes != WalWriter.ZeroAheadBytes) return FaultKind.None;
            zeroWrites++;
            return FaultKind.DiskFull;
        });
        string path;
        using (var writer = WalWriter.Create(fs, Dir, logNumber: 3, preallocateBytes: 1 << 20))
        {
            path = writer.Path;
            writer.Append(1, "one"u8);
            writer.Flush();
            writer.Append(2, new byte[WalWriter.ZeroAheadBytes]);
            writer.Flush();
            writer.Sync();
            Assert.False(writer.IsPoisoned);
        }
        Assert.Equal(1, zeroWrites);
        var (read, _) = ReadAll(fs, path, 3);
        AssertSame([(1, "one"u8.ToArray()), (2, new byte[WalWriter.ZeroAheadBytes])], read);
    }

    private static void AssertRefused(Action action, StorageException cause)
    {
        var e = Assert.Throws<StorageException>(action);
        Assert.Equal(StorageError.WritesRefused, e.Error);
        Assert.Same(cause, e.InnerException);
    }
}
