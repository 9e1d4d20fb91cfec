using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;
using Xunit.Abstractions;
using static Basalt.Tests.Storage.Faults.FaultFixture;

namespace Basalt.Tests.Storage.Faults;

// fsync failures, for each kind of file (docs/fault-injection.md has the outcomes):
//   - the log: the write is not acknowledged, the shard refuses every later write (WritesRefused), reads go on, and
//     nothing the failed fsync covered becomes visible while the engine runs;
//   - a segment, the manifest or the folder during a flush: that flush attempt fails and is retried with new files
//     (the log still holds the data); writes go on; nothing is lost and nothing is left behind.
public class FsyncFailureTests(ITestOutputHelper output) : IDisposable
{
    private readonly FaultFixture _fx = new();
    public void Dispose() => _fx.Dispose();

    private async Task<StorageEngine> WithAcknowledged(int count, Durability durability = Durability.Sync)
    {
        var engine = _fx.Open(durability);
        for (int i = 0; i < count; i++) await engine.PutAsync(B($"k{i:D3}"), [], B($"v{i}"));
        return engine;
    }

    private static void AssertAcknowledged(StorageEngine engine, int count)
    {
        for (int i = 0; i < count; i++) Assert.Equal(B($"v{i}"), engine.Get(B($"k{i:D3}"), []));
    }

    [Theory]
    [InlineData(true, Durability.Sync)]
    [InlineData(false, Durability.Sync)]
    [InlineData(true, Durability.Group)]
    [InlineData(false, Durability.Group)]
    public async Task A_failed_log_fsync_refuses_writes_keeps_reads_and_loses_nothing_acknowledged(bool crash, Durability durability)
    {
        var engine = await WithAcknowledged(50, durability);
        bool failing = true;
        var rule = _fx.Plan.When(FileOp.Sync, "wal-").While(() => failing).Inject(FaultKind.IoError);
        var e = await Assert.ThrowsAsync<StorageException>(async () => await engine.PutAsync(B("failed"), [], B("x")));
        Assert.Equal(StorageError.WritesRefused, e.Error);
        Assert.Contains("failed fsync", e.Message);
        Assert.True(rule.Hits >= 1);
        failing = false;
        // Refused from then on, even with the device healthy again: what reached the disk is unknown.
        e = await Assert.ThrowsAsync<StorageException>(async () => await engine.PutAsync(B("later"), [], B("y")));
        Assert.Equal(StorageError.WritesRefused, e.Error);
        Assert.NotNull(engine.WritesRefusedError(0));
        AssertAcknowledged(engine, 50);        // reads go on
        Assert.Null(engine.Get(B("failed"), [])); // never visible while the engine runs
        Assert.Null(engine.Get(B("later"), []));

        if (crash) _fx.Crash();
        else _fx.Close(engine);
        _fx.Plan.Clear();
        engine = _fx.Open(durability);
        AssertAcknowledged(engine, 50);
        Assert.Null(engine.Get(B("later"), [])); // refused before it was logged
        var failed = engine.Get(B("failed"), []);
        // After a power loss the unsynced record is gone. After a clean close it was in the file all along and is
        // replayed: a write that failed with WritesRefused has an unknown outcome, like any failed write.
        if (crash) Assert.Null(failed);
        else Assert.True(failed is null || failed.AsSpan().SequenceEqual(B("x")));
        output.WriteLine($"crash {crash}: the refused write is {(failed is null ? "absent" : "present")} after the reopen");
        await engine.PutAsync(B("after"), [], B("ok")); // a reopen takes writes again
        Assert.Equal(B("ok"), engine.Get(B("after"), []));
    }

