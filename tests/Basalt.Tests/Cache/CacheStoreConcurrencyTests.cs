using System.Buffers.Binary;
using System.IO.Hashing;
using Basalt.Engine.Cache;
using Xunit.Abstractions;

namespace Basalt.Tests.Cache;

// Readers and writers on the same keys at once. Every value carries its own checksum (and its key), so a reader that
// saw a torn or mixed value (half of one write and half of another, or another key's bytes) fails the check. The store
// is small, so evictions and ring wrap-around happen under the readers throughout.
public sealed class CacheStoreConcurrencyTests(ITestOutputHelper output)
{
    private const int Keys = 512;

    // Value := [key: u32][length: u32][payload: length - 16 bytes of one pattern][xxhash64 of the first length - 8: u64]
    private static int WriteValue(Span<byte> value, int key, Random random)
    {
        int length = random.Next(16, value.Length);
        BinaryPrimitives.WriteInt32LittleEndian(value, key);
        BinaryPrimitives.WriteInt32LittleEndian(value[4..], length);
        value[8..(length - 8)].Fill((byte)random.Next());
        BinaryPrimitives.WriteUInt64LittleEndian(value[(length - 8)..], XxHash64.HashToUInt64(value[..(length - 8)]));
        return length;
    }

    private static bool Valid(ReadOnlySpan<byte> value, int key) =>
        value.Length >= 16
        && BinaryPrimitives.ReadInt32LittleEndian(value) == key
        && BinaryPrimitives.ReadInt32LittleEndian(value[4..]) == value.Length
        && BinaryPrimitives.ReadUInt64LittleEndian(value[^8..]) == XxHash64.HashToUInt64(value[..^8]);

    [Fact]
    public void Readers_never_see_a_torn_or_mixed_value()
    {
        TestSeed.Run(output, seed =>
        {
            using var store = new CacheStore(new CacheOptions { MaxBytes = 256 << 10 });
            int threads = Math.Max(4, Environment.ProcessorCount * 2);
            long hits = 0, bad = 0;
            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
            {
                var random = new Random(seed + t);
                Span<byte> key = stackalloc byte[4];
                Span<byte> value = stackalloc byte[1500];
                long myHits = 0, myBad = 0;
                for (int op = 0; !stop.IsCancellationRequested || op < 20_000; op++)
                {
                    int k = random.Next(Keys);
                    BinaryPrimitives.WriteInt32LittleEndian(key, k);
                    if (random.Next(4) == 0)
                    {
                        int length = WriteValue(value, k, random);
                        if (random.Next(2) == 0) store.Set(key, value[..length]);
                        else store.SetVersioned(key, value[..length], op);
                    }
                    else if (random.Next(50) == 0) store.Delete(key);
                    else
                    {
                        var lookup = store.TryGet(key, value, out int length);
                        if (lookup == CacheLookup.Hit)
                        {
                            myHits++;
                            if (!Valid(value[..length], k)) myBad++;
                        }
                    }
                    if (op > 200_000) break;
                }
                Interlocked.Add(ref hits, myHits);
                Interlocked.Add(ref bad, myBad);
            }, TaskCreationOptions.LongRunning)).ToArray();
            Thread.Sleep(1500);
            stop.Cancel();
            Task.WaitAll(workers);
            var stats = store.Statistics;
            output.WriteLine($"hits={hits} evictions={stats.Evictions} entries={stats.Entries} bytes={stats.Bytes}");
            Assert.Equal(0, bad);
            Assert.True(hits > 0);
            Assert.True(stats.Evictions > 0);
            Assert.True(stats.Bytes <= stats.MaxBytes);
        });
    }
}
