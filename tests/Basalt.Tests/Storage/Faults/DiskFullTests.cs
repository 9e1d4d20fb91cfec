using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Manifest;
using Basalt.Engine.Storage.Vfs;
using static Basalt.Tests.Storage.Faults.FaultFixture;

namespace Basalt.Tests.Storage.Faults;

// ENOSPC on every write path: writes fail with DiskFull and a clear message, reads go on, nothing acknowledged is lost,
// and writes resume once space returns (the switch turned off), across a reopen too.
public class DiskFullTests : IDisposable
{
    private readonly FaultFixture _fx = new();
    public void Dispose() => _fx.Dispose();

    private static void AssertFull(StorageException e)
    {
        Assert.Equal(StorageError.DiskFull, e.Error);
        Assert.Contains("disk full", e.Message);
    }

    // Writes k{from}..k{to-1} one at a time until one fails; returns the acknowledged ones and the error.
    private static async Task<(List<int> Acked, StorageException? Error)> WriteUntilFailure(StorageEngine engine, int from, int to, int valueBytes = 1000)
    {
        var acked = new List<int>();
        for (int i = from; i < to; i++)
        {
            try
            {
                await engine.PutAsync(B($"k{i:D5}"), [], Value(i, valueBytes));
                acked.Add(i);
            }
            catch (StorageException e) { return (acked, e); }
        }
        return (acked, null);
    }

    private static byte[] Value(int i, int bytes) => Enumerable.Repeat((byte)('a' + i % 26), bytes).ToArray();

    private static void AssertPresent(StorageEngine engine, IEnumerable<int> keys, int valueBytes = 1000)
    {
        foreach (int i in keys) Assert.Equal(Value(i, valueBytes), engine.Get(B($"k{i:D5}"), []));
    }

    private int ListedSegments() =>
        ManifestState.Decode(_fx.Memory.ReadAll(ShardDir + "/MANIFEST"), ShardDir + "/MANIFEST").Segments.Count;

    [Fact]
    public async Task Log_append_out_of_space_fails_the_write_and_writes_resume_when_space_returns()
    {
        var engine = _fx.Open();
        var (acked, error) = await WriteUntilFailure(engine, 0, 50);
        Assert.Null(error);
        _fx.Fs.FreeBytes = 0; // a byte budget, spent
        var e = await Assert.ThrowsAsync<StorageException>(async () => await engine.PutAsync(B("k99999"), [], B("x")));
        AssertFull(e);
        e = await Assert.ThrowsAsync<StorageException>(async () => await engine.PutAsync(B("k99998"), [], B("x"))); // a new log cannot be made either
        AssertFull(e);
        AssertPresent(engine, acked);               // reads go on
        Assert.Null(engine.Get(B("k99999"), []));  // never visible
        Assert.Null(engine.WritesRefusedError(0)); // not fenced: space may return
        _fx.Fs.FreeBytes = null;
        var (more, again) = await WriteUntilFailure(engine, 50, 100);
        Assert.Null(again);
        _fx.Crash();
        engine = _fx.Open();
        AssertPresent(engine, acked.Concat(more));
    }

    [Fact]
    public async Task Log_preallocation_out_of_space_fails_the_rotation_s_write_and_writes_resume()
    {
        var engine = _fx.Open();
        bool full = true;
        var rule = _fx.Plan.When(FileOp.SetLength, "wal-").While(() => full).Inject(FaultKind.DiskFull);
        var (acked, error) = await WriteUntilFailure(engine, 0, 2000); // 256 KiB memtables: a rotation within 300 writes
        Assert.NotNull(error);
        AssertFull(error);
        Assert.True(rule.Hits >= 1);
        AssertPresent(engine, acked);
        full = false;
        var (more, again) = await WriteUntilFailure(engine, 2000, 2600);
        Assert.Null(again);
        _fx.Crash();
        engine = _fx.Open();
        AssertPresent(engine, acked.Concat(more));
    }

    [Fact]
    public async Task Zero_ahead_out_of_space_fails_nothing()
    {
        var engine = _fx.Open();
        // Records of small values are written a few hundred bytes at a time; the log's zero-ahead writes are tens of KiB.
        var rule = _fx.Plan.When(FileOp.Write, "wal-").Bytes(16 << 10).Inject(FaultKind.DiskFull);
        var (acked, error) = await WriteUntilFailure(engine, 0, 1500, valueBytes: 100);
        Assert.Null(error);
        Assert.True(rule.Hits >= 1);
        _fx.Crash();
        _fx.Plan.Clear();
        engine = _fx.Open();
        AssertPresent(engine, acked, valueBytes: 100);
    }

