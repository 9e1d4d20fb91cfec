using System.Buffers;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Basalt.Engine.Cache;

// The bounded, TTL'd byte cache under Basalt's DAX-like caches and embedded cache tier (docs/cache.md): keys and
// values in native memory, S3-FIFO eviction, safe for any number of concurrent callers, no allocation per call.
//
// A key's XxHash3 picks one of a power of two of CacheStripes (about one per 16 MiB of MaxBytes, 1 to 64) and gives
// the entry's 32-bit tag. Writes take their stripe's lock; reads take none (a seqlock per stripe: CacheStripe's
// comment has the protocol and its memory ordering), so a hot key read on every core shares no written cache line
// but the hit counters' own per-core lines (ReadCounters). Seqlock rather than the stripe lock on reads: on one
// thread, a hit through the lock costs ... ns more than the seqlock (perf-results/micro.md, CacheStoreBenchmarks:
// GetHit against GetHitLocked), and under concurrent readers of one stripe the lock's line moves between cores on
// every read while the seqlock's is only read.
//
// Limits: a key of 1 to Limits.CacheKeyBytesMax bytes and a value of at most Limits.CacheValueBytesMax bytes, else
// ArgumentException; an entry larger than MaxEntryBytes is not stored (and removes the key's older entry). Expiry is
// on a millisecond clock: Clock's UTC time, or for TimeProvider.System the cheaper Environment.TickCount64 (a
// coarse monotonic clock, a few ms of resolution) offset to UTC once at construction.
//
// Dispose frees the native memory: no call may run concurrently with it or follow it (calls after it throw
// ObjectDisposedException; a call racing it may read freed memory).
public sealed class CacheStore : IDisposable
{
    // Optimistic reads before a reader takes the stripe's lock: enough to ride out a short write, few enough that a
    // reader behind a long one (a large value's copy) waits on the lock instead of spinning.
    internal const int OptimisticReads = 4;
    private const int StripeShift = 40; // the stripe comes from hash bits 40 up: the tag is bits 0 to 31
    private const long StripeBytesTarget = 16L << 20;
    private const int StripesMax = 64;

    private readonly CacheStripe[] _stripes;
    private readonly ulong _stripeMask;
    private readonly TimeProvider _clock;
    private readonly bool _systemClock;
    private readonly long _tickOffsetMs;
    private readonly TimeSpan _defaultTtl;
    private readonly long _maxBytes;
    private readonly ReadCounters _reads = new();
    private volatile bool _disposed;

