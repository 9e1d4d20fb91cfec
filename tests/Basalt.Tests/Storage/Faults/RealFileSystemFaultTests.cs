using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;
using static Basalt.Tests.Storage.Faults.FaultFixture;

namespace Basalt.Tests.Storage.Faults;

// The same faults over the operating system's file system, in a folder under the temp directory: the outcomes do
// not depend on the in-memory model.
public class RealFileSystemFaultTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "basalt-faults-" + Guid.NewGuid().ToString("N"));
    private readonly FaultPlan _plan = new();

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private StorageOptions Options(FaultInjectingFileSystem fs) =>
        new() { Directory = _dir, FileSystem = fs, Shards = 1, MemtableBytes = 1 << 20, BlockCacheBytes = 1 << 20 };

    [Fact]
    public async Task A_full_disk_fails_writes_and_writes_resume_when_space_returns()
    {
        var fs = new FaultInjectingFileSystem(RealFileSystem.Instance, _plan);
        using (var engine = StorageEngine.Open(Options(fs)))
        {
            for (int i = 0; i < 100; i++) await engine.PutAsync(B($"k{i:D3}"), [], B($"v{i}"));
            fs.DiskFull = true;
            var e = await Assert.ThrowsAsync<StorageException>(async () => await engine.PutAsync(B("full"), [], B("x")));
            Assert.Equal(StorageError.DiskFull, e.Error);
            Assert.Contains("no space left on device", e.Message);
            Assert.Equal(B("v0"), engine.Get(B("k000"), []));
            fs.DiskFull = false;
            await engine.PutAsync(B("after"), [], B("ok"));
            await engine.FlushAsync();
        }
        using (var engine = StorageEngine.Open(Options(new FaultInjectingFileSystem(RealFileSystem.Instance))))
        {
            for (int i = 0; i < 100; i++) Assert.Equal(B($"v{i}"), engine.Get(B($"k{i:D3}"), []));
            Assert.Equal(B("ok"), engine.Get(B("after"), []));
        }
    }

    [Fact]
    public async Task A_failed_log_fsync_refuses_writes_and_a_reopen_keeps_every_acknowledged_write()
    {
        bool failing = false;
        _plan.When(FileOp.Sync, "wal-").While(() => failing).Inject(FaultKind.IoError);
        using (var engine = StorageEngine.Open(Options(new FaultInjectingFileSystem(RealFileSystem.Instance, _plan))))
        {
            for (int i = 0; i < 100; i++) await engine.PutAsync(B($"k{i:D3}"), [], B($"v{i}"));
            failing = true;
            var e = await Assert.ThrowsAsync<StorageException>(async () => await engine.PutAsync(B("refused"), [], B("x")));
            Assert.Equal(StorageError.WritesRefused, e.Error);
            failing = false;
            Assert.Equal(StorageError.WritesRefused, (await Assert.ThrowsAsync<StorageException>(async () => await engine.PutAsync(B("later"), [], B("y")))).Error);
            Assert.Null(engine.Get(B("refused"), []));
        }
        using (var engine = StorageEngine.Open(Options(new FaultInjectingFileSystem(RealFileSystem.Instance))))
        {
            for (int i = 0; i < 100; i++) Assert.Equal(B($"v{i}"), engine.Get(B($"k{i:D3}"), []));
            // The refused write's record was written before its fsync failed: after a clean close it is in the file.
            var refused = engine.Get(B("refused"), []);
            Assert.True(refused is null || refused.AsSpan().SequenceEqual(B("x")));
            Assert.Null(engine.Get(B("later"), []));
            await engine.PutAsync(B("after"), [], B("ok"));
        }
    }
}