    [Fact]
    public async Task In_async_mode_a_failed_background_fsync_refuses_later_writes()
    {
        var engine = await WithAcknowledged(50, Durability.Async);
        _fx.Plan.When(FileOp.Sync, "wal-").Inject(FaultKind.IoError);
        await engine.PutAsync(B("unsynced"), [], B("x")); // acknowledged at once; its fsync, in the background, fails
        await Until(() => engine.WritesRefusedError(0) is not null, "the background fsync to fail");
        var e = await Assert.ThrowsAsync<StorageException>(async () => await engine.PutAsync(B("later"), [], B("y")));
        Assert.Equal(StorageError.WritesRefused, e.Error);
        AssertAcknowledged(engine, 50);
    }

    [Fact]
    public async Task A_failed_segment_fsync_fails_one_flush_attempt_which_is_retried()
    {
        var engine = await WithAcknowledged(300);
        var rule = _fx.Plan.When(FileOp.Sync, "seg-").Nth(1).Inject(FaultKind.IoError);
        await engine.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, rule.Hits);
        var metrics = engine.ShardMetrics[0];
        Assert.True(metrics.MaintenanceErrors >= 1);
        Assert.Contains("seg-", metrics.LastMaintenanceError);
        Assert.Null(engine.WritesRefusedError(0)); // not the log's fsync: writes go on
        Assert.Single(_fx.Files("seg-"));           // the failed attempt's file is gone
        await engine.PutAsync(B("after"), [], B("ok"));
        AssertAcknowledged(engine, 300);
        _fx.Crash();
        engine = _fx.Open();
        AssertAcknowledged(engine, 300);
        Assert.Equal(B("ok"), engine.Get(B("after"), []));
    }

    [Fact]
    public async Task A_failed_manifest_fsync_fails_one_flush_attempt_and_the_old_manifest_stays()
    {
        var engine = await WithAcknowledged(300);
        var before = _fx.Memory.ReadAll(ShardDir + "/MANIFEST");
        using var gate = new FaultGate();
        var rule = _fx.Plan.When(FileOp.Sync, "MANIFEST.tmp").Nth(1).Inject(FaultKind.IoError);
        _fx.Plan.When(FileOp.Create, "seg-").While(() => rule.Hits > 0).Nth(1).Hold(gate); // look before the retry
        var flush = engine.FlushAsync();
        await Until(() => gate.Waiting > 0, "the flush to be retried");
        Assert.Equal(before, _fx.Memory.ReadAll(ShardDir + "/MANIFEST"));
        gate.Open();
        await flush.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Single(_fx.Files("seg-"));
        _fx.Crash();
        _fx.Plan.Clear();
        engine = _fx.Open();
        AssertAcknowledged(engine, 300);
    }

    // The folder's fsync after MANIFEST.tmp was renamed over MANIFEST fails. The rename may reach the disk anyway (a
    // later fsync of the folder, for a new log, carries it): the segment the new manifest lists must still be there.
    [Fact]
    public async Task A_failed_folder_fsync_after_the_manifest_rename_never_loses_the_segment_it_lists()
    {
        var engine = await WithAcknowledged(300);
        bool armed = false, renamed = false;
        using var gate = new FaultGate();
        _fx.Plan.When(FileOp.Rename, "MANIFEST.tmp").While(() => armed).Nth(1).Then(() => renamed = true);
        var fail = _fx.Plan.When(FileOp.SyncDirectory).While(() => renamed).Nth(1).Inject(FaultKind.IoError);
        _fx.Plan.When(FileOp.Create, "seg-").While(() => fail.Hits > 0).Nth(1).Hold(gate); // the retry waits
        armed = true;
        var flush = engine.FlushAsync();
        await Until(() => gate.Waiting > 0, "the flush to be retried");
        _fx.Memory.SyncDirectory(ShardDir); // the rename reached the disk after all
        _fx.Crash();
        gate.Open();
        _fx.Plan.Clear();
        engine = _fx.Open();
        AssertAcknowledged(engine, 300);
    }

    [Fact]
    public async Task The_same_failure_without_a_crash_is_retried_and_leaves_no_file_behind()
    {
        var engine = await WithAcknowledged(300);
        bool armed = false, renamed = false;
        _fx.Plan.When(FileOp.Rename, "MANIFEST.tmp").While(() => armed).Nth(1).Then(() => renamed = true);
        var fail = _fx.Plan.When(FileOp.SyncDirectory).While(() => renamed).Nth(1).Inject(FaultKind.IoError);
        armed = true;
        await engine.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, fail.Hits);
        await engine.PutAsync(B("after"), [], B("ok"));
        await engine.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        // Two flushes, two live segments: the failed attempt's segment went once a manifest without it was durable.
        Assert.Equal(2, _fx.Files("seg-").Length);
        _fx.Crash();
        engine = _fx.Open();
        AssertAcknowledged(engine, 300);
        Assert.Equal(B("ok"), engine.Get(B("after"), []));
    }

    // A new log's folder fsync fails: the writes that needed the new log fail with IoError; the shard is not fenced
    // (no log fsync failed) and the next write opens another log.
    [Fact]
    public async Task A_failed_folder_fsync_of_a_new_log_fails_the_writes_that_needed_it_and_writes_go_on()
    {
        var engine = _fx.Open();
        bool armed = false, created = false;
        _fx.Plan.When(FileOp.Create, "wal-").While(() => armed).Nth(1).Then(() => created = true);
        _fx.Plan.When(FileOp.Rename, "wal-").While(() => armed).Nth(1).Then(() => created = true);
        var fail = _fx.Plan.When(FileOp.SyncDirectory).While(() => created).Nth(1).Inject(FaultKind.IoError);
        armed = true;
        var acked = new List<int>();
        StorageException? error = null;
        for (int i = 0; i < 2000 && error is null; i++)
        {
            try
            {
                await engine.PutAsync(B($"k{i:D4}"), [], new byte[1000]);
                acked.Add(i);
            }
            catch (StorageException e) { error = e; }
        }
        Assert.NotNull(error);
        Assert.Equal(StorageError.IoError, error.Error);
        Assert.Contains("write-ahead log", error.Message);
        Assert.Equal(1, fail.Hits);
        Assert.Null(engine.WritesRefusedError(0));
        await engine.PutAsync(B("after"), [], B("ok"));
        _fx.Crash();
        _fx.Plan.Clear();
        engine = _fx.Open();
        foreach (int i in acked) Assert.Equal(new byte[1000], engine.Get(B($"k{i:D4}"), []));
        Assert.Equal(B("ok"), engine.Get(B("after"), []));
    }

    // The same failure at the end of a compaction: the manifest without the inputs may be on disk, so the output is
    // kept; the inputs stay live too. Whichever manifest the next open finds, everything is there.
    [Fact]
    public async Task A_failed_folder_fsync_after_a_compaction_s_manifest_rename_loses_nothing()
    {
        var engine = _fx.Open(_fx.Options() with { CompactionFanIn = 8 });
        for (int round = 0; round < 3; round++)
        {
            for (int i = round * 100; i < round * 100 + 100; i++) await engine.PutAsync(B($"k{i:D3}"), [], B($"v{i}"));
            await engine.FlushAsync();
        }
        bool armed = false, renamed = false;
        _fx.Plan.When(FileOp.Rename, "MANIFEST.tmp").While(() => armed).Nth(1).Then(() => renamed = true);
        var fail = _fx.Plan.When(FileOp.SyncDirectory).While(() => renamed).Nth(1).Inject(FaultKind.IoError);
        armed = true;
        var e = await Assert.ThrowsAsync<StorageException>(() => engine.CompactAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(StorageError.IoError, e.Error);
        Assert.Equal(1, fail.Hits);
        AssertAcknowledged(engine, 300);
        Assert.Equal(4, _fx.Files("seg-").Length); // three inputs and the kept output
        _fx.Memory.SyncDirectory(ShardDir);         // the rename reached the disk after all
        _fx.Crash();
        _fx.Plan.Clear();
        engine = _fx.Open();
        AssertAcknowledged(engine, 300);
    }
}
