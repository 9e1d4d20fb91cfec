using System.Globalization;

namespace Basalt.Bench.Cache;

// The caches the `cache` command knows, by the names --vs takes, with what the report says about each.
public static class CacheTargets
{
    public static readonly string[] PeerNames = [FasterTarget.TargetName, MemoryCacheTarget.TargetName, BitFasterTarget.TargetName];

    // Basalt's store: the first target of every run, the numerator of every ratio.
    public static ICacheTargetFactory First() => new Factory(BasaltStoreTarget.TargetName, data => new BasaltStoreTarget(data), s =>
    [
        "Basalt.Engine.Cache.CacheStore (this commit), in memory: keys are 8 bytes, values copied into the store's unmanaged memory on Set and into the caller's buffer on TryGet (no allocation per call).",
        string.Create(CultureInfo.InvariantCulture, $"MaxBytes = {BasaltStoreTarget.MaxBytesFor(s.Keys, s.ValueBytes)} (twice the keys' and values' bytes plus 64 bytes per entry: nothing is evicted; the state line below shows the store's own count). Set uses the store's default TTL (5 minutes)."),
    ]);

    public static ICacheTargetFactory? Peer(string name) => name switch
    {
        FasterTarget.TargetName => new Factory(name, data => new FasterTarget(data), s =>
        {
            (long buckets, int memoryBits, int pageBits) = FasterTarget.Sizes(s.Keys, s.ValueBytes);
            return
            [
                "Microsoft.FASTER.Core 2.6.5, FasterKV<SpanByte, SpanByte>: keys are the same 8 bytes Basalt gets, values the same bytes, both stored inline in the hybrid log with a 4-byte length each.",
                string.Create(CultureInfo.InvariantCulture, $"In memory only: a NullDevice under a log of 2^{memoryBits} bytes ({(1L << memoryBits) >> 20} MiB, twice the records' size rounded up to a power of two; pages of 2^{pageBits} bytes), so every record stays in the mutable region: no read goes pending and upserts update in place. Hash index: {buckets} buckets of 64 bytes (one per two keys, as FASTER's YCSB benchmark sizes it)."),
                "Default concurrency control (LockTable): FASTER serialises in-place writers and readers of a record, so no get sees a torn value.",
                "One ClientSession per benchmark thread (built through For(functions).NewSession<TFunctions>() so the session is specialised for a struct IFunctions), used through its UnsafeContext: the thread enters FASTER's epoch once (BeginUnsafe) and refreshes it every 512 operations, as FASTER's own YCSB benchmark does, instead of entering and leaving it around every operation (ClientSession.Read/Upsert; a 2 s A/B on this machine had the unsafe context ahead, within its noise); Read and Upsert by ref; reads copy the value into the caller's buffer through a struct output (no allocation); writes are FASTER's own SpanByteFunctions.",
                "No TTL: FASTER has none; records live until the log's memory is full.",
            ];
        }),
        MemoryCacheTarget.TargetName => new Factory(name, data => new MemoryCacheTarget(data), s =>
        [
            "Microsoft.Extensions.Caching.Memory 10.0.12 (the runtime's version), MemoryCache<string key, byte[] value>: keys are the 16 hex digits of the 8-byte key, created before timing (key allocation is not measured; hashing and comparing 16 chars is).",
            "Set: a new byte[] copied from the caller's value (the cache keeps a reference, the caller's buffer is reused) in a CacheEntry with AbsoluteExpirationRelativeToNow = 5 minutes (Basalt's default TTL) and Size = 1. Get: TryGetValue, then the array is copied into the caller's buffer.",
            string.Create(CultureInfo.InvariantCulture, $"Bounded: SizeLimit = {2L * s.Keys} (twice the keys: never reached, so nothing is compacted away)."),
        ]),
        BitFasterTarget.TargetName => new Factory(name, data => new BitFasterTarget(data), s =>
        [
            string.Create(CultureInfo.InvariantCulture, $"BitFaster.Caching 2.6.1, ConcurrentLru<string, byte[]> (pseudo-LRU with hot, warm and cold queues; the default form, which counts hits, misses and evictions) with capacity {s.Keys} = the key count: keys as for MemoryCache (pre-created strings), a set allocates a new byte[] and calls AddOrUpdate, a get copies the array into the caller's buffer."),
            "No TTL: ConcurrentLru has none (ConcurrentTLru would check a clock per operation, as Basalt and MemoryCache do).",
        ]),
        _ => null,
    };

    public sealed class Factory(string name, Func<CacheData, ICacheTarget> create, Func<CacheBenchSettings, IReadOnlyList<string>> describe)
        : ICacheTargetFactory
    {
        public string Name { get; } = name;
        public ICacheTarget Create(CacheData data) => create(data);
        public IReadOnlyList<string> Describe(CacheBenchSettings settings) => describe(settings);
    }
}
