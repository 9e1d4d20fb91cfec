using Basalt.Engine.Storage.Segments;
using static Basalt.Tests.Storage.Segments.SegmentTestKit;

namespace Basalt.Tests.Storage.Segments;

public class BloomFilterTests
{
    [Theory]
    [InlineData(10, 0.02)]   // theory 0.82%
    [InlineData(16, 0.005)]  // theory 0.046%
    [InlineData(5, 0.15)]    // theory 9.2%
    public void False_positive_rate_is_near_theory_and_there_are_no_false_negatives(int bitsPerKey, double rateMax) => Seeded((rng, seed) =>
    {
        const int keys = 100_000;
        var hashes = new ulong[keys];
        var key = new byte[16];
        for (int i = 0; i < keys; i++)
        {
            BitConverter.TryWriteBytes(key, (long)i);
            BitConverter.TryWriteBytes(key.AsSpan(8), seed);
            hashes[i] = BloomFilter.Hash(key);
        }
        var filter = BloomFilter.Build(hashes, bitsPerKey);
        Assert.True(BloomFilter.IsWellFormed(filter));
        for (int i = 0; i < keys; i++)
        {
            BitConverter.TryWriteBytes(key, (long)i);
            BitConverter.TryWriteBytes(key.AsSpan(8), seed);
            Assert.True(BloomFilter.MayContain(filter, key));
        }
        int falsePositives = 0;
        const int probes = 100_000;
        for (int i = 0; i < probes; i++)
        {
            BitConverter.TryWriteBytes(key, (long)(keys + i));
            BitConverter.TryWriteBytes(key.AsSpan(8), seed);
            if (BloomFilter.MayContain(filter, key)) falsePositives++;
        }
        double rate = (double)falsePositives / probes;
        Assert.True(rate < rateMax, $"false-positive rate {rate:P3} at {bitsPerKey} bits/key");
    });

    [Fact]
    public void No_filter_admits_every_key()
    {
        var filter = BloomFilter.Build([1, 2, 3], bitsPerKey: 0);
        Assert.True(BloomFilter.MayContain(filter, "anything"u8));
        Assert.True(BloomFilter.MayContain(BloomFilter.Build([], 10), "anything"u8));
    }

    [Fact]
    public void Segment_bloom_covers_every_user_key_and_rejects_most_others() => Seeded((rng, seed) =>
    {
        var fs = NewFs();
        var entries = RandomEntries(rng, 20_000, valueBytesMax: 8);
        Write(fs, "/db/b.seg", entries);
        using var cache = new BlockCache(1 << 20);
        using var seg = Segment.Open(fs, "/db/b.seg", 1, cache);
        foreach (var e in entries) Assert.True(seg.MayContain(e.UserKey));
        int admitted = 0;
        for (int i = 0; i < 20_000; i++)
            if (seg.MayContain(System.Text.Encoding.ASCII.GetBytes($"absent-{i}"))) admitted++;
        Assert.True(admitted < 20_000 * 0.02, $"{admitted} absent keys admitted");
    });
}
