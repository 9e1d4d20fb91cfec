using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Segments;
using Basalt.Engine.Storage.Vfs;
using static Basalt.Tests.Storage.Segments.SegmentTestKit;

namespace Basalt.Tests.Storage.Segments;

public class SegmentTests
{
    [Theory]
    [InlineData(1, 16 * 1024, true, 1L << 20)]
    [InlineData(10, 16 * 1024, true, 1L << 20)]
    [InlineData(1000, 512, true, 1L << 20)]
    [InlineData(5000, 4096, false, 1L << 20)]
    [InlineData(5000, 16 * 1024, true, 0)]          // no cache slots: every read bypasses
    [InlineData(5000, 16 * 1024, true, 64 * 1024)]  // tiny cache: constant eviction
    [InlineData(200_000, 16 * 1024, true, 64L << 20)]
    public void Round_trip_matches_sorted_model(int count, int blockBytes, bool compress, long cacheBytes) => Seeded((rng, seed) =>
    {
        var fs = NewFs();
        var entries = RandomEntries(rng, count);
        var props = Write(fs, "/db/1.seg", entries, new SegmentWriterOptions(blockBytes, 10, compress));
        using var cache = new BlockCache(cacheBytes);
        var seg = Segment.Open(fs, "/db/1.seg", 1, cache);
        try
        {
            CheckProperties(entries, props, seg, fs.ReadAll("/db/1.seg").Length);
            CheckAll(rng, entries, seg, probes: Math.Min(10_000, count * 4));
        }
        finally { seg.Release(); }
    });

    [Fact]
    public void Values_larger_than_a_block_up_to_the_limit_round_trip() => Seeded((rng, seed) =>
    {
        var fs = NewFs();
        var entries = RandomEntries(rng, 60, bigValueEvery: 3);
        // Make sure the extremes are there: a value of exactly the limit, compressible and not.
        entries.Add(new Entry([0xFF, 0xFF, 0xFF, 1], 7, EntryKind.Put, new byte[Limits.ValueBytesMax]));
        var random = new byte[Limits.ValueBytesMax];
        rng.NextBytes(random);
        entries.Add(new Entry([0xFF, 0xFF, 0xFF, 2], 8, EntryKind.Put, random));
        entries.Sort(Compare);
        var props = Write(fs, "/db/big.seg", entries);
        Assert.True(props.StoredDataBytes < props.RawDataBytes); // the zero megabyte compresses
        using var cache = new BlockCache(1L << 20);
        using var seg = Segment.Open(fs, "/db/big.seg", 2, cache);
        CheckAll(rng, entries, seg, probes: 150);
    });

    [Fact]
    public void Empty_segment_opens_and_finds_nothing()
    {
        var fs = NewFs();
        var props = Write(fs, "/db/e.seg", []);
        Assert.Equal(0, props.EntryCount);
        using var cache = new BlockCache(1 << 20);
        using var seg = Segment.Open(fs, "/db/e.seg", 3, cache);
        Assert.Equal(0, seg.Properties.EntryCount);
        Assert.Empty(seg.Properties.SmallestKey);
        var sink = new CaptureSink();
        Assert.False(seg.TryGet("a"u8, ulong.MaxValue, out _, ref sink));
        using var it = seg.NewIterator();
        it.SeekToFirst();
        Assert.False(it.Valid);
        it.SeekToLast();
        Assert.False(it.Valid);
        it.Seek("a"u8, 0);
        Assert.False(it.Valid);
        it.SeekForPrev("a"u8, 0);
        Assert.False(it.Valid);
    }

    [Fact]
    public void Writer_rejects_out_of_order_and_duplicate_keys()
    {
        var fs = NewFs();
        using var w = new SegmentWriter(fs, "/db/o.seg", new SegmentWriterOptions());
        w.Add("b"u8, InternalKey.Trailer(5, EntryKind.Put), "x"u8);
        Assert.Throws<InvalidOperationException>(() => w.Add("a"u8, InternalKey.Trailer(9, EntryKind.Put), "x"u8));
        Assert.Throws<InvalidOperationException>(() => w.Add("b"u8, InternalKey.Trailer(5, EntryKind.Put), "x"u8));
        // A newer version of the same key sorts before: also out of order.
        Assert.Throws<InvalidOperationException>(() => w.Add("b"u8, InternalKey.Trailer(6, EntryKind.Put), "x"u8));
        w.Add("b"u8, InternalKey.Trailer(4, EntryKind.Delete), ""u8);
        var tooBig = new byte[Limits.StoredKeyBytesMax + 1];
        Assert.Equal(StorageError.KeyTooLarge, Assert.Throws<StorageException>(() => w.Add(tooBig, 1, ""u8)).Error);
        Assert.Equal(StorageError.ValueTooLarge, Assert.Throws<StorageException>(() => w.Add("c"u8, 1, new byte[Limits.ValueBytesMax + 1])).Error);
        w.Finish();
        Assert.Throws<InvalidOperationException>(() => w.Add("z"u8, 1, ""u8));
        Assert.Throws<InvalidOperationException>(() => w.Finish());
    }

