using System.Buffers;
using Basalt.Client;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Protocol;
using Basalt.Tests.Database;
using Basalt.Tests.Server;
using Basalt.Tests.Server.Binary;
using static Basalt.Tests.Server.Binary.BinaryTable;

namespace Basalt.Tests.Client;

// The .NET client (server/Basalt.Client) against a real server, and against FakeServer for what a real one does not
// do on demand. The same operations run through IBasaltDataApi on an embedded database and on the client must give
// the same answers and the same errors (type and message).
public class BasaltClientTests
{
    private static BasaltClient Connect(int port, int connections = 2, TimeSpan? timeout = null, int retries = 5) => new(new BasaltClientOptions
    {
        Port = port, Connections = connections, RequestTimeout = timeout ?? TimeSpan.FromSeconds(30), MaxRetries = retries,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1), RetryMaxDelay = TimeSpan.FromMilliseconds(5),
    });

    // The operations of a small application, each answer rendered (an error as its type and message).
    private static async Task<List<string>> Workload(IBasaltDataApi db)
    {
        var log = new List<string>();
        async Task Run<T>(string what, Func<ValueTask<T>> call)
        {
            try
            {
                log.Add($"{what}: {Rendered.Of(await call())}");
            }
            catch (DynamoDbException e)
            {
                log.Add($"{what}: {e.ErrorType}: {e.Message} {Rendered.Of((e as ConditionalCheckFailedException)?.Item)} {Rendered.Of((e as TransactionCanceledException)?.CancellationReasons)}");
            }
        }
        for (int i = 0; i < 5; i++)
            await Run("put", () => db.PutItemAsync(new PutItemRequest { TableName = Name, Item = Item("a", i, ("l", S($"l{4 - i}")), ("g", S(i % 2 == 0 ? "even" : "odd")), ("n", N(i.ToString()))) }));
        await Run("put all_old", () => db.PutItemAsync(new PutItemRequest { TableName = Name, Item = Item("a", 0, ("v", S("new"))), ReturnValues = ReturnValue.AllOld, ReturnConsumedCapacity = ReturnConsumedCapacity.Indexes }));
        await Run("get", () => db.GetItemAsync(new GetItemRequest { TableName = Name, Key = Key("a", 1), ProjectionExpression = "#n, l", ExpressionAttributeNames = new() { ["#n"] = "n" }, ReturnConsumedCapacity = ReturnConsumedCapacity.Total }));
        await Run("get absent", () => db.GetItemAsync(new GetItemRequest { TableName = Name, Key = Key("zz", 1) }));
        await Run("update", () => db.UpdateItemAsync(new UpdateItemRequest { TableName = Name, Key = Key("a", 2), UpdateExpression = "ADD n :one SET s = :s", ExpressionAttributeValues = new() { [":one"] = N("1"), [":s"] = AttributeValue.StringSet(["x", "y"]) }, ReturnValues = ReturnValue.AllNew }));
        await Run("update condition fails", () => db.UpdateItemAsync(new UpdateItemRequest { TableName = Name, Key = Key("a", 2), UpdateExpression = "SET n = :one", ConditionExpression = "n = :one", ExpressionAttributeValues = new() { [":one"] = N("1") }, ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.AllOld }));
        await Run("delete", () => db.DeleteItemAsync(new DeleteItemRequest { TableName = Name, Key = Key("a", 4), ReturnValues = ReturnValue.AllOld }));
        await Run("query", () => db.QueryAsync(new QueryRequest { TableName = Name, KeyConditionExpression = "pk = :p AND sk > :z", ExpressionAttributeValues = new() { [":p"] = S("a"), [":z"] = N("0") }, ScanIndexForward = false, Limit = 2 }));
        await Run("query lsi", () => db.QueryAsync(new QueryRequest { TableName = Name, IndexName = "lsi", KeyConditionExpression = "pk = :p", ExpressionAttributeValues = new() { [":p"] = S("a") } }));
        await Run("scan", () => db.ScanAsync(new ScanRequest { TableName = Name, FilterExpression = "n >= :one", ExpressionAttributeValues = new() { [":one"] = N("1") }, ReturnConsumedCapacity = ReturnConsumedCapacity.Total }));
        await Run("scan lsi count", () => db.ScanAsync(new ScanRequest { TableName = Name, IndexName = "lsi", Select = Select.Count }));
        await Run("batch write", () => db.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = new() { [Name] = [new WriteRequest { PutRequest = new PutRequest { Item = Item("b", 1) } }, new WriteRequest { DeleteRequest = new DeleteRequest { Key = Key("a", 3) } }] } }));
        await Run("batch get", () => db.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = new() { [Name] = new KeysAndAttributes { Keys = [Key("b", 1), Key("a", 3), Key("a", 1)] } } }));
        await Run("transact write", () => db.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems =
            [
                new TransactWriteItem { Put = new TransactPut { TableName = Name, Item = Item("c", 1) } },
                new TransactWriteItem { Update = new TransactUpdate { TableName = Name, Key = Key("a", 1), UpdateExpression = "SET t = :t", ExpressionAttributeValues = new() { [":t"] = AttributeValue.Bool(true) } } },
                new TransactWriteItem { ConditionCheck = new TransactConditionCheck { TableName = Name, Key = Key("b", 1), ConditionExpression = "attribute_exists(pk)" } },
            ],
        }));
        await Run("transact write canceled", () => db.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems =
            [
                new TransactWriteItem { Delete = new TransactDelete { TableName = Name, Key = Key("c", 1) } },
                new TransactWriteItem { ConditionCheck = new TransactConditionCheck { TableName = Name, Key = Key("a", 1), ConditionExpression = "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.AllOld } },
            ],
        }));
        await Run("transact get", () => db.TransactGetItemsAsync(new TransactGetItemsRequest { TransactItems = [new TransactGetItem { Get = new TransactGet { TableName = Name, Key = Key("c", 1) } }, new TransactGetItem { Get = new TransactGet { TableName = Name, Key = Key("zz", 9) } }] }));
        // Refusals: the engine's validation, the same through either.
        await Run("no table", () => db.GetItemAsync(new GetItemRequest { TableName = "missing", Key = Key("a", 1) }));
        await Run("bad key", () => db.GetItemAsync(new GetItemRequest { TableName = Name, Key = new() { ["pk"] = S("a") } }));
        await Run("bad expression", () => db.QueryAsync(new QueryRequest { TableName = Name, KeyConditionExpression = "pk = = :p", ExpressionAttributeValues = new() { [":p"] = S("a") } }));
        await Run("unused value", () => db.PutItemAsync(new PutItemRequest { TableName = Name, Item = Item("a", 9), ExpressionAttributeValues = new() { [":x"] = S("a") } }));
        await Run("too large", () => db.PutItemAsync(new PutItemRequest { TableName = Name, Item = Item("a", 9, ("big", S(new string('x', 410_000)))) }));
        await Run("empty set", () => db.PutItemAsync(new PutItemRequest { TableName = Name, Item = Item("a", 9, ("s", AttributeValue.StringSet([]))) }));
        await Run("no batch items", () => db.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = [] }));
        await Run("bad segment", () => db.ScanAsync(new ScanRequest { TableName = Name, Segment = 3, TotalSegments = 2 }));
        return log;
    }

    [Fact]
    public async Task EveryOperationAnswersAsTheEmbeddedDatabase()
    {
        using var embedded = new DatabaseFixture(options: new DatabaseOptions());
        await CreateAsync(embedded.Db);
        var expected = await Workload(embedded.Db);

        await using var fx = await ServerFixture.StartAsync();
        await CreateAsync(fx.Server.Database);
        await using var client = Connect(fx.Server.BinaryPort);
        var actual = await Workload(client);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i], actual[i]);
        Assert.Contains(actual, line => line.StartsWith("update condition fails: ConditionalCheckFailedException: The conditional request failed {", StringComparison.Ordinal));
        Assert.Contains(actual, line => line.StartsWith("transact write canceled: TransactionCanceledException:", StringComparison.Ordinal) && line.Contains("ConditionalCheckFailed"));
    }

    [Fact]
    public async Task GlobalIndexQueriesGoThroughTheClient()
    {
        await using var fx = await ServerFixture.StartAsync();
        await CreateAsync(fx.Server.Database);
        await using var client = Connect(fx.Server.BinaryPort);
        for (int i = 0; i < 4; i++) await client.PutItemAsync(new PutItemRequest { TableName = Name, Item = Item("a", i, ("g", S(i % 2 == 0 ? "even" : "odd"))) });
        await fx.Server.Database.WhenIndexesCaughtUpAsync();
        var even = await client.QueryAsync(new QueryRequest { TableName = Name, IndexName = "gsi", KeyConditionExpression = "g = :g", ExpressionAttributeValues = new() { [":g"] = S("even") } });
        Assert.Equal(["0", "2"], even.Items.Select(item => item["sk"].AsNumber()).Order().ToArray());
        var scan = await client.ScanAsync(new ScanRequest { TableName = Name, IndexName = "gsi" });
        Assert.Equal(4, scan.Count);
    }

    [Fact]
    public async Task LegacyParametersAreRefusedWithAValidationException()
    {
        await using var fx = await ServerFixture.StartAsync();
        await using var client = Connect(fx.Server.BinaryPort);
        var e = await Assert.ThrowsAsync<ValidationException>(async () => await client.ScanAsync(new ScanRequest { TableName = Name, ScanFilter = [] }));
        Assert.Equal("ScanFilter is a legacy parameter that Basalt's binary protocol does not carry; use the expression parameters instead", e.Message);
    }

    [Fact]
    public async Task EncodedGetAndPutRoundTrip()
    {
        await using var fx = await ServerFixture.StartAsync();
        await CreateAsync(fx.Server.Database);
        await using var client = Connect(fx.Server.BinaryPort);
        var table = "tbl"u8.ToArray();
        var item = Item("enc", 1, ("v", AttributeValue.Binary([1, 2, 3])));
        await client.PutItemEncodedAsync(table, Encode(item));
        var found = new ArrayBufferWriter<byte>();
        int length = await client.GetItemEncodedAsync(table, Encode(Key("enc", 1)), found);
        Assert.Equal(found.WrittenCount, length);
        Assert.Equal(Rendered.Of(item), Rendered.Of(ItemCodec.Decode(found.WrittenSpan)));
        Assert.Equal(-1, await client.GetItemEncodedAsync(table, Encode(Key("enc", 2)), found));
        var e = await Assert.ThrowsAsync<ResourceNotFoundException>(async () => await client.GetItemEncodedAsync("missing"u8.ToArray(), Encode(Key("enc", 1)), found));
        Assert.Equal(Assert.ThrowsAny<DynamoDbException>(() => fx.Server.Database.GetItem(new GetItemRequest { TableName = "missing", Key = Key("a", 1) })).Message, e.Message);
    }

    [Fact]
    public async Task ManyRequestsInFlightOnOneConnection()
    {
        await using var fx = await ServerFixture.StartAsync();
        await CreateAsync(fx.Server.Database);
        await using var client = Connect(fx.Server.BinaryPort, connections: 1);
        await client.ConnectAsync();
        var table = "tbl"u8.ToArray();
        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => client.PutItemEncodedAsync(table, Encode(Item("p", i, ("i", N(i.ToString()))))).AsTask()));
        var reads = await Task.WhenAll(Enumerable.Range(0, 500).Select(async i =>
            (i, (await client.GetItemAsync(new GetItemRequest { TableName = Name, Key = Key("p", i) })).Item)));
        foreach (var (i, item) in reads) Assert.Equal(i.ToString(), item!["i"].AsNumber());
        Assert.Equal(1, fx.Server.BinaryConnectionCount);
    }

    [Fact]
    public async Task AnswersOutOfOrderAreMatchedByRequestId()
    {
        await using var fake = new FakeServer();
        await using var client = Connect(fake.Port, connections: 1);
        var first = client.GetItemEncodedAsync("tbl"u8.ToArray(), Encode(Key("a", 1)), new ArrayBufferWriter<byte>()).AsTask();
        var (h1, _) = await fake.NextRequestAsync();
        var secondItem = new ArrayBufferWriter<byte>();
        var second = client.GetItemEncodedAsync("tbl"u8.ToArray(), Encode(Key("a", 2)), secondItem).AsTask();
        var (h2, _) = await fake.NextRequestAsync();
        Assert.NotEqual(h1.RequestId, h2.RequestId);
        var item = Encode(Item("a", 2));
        await fake.SendAsync(RawConnection.Frame(h2.RequestId, Op.GetItemEncoded, RawConnection.Payload(b => Payload.WriteEncodedItem(b, item)), FrameFlags.Response));
        Assert.Equal(item.Length, await second);
        Assert.False(first.IsCompleted);
        await fake.SendAsync(RawConnection.Frame(h1.RequestId, Op.GetItemEncoded, [0xFF, 0xFF, 0xFF, 0xFF], FrameFlags.Response));
        Assert.Equal(-1, await first);
        Assert.Equal(item, secondItem.WrittenSpan.ToArray());
    }

    [Fact]
    public async Task ARequestWithoutAnAnswerTimesOut()
    {
        await using var fake = new FakeServer();
        await using var client = Connect(fake.Port, connections: 1, timeout: TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAsync<TimeoutException>(async () => await client.PutItemEncodedAsync("tbl"u8.ToArray(), Encode(Item("a", 1))));
        // The late answer is dropped, and the connection goes on.
        var (late, _) = await fake.NextRequestAsync();
        await fake.AnswerEmptyAsync(late);
        var next = client.PutItemEncodedAsync("tbl"u8.ToArray(), Encode(Item("a", 1))).AsTask();
        var (h, _) = await fake.NextRequestAsync();
        await fake.AnswerEmptyAsync(h);
        await next;
    }

    [Fact]
    public async Task CancellationAbandonsTheWait()
    {
        await using var fake = new FakeServer();
        await using var client = Connect(fake.Port, connections: 1);
        using var cancel = new CancellationTokenSource();
        var call = client.GetItemAsync(new GetItemRequest { TableName = Name, Key = Key("a", 1) }, cancel.Token).AsTask();
        await fake.NextRequestAsync();
        Assert.False(call.IsCompleted);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        // Canceled before it is sent: nothing goes out.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.GetItemAsync(new GetItemRequest { TableName = Name, Key = Key("a", 1) }, cancel.Token));
    }

    [Fact]
    public async Task ThrottlingIsRetriedWithBackoff()
    {
        await using var fake = new FakeServer();
        await using var client = Connect(fake.Port, connections: 1, retries: 3);
        var put = client.PutItemEncodedAsync("tbl"u8.ToArray(), Encode(Item("a", 1))).AsTask();
        foreach (var type in new[] { "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded" })
        {
            var (h, _) = await fake.NextRequestAsync();
            await fake.AnswerErrorAsync(h, type, "slow down");
        }
        var (last, _) = await fake.NextRequestAsync();
        await fake.AnswerEmptyAsync(last);
        await put;

        // Past MaxRetries the throttling error is the caller's; other errors are never retried.
        var gives = client.GetItemAsync(new GetItemRequest { TableName = Name, Key = Key("a", 1) }).AsTask();
        for (int i = 0; i <= 3; i++)
        {
            var (h, _) = await fake.NextRequestAsync();
            await fake.AnswerErrorAsync(h, "ThrottlingException", "slow down");
        }
        var e = await Assert.ThrowsAsync<RemoteDynamoDbException>(() => gives);
        Assert.Equal(("ThrottlingException", "slow down"), (e.ErrorType, e.Message));
        var once = client.GetItemAsync(new GetItemRequest { TableName = Name, Key = Key("a", 1) }).AsTask();
        var (v, _) = await fake.NextRequestAsync();
        await fake.AnswerErrorAsync(v, "ValidationException", "no");
        Assert.Equal("no", (await Assert.ThrowsAsync<ValidationException>(() => once)).Message);
        Assert.False(fake.TryNextRequest(out _));
    }

    [Fact]
    public async Task AConnectionThatDiesFailsItsRequestsAndIsReplaced()
    {
        await using var fake = new FakeServer();
        await using var client = Connect(fake.Port, connections: 1);
        var pending = client.PutItemEncodedAsync("tbl"u8.ToArray(), Encode(Item("a", 1))).AsTask();
        await fake.NextRequestAsync();
        fake.DropConnections();
        await Assert.ThrowsAsync<IOException>(() => pending);
        // The connection is marked failed before its requests are: the next call opens a new one.
        var next = client.PutItemEncodedAsync("tbl"u8.ToArray(), Encode(Item("a", 1))).AsTask();
        var (h, _) = await fake.NextRequestAsync();
        await fake.AnswerEmptyAsync(h);
        await next;
    }

    [Fact]
    public async Task AServerOfAnotherVersionIsRefusedAtConnect()
    {
        await using var fake = new FakeServer(helloVersion: 2);
        await using var client = Connect(fake.Port, connections: 1);
        var e = await Assert.ThrowsAsync<IOException>(() => client.ConnectAsync());
        Assert.Equal("the server speaks version 2 of the binary protocol, this client version 1", e.Message);
    }

    [Fact]
    public async Task AFullRequestTableIsThrottling()
    {
        await using var fake = new FakeServer();
        await using var client = new BasaltClient(new BasaltClientOptions
        {
            Port = fake.Port, Connections = 1, InFlightPerConnectionMax = 2, MaxRetries = 0,
        });
        await client.ConnectAsync(); // so that each call below is sent before it returns, in order
        var first = client.PutItemEncodedAsync("tbl"u8.ToArray(), Encode(Item("a", 1))).AsTask();
        var second = client.PutItemEncodedAsync("tbl"u8.ToArray(), Encode(Item("a", 2))).AsTask();
        var e = await Assert.ThrowsAsync<RemoteDynamoDbException>(async () => await client.PutItemEncodedAsync("tbl"u8.ToArray(), Encode(Item("a", 3))));
        Assert.Equal(("ThrottlingException", "Too many requests in flight on one connection (at most 2)"), (e.ErrorType, e.Message));
        for (int i = 0; i < 2; i++)
        {
            var (h, _) = await fake.NextRequestAsync();
            await fake.AnswerEmptyAsync(h);
        }
        await Task.WhenAll(first, second);
    }
}
