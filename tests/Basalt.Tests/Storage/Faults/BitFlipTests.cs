using Basalt.Engine;
using Basalt.Engine.Shards;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Segments;
using Basalt.Engine.Storage.Vfs;
using Xunit.Abstractions;
using static Basalt.Tests.Storage.Faults.FaultFixture;

namespace Basalt.Tests.Storage.Faults;

// Bit flips in segments, logs and the manifest, at rest and in mapped bytes: every one is detected by a checksum,
// reported with the file and the offset, and never returned as data (a read throws Corruption or the open fails;
// no read ever answers with a wrong value or a wrong "not found").
public class BitFlipTests(ITestOutputHelper output) : IDisposable
{
    private readonly FaultFixture _fx = new();
    public void Dispose() => _fx.Dispose();

    private const int Keys = 400;
    private static byte[] Value(int i) => B($"value-{i:D4}-" + new string((char)('a' + i % 26), 40));

    // One flushed segment of Keys keys (several 4 KiB data blocks), the engine closed.
    private async Task<string> SegmentOnDisk()
    {
        var engine = _fx.Open();
        for (int i = 0; i < Keys; i++) await engine.PutAsync(B($"k{i:D4}"), [], Value(i));
        await engine.FlushAsync();
        _fx.Close(engine);
        return _fx.Segment();
    }

    // Reads every key and scans them all. Each read either returns the right value or throws Corruption naming the
    // segment; returns the corruption errors met.
    private static List<StorageException> ReadAll(StorageEngine engine, string segment)
    {
        var errors = new List<StorageException>();
        for (int i = 0; i < Keys; i++)
        {
            try
            {
                var value = engine.Get(B($"k{i:D4}"), []);
                Assert.True(value is not null && value.AsSpan().SequenceEqual(Value(i)), $"k{i:D4}: a wrong answer instead of an error");
            }
            catch (StorageException e) when (e.Error == StorageError.Corruption)
            {
                errors.Add(e);
            }
        }
        try
        {
            int n = 0;
            var it = engine.IterateShard(0);
            using (it)
                while (it.MoveNext())
                {
                    int i = int.Parse(System.Text.Encoding.UTF8.GetString(it.Routing[1..]));
                    Assert.Equal(Value(i), it.Value.ToArray());
                    n++;
                }
            Assert.Equal(Keys, n);
        }
        catch (StorageException e) when (e.Error == StorageError.Corruption)
        {
            errors.Add(e);
        }
        foreach (var e in errors) AssertNames(e, segment);
        return errors;
    }

    private static void AssertNames(StorageException e, string path)
    {
        Assert.Equal(StorageError.Corruption, e.Error);
        Assert.Equal(path, e.FilePath);
        Assert.True(e.FileOffset >= 0);
        Assert.Contains(path, e.Message);
        Assert.Contains($"offset {e.FileOffset}", e.Message);
    }

