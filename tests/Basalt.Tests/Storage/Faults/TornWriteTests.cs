using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;
using static Basalt.Tests.Storage.Faults.FaultFixture;

namespace Basalt.Tests.Storage.Faults;

// A power loss in the middle of a write leaves a torn last page (FaultKind.TornPage: whole 4 KiB pages, then part of
// the last one, durable). In the log, recovery cuts the torn record and every acknowledged write survives; in a
// segment being flushed, the manifest does not list the file and the open deletes it; in a manifest save, the old
// manifest stays the valid one.
public class TornWriteTests : IDisposable
{
    private readonly FaultFixture _fx = new();
    public void Dispose() => _fx.Dispose();

    private static byte[] Big(int i) => Enumerable.Repeat((byte)('a' + i % 26), 10_000).ToArray();

    [Fact]
    public async Task A_torn_last_page_in_the_log_is_cut_at_recovery_and_every_acknowledged_write_survives()
    {
        var engine = _fx.Open();
        for (int i = 0; i < 20; i++) await engine.PutAsync(B($"t{i:D2}"), [], Big(i));
        // The next record's write (about 10 KB: two whole pages and part of a third) is torn by the power going out.
        var tear = _fx.Plan.When(FileOp.Write, "wal-").Bytes(10_000, 20_000).Nth(1).Inject(FaultKind.TornPage);
        var e = await Assert.ThrowsAsync<StorageException>(async () => await engine.PutAsync(B("t20"), [], Big(20)));
        Assert.Equal(StorageError.IoError, e.Error);
        Assert.Equal(1, tear.Hits);
        _fx.Crash();
        _fx.Plan.Clear();

        engine = _fx.Open();
        for (int i = 0; i < 20; i++) Assert.Equal(Big(i), engine.Get(B($"t{i:D2}"), []));
        Assert.Null(engine.Get(B("t20"), [])); // never acknowledged, and its record is torn: cut
        Assert.Equal(1, engine.ShardMetrics[0].WalTailsCut);
        await engine.PutAsync(B("t21"), [], Big(21));
        Assert.Equal(Big(21), engine.Get(B("t21"), []));
    }

    [Fact]
    public async Task A_segment_torn_during_a_flush_is_not_in_the_manifest_and_is_deleted_at_the_open()
    {
        var engine = _fx.Open();
        for (int i = 0; i < 300; i++) await engine.PutAsync(B($"k{i:D3}"), [], B($"value-{i}-" + new string('v', 100)));
        using var gate = new FaultGate();
        var tear = _fx.Plan.When(FileOp.Write, "seg-").Nth(1).Inject(FaultKind.TornPage);
        // What the engine does next (retry the flush, or delete the torn file) waits: the power goes out first.
        _fx.Plan.When(FileOp.Create, "seg-").After(1).Hold(gate);
        _fx.Plan.When(FileOp.Delete, "seg-").Hold(gate);
        _ = engine.FlushAsync();
        await Until(() => tear.Hits == 1 && gate.Waiting > 0, "the torn segment write");
        string torn = _fx.Files("seg-").Single();
        _fx.Memory.SyncDirectory(ShardDir); // its name reached the disk as well
        _fx.Crash();
        gate.Open();
        _fx.Plan.Clear();
        Assert.True(_fx.Memory.Exists(torn));
        Assert.True(_fx.Memory.ReadAll(torn).Length % FaultInjectingFileSystem.PageBytes != 0, "a torn last page");

        engine = _fx.Open();
        Assert.False(_fx.Memory.Exists(torn));
        for (int i = 0; i < 300; i++) Assert.Equal(B($"value-{i}-" + new string('v', 100)), engine.Get(B($"k{i:D3}"), []));
    }

    [Fact]
    public async Task A_manifest_torn_while_being_saved_leaves_the_old_manifest_valid()
    {
        var engine = _fx.Open();
        for (int i = 0; i < 300; i++) await engine.PutAsync(B($"k{i:D3}"), [], B($"value-{i}"));
        var before = _fx.Memory.ReadAll(ShardDir + "/MANIFEST");
        using var gate = new FaultGate();
        var tear = _fx.Plan.When(FileOp.Write, "MANIFEST.tmp").Nth(1).Inject(FaultKind.TornPage);
        _fx.Plan.When(FileOp.Create, "seg-").After(1).Hold(gate);
        _fx.Plan.When(FileOp.Delete, "seg-").Hold(gate);
        _ = engine.FlushAsync();
        await Until(() => tear.Hits == 1 && gate.Waiting > 0, "the torn manifest write");
        Assert.Equal(before, _fx.Memory.ReadAll(ShardDir + "/MANIFEST"));
        _fx.Memory.SyncDirectory(ShardDir); // the torn MANIFEST.tmp and the new segment are on disk too
        _fx.Crash();
        gate.Open();
        _fx.Plan.Clear();
        Assert.True(_fx.Memory.Exists(ShardDir + "/MANIFEST.tmp"));

        engine = _fx.Open();
        Assert.False(_fx.Memory.Exists(ShardDir + "/MANIFEST.tmp"));
        for (int i = 0; i < 300; i++) Assert.Equal(B($"value-{i}"), engine.Get(B($"k{i:D3}"), []));
        await engine.PutAsync(B("after"), [], B("ok"));
        Assert.Equal(B("ok"), engine.Get(B("after"), []));
    }
}
