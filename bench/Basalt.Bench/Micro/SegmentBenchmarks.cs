using BenchmarkDotNet.Attributes;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Segments;
using Basalt.Engine.Storage.Vfs;

namespace Basalt.Bench.Micro;

// Point reads and a full scan of one 1M-entry segment (16-byte keys, 100-byte values) on the real file
// system, read through its memory map with a block cache large enough to hold every block (warm after
// setup). TryGet must show Allocated = -.
[MemoryDiagnoser]
public class SegmentBenchmarks
{
    private const int Entries = 1_000_000;
    private string _dir = "";
    private BlockCache _cache = null!;
    private Segment _segment = null!;
    private byte[][] _keys = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "basalt-segbench-" + Environment.ProcessId);
        Directory.CreateDirectory(_dir);
        string path = Path.Combine(_dir, "000001.seg");
        var rng = new Random(7);
        var value = new byte[100];
        _keys = new byte[Entries][];
        using (var writer = new SegmentWriter(RealFileSystem.Instance, path, new SegmentWriterOptions()))
        {
            for (int i = 0; i < Entries; i++)
            {
                var key = new byte[16];
                System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(key, i);
                System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(8), 0x5EED);
                _keys[i] = key;
                // Half random, half repetitive: compresses roughly like an encoded item would.
                rng.NextBytes(value.AsSpan(0, 50));
                value.AsSpan(50).Fill((byte)i);
                writer.Add(key, InternalKey.Trailer((ulong)i + 1, EntryKind.Put), value);
            }
            writer.Finish();
        }
        _cache = new BlockCache(512L << 20);
        _segment = Segment.Open(RealFileSystem.Instance, path, 1, _cache);
        rng.Shuffle(_keys);
        // Warm the cache: every block once.
        var sink = new LengthSink();
        foreach (var key in _keys) _segment.TryGet(key, ulong.MaxValue, out _, ref sink);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _segment.Release();
        _cache.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark]
    public int TryGetHit()
    {
        var key = _keys[_next];
        _next = _next + 1 == _keys.Length ? 0 : _next + 1;
        var sink = new LengthSink();
        _segment.TryGet(key, ulong.MaxValue, out _, ref sink);
        return sink.Length;
    }

    [Benchmark]
    public bool MayContainMiss() => _segment.MayContain("absent-key-12345"u8);

    [Benchmark(OperationsPerInvoke = Entries)]
    public long ForwardScan()
    {
        long bytes = 0;
        using var it = _segment.NewIterator();
        for (it.SeekToFirst(); it.Valid; it.Next()) bytes += it.Value.Length;
        return bytes;
    }

    private struct LengthSink : IValueSink
    {
        public int Length;
        public void OnValue(scoped ReadOnlySpan<byte> value) => Length = value.Length;
    }
}
