using Basalt.Engine.Tables;

namespace Basalt.Tests.Tables;

// The per-shard table of timestamp ordering: a write is refused after a later read or write of its item, a read after
// a later write; the watermark stands for items it forgot.
public class TimestampCacheTests
{
    private static readonly byte[] X = [1, 2, 3], Y = [4, 5];

    [Fact]
    public void Writes_and_reads_are_refused_out_of_timestamp_order()
    {
        var cache = new TimestampCache(watermark: 100);
        Assert.False(cache.TryWrite(X, 100));      // not after the watermark
        Assert.False(cache.TryRead(X, 100));
        Assert.True(cache.TryRead(X, 150));        // a read at 150 ...
        Assert.False(cache.TryWrite(X, 140));      // ... refuses an older write
        Assert.True(cache.TryWrite(X, 160));       // a newer one goes through ...
        Assert.False(cache.TryRead(X, 155));       // ... and refuses an older read
        Assert.True(cache.TryRead(X, 170));
        Assert.True(cache.TryWrite(Y, 101));       // other items are apart
        Assert.False(cache.TryWrite(Y, 101));      // one timestamp writes once
    }

    [Fact]
    public void Past_its_capacity_it_forgets_and_raises_its_watermark()
    {
        var cache = new TimestampCache(watermark: 0);
        for (int i = 0; i < TimestampCache.Capacity; i++) Assert.True(cache.TryWrite(BitConverter.GetBytes(i), 1000 + i));
        // one more item: the table is emptied, the watermark becomes the highest timestamp it held
        Assert.True(cache.TryWrite(X, 1_000_000));
        Assert.False(cache.TryWrite(Y, 1000 + TimestampCache.Capacity - 1)); // forgotten, so conservative
        Assert.True(cache.TryWrite(Y, 1000 + TimestampCache.Capacity));
    }
}