    [Fact]
    public async Task A_flip_in_a_data_block_fails_the_reads_of_that_block_with_file_and_offset()
    {
        string segment = await SegmentOnDisk();
        _fx.Fs.FlipBit(segment, 16 + 100); // inside data block 0's stored bytes (the block starts at offset 0)
        var engine = _fx.Open();
        var errors = ReadAll(engine, segment);
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.Equal(0, e.FileOffset)); // the bad block's offset
        Assert.Contains("data block 0 checksum mismatch", errors[0].Message);
        // Keys in other blocks still read: the corruption is fenced to its block.
        Assert.Equal(Value(Keys - 1), engine.Get(B($"k{Keys - 1:D4}"), []));
    }

    public enum Region { Index, Bloom, Properties, Footer }

    [Theory]
    [InlineData(Region.Index)]
    [InlineData(Region.Bloom)]
    [InlineData(Region.Properties)]
    [InlineData(Region.Footer)]
    public async Task A_flip_in_a_segment_meta_block_fails_the_open_with_file_and_offset(Region region)
    {
        string segment = await SegmentOnDisk();
        var (index, bloom, properties, footer) = _fx.Layout(segment);
        long block = region switch { Region.Index => index, Region.Bloom => bloom, Region.Properties => properties, _ => footer };
        _fx.Fs.FlipBit(segment, block + 20);
        var e = Assert.Throws<StorageException>(() => _fx.Open());
        AssertNames(e, segment);
        Assert.Equal(block, e.FileOffset);
        output.WriteLine(e.Message);
    }

    [Fact]
    public async Task A_flip_in_the_middle_of_a_log_fails_the_open_with_file_and_offset()
    {
        var engine = _fx.Open();
        for (int i = 0; i < 100; i++) await engine.PutAsync(B("w"), B($"{i:D3}"), B($"value-{i}"));
        _fx.Close(engine);
        string log = _fx.Files("wal-").OrderBy(n => n).Last();
        int end = _fx.LogEnd(log);
        long flipped = end / 2;
        _fx.Fs.FlipBit(log, flipped);
        var e = Assert.Throws<StorageException>(() => _fx.Open());
        AssertNames(e, log);
        Assert.InRange(e.FileOffset, flipped - 200, flipped); // the start of the record holding the flipped byte
        Assert.Contains("followed by a valid one", e.Message);
    }

    [Fact]
    public async Task A_flip_in_the_last_record_of_a_log_reads_as_a_torn_tail_which_is_cut_and_reported()
    {
        var engine = _fx.Open();
        for (int i = 0; i < 100; i++) await engine.PutAsync(B("w"), B($"{i:D3}"), B($"value-{i}"));
        _fx.Close(engine);
        string log = _fx.Files("wal-").OrderBy(n => n).Last();
        int end = _fx.LogEnd(log);
        _fx.Fs.FlipBit(log, end - 3); // the last record's payload
        engine = _fx.Open();
        // Documented (docs/fault-injection.md, WalFormat rule 5): a bad last record cannot be told from a write torn by
        // a crash, so the log ends before it. The earlier records all survive; the flipped one is never returned.
        for (int i = 0; i < 99; i++) Assert.Equal(B($"value-{i}"), engine.Get(B("w"), B($"{i:D3}")));
        Assert.Null(engine.Get(B("w"), B("099")));
        var metrics = engine.ShardMetrics[0];
        Assert.Equal(1, metrics.WalTailsCut);
        Assert.Contains(log, metrics.LastWalTailCut);
        Assert.Contains("offset", metrics.LastWalTailCut);
        output.WriteLine(metrics.LastWalTailCut);
    }

    // A flip on the way from the disk (the read returns a flipped bit once; the stored log is sound): the open fails
    // with Corruption rather than replaying a bad record, and the next open reads the log whole.
    [Fact]
    public async Task A_flip_in_a_log_read_fails_that_open_and_the_next_open_reads_everything()
    {
        // One log (1 MiB memtables) whose records reach past the middle of the first 1 MiB read, where the flip lands.
        var engine = _fx.Open(memtableBytes: 1 << 20);
        for (int i = 0; i < 80; i++) await engine.PutAsync(B($"r{i:D2}"), [], new byte[8000]);
        _fx.Close(engine);
        string log = _fx.Files("wal-").OrderBy(n => n).Last();
        var flip = _fx.Plan.When(FileOp.Read, log).Nth(1).Inject(FaultKind.BitFlip);
        var e = Assert.Throws<StorageException>(() => _fx.Open(memtableBytes: 1 << 20));
        Assert.Equal(1, flip.Hits);
        AssertNames(e, log);
        _fx.Plan.Clear();
        engine = _fx.Open(memtableBytes: 1 << 20);
        for (int i = 0; i < 80; i++) Assert.Equal(new byte[8000], engine.Get(B($"r{i:D2}"), []));
    }

    [Fact]
    public async Task A_flip_in_the_manifest_fails_the_open_with_file_and_offset()
    {
        string segment = await SegmentOnDisk();
        string manifest = FaultFixture.ShardDir + "/MANIFEST";
        _fx.Fs.FlipBit(manifest, 40);
        var e = Assert.Throws<StorageException>(() => _fx.Open());
        AssertNames(e, manifest);
        Assert.Contains("manifest checksum mismatch", e.Message);
        Assert.True(_fx.Memory.Exists(segment)); // nothing was deleted on the strength of a bad manifest
    }

    // Randomized (BASALT_SEED): one bit flipped anywhere in a log's records or its end marker. The open either fails
    // with Corruption naming the log and an offset at or before the flip, or succeeds with every record before the last
    // intact; the last may be cut (then reported), and no read ever returns a wrong value.
    [Fact]
    public async Task A_seeded_flip_anywhere_in_a_log_is_reported_or_cuts_only_the_last_record()
    {
        await TestSeed.RunAsync(output, async seed =>
        {
            int opened = 0, refused = 0;
            for (int round = 0; round < 16; round++)
            {
                using var fx = new FaultFixture();
                var engine = fx.Open();
                for (int i = 0; i < 60; i++) await engine.PutAsync(B("w"), B($"{i:D2}"), B($"value-{i}-" + new string('x', i)));
                fx.Close(engine);
                string log = fx.Files("wal-").OrderBy(n => n).Last();
                int end = fx.LogEnd(log);
                long flipped = fx.Fs.FlipRandomBit(log, seed + round, 0, end + 21);
                try
                {
                    engine = fx.Open();
                }
                catch (StorageException e)
                {
                    AssertNames(e, log);
                    Assert.True(e.FileOffset <= flipped, $"reported offset {e.FileOffset}, flipped {flipped}");
                    refused++;
                    continue;
                }
                for (int i = 0; i < 59; i++) Assert.Equal(B($"value-{i}-" + new string('x', i)), engine.Get(B("w"), B($"{i:D2}")));
                var last = engine.Get(B("w"), B("59"));
                if (last is null) Assert.Equal(1, engine.ShardMetrics[0].WalTailsCut);
                else Assert.Equal(B("value-59-" + new string('x', 59)), last);
                opened++;
            }
            output.WriteLine($"{refused} opens refused with Corruption, {opened} opened");
            Assert.True(refused > 0);
        });
    }

    // Randomized (BASALT_SEED): one bit flipped anywhere in the manifest always fails the open, naming the file.
    [Fact]
    public async Task A_seeded_flip_anywhere_in_the_manifest_fails_the_open_naming_it()
    {
        string segment = await SegmentOnDisk();
        string manifest = FaultFixture.ShardDir + "/MANIFEST";
        TestSeed.Run(output, seed =>
        {
            for (int round = 0; round < 32; round++)
            {
                long flipped = _fx.Fs.FlipRandomBit(manifest, seed + round);
                var e = Assert.Throws<StorageException>(() => _fx.Open());
                Assert.True(e.Error is StorageError.Corruption or StorageError.IncompatibleDataFolder, $"{e.Error}: {e.Message}");
                Assert.Equal(manifest, e.FilePath);
                Assert.Contains($"offset {e.FileOffset}", e.Message);
                _fx.Fs.FlipRandomBit(manifest, seed + round); // the same bit, back
                Assert.True(flipped >= 0);
            }
        });
        Assert.True(_fx.Memory.Exists(segment));
        var engine = _fx.Open();
        Assert.Equal(Value(0), engine.Get(B("k0000"), []));
    }

    // The folder's identity file (BASALT: text, "shards=N"): a flipped bit either lands where it changes nothing (the
    // title line) or fails the open with a clear error; never a crash, never an open with the wrong shard count.
    [Fact]
    public async Task A_flip_in_the_identity_file_fails_the_open_clearly_or_changes_nothing()
    {
        var options = _fx.Options() with { Shards = null }; // the count comes from the file, as in the server
        var engine = _fx.Open(options with { Shards = 2 });
        for (int i = 0; i < 50; i++) await engine.PutAsync(B($"k{i}"), [], B($"v{i}"));
        _fx.Close(engine);
        string identity = FaultFixture.Root + "/BASALT";
        var original = _fx.Memory.ReadAll(identity);
        int digit = Array.IndexOf(original, (byte)'=', System.Text.Encoding.UTF8.GetString(original).IndexOf("shards=", StringComparison.Ordinal)) + 1;
        var flips = Enumerable.Range(0, original.Length).Select(o => (Offset: o, Bit: o % 8))
            .Concat(Enumerable.Range(0, 8).Select(b => (Offset: digit, Bit: b))).ToList();
        int refused = 0;
        foreach (var (offset, bit) in flips)
        {
            _fx.Fs.FlipBit(identity, offset, bit);
            try
            {
                engine = _fx.Open(_fx.Options() with { Shards = null });
                Assert.Equal(2, engine.ShardMetrics.Count);
                for (int i = 0; i < 50; i++) Assert.Equal(B($"v{i}"), engine.Get(B($"k{i}"), []));
                _fx.Close(engine);
            }
            catch (StorageException e)
            {
                Assert.True(e.Error is StorageError.IncompatibleDataFolder or StorageError.Corruption, $"flip at {offset} bit {bit}: {e.Error}: {e.Message}");
                refused++;
            }
            _fx.Fs.FlipBit(identity, offset, bit); // back
        }
        Assert.True(refused > 0);
        output.WriteLine($"{flips.Count} flips, {refused} refused at the open");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task A_seeded_flip_in_the_mapped_bytes_of_a_segment_is_detected_and_never_read_as_data(int seed)
    {
        string segment = await SegmentOnDisk();
        _fx.Seed = seed;
        _fx.Plan.When(FileOp.Map, "seg-").Nth(1).Inject(FaultKind.BitFlip);
        StorageEngine engine;
        try
        {
            engine = _fx.Open();
        }
        catch (StorageException e)
        {
            AssertNames(e, segment); // a meta block or the footer: the open fails
            output.WriteLine($"seed {seed}: open failed: {e.Message}");
            return;
        }
        var errors = ReadAll(engine, segment);
        Assert.NotEmpty(errors); // every byte of a segment is under a checksum
        output.WriteLine($"seed {seed}: {errors.Count} reads failed: {errors[0].Message}");
    }

    // The bloom filter of an open segment: a flip there after the open must not turn a stored key into "not found".
    [Fact]
    public async Task A_flip_in_a_mapped_bloom_filter_after_the_open_never_hides_a_key()
    {
        string segment = await SegmentOnDisk();
        var (_, bloom, _, _) = _fx.Layout(segment);
        var options = _fx.Options();
        _fx.Fs.CopyMappings = true;
        var engine = _fx.Open(options);
        // The bit that the first probe of key k0007 tests (BloomFilter: h = XxHash3(stored key), bit = high 64 bits of
        // h * bit count), in the filter's bits after the block header (16 bytes) and the bloom header (8).
        var routing = B("k0007");
        var (offset, bit) = FirstProbe(_fx.Memory.ReadAll(segment), bloom, routing);
        _fx.Fs.FlipMappedBit(segment, offset, bit);
        Assert.Equal(Value(7), engine.Get(routing, []));
        ReadAll(engine, segment);
    }

    // The file offset and bit of the first bloom probe of a key (BloomFilter: h = XxHash3 of the stored key, bit =
    // high 64 bits of h * bit count), in the filter bits that follow the block header (16 bytes) and the bloom header (8).
    private static (long Offset, int Bit) FirstProbe(byte[] file, long bloom, byte[] routing)
    {
        var stored = new byte[StoredKey.Length(routing.Length, 0)];
        StoredKey.Write(stored, Partitioner.VirtualPartitionFor(routing), routing, []);
        ulong bits = BitConverter.ToUInt32(file, (int)bloom + 16 + 4);
        ulong bit = Math.BigMul(BloomFilter.Hash(stored), bits, out _);
        return (bloom + 16 + 8 + (long)(bit >> 3), (int)(bit & 7));
    }

    // The real file system: a flip in a segment file on disk after the engine mapped it reaches the engine through the
    // shared mapping; the data block's checksum catches it when the block is read.
    [Fact]
    public async Task A_flip_in_a_real_segment_file_read_through_its_memory_map_is_reported()
    {
        string dir = Path.Combine(Path.GetTempPath(), "basalt-faults-" + Guid.NewGuid().ToString("N"));
        try
        {
            var fs = new FaultInjectingFileSystem(RealFileSystem.Instance);
            var options = new StorageOptions { Directory = dir, FileSystem = fs, Shards = 1, MemtableBytes = 1 << 20, BlockCacheBytes = 1 << 20, SegmentBlockBytes = 4096 };
            using (var engine = StorageEngine.Open(options))
            {
                for (int i = 0; i < Keys; i++) await engine.PutAsync(B($"k{i:D4}"), [], Value(i));
                await engine.FlushAsync();
            }
            using (var engine = StorageEngine.Open(options))
            {
                string segment = Directory.GetFiles(Path.Combine(dir, "shard-000"), "seg-*").Single();
                // After the open (footer, index, bloom verified), before any data block is read.
                fs.FlipBit(segment, 16 + 50);
                var errors = ReadAll(engine, segment);
                Assert.NotEmpty(errors);
                Assert.All(errors, e => Assert.Equal(0, e.FileOffset));
                // The bloom filter too: the bit a stored key's first probe tests, cleared on disk, must not hide the key.
                var file = File.ReadAllBytes(segment);
                long bloom = BitConverter.ToInt64(file, file.Length - 64 + 16);
                var (offset, bit) = FirstProbe(file, bloom, B("k0399"));
                fs.FlipBit(segment, offset, bit);
                Assert.Equal(Value(399), engine.Get(B("k0399"), []));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
