using System.Buffers;
using Basalt.Engine.Cache;
using CsCheck;

namespace Basalt.Tests.Cache;

// CacheStore against a dictionary, with a bound large enough that nothing is evicted: every operation's result and
// every value must match the model, including TTL expiry on a fake clock and versioned sets.
public sealed class CacheStoreModelTests
{
    private enum Op { Set, SetVersioned, Get, Delete, Advance, Clear }

    private static readonly Gen<(Op, int, int, int, int)> Step =
        Gen.Select(Gen.Enum<Op>(), Gen.Int[0, 40], Gen.Int[0, 300], Gen.Int[0, 20], Gen.Int[-1, 5]);

    [Fact]
    public void Random_operations_match_a_dictionary()
    {
        Step.Array[1, 200].Sample(steps =>
        {
            var clock = new ManualClock();
            using var store = new CacheStore(new CacheOptions { MaxBytes = 4 << 20, Clock = clock, DefaultTtl = TimeSpan.FromSeconds(3) });
            Assert.Equal(1, store.StripeCount); // one removal floor, which the model keeps too
            // The model keeps an expired entry until an operation on its key meets it, as the store does: that is when
            // the store reclaims it and raises the floor to its version.
            var model = new Dictionary<int, (byte[] Value, long Version, long ExpiresSeconds)>();
            long floor = long.MinValue;
            long now = 0;
            var writer = new ArrayBufferWriter<byte>();
            foreach (var (op, k, length, version, ttlSeconds) in steps)
            {
                byte[] key = BitConverter.GetBytes(k * 7919);
                if (op is not (Op.Advance or Op.Clear) && model.TryGetValue(k, out var met) && met.ExpiresSeconds <= now)
                {
                    model.Remove(k);
                    floor = Math.Max(floor, met.Version);
                }
                bool live = model.TryGetValue(k, out var current);
                switch (op)
                {
                    case Op.Set:
                    case Op.SetVersioned:
                    {
                        var value = new byte[length];
                        new Random(k * 31 + length).NextBytes(value);
                        TimeSpan? ttl = ttlSeconds < 0 ? null : TimeSpan.FromSeconds(ttlSeconds);
                        long expires = now + (ttlSeconds < 0 ? 3 : ttlSeconds);
                        if (op == Op.Set)
                        {
                            store.Set(key, value, ttl);
                            if (ttlSeconds == 0) model.Remove(k);
                            else model[k] = (value, 0, expires);
                            break;
                        }
                        bool accepted = store.SetVersioned(key, value, version, ttl);
                        if (version < floor || (live && current.Version > version)) Assert.False(accepted);
                        else if (ttlSeconds == 0)
                        {
                            Assert.False(accepted);
                            model.Remove(k);
                            floor = Math.Max(floor, version);
                        }
                        else
                        {
                            Assert.True(accepted);
                            model[k] = (value, version, expires);
                        }
                        break;
                    }
                    case Op.Get:
                    {
                        writer.Clear();
                        bool hit = store.TryGet(key, writer, out long storedVersion);
                        Assert.Equal(live, hit);
                        if (hit)
                        {
                            Assert.Equal(current.Value, writer.WrittenSpan.ToArray());
                            Assert.Equal(current.Version, storedVersion);
                        }
                        break;
                    }
                    case Op.Delete:
                        Assert.Equal(model.Remove(k), store.Delete(key));
                        break;
                    case Op.Advance:
                        clock.Advance(TimeSpan.FromSeconds(1));
                        now++;
                        break;
                    case Op.Clear:
                        if (k == 0)
                        {
                            store.Clear();
                            model.Clear();
                        }
                        break;
                }
            }
            Assert.Equal(model.Count, store.Statistics.Entries);
            Assert.Equal(0, store.Statistics.Evictions);
        });
    }
}
