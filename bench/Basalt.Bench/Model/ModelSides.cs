using Basalt.Bench.Engine;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;
using LiteDB;

namespace Basalt.Bench.Model;

// The two sides of the `model` benchmark: Basalt's embedded API (BasaltDatabase over a StorageEngine) and LiteDB,
// each holding the same ModelData items. Every operation takes the worker's index (per-worker state: ItemWriter,
// completion waiter) and the item index, and throws VerificationException when a read misses or comes back wrong.
// Created and disposed on the coordinator thread; operations run on the worker threads, one state slot per worker.

public sealed class BasaltModelSide : IDisposable
{
    public const string TableName = "model";
    private readonly ModelData _data;
    private readonly StorageEngine _engine;
    private readonly BasaltDatabase _db;
    private readonly ItemWriter[] _writers;
    private readonly CompletionWaiter[] _waiters;
    private readonly byte[][] _routings;
    private readonly byte[][] _rests;
    private readonly Dictionary<string, string> _updateNames = new() { ["#c"] = "count" };
    private readonly Dictionary<string, AttributeValue> _updateValues = new() { [":one"] = AttributeValue.Number("1") };

    public BasaltModelSide(ModelData data, string directory, Durability durability, int threads)
    {
        _data = data;
        _engine = StorageEngine.Open(new StorageOptions { Directory = directory, Durability = durability });
        _db = BasaltDatabase.Open(_engine);
        _db.CreateTableAsync(new CreateTableRequest
        {
            TableName = TableName,
            KeySchema = [new("pk", KeyType.Hash), new("sk", KeyType.Range)],
            AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.N)],
            BillingMode = BillingMode.PayPerRequest,
        }).GetAwaiter().GetResult();
        _writers = new ItemWriter[Math.Max(threads, 64)];
        for (int i = 0; i < _writers.Length; i++) _writers[i] = new ItemWriter();
        _waiters = new CompletionWaiter[threads];
        for (int i = 0; i < threads; i++) _waiters[i] = new CompletionWaiter(spin: threads < Environment.ProcessorCount * 2);

        // The raw engine key of an item, as docs/database.md lays it out: routing = [table id BE][pk], rest = number key of sk.
        uint tableId = _db.Table(TableName).Id;
        _routings = new byte[data.Partitions][];
        for (int p = 0; p < data.Partitions; p++)
            _routings[p] = [(byte)(tableId >> 24), (byte)(tableId >> 16), (byte)(tableId >> 8), (byte)tableId, .. data.PartitionKeys[p]];
        _rests = new byte[ModelData.ItemsPerPartition][];
        Span<byte> rest = stackalloc byte[KeyEncoding.NumberKeyBytesMax];
        for (int sk = 0; sk < _rests.Length; sk++)
            _rests[sk] = rest[..KeyEncoding.WriteNumberKey(DynamoNumber.FromInt64(sk), rest)].ToArray();
    }

    // Loads every item, 64 puts in flight (each with its own writer, reused only after its put completed).
    public void Load()
    {
        var inFlight = new List<Task>(_writers.Length);
        for (int start = 0; start < _data.Items; start += _writers.Length)
        {
            inFlight.Clear();
            for (int i = start; i < Math.Min(_data.Items, start + _writers.Length); i++)
            {
                ItemWriter writer = _writers[i - start];
                _data.Write(writer, i, 0);
                inFlight.Add(_db.PutItemAsync(TableName, writer).AsTask());
            }
            Task.WaitAll(inFlight);
        }
    }

    private struct CountSink : IValueSink
    {
        public int CountLength;
        public void OnValue(scoped ReadOnlySpan<byte> value)
        {
            var reader = new ItemReader(value);
            CountLength = reader.TryGet("count"u8, out var count) ? count.Bytes.Length : -1;
        }
    }

    private struct LengthSink : IValueSink
    {
        public int Length;
        public void OnValue(scoped ReadOnlySpan<byte> value) => Length = value.Length;
    }

    // GetItem, allocation-free form: the sink reads the `count` attribute in place.
    public void Get(int worker, int item)
    {
        var sink = new CountSink();
        if (!_db.TryGetItem(TableName, KeyAttribute.String(_data.PartitionKeys[ModelData.PartitionOf(item)]),
                KeyAttribute.FromNumber(DynamoNumber.FromInt64(ModelData.SortKeyOf(item))), ref sink) || sink.CountLength <= 0)
            throw new VerificationException($"basalt: GetItem of item {item} found no item or no count");
    }

    // GetItem with the raw get's sink (takes the length only): the API's own cost over the engine.
    public int GetLength(int item)
    {
        var sink = new LengthSink();
        if (!_db.TryGetItem(TableName, KeyAttribute.String(_data.PartitionKeys[ModelData.PartitionOf(item)]),
                KeyAttribute.FromNumber(DynamoNumber.FromInt64(ModelData.SortKeyOf(item))), ref sink))
            throw new VerificationException($"basalt: GetItem of item {item} found nothing");
        return sink.Length;
    }

    // StorageEngine.TryGet of the same stored bytes.
    public int RawGet(int item)
    {
        var sink = new LengthSink();
        if (!_engine.TryGet(_routings[ModelData.PartitionOf(item)], _rests[ModelData.SortKeyOf(item)], ref sink))
            throw new VerificationException($"basalt: raw get of item {item} found nothing");
        return sink.Length;
    }

    public void Put(int worker, int item, long count)
    {
        ItemWriter writer = _writers[worker];
        _data.Write(writer, item, count);
        _waiters[worker].Wait(_db.PutItemAsync(TableName, writer));
    }

    // UpdateItem with a server-side expression: one atomic read-modify-write on the shard's writer.
    public void Update(int worker, int item)
    {
        var request = new UpdateItemRequest
        {
            TableName = TableName,
            Key = new()
            {
                ["pk"] = AttributeValue.String(_data.PartitionKeyStrings[ModelData.PartitionOf(item)]),
                ["sk"] = AttributeValue.Number(ModelData.SortKeyOf(item) switch { 0 => "0", int sk => sk.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
            },
            UpdateExpression = "SET #c = #c + :one",
            ExpressionAttributeNames = _updateNames,
            ExpressionAttributeValues = _updateValues,
        };
        _waiters[worker].Wait(_db.UpdateItemAsync(request));
    }

    public int Query(int partition)
    {
        QueryResponse page = _db.Query(new QueryRequest
        {
            TableName = TableName,
            KeyConditionExpression = "pk = :p",
            ExpressionAttributeValues = new() { [":p"] = AttributeValue.String(_data.PartitionKeyStrings[partition]) },
            Limit = ModelData.QueryLimit,
        });
        if (page.Count == 0) throw new VerificationException($"basalt: Query of partition {partition} returned no item");
        return page.Count;
    }

    public void Dispose()
    {
        _db.Dispose();
        _engine.Dispose();
        foreach (ItemWriter writer in _writers) writer.Dispose();
    }
}

// LiteDB 5: one collection, a BsonDocument per item, _id = "pk|sk", an index on pk for Query. It has no server-side
// update expression, so UpdateItem is FindById + modify + Update (two calls, not one atomic operation).
public sealed class LiteDbModelSide : IDisposable
{
    private readonly ModelData _data;
    private readonly LiteDatabase _db;
    private readonly ILiteCollection<BsonDocument> _items;

    public LiteDbModelSide(ModelData data, string directory)
    {
        _data = data;
        Directory.CreateDirectory(directory);
        _db = new LiteDatabase(new ConnectionString { Filename = Path.Combine(directory, "model.db"), Connection = ConnectionType.Direct });
        _items = _db.GetCollection<BsonDocument>("items");
        _items.EnsureIndex("pk");
    }

    public void Load()
    {
        const int Batch = 1000;
        var batch = new List<BsonDocument>(Batch);
        for (int start = 0; start < _data.Items; start += Batch)
        {
            batch.Clear();
            for (int i = start; i < Math.Min(_data.Items, start + Batch); i++) batch.Add(_data.Document(i, 0));
            _items.InsertBulk(batch);
        }
        _db.Checkpoint();
    }

    private static BsonValue Id(ModelData data, int item) =>
        ModelData.CompositeId(data.PartitionKeyStrings[ModelData.PartitionOf(item)], ModelData.SortKeyOf(item));

    public void Get(int item)
    {
        BsonDocument? document = _items.FindById(Id(_data, item));
        if (document is null || !document["count"].IsNumber)
            throw new VerificationException($"litedb: FindById of item {item} found no document or no count");
    }

    public void Put(int item, long count) => _items.Upsert(_data.Document(item, count));

    public void Update(int item)
    {
        BsonDocument? document = _items.FindById(Id(_data, item))
            ?? throw new VerificationException($"litedb: FindById of item {item} found no document");
        document["count"] = document["count"].AsInt64 + 1;
        if (!_items.Update(document)) throw new VerificationException($"litedb: Update of item {item} found no document");
    }

    public int Query(int partition)
    {
        int count = _items.Query()
            .Where(LiteDB.Query.EQ("pk", _data.PartitionKeyStrings[partition]))
            .OrderBy("sk")
            .Limit(ModelData.QueryLimit)
            .ToList().Count;
        if (count == 0) throw new VerificationException($"litedb: Query of partition {partition} returned no document");
        return count;
    }

    public void Dispose() => _db.Dispose();
}
