using System.Text.Json;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Server.DynamoApi;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Basalt.Fuzz.Targets;

// DynamoDB JSON requests run end to end: the first byte picks the operation (as in json-request: 'B' + its index in
// JsonRequestTarget.Operations), the rest is the body, POSTed through the
// server's own DynamoApiHandler.HandleAsync (the fast paths, RequestReader, the engine's validation of names,
// keys, expressions with their placeholders and limits, the operation itself, ResponseWriter) against a small
// in-memory database with the seeds' tables, rebuilt every DatabaseRunsMax inputs so that state stays small.
// Allowed: any answer of 200 or 400 with a JSON body. Findings: a 500 (InternalServerError: the handler met an
// exception that is not a client error, the server's answer to a bug) and any exception out of the handler.
public sealed class JsonOperationTarget : FuzzTarget
{
    public override string Name => "json-operation";
    public override string Description => "DynamoDB JSON requests run end to end through the server's handler on an in-memory database";

    private const int DatabaseRunsMax = 2_000;
    private static BasaltDatabase? s_database;
    private static DynamoApiHandler? s_handler;
    private static int s_runs;

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty) return;
        // The same selector as json-request, so one seed means the same operation to both; the fast-path entries are
        // plain PutItem and GetItem here (the handler takes its fast paths itself).
        string operation = JsonRequestTarget.Operations[input[0] % JsonRequestTarget.Operations.Length].Replace(".fast", "", StringComparison.Ordinal);
        var handler = Handler();
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/x-amz-json-1.0";
        context.Request.Headers["X-Amz-Target"] = "DynamoDB_20120810." + operation;
        context.Request.Host = new HostString("127.0.0.1:8000");
        context.Request.Body = new MemoryStream(input[1..].ToArray());
        context.Request.ContentLength = input.Length - 1;
        var answer = new MemoryStream();
        context.Response.Body = answer;
        handler.HandleAsync(context).GetAwaiter().GetResult();

        int status = context.Response.StatusCode;
        string body = System.Text.Encoding.UTF8.GetString(answer.GetBuffer(), 0, (int)answer.Length);
        if (Trace) Console.Error.WriteLine($"json-operation: {operation} -> {status} {Shorten(body)}");
        if (status is not (200 or 400))
            throw new FuzzFindingException($"{operation} answered HTTP {status}: {Shorten(body)}");
        // TagResource and UntagResource answer 200 with an empty body, as DynamoDB does.
        if (status == 200 && answer.Length == 0 && operation is "TagResource" or "UntagResource") return;
        try
        {
            using var document = JsonDocument.Parse(answer.GetBuffer().AsMemory(0, (int)answer.Length));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new FuzzFindingException($"{operation} answered with JSON that is not an object: {Shorten(body)}");
        }
        catch (JsonException e)
        {
            throw new FuzzFindingException($"{operation} answered HTTP {status} with invalid JSON ({e.Message}): {Shorten(body)}");
        }
    }

    // BASALT_FUZZ_TRACE=1: each answer on stderr (for looking at what a replayed input does).
    private static readonly bool Trace = Environment.GetEnvironmentVariable("BASALT_FUZZ_TRACE") == "1";

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";

    private static DynamoApiHandler Handler()
    {
        if (s_handler is not null && ++s_runs < DatabaseRunsMax) return s_handler;
        s_database?.Dispose();
        s_runs = 0;
        var database = FuzzDatabase.Open(shards: 2, new DatabaseOptions { Clock = () => new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero) });
        FuzzDatabase.Create(database, FuzzDatabase.Table("Tab", ScalarAttributeType.S, null));
        FuzzDatabase.Create(database, FuzzDatabase.Table("TabS", ScalarAttributeType.S, ScalarAttributeType.N));
        FuzzDatabase.Create(database, FuzzDatabase.Table("TabB", ScalarAttributeType.B, null));
        var indexed = FuzzDatabase.Table("TabI", ScalarAttributeType.S, ScalarAttributeType.S);
        indexed.AttributeDefinitions = [.. indexed.AttributeDefinitions!, new("g", ScalarAttributeType.S), new("n", ScalarAttributeType.N)];
        indexed.GlobalSecondaryIndexes = [new GlobalSecondaryIndex { IndexName = "gix1", KeySchema = [new("g", KeyType.Hash)], Projection = new Projection { ProjectionType = ProjectionType.All } }];
        indexed.LocalSecondaryIndexes = [new LocalSecondaryIndex { IndexName = "lix1", KeySchema = [new("pk", KeyType.Hash), new("n", KeyType.Range)], Projection = new Projection { ProjectionType = ProjectionType.KeysOnly } }];
        FuzzDatabase.Create(database, indexed);
        FuzzDatabase.Put(database, "Tab", new() { ["pk"] = AttributeValue.String("a"), ["v"] = AttributeValue.Number("1"), ["l"] = AttributeValue.List(AttributeValue.String("x")) });
        FuzzDatabase.Put(database, "TabS", new() { ["pk"] = AttributeValue.String("a"), ["sk"] = AttributeValue.Number("1"), ["l"] = AttributeValue.List(AttributeValue.Null) });
        FuzzDatabase.Put(database, "TabI", new() { ["pk"] = AttributeValue.String("a"), ["sk"] = AttributeValue.String("b"), ["g"] = AttributeValue.String("x"), ["n"] = AttributeValue.Number("5") });
        s_database = database;
        return s_handler = new DynamoApiHandler(database, NullLogger.Instance);
    }
}
