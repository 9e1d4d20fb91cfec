using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;

namespace Basalt.Fuzz.Targets;

// The small in-memory database the request targets (json-request, json-operation, frame-reader) run against: a
// MemoryFileSystem, Async durability, inline writes and small memtables and caches, so that a fresh one is cheap; and
// the seeds' tables (hash key `pk`, sort key `sk`).
internal static class FuzzDatabase
{
    public static BasaltDatabase Open(int shards, DatabaseOptions? options = null) => BasaltDatabase.Open(new StorageOptions
    {
        Directory = "/data",
        FileSystem = new MemoryFileSystem(crashable: false),
        Durability = Durability.Async,
        Shards = shards,
        InlineWrites = true,
        MemtableBytes = 4 << 20,
        BlockCacheBytes = 1 << 20,
    }, options);

    public static CreateTableRequest Table(string name, ScalarAttributeType hash, ScalarAttributeType? range) => new()
    {
        TableName = name,
        KeySchema = range is null ? [new("pk", KeyType.Hash)] : [new("pk", KeyType.Hash), new("sk", KeyType.Range)],
        AttributeDefinitions = range is ScalarAttributeType r ? [new("pk", hash), new("sk", r)] : [new("pk", hash)],
        BillingMode = BillingMode.PayPerRequest,
    };

    public static void Create(BasaltDatabase database, CreateTableRequest table) => database.CreateTableAsync(table).GetAwaiter().GetResult();

    public static void Put(BasaltDatabase database, string table, Dictionary<string, AttributeValue> item) =>
        database.PutItemAsync(new PutItemRequest { TableName = table, Item = item }).AsTask().GetAwaiter().GetResult();
}
