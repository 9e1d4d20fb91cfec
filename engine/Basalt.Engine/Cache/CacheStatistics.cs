namespace Basalt.Engine.Cache;

// A cache store's counters since it was created (Clear resets Entries and Bytes only). Each counter is read on its
// own without stopping writers, so the set is not one instant's snapshot. Bytes is the memory the store holds for
// entries: ring bytes in use (headers, keys, values, padding, and removed entries whose space the ring has not
// reached again yet) plus the fixed index and ghost tables; never above MaxBytes.
public readonly record struct CacheStatistics(long Hits, long Misses, long Sets, long Deletes, long Evictions,
    long Expirations, long Entries, long Bytes, long MaxBytes);
