using System.Text;
using Basalt.Engine.Cache;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;

namespace Basalt.Embedding.Sample;

// Basalt embedded in a process, both ways (docs/embedding.md):
//   1. the full DynamoDB model: BasaltDatabase, a table, items, a conditional update, a Query;
//   2. the cache tier: BasaltCache in memory (Get, Set with a TTL, Delete, batches), then durable across a reopen.
// Run: dotnet run --project docs/samples/Basalt.Embedding.Sample -c Release [-- DATA-FOLDER]
// Each step prints one line; tests/Basalt.Tests/Docs/EmbeddingSampleTests.cs runs it and checks them.
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        string folder = args.Length > 0 ? args[0] : Directory.CreateTempSubdirectory("basalt-sample-").FullName;
        await RunAsync(folder, Console.Out);
        return 0;
    }

    public static async Task RunAsync(string folder, TextWriter output)
    {
        await DatabaseAsync(Path.Combine(folder, "database"), output);
        Cache(output);
        DurableCache(Path.Combine(folder, "cache"), output);
    }

    // 1. The DynamoDB model, in process: the same operations, limits and errors as the server's API.
    private static async Task DatabaseAsync(string directory, TextWriter output)
    {
        await using var db = BasaltDatabase.Open(new StorageOptions { Directory = directory, Durability = Durability.Sync });
        await db.CreateTableAsync(new CreateTableRequest
        {
            TableName = "Orders",
            KeySchema = [new("customer", KeyType.Hash), new("order", KeyType.Range)],
            AttributeDefinitions = [new("customer", ScalarAttributeType.S), new("order", ScalarAttributeType.N)],
            BillingMode = BillingMode.PayPerRequest,
        });
        for (int i = 1; i <= 3; i++)
        {
            await db.PutItemAsync(new PutItemRequest
            {
                TableName = "Orders",
                Item = new()
                {
                    ["customer"] = AttributeValue.String("alice"),
                    ["order"] = AttributeValue.Number(i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    ["status"] = AttributeValue.String("new"),
                    ["total"] = AttributeValue.Number($"{i * 10}.50"),
                },
            });
        }
        var key = new Dictionary<string, AttributeValue> { ["customer"] = AttributeValue.String("alice"), ["order"] = AttributeValue.Number("2") };
        var updated = await db.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = "Orders",
            Key = key,
            UpdateExpression = "SET #s = :shipped",
            ConditionExpression = "#s = :new",
            ExpressionAttributeNames = new() { ["#s"] = "status" },
            ExpressionAttributeValues = new() { [":shipped"] = AttributeValue.String("shipped"), [":new"] = AttributeValue.String("new") },
            ReturnValues = ReturnValue.UpdatedNew,
        });
        output.WriteLine($"database: order 2 status={updated.Attributes!["status"].AsString()}");
        try
        {
            // The same condition again: the order is no longer new.
            await db.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = "Orders",
                Key = key,
                UpdateExpression = "SET #s = :shipped",
                ConditionExpression = "#s = :new",
                ExpressionAttributeNames = new() { ["#s"] = "status" },
                ExpressionAttributeValues = new() { [":shipped"] = AttributeValue.String("shipped"), [":new"] = AttributeValue.String("new") },
            });
        }
        catch (DynamoDbException e)
        {
            output.WriteLine($"database: second update refused: {e.ErrorType}");
        }
        var page = db.Query(new QueryRequest
        {
            TableName = "Orders",
            KeyConditionExpression = "customer = :c AND #o >= :from",
            ExpressionAttributeNames = new() { ["#o"] = "order" },
            ExpressionAttributeValues = new() { [":c"] = AttributeValue.String("alice"), [":from"] = AttributeValue.Number("2") },
        });
        output.WriteLine($"database: query orders>=2 count={page.Count} totals={string.Join(",", page.Items!.Select(i => i["total"].AsNumber()))}");
    }

    // 2a. The cache tier in memory: byte keys and values, a TTL per entry, a bound on memory with S3-FIFO eviction.
    private static void Cache(TextWriter output)
    {
        using var cache = BasaltCache.InMemory(new CacheOptions { MaxBytes = 64L << 20, DefaultTtl = TimeSpan.FromMinutes(5) });
        cache.Set("session:42"u8, "{\"user\":\"alice\"}"u8, TimeSpan.FromSeconds(30));
        Span<byte> buffer = stackalloc byte[256];
        var lookup = cache.TryGet("session:42"u8, buffer, out int length);
        output.WriteLine($"cache: get session:42 {lookup} {Encoding.UTF8.GetString(buffer[..length])}");

        // Batches: keys (and values) back to back, with their lengths.
        byte[] keys = Encoding.ASCII.GetBytes("k1k2k3");
        byte[] values = Encoding.ASCII.GetBytes("onetwothree");
        cache.SetMany(new PackedSpans(keys, [2, 2, 2]), new PackedSpans(values, [3, 3, 5]));
        cache.Delete("k2"u8);
        Span<int> lengths = stackalloc int[3];
        var results = new CacheLookup[3];
        int hits = cache.GetMany(new PackedSpans(keys, [2, 2, 2]), buffer, lengths, results);
        output.WriteLine($"cache: get-many hits={hits} results={string.Join(",", results)}");
        var stats = cache.Statistics;
        output.WriteLine($"cache: statistics hits={stats.Hits} misses={stats.Misses} entries={stats.Entries}");
    }

    // 2b. The durable cache tier: entries also in Basalt's storage engine, so they outlive the process.
    private static void DurableCache(string directory, TextWriter output)
    {
        var options = new CacheOptions { MaxBytes = 16L << 20 };
        using (var cache = BasaltCache.Open(directory, options, Durability.Sync))
            cache.Set("config:flags"u8, "dark-mode=on"u8, TimeSpan.FromHours(1));
        using (var reopened = BasaltCache.Open(directory, options, Durability.Sync))
        {
            byte[]? value = reopened.Get("config:flags"u8);
            output.WriteLine($"durable-cache: after reopen config:flags={(value is null ? "(missing)" : Encoding.UTF8.GetString(value))}");
        }
    }
}
