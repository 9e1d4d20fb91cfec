using System.Text;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;
using BenchmarkDotNet.Attributes;

namespace Basalt.Bench.Micro;

// GetItem of a ~1 KB item through the embedded API against a raw StorageEngine.TryGet of the same stored bytes
// (same routing and rest), 10,000 items in the memtable of a 1-shard engine on the real file system (Async).
//   RawTryGet:   the engine alone; the sink reads the value's length.
//   TryGetItem:  BasaltDatabase.TryGetItem (table lookup, key validation and encoding, then the same read); the
//                sink opens an ItemReader and looks up one attribute. Goal: at most 1.5x RawTryGet, Allocated = -.
//   TryGetItemLength: the same with RawTryGet's sink, so the difference is the API's own cost.
//   GetItem:     the managed convenience form (key dictionary in, decoded item out): allocates by nature.
// Measured (2 shared cores, load ~3, 20 iterations): RawTryGet 239 ns, TryGetItemLength 267 ns (1.12x), TryGetItem
// 359-477 ns between runs (the attribute lookup in the sink touches the item's tail), all 0 B; GetItem 1.5-1.7 us, 3.4 KB.
[MemoryDiagnoser]
public class DatabaseBenchmarks
{
    private const int Items = 10_000;
    private const int ReadsPerInvoke = 1024;
    private string _dir = "";
    private StorageEngine _engine = null!;
    private BasaltDatabase _db = null!;
    private byte[][] _pks = [];
    private byte[][] _routings = [];
    private Dictionary<string, AttributeValue>[] _keys = [];

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "basalt-dbbench-" + Environment.ProcessId);
        _engine = StorageEngine.Open(new StorageOptions { Directory = _dir, Shards = 1, Durability = Durability.Async });
        _db = BasaltDatabase.Open(_engine);
        _db.CreateTableAsync(new CreateTableRequest
        {
            TableName = "bench",
            KeySchema = [new("pk", KeyType.Hash)],
            AttributeDefinitions = [new("pk", ScalarAttributeType.S)],
            BillingMode = BillingMode.PayPerRequest,
        }).GetAwaiter().GetResult();
        uint tableId = _db.Table("bench").Id;

        var random = new Random(42);
        string Text(int length) => new(Enumerable.Range(0, length).Select(_ => (char)('a' + random.Next(26))).ToArray());
        _pks = new byte[Items][];
        _routings = new byte[Items][];
        _keys = new Dictionary<string, AttributeValue>[Items];
        for (int i = 0; i < Items; i++)
        {
            string pk = $"customer#{i:D8}";
            _pks[i] = Encoding.UTF8.GetBytes(pk);
            _routings[i] = [(byte)(tableId >> 24), (byte)(tableId >> 16), (byte)(tableId >> 8), (byte)tableId, .. _pks[i]];
            _keys[i] = new() { ["pk"] = AttributeValue.String(pk) };
            var item = new Dictionary<string, AttributeValue>
            {
                ["pk"] = AttributeValue.String(pk),
                ["status"] = AttributeValue.String("SHIPPED"),
                ["total"] = AttributeValue.Number("1234.56"),
                ["tags"] = AttributeValue.StringSet(["priority", "fragile", "international"]),
                ["address"] = AttributeValue.Map(new Dictionary<string, AttributeValue>
                {
                    ["street"] = AttributeValue.String(Text(30)),
                    ["city"] = AttributeValue.String(Text(12)),
                }),
                ["notes"] = AttributeValue.String(Text(800)),
            };
            _db.PutItemAsync(new PutItemRequest { TableName = "bench", Item = item }).AsTask().GetAwaiter().GetResult();
        }
        var check = new LengthSink();
        if (!_engine.TryGet(_routings[0], [], ref check) || check.Length is < 900 or > 1200)
            throw new InvalidOperationException($"setup: the raw key does not find a ~1 KB item (length {check.Length})");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _db.Dispose();
        _engine.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private struct LengthSink : IValueSink
    {
        public int Length;
        public void OnValue(scoped ReadOnlySpan<byte> value) => Length = value.Length;
    }

    private struct StatusSink : IValueSink
    {
        public int Length;
        public void OnValue(scoped ReadOnlySpan<byte> value)
        {
            var reader = new ItemReader(value);
            if (reader.TryGet("status"u8, out var status)) Length = status.Bytes.Length;
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = ReadsPerInvoke)]
    public int RawTryGet()
    {
        int total = 0;
        var sink = new LengthSink();
        for (int i = 0; i < ReadsPerInvoke; i++)
        {
            _engine.TryGet(_routings[(i * 7919) % Items], [], ref sink);
            total += sink.Length;
        }
        return total;
    }

    [Benchmark(OperationsPerInvoke = ReadsPerInvoke)]
    public int TryGetItem()
    {
        int total = 0;
        var sink = new StatusSink();
        for (int i = 0; i < ReadsPerInvoke; i++)
        {
            _db.TryGetItem("bench", KeyAttribute.String(_pks[(i * 7919) % Items]), KeyAttribute.None, ref sink);
            total += sink.Length;
        }
        return total;
    }

    // The API's own overhead: the same sink as RawTryGet.
    [Benchmark(OperationsPerInvoke = ReadsPerInvoke)]
    public int TryGetItemLength()
    {
        int total = 0;
        var sink = new LengthSink();
        for (int i = 0; i < ReadsPerInvoke; i++)
        {
            _db.TryGetItem("bench", KeyAttribute.String(_pks[(i * 7919) % Items]), KeyAttribute.None, ref sink);
            total += sink.Length;
        }
        return total;
    }

    [Benchmark(OperationsPerInvoke = ReadsPerInvoke)]
    public int GetItem()
    {
        int total = 0;
        for (int i = 0; i < ReadsPerInvoke; i++)
            total += _db.GetItem(new GetItemRequest { TableName = "bench", Key = _keys[(i * 7919) % Items] }).Item!.Count;
        return total;
    }
}
