using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Basalt.Engine.Cache;

namespace Basalt.Bench.Cache;

// Basalt's embedded cache store (Basalt.Engine.Cache.CacheStore) in memory: keys are the 8 bytes of the key's word,
// a get is TryGet into the caller's buffer (ValueBytes long), a set is Set with the store's default TTL (5 minutes).
// MaxBytes is twice what the keys and values take plus 64 bytes of entry overhead each, so that nothing is evicted;
// DescribeState reports the store's own counts, evictions included.
public sealed class BasaltStoreTarget(CacheData data) : CacheTarget<BasaltStoreTarget.Ops>
{
    public const string TargetName = "basalt";

    private readonly CacheStore _store = new(new CacheOptions { MaxBytes = MaxBytesFor(data.Keys, data.ValueBytes) });

    public override string Name => TargetName;

    public static long MaxBytesFor(int keys, int valueBytes) => Math.Max(64L << 20, 2L * keys * (8 + valueBytes + 64));

    protected override Ops CreateOps() => new(_store, data.Words);

    public override string DescribeState()
    {
        CacheStatistics s = _store.Statistics;
        return string.Create(CultureInfo.InvariantCulture,
            $"entries {s.Entries}, bytes {s.Bytes / 1048576.0:0.0} MiB of max {s.MaxBytes / 1048576.0:0} MiB, evictions {s.Evictions}, expirations {s.Expirations}");
    }

    public override void Dispose() => _store.Dispose();

    public readonly struct Ops(CacheStore store, ulong[] words) : ICacheOps
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Get(int key, Span<byte> destination, out int valueLength)
        {
            ReadOnlySpan<byte> k = MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(in words[key]));
            return store.TryGet(k, destination, out valueLength) != CacheLookup.Miss;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Set(int key, ReadOnlySpan<byte> value) =>
            store.Set(MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(in words[key])), value);
    }
}
