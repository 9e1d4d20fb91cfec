using System.Runtime.CompilerServices;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Segments;
using static Basalt.Tests.Storage.Segments.SegmentTestKit;

namespace Basalt.Tests.Storage.Segments;

// Pins format version 1: persisted enum values, constants, and a golden file that the writer must reproduce
// byte for byte and the reader must keep reading. Regenerate the golden file only for a deliberate format
// change (which also bumps FormatVersion): BASALT_UPDATE_GOLDEN=1.
public class SegmentFormatTests
{
    [Fact]
    public void Persisted_values_never_change()
    {
        Assert.Equal(0, (byte)BlockKind.Raw);
        Assert.Equal(1, (byte)BlockKind.Lz4);
        Assert.Equal(1u, SegmentFormat.FormatVersion);
        Assert.Equal(0x6753746C61736142UL, SegmentFormat.Magic);
        Assert.Equal("BasaltSg"u8.ToArray(), BitConverter.GetBytes(SegmentFormat.Magic));
        Assert.Equal(16, SegmentFormat.BlockHeaderBytes);
        Assert.Equal(64, SegmentFormat.FooterBytes);
        Assert.Equal(16, SegmentFormat.RestartInterval);
    }

    private static List<Entry> GoldenEntries()
    {
        var rng = new Random(42); // System.Random(seed) is a stable algorithm across .NET versions
        var entries = new List<Entry>();
        for (int i = 0; i < 60; i++)
        {
            var key = System.Text.Encoding.ASCII.GetBytes($"key-{i / 2:D3}");
            ulong seq = (ulong)(1000 - i);
            var kind = i % 7 == 3 ? EntryKind.Delete : EntryKind.Put;
            byte[] value = [];
            if (kind == EntryKind.Put)
            {
                value = new byte[i % 5 == 0 ? 0 : 20 + i];
                if (i % 2 == 0) rng.NextBytes(value);
                else value.AsSpan().Fill((byte)('a' + i % 26));
            }
            entries.Add(new Entry(key, seq, kind, value));
        }
        entries.Sort(Compare);
        return entries;
    }

    private static string GoldenPath([CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "Testdata", "segment-v1.bin");

    [Fact]
    public void Writer_reproduces_the_golden_file_and_the_reader_reads_it()
    {
        var fs = NewFs();
        var entries = GoldenEntries();
        Write(fs, "/db/g.seg", entries, new SegmentWriterOptions(BlockBytes: 512, BloomBitsPerKey: 10, Compress: true));
        var bytes = fs.ReadAll("/db/g.seg");
        string golden = GoldenPath();
        if (Environment.GetEnvironmentVariable("BASALT_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(golden)!);
            File.WriteAllBytes(golden, bytes);
        }
        var expected = File.ReadAllBytes(golden);
        Assert.Equal(expected, bytes);

        // Reading the checked-in bytes, not the writer's: the reader must keep reading version 1 files.
        var fs2 = NewFs();
        using (var f = fs2.Create("/db/g.seg")) f.Write(0, expected);
        using var cache = new BlockCache(1 << 20);
        using var seg = Segment.Open(fs2, "/db/g.seg", 1, cache);
        Assert.True(seg.BlockCount > 3);
        using var it = seg.NewIterator();
        it.SeekToFirst();
        foreach (var e in entries) { AssertAt(e, it); it.Next(); }
        Assert.False(it.Valid);
    }
}
