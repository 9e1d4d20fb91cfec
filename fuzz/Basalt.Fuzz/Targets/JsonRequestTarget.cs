using System.Buffers;
using System.Text.Json;
using Basalt.Engine.Database;
using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;
using Basalt.Server.DynamoApi;

namespace Basalt.Fuzz.Targets;

// DynamoDB JSON requests: the first byte picks the operation (its value modulo the number of operations; the seeds
// use 'B' + index so they stay readable), the rest is the request body, read as DynamoApiHandler reads it:
// RequestReader for every operation, and for PutItem and GetItem also their fast paths (PutItemFastPath,
// GetItemFastPath), which need a database: a small in-memory one with the tables the seeds name (T: pk S;
// TS: pk S and sk N; TB: pk B), rebuilt every DatabaseRunsMax fast-path runs so that puts cannot pile up.
// Allowed: the exceptions DynamoApiHandler.WriteError answers with a 400 (ValidationException and the other
// DynamoDB errors, SerializationException, ExpressionException, ItemValidationException). Findings: anything else
// (the handler would answer 500 InternalServerError to a bad request); a GetItem fast path that writes invalid
// JSON; a PutItem fast path that accepts a request the checked path refuses.
public sealed class JsonRequestTarget : FuzzTarget
{
    public override string Name => "json-request";
    public override string Description => "DynamoDB JSON request bodies of every operation (RequestReader, PutItem and GetItem fast paths)";

    public static readonly string[] Operations =
    [
        "CreateTable", "DescribeTable", "ListTables", "UpdateTable", "DeleteTable", "PutItem", "GetItem", "DeleteItem",
        "UpdateItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem", "TransactWriteItems", "TransactGetItems",
        "TagResource", "UntagResource", "ListTagsOfResource", "DescribeLimits", "DescribeEndpoints",
        "PutItem.fast", "GetItem.fast",
    ];

    // The prefix byte that selects an operation in a seed.
    public static byte PrefixOf(string operation) => (byte)('B' + Array.IndexOf(Operations, operation));

    private const int DatabaseRunsMax = 5_000;
    private static BasaltDatabase? s_database;
    private static int s_databaseRuns;

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty) return;
        string operation = Operations[input[0] % Operations.Length];
        var body = input[1..];
        try
        {
            switch (operation)
            {
                case "CreateTable": RequestReader.CreateTable(body); break;
                case "DescribeTable": RequestReader.DescribeTable(body); break;
                case "ListTables": RequestReader.ListTables(body); break;
                case "UpdateTable": RequestReader.UpdateTable(body); break;
                case "DeleteTable": RequestReader.DeleteTable(body); break;
                case "PutItem": RequestReader.PutItem(body); break;
                case "GetItem": RequestReader.GetItem(body); break;
                case "DeleteItem": RequestReader.DeleteItem(body); break;
                case "UpdateItem": RequestReader.UpdateItem(body); break;
                case "Query": RequestReader.Query(body); break;
                case "Scan": RequestReader.Scan(body); break;
                case "BatchGetItem": RequestReader.BatchGetItem(body); break;
                case "BatchWriteItem": RequestReader.BatchWriteItem(body); break;
                case "TransactWriteItems": RequestReader.TransactWriteItems(body); break;
                case "TransactGetItems": RequestReader.TransactGetItems(body); break;
                case "TagResource": RequestReader.TagResource(body); break;
                case "UntagResource": RequestReader.UntagResource(body); break;
                case "ListTagsOfResource": RequestReader.ListTagsOfResource(body); break;
                case "DescribeLimits": RequestReader.DescribeLimits(body); break;
                case "DescribeEndpoints":
                {
                    var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
                    http.Request.Host = new Microsoft.AspNetCore.Http.HostString("127.0.0.1:8000");
                    RequestReader.DescribeEndpoints(body, http.Request);
                    break;
                }
                case "PutItem.fast": PutFast(body); break;
                case "GetItem.fast": GetFast(body); break;
            }
        }
        catch (Exception e) when (IsClientError(e))
        {
        }
    }

    // The exceptions DynamoApiHandler.WriteError answers with HTTP 400.
    public static bool IsClientError(Exception e) =>
        e is DynamoDbException or SerializationException or ExpressionException or ItemValidationException;

    private static void PutFast(ReadOnlySpan<byte> body)
    {
        var database = Database();
        if (!PutItemFastPath.TryStart(database, body, out var write)) return;
        write.AsTask().GetAwaiter().GetResult();
        // What the fast path took, the checked path must take too (it may only differ on requests both serve).
        try
        {
            RequestReader.PutItem(body);
        }
        catch (Exception e) when (IsClientError(e))
        {
            throw new FuzzFindingException($"the PutItem fast path stored a request the checked path refuses: {e.GetType().Name}: {e.Message}");
        }
    }

    private static void GetFast(ReadOnlySpan<byte> body)
    {
        var database = Database();
        var output = new ArrayBufferWriter<byte>(256);
        bool served;
        using (var json = new Utf8JsonWriter(output, DynamoApiHandler.WriterOptions))
            served = GetItemFastPath.TryRun(database, body, json);
        if (!served) return;
        try
        {
            using var document = JsonDocument.Parse(output.WrittenMemory);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new FuzzFindingException("the GetItem fast path answered with something other than a JSON object");
        }
        catch (JsonException e)
        {
            throw new FuzzFindingException($"the GetItem fast path wrote invalid JSON: {e.Message}");
        }
        RequestReader.GetItem(body);
    }

    private static BasaltDatabase Database()
    {
        if (s_database is not null && ++s_databaseRuns < DatabaseRunsMax) return s_database;
        s_database?.Dispose();
        s_databaseRuns = 0;
        var database = BasaltDatabase.Open(new StorageOptions
        {
            Directory = "/data",
            FileSystem = new MemoryFileSystem(crashable: false),
            Durability = Durability.Async,
            Shards = 1,
            InlineWrites = true,
            MemtableBytes = 4 << 20,
            BlockCacheBytes = 1 << 20,
        });
        database.CreateTableAsync(Table("T", ScalarAttributeType.S, null)).GetAwaiter().GetResult();
        database.CreateTableAsync(Table("TS", ScalarAttributeType.S, ScalarAttributeType.N)).GetAwaiter().GetResult();
        database.CreateTableAsync(Table("TB", ScalarAttributeType.B, null)).GetAwaiter().GetResult();
        // A few items for GetItem to find.
        database.PutItemAsync(new PutItemRequest { TableName = "T", Item = new() { ["pk"] = AttributeValue.String("a"), ["v"] = AttributeValue.Number("1") } }).AsTask().GetAwaiter().GetResult();
        database.PutItemAsync(new PutItemRequest { TableName = "TS", Item = new() { ["pk"] = AttributeValue.String("a"), ["sk"] = AttributeValue.Number("1"), ["l"] = AttributeValue.List(AttributeValue.Null) } }).AsTask().GetAwaiter().GetResult();
        return s_database = database;
    }

    private static CreateTableRequest Table(string name, ScalarAttributeType hash, ScalarAttributeType? range) => new()
    {
        TableName = name,
        KeySchema = range is null ? [new("pk", KeyType.Hash)] : [new("pk", KeyType.Hash), new("sk", KeyType.Range)],
        AttributeDefinitions = range is ScalarAttributeType r ? [new("pk", hash), new("sk", r)] : [new("pk", hash)],
        BillingMode = BillingMode.PayPerRequest,
    };
}
