using Basalt.Engine;
using Basalt.Engine.Storage.Vfs;

namespace Basalt.Tests.Storage.Vfs;

public class MemoryFileSystemTests
{
    [Fact]
    public void Crash_drops_unsynced_bytes_and_unsynced_directory_entries()
    {
        var fs = new MemoryFileSystem();
        fs.CreateDirectory("/d");
        using (var f = fs.Create("/d/a"))
        {
            f.Write(0, "hello"u8);
            f.Sync();
            f.Write(5, " world"u8);
        }
        fs.SyncDirectory("/d");
        using (var g = fs.Create("/d/b")) { g.Write(0, "x"u8); g.Sync(); }

        fs.Crash();

        Assert.Equal("hello"u8.ToArray(), fs.ReadAll("/d/a"));
        Assert.False(fs.Exists("/d/b")); // its directory entry was never synced
    }

    [Fact]
    public void Files_larger_than_a_chunk_read_back_byte_for_byte_with_zeros_in_gaps_and_after_truncation()
    {
        // A file's bytes live in 64 KiB chunks: writes, reads and maps that straddle them must not show the seams.
        var fs = new MemoryFileSystem();
        fs.CreateDirectory("/d");
        var random = new Random(7);
        var expected = new byte[300_000];
        using (var f = fs.Create("/d/a"))
        {
            for (int offset = 0; offset < 200_000; )
            {
                int n = random.Next(1, 20_000);
                n = Math.Min(n, 200_000 - offset);
                random.NextBytes(expected.AsSpan(offset, n));
                f.Write(offset, expected.AsSpan(offset, n));
                offset += n;
            }
            // a write past the end leaves a gap of zeros
            random.NextBytes(expected.AsSpan(250_000, 50_000));
            f.Write(250_000, expected.AsSpan(250_000, 50_000));
            Assert.Equal(300_000, f.Length);

            var read = new byte[70_000];
            Assert.Equal(70_000, f.Read(60_000, read));
            Assert.Equal(expected.AsSpan(60_000, 70_000).ToArray(), read);
            Assert.Equal(10_000, f.Read(290_000, read)); // short read at the end
            Assert.Equal(expected.AsSpan(290_000, 10_000).ToArray(), read.AsSpan(0, 10_000).ToArray());

            // truncation clears: growing again shows zeros, not the old bytes
            f.SetLength(100_000);
            f.SetLength(300_000);
            expected.AsSpan(100_000).Clear();
        }
        Assert.Equal(expected, fs.ReadAll("/d/a"));
        unsafe
        {
            using var mapped = fs.MapReadOnly("/d/a");
            Assert.Equal(expected, new ReadOnlySpan<byte>(mapped.Pointer, (int)mapped.Length).ToArray());
        }
        fs.Poke("/d/a", 65_530, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, fs.ReadAll("/d/a").AsSpan(65_530, 12).ToArray());
    }

    [Fact]
    public void A_non_crashable_file_system_keeps_no_synced_copy_and_refuses_Crash()
    {
        var fs = new MemoryFileSystem(crashable: false);
        fs.CreateDirectory("/d");
        using (var f = fs.Create("/d/a"))
        {
            f.SetLength(1 << 20);
            f.Write(0, "hello"u8);
            f.Sync();
            f.Write(5, " world"u8);
            f.Sync();
        }
        Assert.Equal("hello world"u8.ToArray(), fs.ReadAll("/d/a").AsSpan(0, 11).ToArray());
        Assert.Throws<InvalidOperationException>(fs.Crash);
    }

    [Fact]
    public void Rename_is_durable_only_after_directory_sync()
    {
        var fs = new MemoryFileSystem();
        fs.CreateDirectory("/d");
        using (var f = fs.Create("/d/tmp")) { f.Write(0, "1"u8); f.Sync(); }
        fs.SyncDirectory("/d");
        fs.Rename("/d/tmp", "/d/final");
        fs.Crash();
        Assert.True(fs.Exists("/d/tmp"));
        Assert.False(fs.Exists("/d/final"));

        fs.Rename("/d/tmp", "/d/final");
        fs.SyncDirectory("/d");
        fs.Crash();
        Assert.True(fs.Exists("/d/final"));
        Assert.False(fs.Exists("/d/tmp"));
    }

    [Fact]
    public void Lock_is_exclusive_until_released()
    {
        var fs = new MemoryFileSystem();
        fs.CreateDirectory("/d");
        var held = fs.Lock("/d/LOCK");
        var e = Assert.Throws<StorageException>(() => fs.Lock("/d/LOCK"));
        Assert.Equal(StorageError.DataFolderLocked, e.Error);
        held.Dispose();
        fs.Lock("/d/LOCK").Dispose();
    }

    [Fact]
    public void Capacity_limit_gives_disk_full()
    {
        var fs = new MemoryFileSystem { CapacityBytes = 10 };
        fs.CreateDirectory("/d");
        using var f = fs.Create("/d/a");
        f.Write(0, new byte[10]);
        var e = Assert.Throws<StorageException>(() => f.Write(10, new byte[1]));
        Assert.Equal(StorageError.DiskFull, e.Error);
        fs.CapacityBytes = null;
        f.Write(10, new byte[1]);
        Assert.Equal(11, f.Length);
    }

    [Fact]
    public void Fault_injector_tears_writes_and_fails_syncs()
    {
        var mem = new MemoryFileSystem();
        mem.CreateDirectory("/d");
        var fs = new FaultInjectingFileSystem(mem, (op, path, bytes) => op switch
        {
            FileOp.Write when bytes == 8 => FaultKind.TornWrite,
            FileOp.Sync => FaultKind.IoError,
            _ => FaultKind.None,
        });
        using var f = fs.Create("/d/a");
        f.Write(0, "abc"u8);
        Assert.Throws<StorageException>(() => f.Write(3, "12345678"u8));
        Assert.Equal("abc1234"u8.ToArray(), mem.ReadAll("/d/a"));
        Assert.Equal(StorageError.IoError, Assert.Throws<StorageException>(() => f.Sync()).Error);
    }
}

public class RealFileSystemTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "basalt-vfs-" + Guid.NewGuid().ToString("N"));

    public RealFileSystemTests() => Directory.CreateDirectory(_dir);
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public unsafe void Write_sync_map_and_read_back()
    {
        var fs = RealFileSystem.Instance;
        string path = Path.Combine(_dir, "f");
        using (var f = fs.Create(path))
        {
            f.SetLength(8192);
            f.Write(100, "segment"u8);
            f.Sync();
        }
        fs.SyncDirectory(_dir);
        using var map = fs.MapReadOnly(path);
        Assert.Equal(8192, map.Length);
        Assert.True(map.Span(100, 7).SequenceEqual("segment"u8));
        Assert.Contains("f", fs.List(_dir));
    }

    [Fact]
    public void Lock_file_is_exclusive_across_openers()
    {
        var fs = RealFileSystem.Instance;
        string path = Path.Combine(_dir, "LOCK");
        using var held = fs.Lock(path);
        Assert.Equal(StorageError.DataFolderLocked, Assert.Throws<StorageException>(() => fs.Lock(path)).Error);
    }
}
