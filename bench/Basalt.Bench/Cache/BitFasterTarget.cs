using System.Runtime.CompilerServices;
using BitFaster.Caching.Lru;

namespace Basalt.Bench.Cache;

// BitFaster.Caching's ConcurrentLru (the pseudo-LRU with hot, warm and cold queues; its default form, which counts
// hits, misses and evictions as Basalt's store does) with capacity = key count, string keys created before timing
// (CacheData.Strings) and byte[] values: a get copies the cached array into the caller's buffer, a set allocates the
// value's array (the cache keeps a reference) and calls AddOrUpdate. It has no TTL: entries live until evicted
// (BitFaster's ConcurrentTLru would read a clock per operation, as Basalt and MemoryCache do); none is evicted here.
public sealed class BitFasterTarget(CacheData data) : CacheTarget<BitFasterTarget.Ops>
{
    public const string TargetName = "bitfaster";

    private readonly ConcurrentLru<string, byte[]> _cache = new(data.Keys);

    public override string Name => TargetName;

    protected override Ops CreateOps() => new(_cache, data.Strings);

    public override string DescribeState() =>
        _cache.Metrics.HasValue
            ? $"entries {_cache.Count}, evicted {_cache.Metrics.Value!.Evicted}"
            : $"entries {_cache.Count}";

    public override void Dispose() => _cache.Clear();

    public readonly struct Ops(ConcurrentLru<string, byte[]> cache, string[] keys) : ICacheOps
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Get(int key, Span<byte> destination, out int valueLength)
        {
            if (cache.TryGet(keys[key], out byte[]? value))
            {
                valueLength = value.Length;
                if (value.Length <= destination.Length) value.CopyTo(destination);
                return true;
            }
            valueLength = 0;
            return false;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Set(int key, ReadOnlySpan<byte> value) => cache.AddOrUpdate(keys[key], value.ToArray());
    }
}