    [Fact]
    public void Estimated_bytes_grow_with_entries_and_end_near_the_file_size()
    {
        var fs = NewFs();
        using var w = new SegmentWriter(fs, "/db/s.seg", new SegmentWriterOptions(Compress: false));
        long previous = w.EstimatedBytes;
        var value = new byte[100];
        for (int i = 0; i < 10_000; i++)
        {
            w.Add(System.Text.Encoding.ASCII.GetBytes($"key{i:D8}"), InternalKey.Trailer((ulong)i + 1, EntryKind.Put), value);
            Assert.True(w.EstimatedBytes >= previous);
            previous = w.EstimatedBytes;
        }
        var props = w.Finish();
        Assert.InRange(previous, props.RawDataBytes * 9 / 10, props.FileBytes);
    }

    [Fact]
    public void Snapshot_reads_see_the_newest_visible_version_or_tombstone()
    {
        var fs = NewFs();
        Write(fs, "/db/v.seg",
        [
            new Entry("k"u8.ToArray(), 30, EntryKind.Delete, []),
            new Entry("k"u8.ToArray(), 20, EntryKind.Put, "twenty"u8.ToArray()),
            new Entry("k"u8.ToArray(), 10, EntryKind.Put, "ten"u8.ToArray()),
        ]);
        using var cache = new BlockCache(1 << 20);
        using var seg = Segment.Open(fs, "/db/v.seg", 4, cache);
        var sink = new CaptureSink();
        Assert.False(seg.TryGet("k"u8, 9, out _, ref sink));
        Assert.True(seg.TryGet("k"u8, 10, out var kind, ref sink));
        Assert.Equal(EntryKind.Put, kind);
        Assert.Equal("ten"u8.ToArray(), sink.Value);
        Assert.True(seg.TryGet("k"u8, 29, out kind, ref sink));
        Assert.Equal("twenty"u8.ToArray(), sink.Value);
        sink.Value = null;
        Assert.True(seg.TryGet("k"u8, 30, out kind, ref sink));
        Assert.Equal(EntryKind.Delete, kind);
        Assert.Null(sink.Value);
        Assert.True(seg.TryGet("k"u8, ulong.MaxValue, out kind, ref sink));
        Assert.Equal(EntryKind.Delete, kind);
        Assert.False(seg.TryGet("j"u8, ulong.MaxValue, out _, ref sink));
        Assert.False(seg.TryGet("kk"u8, ulong.MaxValue, out _, ref sink));
    }

    [Fact]
    public void Real_file_system_round_trip_through_a_memory_map() => Seeded((rng, seed) =>
    {
        string dir = Path.Combine(Path.GetTempPath(), "basalt-seg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var fs = RealFileSystem.Instance;
            string path = Path.Combine(dir, "000001.seg");
            var entries = RandomEntries(rng, 3000);
            Write(fs, path, entries);
            using var cache = new BlockCache(1 << 20);
            var seg = Segment.Open(fs, path, 1, cache);
            CheckAll(rng, entries, seg, probes: 2000);
            seg.DeleteWhenUnreferenced = true;
            seg.Release();
            Assert.False(File.Exists(path));
        }
        finally { Directory.Delete(dir, recursive: true); }
    });

    [Fact]
    public void Iterators_hold_their_own_reference_and_the_last_release_deletes_the_file()
    {
        var fs = NewFs();
        Write(fs, "/db/r.seg", [new Entry("a"u8.ToArray(), 1, EntryKind.Put, "1"u8.ToArray())]);
        using var cache = new BlockCache(1 << 20);
        var seg = Segment.Open(fs, "/db/r.seg", 5, cache);
        seg.AddRef();                       // a version
        var it = seg.NewIterator();         // a reader
        seg.DeleteWhenUnreferenced = true;
        seg.Release();                      // the opener
        seg.Release();                      // the version
        Assert.True(fs.Exists("/db/r.seg"));
        it.SeekToFirst();
        Assert.Equal("1"u8.ToArray(), it.Value.ToArray());
        it.Dispose();
        Assert.False(fs.Exists("/db/r.seg"));
        Assert.Throws<InvalidOperationException>(() => seg.AddRef());
        Assert.Throws<InvalidOperationException>(() => seg.Release());
    }

    [Fact]
    public void Without_the_delete_flag_the_last_release_keeps_the_file()
    {
        var fs = NewFs();
        Write(fs, "/db/k.seg", [new Entry("a"u8.ToArray(), 1, EntryKind.Put, "1"u8.ToArray())]);
        using var cache = new BlockCache(1 << 20);
        Segment.Open(fs, "/db/k.seg", 6, cache).Release();
        Assert.True(fs.Exists("/db/k.seg"));
    }