    [Fact]
    public async Task Flush_out_of_space_stalls_then_fails_writes_with_disk_full_and_recovers_leaving_no_partial_segment()
    {
        var engine = _fx.Open(Durability.Async);
        bool full = true;
        var rule = _fx.Plan.When(FileOp.Write, "seg-").While(() => full).Inject(FaultKind.DiskFull);
        var writes = Enumerable.Range(0, 400).Select(i => engine.PutAsync(B($"k{i:D5}"), [], Value(i, 4000)).AsTask()).ToArray();
        var outcomes = await Task.WhenAll(writes.Select(async w => { try { await w; return "ok"; } catch (StorageException e) { return e.Error + ": " + e.Message; } }))
            .WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("ok", outcomes);
        var failed = outcomes.Where(o => o != "ok").ToArray();
        Assert.NotEmpty(failed);
        Assert.All(failed, o => Assert.StartsWith("DiskFull: shard 0 cannot take writes: memtables cannot be flushed", o));
        Assert.All(failed, o => Assert.Contains("disk full", o));
        Assert.True(rule.Hits >= 1);
        var acked = Enumerable.Range(0, 400).Where(i => outcomes[i] == "ok").ToArray();
        AssertPresent(engine, acked, valueBytes: 4000);

        full = false;
        await engine.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await engine.PutAsync(B("k99999"), [], Value(99999, 4000));
        await engine.WhenMaintenanceIdleAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ListedSegments(), _fx.Files("seg-").Length); // every failed attempt's file is gone
        _fx.Close(engine);
        engine = _fx.Open(Durability.Async);
        AssertPresent(engine, acked.Append(99999), valueBytes: 4000);
    }

    [Fact]
    public async Task Compaction_out_of_space_fails_the_compaction_only_and_succeeds_when_space_returns()
    {
        var engine = _fx.Open(_fx.Options() with { CompactionFanIn = 8 }); // no automatic compaction of four segments
        var keys = new List<int>();
        for (int round = 0; round < 4; round++)
        {
            var (acked, error) = await WriteUntilFailure(engine, round * 100, round * 100 + 100, valueBytes: 200);
            Assert.Null(error);
            keys.AddRange(acked);
            await engine.FlushAsync();
        }
        Assert.Equal(4, _fx.Files("seg-").Length);
        _fx.Fs.DiskFull = true;
        var e = await Assert.ThrowsAsync<StorageException>(() => engine.CompactAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        AssertFull(e);
        AssertPresent(engine, keys, valueBytes: 200);
        Assert.Equal(4, _fx.Files("seg-").Length); // the partial output is gone, the inputs stay
        _fx.Fs.DiskFull = false;
        await engine.CompactAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await engine.WhenMaintenanceIdleAsync();
        Assert.Equal(1, ListedSegments());
        await Until(() => _fx.Files("seg-").Length == 1, "the compacted inputs to be deleted");
        _fx.Crash();
        engine = _fx.Open();
        AssertPresent(engine, keys, valueBytes: 200);
    }

    [Fact]
    public async Task Manifest_save_out_of_space_keeps_the_flush_retrying_until_space_returns()
    {
        var engine = _fx.Open();
        var (acked, _) = await WriteUntilFailure(engine, 0, 100, valueBytes: 200);
        bool full = true;
        var rule = _fx.Plan.When(FileOp.Write, "MANIFEST.tmp").While(() => full).Inject(FaultKind.DiskFull);
        var flush = engine.FlushAsync();
        await Until(() => rule.Hits >= 2, "two failed manifest saves");
        Assert.False(flush.IsCompleted);
        Assert.Contains("disk full", engine.ShardMetrics[0].LastMaintenanceError);
        var (more, error) = await WriteUntilFailure(engine, 100, 150, valueBytes: 200); // the log takes writes meanwhile
        Assert.Null(error);
        AssertPresent(engine, acked, valueBytes: 200);
        full = false;
        await flush.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ListedSegments(), _fx.Files("seg-").Length);
        _fx.Crash();
        engine = _fx.Open();
        AssertPresent(engine, acked.Concat(more), valueBytes: 200);
    }

    [Fact]
    public async Task A_full_disk_on_every_path_under_load_stops_writes_keeps_reads_and_recovers()
    {
        var engine = _fx.Open();
        var (acked, error) = await WriteUntilFailure(engine, 0, 200);
        Assert.Null(error);
        _fx.Fs.DiskFull = true; // file creation, writes, pre-allocation: everything
        var writes = Enumerable.Range(1000, 300).Select(i => engine.PutAsync(B($"k{i:D5}"), [], Value(i, 1000)).AsTask()).ToArray();
        var outcomes = await Task.WhenAll(writes.Select(async w => { try { await w; return (StorageError?)null; } catch (StorageException e) { return e.Error; } }))
            .WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(outcomes, o => Assert.Equal(StorageError.DiskFull, o));
        AssertPresent(engine, acked);
        _fx.Fs.DiskFull = false;
        var (more, again) = await WriteUntilFailure(engine, 2000, 2600);
        Assert.Null(again);
        await engine.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        _fx.Crash();
        engine = _fx.Open();
        AssertPresent(engine, acked.Concat(more));
        for (int i = 1000; i < 1300; i++) Assert.Null(engine.Get(B($"k{i:D5}"), []));
    }

    // Recovery writes too (a segment of what it replayed, the manifest, a new log): on a full disk the open fails with
    // DiskFull and leaves nothing half done; once space returns the open succeeds with everything.
    [Fact]
    public async Task An_open_on_a_full_disk_fails_clearly_and_succeeds_when_space_returns()
    {
        var engine = _fx.Open();
        var (acked, error) = await WriteUntilFailure(engine, 0, 100);
        Assert.Null(error);
        _fx.Crash(); // the data is in the log only: the open must flush it
        _fx.Plan.When(FileOp.Write, "seg-").Inject(FaultKind.DiskFull);
        var e = Assert.Throws<StorageException>(() => _fx.Open());
        AssertFull(e);
        Assert.Empty(_fx.Files("seg-"));
        _fx.Plan.Clear();
        engine = _fx.Open();
        AssertPresent(engine, acked);
    }

    // ENOSPC reported by fsync itself (delayed allocation, thin provisioning) is an fsync failure: the written pages may
    // be gone, so the shard refuses writes until it is reopened, with the cause in the message.
    [Fact]
    public async Task Out_of_space_reported_by_the_log_fsync_refuses_writes_until_the_reopen()
    {
        var engine = _fx.Open();
        var (acked, _) = await WriteUntilFailure(engine, 0, 20);
        bool full = true;
        _fx.Plan.When(FileOp.Sync, "wal-").While(() => full).Inject(FaultKind.DiskFull);
        var e = await Assert.ThrowsAsync<StorageException>(async () => await engine.PutAsync(B("x"), [], B("x")));
        Assert.Equal(StorageError.WritesRefused, e.Error);
        Assert.Contains("disk full", e.Message);
        full = false;
        Assert.Equal(StorageError.WritesRefused, (await Assert.ThrowsAsync<StorageException>(async () => await engine.PutAsync(B("y"), [], B("y")))).Error);
        AssertPresent(engine, acked);
        _fx.Close(engine);
        engine = _fx.Open();
        AssertPresent(engine, acked);
        await engine.PutAsync(B("after"), [], B("ok"));
    }

    // A disk that still takes new (sparse) files but no data, as ext4 does when full: each failed write needs a new
    // log, and none may be left behind per failure.
    [Fact]
    public async Task Failed_writes_on_a_full_disk_leave_no_empty_logs_behind()
    {
        var engine = _fx.Open();
        var (acked, _) = await WriteUntilFailure(engine, 0, 10);
        int logsBefore = _fx.Files("wal-").Length;
        bool full = true;
        _fx.Plan.When(FileOp.Write, "wal-").While(() => full).Inject(FaultKind.DiskFull);
        for (int i = 0; i < 200; i++)
            AssertFull(await Assert.ThrowsAsync<StorageException>(async () => await engine.PutAsync(B($"x{i}"), [], B("x"))));
        await Until(() => _fx.Files("wal-").Length <= logsBefore + 1, $"at most one log more than {logsBefore}, not {_fx.Files("wal-").Length}");
        full = false;
        var (more, error) = await WriteUntilFailure(engine, 10, 20);
        Assert.Null(error);
        _fx.Crash();
        engine = _fx.Open();
        AssertPresent(engine, acked.Concat(more));
    }

    // File creation alone fails (no inode, no room in the folder): a rotation cannot make its log and a flush cannot
    // make its segment.
    [Fact]
    public async Task File_creation_out_of_space_fails_the_writes_that_need_a_new_file_and_writes_resume()
    {
        var engine = _fx.Open();
        bool full = true;
        var rule = _fx.Plan.When(FileOp.Create).While(() => full).Inject(FaultKind.DiskFull);
        var (acked, error) = await WriteUntilFailure(engine, 0, 2000);
        Assert.NotNull(error);
        AssertFull(error);
        Assert.True(rule.Hits >= 1);
        AssertPresent(engine, acked);
        full = false;
        var (more, again) = await WriteUntilFailure(engine, 2000, 2600);
        Assert.Null(again);
        await engine.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        _fx.Crash();
        engine = _fx.Open();
        AssertPresent(engine, acked.Concat(more));
    }
}
