using Basalt.Engine.Database;
using Basalt.Engine.Model;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// BatchGetItem and BatchWriteItem: round trips over two tables, projection, every limit at its edge, duplicates,
// missing tables, mixed puts and deletes, whole-request rejection (nothing written on a validation error), 16 MB,
// and a synced batch surviving a reopen.
public class BatchTests : IDisposable
{
    private readonly DatabaseFixture _fx = new();
    private BasaltDatabase Db => _fx.Db;
    public void Dispose() => _fx.Dispose();

    // "hash": pk (S); "range": pk (S), sk (N).
    private async Task CreateTables()
    {
        await Db.CreateTableAsync(Table("hash"));
        await Db.CreateTableAsync(Table("range", ScalarAttributeType.S, ScalarAttributeType.N));
    }

    private static Dictionary<string, AttributeValue> HashKey(int i) => Item(("pk", S("h" + i)));
    private static Dictionary<string, AttributeValue> RangeKey(int i) => Item(("pk", S("r" + i % 3)), ("sk", N(i.ToString())));

    private static Dictionary<string, AttributeValue> With(Dictionary<string, AttributeValue> key, params (string Name, AttributeValue Value)[] more)
    {
        var item = new Dictionary<string, AttributeValue>(key, StringComparer.Ordinal);
        foreach (var (name, value) in more) item[name] = value;
        return item;
    }

    private static WriteRequest Put(Dictionary<string, AttributeValue> item) => new() { PutRequest = new() { Item = item } };
    private static WriteRequest Delete(Dictionary<string, AttributeValue> key) => new() { DeleteRequest = new() { Key = key } };

    private Dictionary<string, AttributeValue>? Get(string table, Dictionary<string, AttributeValue> key) =>
        Db.GetItem(new() { TableName = table, Key = key }).Item;

    private static void SameItem(Dictionary<string, AttributeValue> expected, Dictionary<string, AttributeValue>? actual) =>
        Assert.Equal(AttributeValue.Map(expected), AttributeValue.Map(Assert.IsType<Dictionary<string, AttributeValue>>(actual)));

    private static async Task<T> Fails<T>(Func<Task> call, string message) where T : DynamoDbException
    {
        var e = await Assert.ThrowsAsync<T>(call);
        Assert.Equal(message, e.Message);
        return e;
    }

    private Task Write(Dictionary<string, List<WriteRequest>> requestItems) => Db.BatchWriteItemAsync(new() { RequestItems = requestItems });

    private Task Read(Dictionary<string, KeysAndAttributes> requestItems) => Task.Run(() => Db.BatchGetItem(new() { RequestItems = requestItems }));

    [Fact]
    public async Task Items_round_trip_across_two_tables()
    {
        await CreateTables();
        var written = await Db.BatchWriteItemAsync(new()
        {
            RequestItems = new()
            {
                ["hash"] = Enumerable.Range(0, 10).Select(i => Put(With(HashKey(i), ("v", N(i.ToString()))))).ToList(),
                ["range"] = Enumerable.Range(0, 15).Select(i => Put(With(RangeKey(i), ("v", S("x" + i))))).ToList(),
            },
        });
        Assert.Empty(written.UnprocessedItems);

        var read = Db.BatchGetItem(new()
        {
            RequestItems = new()
            {
                // Key 10 of "hash" has no item: it is not in the response.
                ["hash"] = new() { Keys = Enumerable.Range(0, 11).Select(HashKey).ToList(), ConsistentRead = true },
                ["range"] = new() { Keys = Enumerable.Range(0, 15).Select(RangeKey).ToList() },
            },
        });
        Assert.Empty(read.UnprocessedKeys);
        Assert.Equal(10, read.Responses["hash"].Count);
        Assert.Equal(15, read.Responses["range"].Count);
        for (int i = 0; i < 10; i++)
            SameItem(With(HashKey(i), ("v", N(i.ToString()))), read.Responses["hash"].Single(item => item["pk"] == S("h" + i)));
        for (int i = 0; i < 15; i++)
            SameItem(With(RangeKey(i), ("v", S("x" + i))), read.Responses["range"].Single(item => item["sk"] == N(i.ToString())));
        // And the single-item API sees the same items.
        SameItem(With(RangeKey(7), ("v", S("x7"))), Get("range", RangeKey(7)));
    }

