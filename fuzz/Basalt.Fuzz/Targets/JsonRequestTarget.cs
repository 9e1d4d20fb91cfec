using System.Buffers;
using System.Text.Json;
using Basalt.Engine.Database;
using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using Basalt.Server.DynamoApi;

namespace Basalt.Fuzz.Targets;

// DynamoDB JSON requests: the first byte picks the operation (its value modulo the number of operations; the seeds
// use 'B' + index so they stay readable), the rest is the request body, read as DynamoApiHandler reads it:
// RequestReader for every operation, and for PutItem and GetItem also their fast paths (PutItemFastPath,
// GetItemFastPath), which need a database: a small in-memory one with the tables the seeds name (Tab: pk S;
// TabS: pk S and sk N; TabB: pk B), rebuilt every DatabaseRunsMax fast-path runs so that puts cannot pile up.
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
        bool taken = PutItemFastPath.TryStart(database, body, out var write);
        if (Trace) Console.Error.WriteLine($"json-request: PutItem fast path {(taken ? "taken" : "declined")}");
        if (!taken) return;
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
        if (Trace) Console.Error.WriteLine($"json-request: GetItem fast path {(served ? "taken" : "declined")}");
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
        // What the fast path served, the checked path must take too.
        try
        {
            RequestReader.GetItem(body);
        }
        catch (Exception e) when (IsClientError(e))
        {
            throw new FuzzFindingException($"the GetItem fast path served a request the checked path refuses: {e.GetType().Name}: {e.Message}");
        }
    }

    // BASALT_FUZZ_TRACE=1: whether each fast path took the request, on stderr.
    private static readonly bool Trace = Environment.GetEnvironmentVariable("BASALT_FUZZ_TRACE") == "1";

    private static BasaltDatabase Database()
    {
        if (s_database is not null && ++s_databaseRuns < DatabaseRunsMax) return s_database;
        s_database?.Dispose();
        s_databaseRuns = 0;
        try
        {
            return s_database = NewDatabase();
        }
        catch (Exception e)
        {
            // Not the input's doing: escapes the client-error filter, so a broken setup cannot pass for clean runs.
            throw new InvalidOperationException("json-request: the fast paths' database could not be set up", e);
        }
    }

    private static BasaltDatabase NewDatabase()
    {
        var database = FuzzDatabase.Open(shards: 1);
        FuzzDatabase.Create(database, FuzzDatabase.Table("Tab", ScalarAttributeType.S, null));
        FuzzDatabase.Create(database, FuzzDatabase.Table("TabS", ScalarAttributeType.S, ScalarAttributeType.N));
        FuzzDatabase.Create(database, FuzzDatabase.Table("TabB", ScalarAttributeType.B, null));
        // A few items for GetItem to find.
        FuzzDatabase.Put(database, "Tab", new() { ["pk"] = AttributeValue.String("a"), ["v"] = AttributeValue.Number("1") });
        FuzzDatabase.Put(database, "TabS", new() { ["pk"] = AttributeValue.String("a"), ["sk"] = AttributeValue.Number("1"), ["l"] = AttributeValue.List(AttributeValue.Null) });
        return database;
    }
}
