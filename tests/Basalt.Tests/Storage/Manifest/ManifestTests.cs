using Basalt.Engine;
using Basalt.Engine.Storage.Manifest;
using Basalt.Engine.Storage.Vfs;

namespace Basalt.Tests.Storage.Manifest;

public class ManifestTests
{
    private static ManifestState Sample(int segments) => new(1, 4, 42, 17, 99999,
        Enumerable.Range(0, segments).Select(i => new SegmentEntry((ulong)(100 + i), i % 3, 1000 + i, 10 + i, (ulong)i * 10, (ulong)i * 10 + 9, [1, 2, (byte)i], [9, 9, (byte)i])).ToList());

    [Fact]
    public void Round_trips_and_survives_a_crash_only_once_saved()
    {
        var fs = new MemoryFileSystem();
        fs.CreateDirectory("/s");
        var store = new ManifestStore(fs, "/s");
        Assert.Null(store.Load());
        store.Save(Sample(3));
        fs.Crash();
        var loaded = store.Load()!;
        Assert.Equal(Sample(3).ToString(), loaded.ToString());
        Assert.Equal(3, loaded.Segments.Count);
        Assert.Equal(new byte[] { 9, 9, 2 }, loaded.Segments[2].LargestKey);
    }

    [Fact]
    public void A_crash_during_save_leaves_the_old_state()
    {
        var mem = new MemoryFileSystem();
        mem.CreateDirectory("/s");
        new ManifestStore(mem, "/s").Save(Sample(1));
        var failing = new FaultInjectingFileSystem(mem, (op, path, _) => op == FileOp.Rename ? FaultKind.IoError : FaultKind.None);
        Assert.Throws<StorageException>(() => new ManifestStore(failing, "/s").Save(Sample(5)));
        mem.Crash();
        Assert.Single(new ManifestStore(mem, "/s").Load()!.Segments);
    }

    [Fact]
    public void Every_corrupted_byte_is_detected()
    {
        var bytes = Sample(2).Encode();
        for (int i = 0; i < bytes.Length; i++)
        {
            var copy = (byte[])bytes.Clone();
            copy[i] ^= 0x40;
            var e = Assert.ThrowsAny<StorageException>(() => ManifestState.Decode(copy, "/s/MANIFEST"));
            Assert.True(e.Error is StorageError.Corruption or StorageError.IncompatibleDataFolder);
            Assert.Equal("/s/MANIFEST", e.FilePath);
        }
        Assert.Throws<StorageException>(() => ManifestState.Decode(bytes.AsSpan(0, bytes.Length - 1), "/s/MANIFEST"));
    }
}
