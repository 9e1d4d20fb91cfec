using System.Runtime.CompilerServices;
using Microsoft.Extensions.Caching.Memory;

namespace Basalt.Bench.Cache;

// Microsoft.Extensions.Caching.Memory's MemoryCache as a user would write it: string keys (CacheData.Strings,
// created before timing, so key allocation is not measured), byte[] values, Set with an absolute expiration of 5
// minutes relative to now (Basalt's default TTL), a get copies the cached array into the caller's buffer. A set
// allocates the value's array (the cache keeps a reference, so the caller's reused buffer cannot be stored) and the
// cache allocates its entry: that is the cost a user of MemoryCache pays, and it is measured.
// Bounded like the others: SizeLimit = 2 x keys with Size 1 per entry, never reached in these runs (a limit of exactly
// the key count would let a replacing set trigger compaction while the old entry still counts).
public sealed class MemoryCacheTarget(CacheData data) : CacheTarget<MemoryCacheTarget.Ops>
{
    public const string TargetName = "memorycache";
    public static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 2L * data.Keys });

    public override string Name => TargetName;

    protected override Ops CreateOps() => new(_cache, data.Strings);

    public override string DescribeState() => $"entries {_cache.Count}";

    public override void Dispose() => _cache.Dispose();

    public readonly struct Ops(MemoryCache cache, string[] keys) : ICacheOps
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Get(int key, Span<byte> destination, out int valueLength)
        {
            if (cache.TryGetValue(keys[key], out object? found) && found is byte[] value)
            {
                valueLength = value.Length;
                if (value.Length <= destination.Length) value.CopyTo(destination);
                return true;
            }
            valueLength = 0;
            return false;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Set(int key, ReadOnlySpan<byte> value)
        {
            using ICacheEntry entry = cache.CreateEntry(keys[key]);
            entry.AbsoluteExpirationRelativeToNow = Ttl;
            entry.Size = 1;
            entry.Value = value.ToArray();
        }
    }
}