    [Fact]
    public async Task A_table_with_no_item_found_has_an_empty_list()
    {
        await CreateTables();
        var read = Db.BatchGetItem(new() { RequestItems = new() { ["hash"] = new() { Keys = [HashKey(1)] } } });
        Assert.Empty(read.Responses["hash"]);
        Assert.Empty(read.UnprocessedKeys);
    }

    [Fact]
    public async Task Projection_applies_per_table_with_attribute_names()
    {
        await CreateTables();
        await Write(new()
        {
            ["hash"] = [Put(With(HashKey(1), ("a", N("1")), ("b", AttributeValue.Map(new Dictionary<string, AttributeValue> { ["c"] = S("deep"), ["d"] = S("no") }))))],
            ["range"] = [Put(With(RangeKey(1), ("a", N("2")), ("b", S("kept"))))],
        });
        var read = Db.BatchGetItem(new()
        {
            RequestItems = new()
            {
                ["hash"] = new() { Keys = [HashKey(1)], ProjectionExpression = "#b.c, pk", ExpressionAttributeNames = new() { ["#b"] = "b" } },
                ["range"] = new() { Keys = [RangeKey(1)] },
            },
        });
        SameItem(Item(("pk", S("h1")), ("b", AttributeValue.Map(new Dictionary<string, AttributeValue> { ["c"] = S("deep") }))), read.Responses["hash"].Single());
        SameItem(With(RangeKey(1), ("a", N("2")), ("b", S("kept"))), read.Responses["range"].Single());

        // An unused attribute name fails as in GetItem.
        var e = await Assert.ThrowsAsync<ValidationException>(() => Read(new()
        {
            ["hash"] = new() { Keys = [HashKey(1)], ProjectionExpression = "pk", ExpressionAttributeNames = new() { ["#b"] = "b" } },
        }));
        Assert.Contains("#b", e.Message);
    }

    [Fact]
    public async Task BatchGetItem_takes_100_keys_and_refuses_101()
    {
        await CreateTables();
        var keys60 = Enumerable.Range(0, 60).Select(HashKey).ToList();
        var keys40 = Enumerable.Range(0, 40).Select(RangeKey).ToList();
        var read = Db.BatchGetItem(new() { RequestItems = new() { ["hash"] = new() { Keys = keys60 }, ["range"] = new() { Keys = keys40 } } });
        Assert.Equal(2, read.Responses.Count);
        await Fails<ValidationException>(() => Read(new()
        {
            ["hash"] = new() { Keys = keys60 },
            ["range"] = new() { Keys = [.. keys40, RangeKey(40)] },
        }), "Too many items requested for the BatchGetItem call");
        await Fails<ValidationException>(() => Read(new() { ["hash"] = new() { Keys = Enumerable.Range(0, 101).Select(HashKey).ToList() } }),
            "Too many items requested for the BatchGetItem call");
    }

    [Fact]
    public async Task BatchWriteItem_takes_25_requests_and_refuses_26()
    {
        await CreateTables();
        await Write(new()
        {
            ["hash"] = Enumerable.Range(0, 20).Select(i => Put(HashKey(i))).ToList(),
            ["range"] = Enumerable.Range(0, 5).Select(i => Put(RangeKey(i))).ToList(),
        });
        Assert.NotNull(Get("hash", HashKey(19)));
        Assert.NotNull(Get("range", RangeKey(4)));

        // 26 across two tables: nothing written.
        await Fails<ValidationException>(() => Write(new()
        {
            ["hash"] = Enumerable.Range(100, 20).Select(i => Put(HashKey(i))).ToList(),
            ["range"] = Enumerable.Range(100, 6).Select(i => Put(RangeKey(i))).ToList(),
        }), "Too many items requested for the BatchWriteItem call");
        Assert.Null(Get("hash", HashKey(100)));

        // 26 in one table: DynamoDB's list-length constraint.
        var e = await Assert.ThrowsAsync<ValidationException>(() => Write(new() { ["hash"] = Enumerable.Range(200, 26).Select(i => Put(HashKey(i))).ToList() }));
        Assert.Contains("Member must have length less than or equal to 25", e.Message);
        Assert.Null(Get("hash", HashKey(200)));
    }

