using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.DataModel;
using Amazon.DynamoDBv2.DocumentModel;
using Amazon.DynamoDBv2.Model;

namespace Basalt.Tests.Server;

// The AWS SDK's high-level APIs, the ones applications mostly call, against a Basalt server: the Document model
// (Table, Document, Search) and the object persistence model (DynamoDBContext: save, load, query, scan, batches).
// They lean on DescribeTable's shape and on exact response members, so they catch shape mistakes the low-level
// tests can miss.
public class HighLevelSdkTests
{
    [DynamoDBTable("Orders")]
    public sealed class Order
    {
        [DynamoDBHashKey("customer")] public string Customer { get; set; } = "";
        [DynamoDBRangeKey("number")] public int Number { get; set; }
        [DynamoDBProperty("total")] public decimal Total { get; set; }
        [DynamoDBProperty("items")] public List<string> Items { get; set; } = [];
        [DynamoDBProperty("shipped")] public bool Shipped { get; set; }
        [DynamoDBProperty("placed")] public DateTime Placed { get; set; }
    }

    private static async Task CreateOrdersAsync(IAmazonDynamoDB client) =>
        await client.CreateTableAsync(new CreateTableRequest
        {
            TableName = "Orders",
            KeySchema = [new KeySchemaElement("customer", KeyType.HASH), new KeySchemaElement("number", KeyType.RANGE)],
            AttributeDefinitions = [new AttributeDefinition("customer", ScalarAttributeType.S), new AttributeDefinition("number", ScalarAttributeType.N)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });

    [Fact]
    public async Task DynamoDBContext_saves_loads_queries_scans_and_batches_objects()
    {
        await using var fx = await ServerFixture.StartAsync();
        await CreateOrdersAsync(fx.Client);
        var context = new DynamoDBContextBuilder().WithDynamoDBClient(() => fx.Client).Build();
        var placed = new DateTime(2026, 12, 3, 10, 30, 0, DateTimeKind.Utc);
        for (int i = 1; i <= 12; i++)
            await context.SaveAsync(new Order { Customer = i <= 10 ? "ada" : "bob", Number = i, Total = i * 1.25m, Items = [$"sku{i}", "bag"], Shipped = i % 3 == 0, Placed = placed });

        var loaded = await context.LoadAsync<Order>("ada", 4);
        Assert.NotNull(loaded);
        Assert.Equal(5.00m, loaded.Total);
        Assert.Equal(["bag", "sku4"], loaded.Items.Order()); // a List<string> is stored as a string set: no order
        Assert.Equal(placed, loaded.Placed.ToUniversalTime());
        Assert.Null(await context.LoadAsync<Order>("ada", 99));

        var adas = await context.QueryAsync<Order>("ada", QueryOperator.GreaterThan, [6]).GetRemainingAsync();
        Assert.Equal([7, 8, 9, 10], adas.Select(o => o.Number));

        var shipped = await context.ScanAsync<Order>([new ScanCondition("Shipped", ScanOperator.Equal, true)]).GetRemainingAsync();
        Assert.Equal([3, 6, 9, 12], shipped.Select(o => o.Number).Order());

        var batchGet = context.CreateBatchGet<Order>();
        batchGet.AddKey("bob", 11);
        batchGet.AddKey("ada", 1);
        batchGet.AddKey("ada", 50);
        await batchGet.ExecuteAsync();
        Assert.Equal([1, 11], batchGet.Results.Select(o => o.Number).Order());

        var batchWrite = context.CreateBatchWrite<Order>();
        batchWrite.AddDeleteKey("ada", 1);
        batchWrite.AddPutItem(new Order { Customer = "cy", Number = 1, Total = 9m });
        await batchWrite.ExecuteAsync();
        Assert.Null(await context.LoadAsync<Order>("ada", 1));
        Assert.Equal(9m, (await context.LoadAsync<Order>("cy", 1))!.Total);

        await context.DeleteAsync<Order>("cy", 1);
        Assert.Null(await context.LoadAsync<Order>("cy", 1));
    }

    [Fact]
    public async Task Document_model_puts_gets_updates_and_searches()
    {
        await using var fx = await ServerFixture.StartAsync();
        await CreateOrdersAsync(fx.Client);
        var table = new TableBuilder(fx.Client, "Orders")
            .AddHashKey("customer", DynamoDBEntryType.String)
            .AddRangeKey("number", DynamoDBEntryType.Numeric)
            .Build();
        for (int i = 1; i <= 30; i++)
        {
            var doc = new Document { ["customer"] = "ada", ["number"] = i, ["note"] = $"n{i}" };
            await table.PutItemAsync(doc);
        }

        var one = await table.GetItemAsync("ada", 5);
        Assert.Equal("n5", one["note"].AsString());

        var update = new Document { ["customer"] = "ada", ["number"] = 5, ["note"] = "changed", ["flag"] = new DynamoDBBool(true) };
        var updated = await table.UpdateItemAsync(update, new UpdateItemOperationConfig { ReturnValues = ReturnValues.AllNewAttributes });
        Assert.Equal("changed", updated["note"].AsString());
        Assert.True(updated["flag"].AsBoolean());

        var search = table.Query("ada", new QueryFilter("number", QueryOperator.Between, 10, 24));
        var found = new List<Document>();
        do found.AddRange(await search.GetNextSetAsync()); while (!search.IsDone);
        Assert.Equal(Enumerable.Range(10, 15), found.Select(d => d["number"].AsInt()));

        var all = table.Scan(new ScanOperationConfig { Limit = 7 });
        int count = 0;
        do count += (await all.GetNextSetAsync()).Count; while (!all.IsDone);
        Assert.Equal(30, count);

        await table.DeleteItemAsync("ada", 5);
        Assert.Null(await table.GetItemAsync("ada", 5));
    }
}
