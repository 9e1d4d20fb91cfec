using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Memtable;
using BenchmarkDotNet.Attributes;

namespace Basalt.Bench.Micro;

// The memtable skiplist's two hot paths, with the shapes the brief fixes: 16-byte random keys, 100-byte
// values, keys inserted in random order.
//   Insert:    fills a fresh memtable with 1M entries (ns per entry; includes first-touch page faults of the
//              arena, which a real memtable pays too).
//   TryGetHit: point reads of present keys, in random order, on a 1M-entry memtable (~150 MB, far larger
//              than the caches, so each level of the search is mostly a cache miss).
// Both must show Allocated = - (no allocation per operation).
[MemoryDiagnoser]
public class SkipListBenchmarks
{
    private const int TableEntries = 1_000_000;
    private const int LookupsPerInvoke = 1 << 16;
    private const int KeyBytes = 16;
    private const int ValueBytes = 100;
    private static readonly long CapacityBytes =
        Memtable.CapacityBytesMin + TableEntries * Memtable.EntryBytesMax(KeyBytes, ValueBytes);

    private byte[][] _keys = [];
    private byte[][] _lookupKeys = [];
    private readonly byte[] _value = new byte[ValueBytes];
    private Memtable? _table;
    private int _lookupStart;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        random.NextBytes(_value);
        _keys = new byte[TableEntries][];
        for (int i = 0; i < TableEntries; i++)
        {
            _keys[i] = new byte[KeyBytes];
            random.NextBytes(_keys[i]);
        }
        _table = Fill();
        _lookupKeys = new byte[LookupsPerInvoke * 4][];
        for (int i = 0; i < _lookupKeys.Length; i++) _lookupKeys[i] = _keys[random.Next(TableEntries)];
    }

    [GlobalCleanup]
    public void Cleanup() => _table?.Dispose();

    private Memtable Fill()
    {
        var table = new Memtable(CapacityBytes);
        var keys = _keys;
        for (int i = 0; i < keys.Length; i++)
            if (!table.TryAdd(keys[i], (ulong)i + 1, EntryKind.Put, _value)) throw new InvalidOperationException("memtable full");
        return table;
    }

    [Benchmark(OperationsPerInvoke = TableEntries)]
    public long Insert()
    {
        using var table = Fill();
        return table.Count;
    }

    [Benchmark(OperationsPerInvoke = LookupsPerInvoke)]
    public long TryGetHit()
    {
        var table = _table!;
        var keys = _lookupKeys;
        int start = _lookupStart;
        _lookupStart = (start + LookupsPerInvoke) % keys.Length;
        long bytes = 0;
        for (int i = start; i < start + LookupsPerInvoke; i++)
        {
            if (!table.TryGet(keys[i], ulong.MaxValue, out _, out ReadOnlySpan<byte> value)) throw new InvalidOperationException("miss");
            bytes += value.Length;
        }
        return bytes;
    }
}
