using System.Buffers;
using System.Text;
using Basalt.Engine.Cache;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;

namespace Basalt.Tests.Cache;

public sealed class BasaltCacheTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static StorageOptions Storage(MemoryFileSystem fs) => new()
    {
        Directory = "/cache",
        FileSystem = fs,
        Durability = Durability.Sync,
        Shards = 2,
        MemtableBytes = 1 << 20,
        BlockCacheBytes = 1 << 20,
        GroupCommitIntervalMs = 1,
    };

    [Fact]
    public void In_memory_get_set_delete_round_trip()
    {
        using var cache = BasaltCache.InMemory(new CacheOptions { MaxBytes = 1 << 20 });
        Assert.False(cache.IsDurable);
        cache.Set(B("k"), B("value"));
        Assert.Equal(B("value"), cache.Get(B("k")));
        var buffer = new byte[2];
        Assert.Equal(CacheLookup.BufferTooSmall, cache.TryGet(B("k"), buffer, out int length));
        Assert.Equal(5, length);
        var writer = new ArrayBufferWriter<byte>();
        Assert.True(cache.TryGet(B("k"), writer));
        Assert.Equal(B("value"), writer.WrittenSpan.ToArray());
        Assert.True(cache.Delete(B("k")));
        Assert.Null(cache.Get(B("k")));
        Assert.Throws<ArgumentException>(() => cache.Set([], B("v")));
    }

    [Fact]
    public void Batch_forms_pack_keys_and_values_back_to_back()
    {
        using var cache = BasaltCache.InMemory(new CacheOptions { MaxBytes = 1 << 20 });
        byte[] keys = B("aabbbc");
        int[] keyLengths = [2, 3, 1];
        byte[] values = B("1223334444");
        cache.SetMany(new PackedSpans(keys, keyLengths), new PackedSpans(values, [1, 2, 3]));
        Assert.Equal(B("333"), cache.Get(B("c")));

        byte[] lookupKeys = B("aazzbbbc");
        int[] lookupLengths = [2, 2, 3, 1];
        var destination = new byte[16];
        var lengths = new int[4];
        var results = new CacheLookup[4];
        int hits = cache.GetMany(new PackedSpans(lookupKeys, lookupLengths), destination, lengths, results);
        Assert.Equal(3, hits);
        Assert.Equal([CacheLookup.Hit, CacheLookup.Miss, CacheLookup.Hit, CacheLookup.Hit], results);
        Assert.Equal([1, 0, 2, 3], lengths);
        Assert.Equal(B("122333"), destination.AsSpan(0, 6).ToArray());

        Assert.Equal(1, cache.DeleteMany(new PackedSpans(B("aazz"), [2, 2])));
        Assert.Null(cache.Get(B("aa")));
        Assert.Throws<ArgumentException>(() => new PackedSpans(B("ab"), [2, 1]));
        Assert.Throws<ArgumentException>(() => cache.SetMany(new PackedSpans(keys, keyLengths), new PackedSpans(values, [1, 2])));
    }

    [Fact]
    public void A_durable_cache_survives_a_reopen_and_keeps_expiry()
    {
        var fs = new MemoryFileSystem();
        var clock = new ManualClock();
        var options = new CacheOptions { MaxBytes = 1 << 20, Clock = clock, DefaultTtl = TimeSpan.FromMinutes(5) };
        using (var cache = BasaltCache.Open(Storage(fs), options))
        {
            Assert.True(cache.IsDurable);
            cache.Set(B("long"), B("stays"));
            cache.Set(B("short"), B("goes"), TimeSpan.FromSeconds(10));
            cache.Set(B("deleted"), B("x"));
            Assert.True(cache.Delete(B("deleted")));
            cache.Set(B("zero"), B("x"));
            cache.Set(B("zero"), B("y"), TimeSpan.Zero);
        }
        using (var cache = BasaltCache.Open(Storage(fs), options))
        {
            Assert.Equal(B("stays"), cache.Get(B("long")));
            Assert.Equal(B("goes"), cache.Get(B("short")));
            Assert.Null(cache.Get(B("deleted")));
            Assert.Null(cache.Get(B("zero")));
        }
        clock.Advance(TimeSpan.FromSeconds(11));
        using (var cache = BasaltCache.Open(Storage(fs), options))
        {
            Assert.Null(cache.Get(B("short")));
            Assert.False(cache.Delete(B("short")));
            Assert.Equal(B("stays"), cache.Get(B("long")));
            // Reloaded for what was left of its TTL: 5 minutes less 11 seconds.
            clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(12));
            Assert.Equal(B("stays"), cache.Get(B("long")));
            clock.Advance(TimeSpan.FromSeconds(2));
            Assert.Null(cache.Get(B("long")));
        }
    }

    [Fact]
    public void A_durable_cache_larger_than_memory_reads_evicted_entries_back_from_disk()
    {
        var fs = new MemoryFileSystem();
        using var cache = BasaltCache.Open(Storage(fs) with { Durability = Durability.Async }, new CacheOptions { MaxBytes = 256 << 10 });
        var value = new byte[200];
        const int count = 5000; // about 1.1 MB of entries: four times the memory tier
        for (int i = 0; i < count; i++)
        {
            BitConverter.TryWriteBytes(value, i);
            cache.Set(BitConverter.GetBytes(i), value);
        }
        Assert.True(cache.Statistics.Evictions > 0);
        Assert.True(cache.Statistics.Bytes <= 256 << 10);
        var read = new byte[200];
        for (int i = 0; i < count; i += 7)
        {
            Assert.Equal(CacheLookup.Hit, cache.TryGet(BitConverter.GetBytes(i), read, out int length));
            Assert.Equal(200, length);
            Assert.Equal(i, BitConverter.ToInt32(read));
        }
        Assert.True(cache.Statistics.Bytes <= 256 << 10);
    }

    [Fact]
    public void Concurrent_durable_sets_of_one_key_leave_memory_and_disk_agreeing()
    {
        var fs = new MemoryFileSystem();
        var storage = Storage(fs) with { Durability = Durability.Async };
        var options = new CacheOptions { MaxBytes = 1 << 20 };
        using (var cache = BasaltCache.Open(storage, options))
        {
            Parallel.For(0, 8, t =>
            {
                for (int i = 0; i < 300; i++) cache.Set(B("contended"), BitConverter.GetBytes(t * 1000 + i));
            });
            var inMemory = cache.Get(B("contended"));
            cache.Dispose();
            using var reopened = BasaltCache.Open(storage, options);
            Assert.Equal(inMemory, reopened.Get(B("contended")));
        }
    }
}
