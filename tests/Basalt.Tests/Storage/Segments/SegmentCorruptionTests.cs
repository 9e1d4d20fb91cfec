using System.Buffers.Binary;
using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Segments;
using Basalt.Engine.Storage.Vfs;
using static Basalt.Tests.Storage.Segments.SegmentTestKit;

namespace Basalt.Tests.Storage.Segments;

// Corruption must surface as StorageException(Corruption) naming the file and a plausible offset, and never
// as wrong data. MemoryFileSystem.MapReadOnly copies the file, so bytes are poked before the segment is opened.
public class SegmentCorruptionTests
{
    private const string SegPath = "/db/c.seg";

    private static (MemoryFileSystem fs, List<Entry> entries, byte[] bytes) Small(Random rng, int count = 60, int blockBytes = 256)
    {
        var fs = NewFs();
        var entries = RandomEntries(rng, count, valueBytesMax: 40);
        Write(fs, SegPath, entries, new SegmentWriterOptions(blockBytes));
        return (fs, entries, fs.ReadAll(SegPath));
    }

    private record struct Footer(long IndexOffset, long IndexLength, long BloomOffset, long BloomLength, long PropsOffset, long PropsLength, long FooterOffset);

    private static Footer ReadFooter(byte[] file)
    {
        var f = file.AsSpan(file.Length - 64);
        return new Footer((long)BinaryPrimitives.ReadUInt64LittleEndian(f), (long)BinaryPrimitives.ReadUInt64LittleEndian(f[8..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(f[16..]), (long)BinaryPrimitives.ReadUInt64LittleEndian(f[24..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(f[32..]), (long)BinaryPrimitives.ReadUInt64LittleEndian(f[40..]),
            file.Length - 64);
    }

    // Opens the segment and reads everything through TryGet and both iteration directions, comparing with the
    // model. Returns the corruption error, or null when everything read back right.
    private static StorageException? OpenAndReadAll(MemoryFileSystem fs, List<Entry> entries, BlockCache cache)
    {
        Segment seg;
        try { seg = Segment.Open(fs, SegPath, 1, cache); }
        catch (StorageException e) { return e; }
        try
        {
            using (var it = seg.NewIterator())
            {
                it.SeekToFirst();
                foreach (var e in entries) { AssertAt(e, it); it.Next(); }
                Assert.False(it.Valid);
            }
            foreach (var e in entries)
            {
                var sink = new CaptureSink();
                Assert.True(seg.TryGet(e.UserKey, e.Seq, out var kind, ref sink));
                Assert.Equal(e.Kind, kind);
                if (kind == EntryKind.Put) Assert.Equal(e.Value, sink.Value);
            }
            return null;
        }
        catch (StorageException e) { return e; }
        finally { seg.Release(); }
    }

    [Fact]
    public void Every_single_bit_flip_anywhere_in_the_file_is_reported_as_corruption() => Seeded((rng, seed) =>
    {
        var (fs, entries, bytes) = Small(rng);
        var footer = ReadFooter(bytes);
        Assert.True(footer.IndexOffset > 3 * 256, "want several data blocks");
        using var cache = new BlockCache(1 << 20);
        Assert.Null(OpenAndReadAll(fs, entries, cache));
        for (int offset = 0; offset < bytes.Length; offset++)
        {
            byte flipped = (byte)(bytes[offset] ^ (1 << rng.Next(8)));
            fs.Poke(SegPath, offset, [flipped]);
            var e = OpenAndReadAll(fs, entries, cache);
            fs.Poke(SegPath, offset, [bytes[offset]]);
            Assert.True(e != null, $"a flip at offset {offset} of {bytes.Length} went unnoticed");
            Assert.Equal(StorageError.Corruption, e!.Error);
            Assert.Equal(SegPath, e.FilePath);
            // Reported where the damaged block or field starts: at or before the flip, and not far before it.
            Assert.InRange(e.FileOffset, 0, offset);
            Assert.True(offset - e.FileOffset < 2048, $"flip at {offset} reported at {e.FileOffset}");
        }
        Assert.Null(OpenAndReadAll(fs, entries, cache));
    });

    [Fact]
    public void A_flipped_data_block_throws_on_read_with_the_block_offset_and_does_not_poison_the_cache() => Seeded((rng, seed) =>
    {
        var (fs, entries, bytes) = Small(rng);
        fs.Poke(SegPath, 20, [(byte)(bytes[20] ^ 0x10)]); // inside block 0's stored bytes
        using var cache = new BlockCache(1 << 20);
        using var seg = Segment.Open(fs, SegPath, 1, cache); // data blocks are checked when read, not at open
        var first = entries[0];
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var sink = new CaptureSink();
            var e = Assert.Throws<StorageException>(() => seg.TryGet(first.UserKey, ulong.MaxValue, out _, ref sink));
            Assert.Equal(StorageError.Corruption, e.Error);
            Assert.Equal(SegPath, e.FilePath);
            Assert.Equal(0, e.FileOffset);
            Assert.Null(sink.Value);
        }
        using var it = seg.NewIterator();
        Assert.Throws<StorageException>(() => it.SeekToFirst());
        Assert.False(it.Valid);
        // Other blocks stay readable.
        var last = entries[^1];
        var s2 = new CaptureSink();
        Assert.True(seg.TryGet(last.UserKey, ulong.MaxValue, out _, ref s2));
    });

    [Fact]
    public void A_flipped_index_byte_fails_open_at_the_index_offset() => Seeded((rng, seed) =>
    {
        var (fs, _, bytes) = Small(rng);
        var footer = ReadFooter(bytes);
        long at = footer.IndexOffset + 16 + rng.Next((int)footer.IndexLength - 16);
        fs.Poke(SegPath, at, [(byte)~bytes[at]]);
        using var cache = new BlockCache(1 << 20);
        var e = Assert.Throws<StorageException>(() => Segment.Open(fs, SegPath, 1, cache));
        Assert.Equal(StorageError.Corruption, e.Error);
        Assert.Equal(SegPath, e.FilePath);
        Assert.Equal(footer.IndexOffset, e.FileOffset);
    });

    [Theory]
    [InlineData(0)]   // index offset
    [InlineData(30)]  // properties offset
    [InlineData(48)]  // format version
    [InlineData(53)]  // crc
    public void A_flipped_footer_byte_fails_open_at_the_footer(int footerByte) => Seeded((rng, seed) =>
    {
        var (fs, _, bytes) = Small(rng);
        long at = bytes.Length - 64 + footerByte;
        fs.Poke(SegPath, at, [(byte)(bytes[at] ^ 1)]);
        using var cache = new BlockCache(1 << 20);
        var e = Assert.Throws<StorageException>(() => Segment.Open(fs, SegPath, 1, cache));
        Assert.Equal(StorageError.Corruption, e.Error);
        Assert.Equal(SegPath, e.FilePath);
        Assert.Equal(bytes.Length - 64, e.FileOffset);
    });

    [Fact]
    public void A_bad_magic_is_reported_at_the_magic()
    {
        var (fs, _, bytes) = Small(new Random(1));
        fs.Poke(SegPath, bytes.Length - 1, [(byte)(bytes[^1] ^ 0x80)]);
        using var cache = new BlockCache(1 << 20);
        var e = Assert.Throws<StorageException>(() => Segment.Open(fs, SegPath, 1, cache));
        Assert.Equal(StorageError.Corruption, e.Error);
        Assert.Equal(bytes.Length - 8, e.FileOffset);
    }

    [Fact]
    public void A_truncated_file_is_corrupt_at_every_length() => Seeded((rng, seed) =>
    {
        var (fs, entries, bytes) = Small(rng, count: 20);
        using var cache = new BlockCache(1 << 20);
        for (int length = 0; length < bytes.Length; length++)
        {
            using (var f = fs.Create(SegPath)) f.Write(0, bytes.AsSpan(0, length));
            var e = OpenAndReadAll(fs, entries, cache);
            Assert.True(e != null, $"truncation to {length} of {bytes.Length} went unnoticed");
            Assert.Equal(StorageError.Corruption, e!.Error);
            Assert.Equal(SegPath, e.FilePath);
            Assert.InRange(e.FileOffset, 0, length);
        }
    });

    [Fact]
    public void An_unknown_format_version_is_refused_as_incompatible()
    {
        var (fs, _, bytes) = Small(new Random(2));
        var footer = bytes.AsSpan(bytes.Length - 64).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(footer.AsSpan(48), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(footer.AsSpan(52), Crc32C.Compute(footer.AsSpan(0, 52)));
        fs.Poke(SegPath, bytes.Length - 64, footer);
        using var cache = new BlockCache(1 << 20);
        var e = Assert.Throws<StorageException>(() => Segment.Open(fs, SegPath, 1, cache));
        Assert.Equal(StorageError.IncompatibleDataFolder, e.Error);
    }
}