    [Fact]
    public async Task Empty_request_items_and_empty_lists_are_refused()
    {
        await CreateTables();
        await Fails<ValidationException>(() => Write(null!),
            "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null");
        await Fails<ValidationException>(() => Write([]),
            "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1");
        await Fails<ValidationException>(() => Read([]),
            "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1");
        await Fails<ValidationException>(() => Write(new() { ["hash"] = [] }),
            "1 validation error detected: Value '{hash=[]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: " +
            "[Member must have length less than or equal to 25, Member must have length greater than or equal to 1]");
        await Assert.ThrowsAsync<ValidationException>(() => Read(new() { ["hash"] = new() { Keys = [] } }));
        await Assert.ThrowsAsync<ValidationException>(() => Write(new() { ["hash"] = [new WriteRequest()] }));
        await Assert.ThrowsAsync<ValidationException>(() => Write(new() { ["hash"] = [new WriteRequest { PutRequest = new() { Item = HashKey(1) }, DeleteRequest = new() { Key = HashKey(2) } }] }));
    }

    [Fact]
    public async Task Duplicate_keys_refuse_the_whole_batch()
    {
        await CreateTables();
        const string duplicates = "Provided list of item keys contains duplicates";
        await Fails<ValidationException>(() => Read(new() { ["hash"] = new() { Keys = [HashKey(1), HashKey(2), HashKey(1)] } }), duplicates);
        // Numbers are compared as numbers: 1.0 and 1 are one key.
        await Fails<ValidationException>(() => Read(new() { ["range"] = new() { Keys = [Item(("pk", S("a")), ("sk", N("1.0"))), Item(("pk", S("a")), ("sk", N("1")))] } }), duplicates);
        await Fails<ValidationException>(() => Write(new() { ["hash"] = [Put(HashKey(5)), Put(HashKey(1)), Put(With(HashKey(1), ("v", N("2"))))] }), duplicates);
        // A put and a delete of the same key.
        await Fails<ValidationException>(() => Write(new() { ["hash"] = [Put(HashKey(5)), Put(HashKey(1)), Delete(HashKey(1))] }), duplicates);
        Assert.Null(Get("hash", HashKey(5)));

        // The same key in two tables is two items.
        await Db.CreateTableAsync(Table("hash2"));
        await Write(new() { ["hash"] = [Put(HashKey(1))], ["hash2"] = [Put(HashKey(1))] });
        var read = Db.BatchGetItem(new() { RequestItems = new() { ["hash"] = new() { Keys = [HashKey(1)] }, ["hash2"] = new() { Keys = [HashKey(1)] } } });
        Assert.Single(read.Responses["hash"]);
        Assert.Single(read.Responses["hash2"]);
    }

    [Fact]
    public async Task A_missing_table_refuses_the_whole_batch()
    {
        await CreateTables();
        var e = await Fails<ResourceNotFoundException>(() => Write(new() { ["hash"] = [Put(HashKey(1))], ["nope"] = [Put(HashKey(1))] }),
            "Requested resource not found");
        Assert.Equal("ResourceNotFoundException", e.ErrorType);
        Assert.Null(Get("hash", HashKey(1)));
        await Fails<ResourceNotFoundException>(() => Read(new() { ["hash"] = new() { Keys = [HashKey(1)] }, ["nope"] = new() { Keys = [HashKey(1)] } }),
            "Requested resource not found");
    }

