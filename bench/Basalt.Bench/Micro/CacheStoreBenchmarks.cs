using Basalt.Engine.Cache;
using BenchmarkDotNet.Attributes;

namespace Basalt.Bench.Micro;

// CacheStore's hot paths on one thread, with the shapes of issue 8's cache benchmark: 16-byte keys, 100-byte values,
// 1M keys preloaded into a 256 MiB store (all fit), keys looked up in random order.
//   GetHit:        TryGet into a span of a present key
//   GetHitLocked:  the same under the key's stripe lock: what a read would cost if reads took the writers' lock
//                  instead of the seqlock (uncontended: the lock's cache line never leaves this core here)
//   GetMiss:       TryGet of an absent key
//   Set:           overwrite of a present key (replacement: the old entry dies, the new one is appended, and the
//                  rings' tails reclaim and evict as they go)
// All must show Allocated = - (no allocation per call).
[MemoryDiagnoser]
public class CacheStoreBenchmarks
{
    private const int Keys = 1_000_000;
    private const int OpsPerInvoke = 1 << 16;
    private const int KeyBytes = 16;
    private const int ValueBytes = 100;

    private byte[] _keys = [];
    private byte[] _absent = [];
    private int[] _order = [];
    private readonly byte[] _value = new byte[ValueBytes];
    private readonly byte[] _read = new byte[ValueBytes];
    private CacheStore? _store;
    private int _start;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        random.NextBytes(_value);
        _keys = new byte[Keys * KeyBytes];
        random.NextBytes(_keys);
        _absent = new byte[Keys * KeyBytes];
        random.NextBytes(_absent);
        _order = new int[OpsPerInvoke * 4];
        for (int i = 0; i < _order.Length; i++) _order[i] = random.Next(Keys);
        _store = new CacheStore(new CacheOptions { MaxBytes = 256L << 20, DefaultTtl = TimeSpan.FromHours(1) });
        for (int i = 0; i < Keys; i++) _store.Set(Key(_keys, i), _value);
        if (_store.Statistics.Entries != Keys) throw new InvalidOperationException($"preload kept {_store.Statistics.Entries} of {Keys}");
    }

    [GlobalCleanup]
    public void Cleanup() => _store?.Dispose();

    private static ReadOnlySpan<byte> Key(byte[] keys, int i) => keys.AsSpan(i * KeyBytes, KeyBytes);

    private int NextStart()
    {
        int start = _start;
        _start = (start + OpsPerInvoke) % _order.Length;
        return start;
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public long GetHit()
    {
        var store = _store!;
        int start = NextStart();
        long bytes = 0;
        for (int i = start; i < start + OpsPerInvoke; i++)
        {
            if (store.TryGet(Key(_keys, _order[i]), _read, out int length) != CacheLookup.Hit) throw new InvalidOperationException("miss");
            bytes += length;
        }
        return bytes;
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public long GetHitLocked()
    {
        var store = _store!;
        int start = NextStart();
        long bytes = 0;
        for (int i = start; i < start + OpsPerInvoke; i++)
        {
            var key = Key(_keys, _order[i]);
            using (store.StripeLockOf(key).EnterScope())
            {
                if (store.TryGet(key, _read, out int length) != CacheLookup.Hit) throw new InvalidOperationException("miss");
                bytes += length;
            }
        }
        return bytes;
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public int GetMiss()
    {
        var store = _store!;
        int start = NextStart();
        int misses = 0;
        for (int i = start; i < start + OpsPerInvoke; i++)
            if (store.TryGet(Key(_absent, _order[i]), _read, out _) == CacheLookup.Miss) misses++;
        return misses;
    }

    [Benchmark(OperationsPerInvoke = OpsPerInvoke)]
    public void Set()
    {
        var store = _store!;
        int start = NextStart();
        for (int i = start; i < start + OpsPerInvoke; i++) store.Set(Key(_keys, _order[i]), _value);
    }
}
