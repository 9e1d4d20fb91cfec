using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using Basalt.Engine.Storage;

namespace Basalt.Engine.Cache;

// Basalt embedded as a cache tier: Get, Set with a per-entry TTL, Delete and their batch forms, over byte spans, with
// no allocation per call in steady state (docs/cache.md). Safe for any number of concurrent callers.
//
// In memory (InMemory): a CacheStore and nothing else. Durable (Open): every Set and Delete is also written to a
// StorageEngine in the given folder, acknowledged when durable per the Durability mode, with the entry's expiry stored
// before the value; the CacheStore holds the hot set, and a read that misses it reads the engine and, when the entry
// there has not expired, puts it back in memory. Memory stays bounded by CacheOptions.MaxBytes plus the engine's own
// memtables and block cache (sized from MaxBytes: a sixteenth each, within 1 MiB to 64 MiB).
//
// Durable mode orders writes of one key, and a miss's reload, with one of KeyLocks locks picked by the key's hash:
// without it two Sets of a key could reach the engine in one order and memory in the other, and a reload could put
// back a value a concurrent Set had just replaced. A memory hit takes no lock.
//
// On disk, the engine's value for a key is [expiresUnixMs: i64 LE][value]; the key is split into the engine's routing
// part (its first Limits.RoutingBytesMax bytes) and rest. Expired entries are not returned; they stay on disk until
// the key is set or deleted again (no background sweep yet).
public sealed class BasaltCache : IDisposable
{
    private const int KeyLocks = 1024;
    private const int ExpiryBytes = 8;

    private readonly CacheStore _memory;
    private readonly StorageEngine? _disk;
    private readonly Lock[] _locks = [];
    private readonly TimeProvider _clock;
    private readonly TimeSpan _defaultTtl;
    private int _disposed;

    private BasaltCache(CacheStore memory, StorageEngine? disk, CacheOptions options)
    {
        _memory = memory;
        _disk = disk;
        _clock = options.Clock;
        _defaultTtl = options.DefaultTtl;
        if (disk is not null)
        {
            _locks = new Lock[KeyLocks];
            for (int i = 0; i < KeyLocks; i++) _locks[i] = new Lock();
        }
    }

    public static BasaltCache InMemory(CacheOptions options) => new(new CacheStore(options), null, options);

    public static BasaltCache Open(string directory, CacheOptions options, Durability durability)
    {
        ArgumentNullException.ThrowIfNull(options);
        long engineBytes = Math.Clamp(options.MaxBytes / 16, 1L << 20, 64L << 20);
        return Open(new StorageOptions
        {
            Directory = directory,
            Durability = durability,
            MemtableBytes = Math.Max(Limits.MemtableBytesMin, engineBytes),
            BlockCacheBytes = engineBytes,
        }, options);
    }