    [Fact]
    public async Task Keys_that_do_not_match_the_schema_refuse_the_whole_batch()
    {
        await CreateTables();
        await Fails<ValidationException>(() => Write(new() { ["hash"] = [Put(HashKey(1))], ["range"] = [Delete(HashKey(1))] }),
            "The provided key element does not match the schema");
        Assert.Null(Get("hash", HashKey(1)));
        await Fails<ValidationException>(() => Read(new() { ["hash"] = new() { Keys = [RangeKey(1)] } }),
            "The provided key element does not match the schema");
    }

    [Fact]
    public async Task An_item_over_400_KB_refuses_the_whole_batch()
    {
        await CreateTables();
        var big = With(HashKey(2), ("v", S(new string('x', 400 * 1024))));
        await Fails<ValidationException>(() => Write(new() { ["hash"] = [Put(HashKey(1)), Put(big)] }), "Item size has exceeded the maximum allowed size");
        Assert.Null(Get("hash", HashKey(1)));
    }

    [Fact]
    public async Task Puts_and_deletes_mix_in_one_batch()
    {
        await CreateTables();
        await Write(new() { ["hash"] = Enumerable.Range(0, 10).Select(i => Put(HashKey(i))).ToList() });
        await Write(new()
        {
            ["hash"] = [Delete(HashKey(0)), Delete(HashKey(1)), Put(With(HashKey(2), ("v", S("replaced")))), Put(HashKey(20)), Delete(HashKey(99))],
            ["range"] = [Put(RangeKey(1)), Delete(RangeKey(2))],
        });
        Assert.Null(Get("hash", HashKey(0)));
        Assert.Null(Get("hash", HashKey(1)));
        SameItem(With(HashKey(2), ("v", S("replaced"))), Get("hash", HashKey(2)));
        Assert.NotNull(Get("hash", HashKey(3)));
        Assert.NotNull(Get("hash", HashKey(20)));
        Assert.NotNull(Get("range", RangeKey(1)));
    }

    [Fact]
    public async Task A_response_over_16_MB_leaves_the_rest_as_unprocessed_keys()
    {
        await CreateTables();
        // 42 items of ~400 KB: 16.8 MB, just over 16 MiB.
        var payload = S(new string('x', 400_000));
        for (int i = 0; i < 42; i++) await Db.PutItemAsync(new() { TableName = "hash", Item = With(HashKey(i), ("v", payload)) });
        var request = new KeysAndAttributes { Keys = Enumerable.Range(0, 42).Select(HashKey).ToList(), ProjectionExpression = "pk, v", ConsistentRead = true };
        var first = Db.BatchGetItem(new() { RequestItems = new() { ["hash"] = request } });
        var left = first.UnprocessedKeys["hash"];
        Assert.Equal(41, first.Responses["hash"].Count);
        Assert.Single(left.Keys!);
        Assert.Equal("pk, v", left.ProjectionExpression);
        Assert.True(left.ConsistentRead);

        var second = Db.BatchGetItem(new() { RequestItems = new() { ["hash"] = left } });
        Assert.Empty(second.UnprocessedKeys);
        var all = first.Responses["hash"].Concat(second.Responses["hash"]).Select(item => item["pk"]).ToHashSet();
        Assert.Equal(Enumerable.Range(0, 42).Select(i => S("h" + i)).ToHashSet(), all);
    }

    [Fact]
    public async Task Synced_batch_writes_over_both_shards_survive_a_reopen()
    {
        using var fx = new DatabaseFixture(Basalt.Engine.Storage.Durability.Sync);
        await fx.Db.CreateTableAsync(Table("hash"));
        await fx.Db.BatchWriteItemAsync(new() { RequestItems = new() { ["hash"] = Enumerable.Range(0, 25).Select(i => Put(With(HashKey(i), ("v", N(i.ToString()))))).ToList() } });
        fx.Reopen();
        var read = fx.Db.BatchGetItem(new() { RequestItems = new() { ["hash"] = new() { Keys = Enumerable.Range(0, 25).Select(HashKey).ToList() } } });
        Assert.Equal(25, read.Responses["hash"].Count);
        Assert.All(read.Responses["hash"], item => Assert.Equal(item["pk"], S("h" + item["v"].AsNumber())));
    }
}
