namespace Basalt.Engine.Cache;

// How to size a CacheStore (and a BasaltCache's memory tier). MaxBytes bounds everything the store allocates for
// entries: their keys, values and headers, and the index and ghost tables beside them (docs/cache.md).
public sealed record CacheOptions
{
    public long MaxBytes { get; init; } = 256L << 20;
    // The lifetime of an entry stored without a ttl: DAX's default item and query cache TTL.
    public TimeSpan DefaultTtl { get; init; } = TimeSpan.FromMinutes(5);
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        if (MaxBytes is < Limits.CacheBytesMin or > Limits.CacheBytesMax)
            throw new ArgumentOutOfRangeException(nameof(MaxBytes), MaxBytes,
                $"a cache's MaxBytes must be between {Limits.CacheBytesMin} and {Limits.CacheBytesMax} bytes");
        if (DefaultTtl <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(DefaultTtl), DefaultTtl, "a cache's DefaultTtl must be positive");
        ArgumentNullException.ThrowIfNull(Clock);
    }
}