    public CacheStore(CacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _maxBytes = options.MaxBytes;
        _defaultTtl = options.DefaultTtl;
        _clock = options.Clock;
        _systemClock = ReferenceEquals(_clock, TimeProvider.System);
        _tickOffsetMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - Environment.TickCount64;
        int stripes = (int)Math.Min(StripesMax, BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, _maxBytes / StripeBytesTarget) + 1) / 2);
        stripes = Math.Max(1, stripes);
        _stripeMask = (ulong)stripes - 1;
        _stripes = new CacheStripe[stripes];
        try
        {
            for (int i = 0; i < stripes; i++) _stripes[i] = new CacheStripe(_maxBytes / stripes);
        }
        catch
        {
            foreach (var s in _stripes) s?.Dispose();
            throw;
        }
    }

    // The largest entry stored: header (32 bytes), key and value rounded up to 8 bytes.
    public long MaxEntryBytes => _stripes[0].EntryBytesMax;

    internal int StripeCount => _stripes.Length;

    public CacheLookup TryGet(ReadOnlySpan<byte> key, Span<byte> destination, out int valueLength)
    {
        var target = new SpanDestination(destination);
        return Lookup(key, ref target, out valueLength, out _);
    }

    public bool TryGet(ReadOnlySpan<byte> key, IBufferWriter<byte> destination) => TryGet(key, destination, out _);

    public bool TryGet(ReadOnlySpan<byte> key, IBufferWriter<byte> destination, out long version)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var target = new WriterDestination(destination);
        return Lookup(key, ref target, out _, out version) == CacheLookup.Hit;
    }

    public void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, TimeSpan? ttl = null) =>
        Store(key, value, ttl, version: 0, versioned: false);

    // True when stored. Refused (false): a live entry has a higher version, or version is below the stripe's removal
    // floor. Also false, and the floor raised to version, when the value cannot be kept (ttl zero or negative, or
    // larger than MaxEntryBytes): the key's older entries are removed and cannot come back.
    public bool SetVersioned(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long version, TimeSpan? ttl = null) =>
        Store(key, value, ttl, version, versioned: true);

    public bool Delete(ReadOnlySpan<byte> key)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckKey(key);
        ulong hash = XxHash3.HashToUInt64(key);
        var stripe = StripeOf(hash);
        long now = NowMs();
        using (stripe.Lock.EnterScope())
        {
            stripe.BeginWrite();
            try
            {
                return stripe.Delete(key, TagOf(hash), now);
            }
            finally
            {
                stripe.EndWrite();
            }
        }
    }

    // Removes every entry. Removal floors stay (a cleared key's old versions stay refused).
    public void Clear()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var stripe in _stripes)
        {
            using (stripe.Lock.EnterScope())
            {
                stripe.BeginWrite();
                try
                {
                    stripe.Clear();
                }
                finally
                {
                    stripe.EndWrite();
                }
            }
        }
    }

    public CacheStatistics Statistics
    {
        get
        {
            long sets = 0, deletes = 0, evictions = 0, expirations = 0, entries = 0, bytes = 0;
            foreach (var s in _stripes)
            {
                sets += Volatile.Read(ref s.Sets);
                deletes += Volatile.Read(ref s.Deletes);
                evictions += Volatile.Read(ref s.Evictions);
                expirations += Volatile.Read(ref s.Expirations);
                entries += Volatile.Read(ref s.Entries);
                bytes += s.Bytes;
            }
            return new CacheStatistics(_reads.Hits, _reads.Misses, sets, deletes, evictions, expirations, entries, bytes, _maxBytes);
        }
    }

    // The store's clock in Unix milliseconds (see the type's comment).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal long NowMs() => _systemClock ? Environment.TickCount64 + _tickOffsetMs : _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private long ExpiresAt(TimeSpan? ttl, long nowMs)
    {
        TimeSpan t = ttl ?? _defaultTtl;
        if (t <= TimeSpan.Zero) return long.MinValue;
        if (t == TimeSpan.MaxValue) return long.MaxValue;
        long ms = (long)Math.Ceiling(t.TotalMilliseconds);
        return nowMs > long.MaxValue - ms ? long.MaxValue : nowMs + ms;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private CacheStripe StripeOf(ulong hash) => _stripes[(int)((hash >> StripeShift) & _stripeMask)];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint TagOf(ulong hash) => (uint)hash | 1u;

    private CacheLookup Lookup<TDestination>(ReadOnlySpan<byte> key, ref TDestination destination, out int valueLength, out long version)
        where TDestination : IValueDestination, allows ref struct
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckKey(key);
        ulong hash = XxHash3.HashToUInt64(key);
        var stripe = StripeOf(hash);
        uint tag = TagOf(hash);
        long now = NowMs();
        ReadOutcome outcome;
        int slot;
        for (int attempt = 0; ; attempt++)
        {
            if (attempt == OptimisticReads)
            {
                using (stripe.Lock.EnterScope())
                {
                    outcome = stripe.Read(key, tag, now, ref destination, out valueLength, out version, out slot);
                }
                break;
            }
            long sequence = Volatile.Read(ref stripe.Sequence);
            if ((sequence & 1) != 0)
            {
                Thread.SpinWait(16 << attempt);
                continue;
            }
            outcome = stripe.Read(key, tag, now, ref destination, out valueLength, out version, out slot);
            Volatile.ReadBarrier();
            if (Volatile.Read(ref stripe.Sequence) == sequence) break;
        }

        switch (outcome)
        {
            case ReadOutcome.Hit:
                destination.Advance(valueLength);
                stripe.Touch(slot);
                _reads.Hit();
                return CacheLookup.Hit;
            case ReadOutcome.BufferTooSmall:
                // Neither a hit nor a miss: the caller asks again with a buffer of valueLength bytes.
                return CacheLookup.BufferTooSmall;
            case ReadOutcome.Expired:
                if (stripe.Lock.TryEnter())
                {
                    try
                    {
                        stripe.BeginWrite();
                        try
                        {
                            stripe.RemoveIfExpired(key, tag, now);
                        }
                        finally
                        {
                            stripe.EndWrite();
                        }
                    }
                    finally
                    {
                        stripe.Lock.Exit();
                    }
                }
                break;
        }
        valueLength = 0;
        version = 0;
        _reads.Miss();
        return CacheLookup.Miss;
    }

    private bool Store(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, TimeSpan? ttl, long version, bool versioned)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckKey(key);
        if (value.Length > Limits.CacheValueBytesMax) ThrowValueTooLarge(value.Length);
        ulong hash = XxHash3.HashToUInt64(key);
        var stripe = StripeOf(hash);
        long now = NowMs();
        long expiresMs = ExpiresAt(ttl, now);
        using (stripe.Lock.EnterScope())
        {
            stripe.BeginWrite();
            try
            {
                return stripe.Store(key, TagOf(hash), value, expiresMs, version, versioned, now);
            }
            finally
            {
                stripe.EndWrite();
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty || key.Length > Limits.CacheKeyBytesMax) ThrowBadKey(key.Length);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadKey(int length) => throw new ArgumentException(length == 0
        ? "a cache key must not be empty"
        : $"a cache key is at most {Limits.CacheKeyBytesMax} bytes; this one has {length}", "key");

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ThrowValueTooLarge(int length) =>
        throw new ArgumentException($"a cache value is at most {Limits.CacheValueBytesMax} bytes; this one has {length}", "value");

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var s in _stripes) s.Dispose();
    }
}