    [Fact]
    public void Block_cache_disposed_under_an_open_segment_keeps_serving_it_until_it_is_released()
    {
        var fs = NewFs();
        Write(fs, "/db/c.seg", [new Entry("a"u8.ToArray(), 1, EntryKind.Put, "1"u8.ToArray())]);
        var cache = new BlockCache(1 << 20);
        var seg = Segment.Open(fs, "/db/c.seg", 7, cache);
        cache.Dispose();
        Assert.False(cache.IsFreed);
        var sink = new CaptureSink();
        Assert.True(seg.TryGet("a"u8, ulong.MaxValue, out _, ref sink)); // a read after the cache closed still works
        Assert.Equal("1"u8.ToArray(), sink.Value);
        seg.Release();
        Assert.True(cache.IsFreed);
        Assert.Throws<ObjectDisposedException>(() => Segment.Open(fs, "/db/c.seg", 8, cache));
    }

    internal static void CheckProperties(List<Entry> entries, SegmentProperties written, Segment seg, long fileBytes)
    {
        var p = seg.Properties;
        Assert.Equal(entries.Count, p.EntryCount);
        Assert.Equal(written.EntryCount, p.EntryCount);
        Assert.Equal(entries.Min(e => e.Seq), p.MinSeq);
        Assert.Equal(entries.Max(e => e.Seq), p.MaxSeq);
        Assert.Equal(InternalKey.Make(entries[0].UserKey, entries[0].Trailer), p.SmallestKey);
        Assert.Equal(InternalKey.Make(entries[^1].UserKey, entries[^1].Trailer), p.LargestKey);
        Assert.Equal(written.SmallestKey, p.SmallestKey);
        Assert.Equal(written.LargestKey, p.LargestKey);
        Assert.Equal(fileBytes, p.FileBytes);
        Assert.Equal(fileBytes, written.FileBytes);
        Assert.Equal(written.RawDataBytes, p.RawDataBytes);
        Assert.Equal(written.StoredDataBytes, p.StoredDataBytes);
        Assert.True(p.StoredDataBytes <= p.RawDataBytes);
    }

    // TryGet at random snapshots, both iteration directions, Seek/SeekForPrev and a random walk, all against
    // the sorted model.
    internal static void CheckAll(Random rng, List<Entry> entries, Segment seg, int probes)
    {
        ulong maxSeq = entries.Max(e => e.Seq);
        for (int i = 0; i < probes; i++)
        {
            byte[] key = rng.Next(4) == 0 ? RandomKey(rng) : entries[rng.Next(entries.Count)].UserKey;
            ulong snapshot = rng.Next(8) switch { 0 => ulong.MaxValue, 1 => 0, _ => (ulong)rng.NextInt64(0, (long)maxSeq + 2) };
            var expected = ModelGet(entries, key, snapshot);
            var sink = new CaptureSink();
            bool found = seg.TryGet(key, snapshot, out var kind, ref sink);
            Assert.Equal(expected != null, found);
            if (expected == null) continue;
            Assert.True(seg.MayContain(key));
            Assert.Equal(expected.Kind, kind);
            if (kind == EntryKind.Put) Assert.Equal(expected.Value, sink.Value);
            else Assert.Null(sink.Value);
        }

        using var it = seg.NewIterator();
        it.SeekToFirst();
        foreach (var e in entries) { AssertAt(e, it); it.Next(); }
        Assert.False(it.Valid);
        it.SeekToLast();
        for (int i = entries.Count - 1; i >= 0; i--) { AssertAt(entries[i], it); it.Prev(); }
        Assert.False(it.Valid);

        for (int i = 0; i < Math.Min(probes, 5000); i++)
        {
            byte[] key = rng.Next(3) == 0 ? RandomKey(rng) : entries[rng.Next(entries.Count)].UserKey;
            ulong trailer = rng.Next(4) switch
            {
                0 => ulong.MaxValue,
                1 => 0,
                _ => InternalKey.SeekTrailer((ulong)rng.NextInt64(0, (long)maxSeq + 2)),
            };
            int lb = LowerBound(entries, key, trailer);
            it.Seek(key, trailer);
            if (lb == entries.Count) Assert.False(it.Valid);
            else AssertAt(entries[lb], it);

            // Last entry <= target.
            int ub = lb < entries.Count && InternalKey.Compare(entries[lb].UserKey, entries[lb].Trailer, key, trailer) == 0 ? lb : lb - 1;
            it.SeekForPrev(key, trailer);
            if (ub < 0) Assert.False(it.Valid);
            else AssertAt(entries[ub], it);

            // A short walk that changes direction.
            int pos = ub;
            for (int step = 0; step < 6 && it.Valid; step++)
            {
                if (rng.Next(2) == 0) { it.Next(); pos++; }
                else { it.Prev(); pos--; }
                if (pos < 0 || pos >= entries.Count) { Assert.False(it.Valid); break; }
                AssertAt(entries[pos], it);
            }
        }
    }

    private static byte[] RandomKey(Random rng)
    {
        var key = new byte[rng.Next(0, 26)];
        for (int i = 0; i < key.Length; i++) key[i] = (byte)('a' + rng.Next(0, i < 3 ? 3 : 26));
        return key;
    }
}