    // Opens the durable form on explicit storage options (tests: an in-memory file system).
    internal static BasaltCache Open(StorageOptions storage, CacheOptions options)
    {
        var memory = new CacheStore(options);
        try
        {
            return new BasaltCache(memory, StorageEngine.Open(storage), options);
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    public bool IsDurable => _disk is not null;

    // The memory tier's counters: a durable cache's reloads from disk count as misses, then sets.
    public CacheStatistics Statistics => _memory.Statistics;

    public CacheLookup TryGet(ReadOnlySpan<byte> key, Span<byte> destination, out int valueLength)
    {
        var lookup = _memory.TryGet(key, destination, out valueLength);
        if (lookup != CacheLookup.Miss || _disk is null) return lookup;
        var sink = new ReloadSink(this, key, destination, null);
        return Reload(key, ref sink, out valueLength);
    }

    public bool TryGet(ReadOnlySpan<byte> key, IBufferWriter<byte> destination)
    {
        if (_memory.TryGet(key, destination)) return true;
        if (_disk is null) return false;
        var sink = new ReloadSink(this, key, default, destination);
        return Reload(key, ref sink, out _) == CacheLookup.Hit;
    }

    // A copy of the value, or null: allocates; TryGet does not.
    public byte[]? Get(ReadOnlySpan<byte> key)
    {
        var writer = new ArrayBufferWriter<byte>();
        return TryGet(key, writer) ? writer.WrittenSpan.ToArray() : null;
    }

    // ttl null: CacheOptions.DefaultTtl; zero or negative: the key is deleted. A durable cache returns once the write
    // is durable per its mode.
    public void Set(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, TimeSpan? ttl = null)
    {
        if (_disk is null)
        {
            _memory.Set(key, value, ttl);
            return;
        }
        CacheStore.CheckKey(key);
        if (value.Length > Limits.CacheValueBytesMax) CacheStore.ThrowValueTooLarge(value.Length);
        TimeSpan t = ttl ?? _defaultTtl;
        if (t <= TimeSpan.Zero)
        {
            Delete(key);
            return;
        }
        long expiresMs = ExpiresAt(t);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ExpiryBytes + value.Length);
        try
        {
            BinaryPrimitives.WriteInt64LittleEndian(buffer, expiresMs);
            value.CopyTo(buffer.AsSpan(ExpiryBytes));
            using (LockOf(key).EnterScope())
            {
                _disk.Put(Routing(key), Rest(key), buffer.AsSpan(0, ExpiryBytes + value.Length));
                _memory.Set(key, value, t);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // True when the key had a live entry.
    public bool Delete(ReadOnlySpan<byte> key)
    {
        if (_disk is null) return _memory.Delete(key);
        CacheStore.CheckKey(key);
        using (LockOf(key).EnterScope())
        {
            var probe = new LiveProbe(NowMs());
            bool onDisk = _disk.TryGet(Routing(key), Rest(key), ref probe) && probe.Live;
            bool inMemory = _memory.Delete(key);
            if (onDisk || inMemory) _disk.Delete(Routing(key), Rest(key));
            return onDisk || inMemory;
        }
    }

    // Looks up every key, copying the values one after the other into destination: results[i] and valueLengths[i]
    // say what became of keys[i] (for BufferTooSmall, the length it needs; the values after it still go into what is
    // left). Returns the number of hits.
    public int GetMany(PackedSpans keys, Span<byte> destination, Span<int> valueLengths, Span<CacheLookup> results)
    {
        if (valueLengths.Length < keys.Count || results.Length < keys.Count)
            throw new ArgumentException($"valueLengths and results need room for {keys.Count} entries");
        int i = 0, offset = 0, hits = 0;
        foreach (var key in keys)
        {
            var lookup = TryGet(key, destination[offset..], out int length);
            results[i] = lookup;
            valueLengths[i] = length;
            if (lookup == CacheLookup.Hit)
            {
                offset += length;
                hits++;
            }
            i++;
        }
        return hits;
    }

    public void SetMany(PackedSpans keys, PackedSpans values, TimeSpan? ttl = null)
    {
        if (keys.Count != values.Count) throw new ArgumentException($"{keys.Count} keys but {values.Count} values", nameof(values));
        var value = values.GetEnumerator();
        foreach (var key in keys)
        {
            value.MoveNext();
            Set(key, value.Current, ttl);
        }
    }

    // Returns the number of keys that had a live entry.
    public int DeleteMany(PackedSpans keys)
    {
        int deleted = 0;
        foreach (var key in keys)
            if (Delete(key)) deleted++;
        return deleted;
    }

    private long NowMs() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private long ExpiresAt(TimeSpan ttl)
    {
        long now = NowMs();
        if (ttl == TimeSpan.MaxValue) return long.MaxValue;
        long ms = (long)Math.Ceiling(ttl.TotalMilliseconds);
        return now > long.MaxValue - ms ? long.MaxValue : now + ms;
    }

    private static ReadOnlySpan<byte> Routing(ReadOnlySpan<byte> key) => key[..Math.Min(key.Length, Limits.RoutingBytesMax)];

    private static ReadOnlySpan<byte> Rest(ReadOnlySpan<byte> key) => key[Math.Min(key.Length, Limits.RoutingBytesMax)..];

    // Hash bits apart from those that pick the memory store's stripe (40 up) and tag (0 to 31).
    private Lock LockOf(ReadOnlySpan<byte> key) => _locks[(int)((XxHash3.HashToUInt64(key) >> 32) & (KeyLocks - 1))];

    // A miss in memory: under the key's lock, memory again (another reader may have reloaded it), then the engine.
    private CacheLookup Reload(ReadOnlySpan<byte> key, ref ReloadSink sink, out int valueLength)
    {
        using (LockOf(key).EnterScope())
        {
            valueLength = 0;
            var again = sink.Writer is null
                ? _memory.TryGet(key, sink.Span, out valueLength)
                : _memory.TryGet(key, sink.Writer) ? CacheLookup.Hit : CacheLookup.Miss;
            if (again != CacheLookup.Miss) return again;
            sink.NowMs = NowMs();
            if (!_disk!.TryGet(Routing(key), Rest(key), ref sink)) sink.Result = CacheLookup.Miss;
            valueLength = sink.ValueLength;
            return sink.Result;
        }
    }

    // Receives the engine's value of a key on a memory miss: a live entry goes back into memory (for what is left of
    // its TTL) and to the caller.
    private ref struct ReloadSink(BasaltCache owner, ReadOnlySpan<byte> key, Span<byte> span, IBufferWriter<byte>? writer) : IValueSink
    {
        private readonly BasaltCache _owner = owner;
        private readonly ReadOnlySpan<byte> _key = key;
        public readonly Span<byte> Span = span;
        public readonly IBufferWriter<byte>? Writer = writer;
        public long NowMs;
        public CacheLookup Result;
        public int ValueLength;

        public void OnValue(scoped ReadOnlySpan<byte> stored)
        {
            Result = CacheLookup.Miss;
            if (stored.Length < ExpiryBytes) return;
            long expiresMs = BinaryPrimitives.ReadInt64LittleEndian(stored);
            if (expiresMs <= NowMs) return;
            var value = stored[ExpiryBytes..];
            var ttl = expiresMs == long.MaxValue ? TimeSpan.MaxValue : TimeSpan.FromMilliseconds(expiresMs - NowMs);
            _owner._memory.Set(_key, value, ttl);
            ValueLength = value.Length;
            if (Writer is not null)
            {
                value.CopyTo(Writer.GetSpan(value.Length));
                Writer.Advance(value.Length);
            }
            else if (value.Length > Span.Length)
            {
                Result = CacheLookup.BufferTooSmall;
                return;
            }
            else value.CopyTo(Span);
            Result = CacheLookup.Hit;
        }
    }

    private struct LiveProbe(long nowMs) : IValueSink
    {
        public bool Live;

        public void OnValue(scoped ReadOnlySpan<byte> stored) =>
            Live = stored.Length >= ExpiryBytes && BinaryPrimitives.ReadInt64LittleEndian(stored) > nowMs;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _disk?.Dispose();
        _memory.Dispose();
    }
}
