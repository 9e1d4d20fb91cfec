using System.Buffers;
using System.Text;
using System.Text.Json;
using Basalt.Engine.Database;
using Basalt.Engine.Storage;
using Basalt.Server.DynamoApi;
using BenchmarkDotNet.Attributes;

namespace Basalt.Bench.Micro;

// The server's request path without HTTP: a GetItem and a PutItem body (a YCSB record: key + 10 fields of 100
// bytes) from JSON bytes to the response JSON, through the direct paths (GetItemFastPath, PutItemFastPath) and
// through the checked path (RequestReader -> managed request -> BasaltDatabase -> ResponseWriter), on a 1-shard
// engine in Async mode with 1,000 records in the memtable. Allocated is per operation.
[MemoryDiagnoser]
public class WireBenchmarks
{
    private const int Records = 1000;
    private string _dir = "";
    private BasaltDatabase _db = null!;
    private byte[][] _gets = [];
    private byte[][] _puts = [];
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private Utf8JsonWriter _json = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "basalt-wirebench-" + Environment.ProcessId);
        _db = BasaltDatabase.Open(new StorageOptions { Directory = _dir, Shards = 1, Durability = Durability.Async });
        _db.CreateTableAsync(new CreateTableRequest
        {
            TableName = "usertable", KeySchema = [new("key", KeyType.Hash)],
            AttributeDefinitions = [new("key", ScalarAttributeType.S)], BillingMode = BillingMode.PayPerRequest,
        }).GetAwaiter().GetResult();
        var random = new Random(7);
        string Field() => new(Enumerable.Range(0, 100).Select(_ => (char)('a' + random.Next(26))).ToArray());
        _gets = new byte[Records][];
        _puts = new byte[Records][];
        for (int i = 0; i < Records; i++)
        {
            string key = "user" + (i * 2654435761L % 1_000_000_007);
            var fields = string.Join(",", Enumerable.Range(0, 10).Select(f => $"\"field{f}\":{{\"S\":\"{Field()}\"}}"));
            _puts[i] = Encoding.UTF8.GetBytes($"{{\"TableName\":\"usertable\",\"Item\":{{\"key\":{{\"S\":\"{key}\"}},{fields}}}}}");
            _gets[i] = Encoding.UTF8.GetBytes($"{{\"TableName\":\"usertable\",\"Key\":{{\"key\":{{\"S\":\"{key}\"}}}}}}");
            _db.PutItemAsync(RequestReader.PutItem(_puts[i])).AsTask().GetAwaiter().GetResult();
        }
        _json = new Utf8JsonWriter(_output, DynamoApiHandler.WriterOptions);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _db.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private void Reset()
    {
        _output.ResetWrittenCount();
        _json.Reset(_output);
    }

    [Benchmark]
    public int GetItemDirect()
    {
        Reset();
        if (!GetItemFastPath.TryRun(_db, _gets[_next++ % Records], _json)) throw new InvalidOperationException("not taken");
        _json.Flush();
        return _output.WrittenCount;
    }

    [Benchmark]
    public int GetItemChecked()
    {
        Reset();
        ResponseWriter.GetItem(_json, _db.GetItem(RequestReader.GetItem(_gets[_next++ % Records])));
        _json.Flush();
        return _output.WrittenCount;
    }

    [Benchmark]
    public ulong PutItemDirect()
    {
        if (!PutItemFastPath.TryStart(_db, _puts[_next++ % Records], out var write)) throw new InvalidOperationException("not taken");
        return write.IsCompletedSuccessfully ? write.Result : write.AsTask().GetAwaiter().GetResult();
    }

    [Benchmark]
    public int PutItemChecked()
    {
        Reset();
        var task = _db.PutItemAsync(RequestReader.PutItem(_puts[_next++ % Records]));
        ResponseWriter.PutItem(_json, task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult());
        _json.Flush();
        return _output.WrittenCount;
    }
}
