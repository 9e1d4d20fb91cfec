using Basalt.Engine.Database;
using Basalt.Engine.Model;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// ReturnConsumedCapacity on tables with secondary indexes: what a write costs each index it touches (the figures
// DynamoDB gave a 2026 conformance suite for small items), and what a read of an index costs the index and the
// table (dynalite's recording of DynamoDB for a local index read with fetches).
public class IndexCapacityTests
{
    private static async Task<DatabaseFixture> Indexed()
    {
        var fx = new DatabaseFixture();
        await fx.Db.CreateTableAsync(new CreateTableRequest
        {
            TableName = "cap", KeySchema = [new("pk", KeyType.Hash), new("sk", KeyType.Range)],
            AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.S), new("l", ScalarAttributeType.S), new("g", ScalarAttributeType.S)],
            BillingMode = BillingMode.PayPerRequest,
            LocalSecondaryIndexes = [new LocalSecondaryIndex
            {
                IndexName = "lsi", KeySchema = [new("pk", KeyType.Hash), new("l", KeyType.Range)], Projection = new Projection { ProjectionType = ProjectionType.Include, NonKeyAttributes = ["inc"] },
            }],
            GlobalSecondaryIndexes = [new GlobalSecondaryIndex
            {
                IndexName = "gsi", KeySchema = [new("g", KeyType.Hash)], Projection = new Projection { ProjectionType = ProjectionType.KeysOnly },
            }],
        });
        return fx;
    }

    private static async Task<ConsumedCapacity> Put(DatabaseFixture fx, Dictionary<string, AttributeValue> item) =>
        (await fx.Db.PutItemAsync(new PutItemRequest { TableName = "cap", Item = item, ReturnConsumedCapacity = ReturnConsumedCapacity.Indexes })).ConsumedCapacity!;

    private static async Task<ConsumedCapacity> Update(DatabaseFixture fx, string expression, Dictionary<string, AttributeValue>? values = null) =>
        (await fx.Db.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = "cap", Key = Item(("pk", S("a")), ("sk", S("1"))), UpdateExpression = expression, ExpressionAttributeValues = values,
            ReturnConsumedCapacity = ReturnConsumedCapacity.Indexes,
        })).ConsumedCapacity!;

    private static string Render(ConsumedCapacity c) =>
        $"total={c.CapacityUnits} table={c.Table?.CapacityUnits} lsi={(c.LocalSecondaryIndexes is { } l ? string.Join(",", l.Select(e => $"{e.Key}:{e.Value.CapacityUnits}")) : "-")} " +
        $"gsi={(c.GlobalSecondaryIndexes is { } g ? string.Join(",", g.Select(e => $"{e.Key}:{e.Value.CapacityUnits}")) : "-")}";

    [Fact]
    public async Task Writes_cost_each_index_they_touch()
    {
        using var fx = await Indexed();
        // a new item with both index keys: table 1, each index 1
        Assert.Equal("total=3 table=1 lsi=lsi:1 gsi=gsi:1", Render(await Put(fx, Item(("pk", S("a")), ("sk", S("1")), ("l", S("x")), ("g", S("y")), ("inc", S("i"))))));
        // the same item again: the entries do not change, only the table is charged
        Assert.Equal("total=1 table=1 lsi=- gsi=-", Render(await Put(fx, Item(("pk", S("a")), ("sk", S("1")), ("l", S("x")), ("g", S("y")), ("inc", S("i"))))));
        // an attribute no index projects: the table only
        Assert.Equal("total=1 table=1 lsi=- gsi=-", Render(await Update(fx, "SET extra = :o", Item((":o", S("o"))))));
        // an attribute the local index projects: it rewrites its entry
        Assert.Equal("total=2 table=1 lsi=lsi:1 gsi=-", Render(await Update(fx, "SET inc = :i", Item((":i", S("j"))))));
        // a new local index key: delete and put
        Assert.Equal("total=3 table=1 lsi=lsi:2 gsi=-", Render(await Update(fx, "SET l = :l", Item((":l", S("z"))))));
        // the global index key removed: one delete
        Assert.Equal("total=2 table=1 lsi=- gsi=gsi:1", Render(await Update(fx, "REMOVE g")));
        // a sparse item: the table only, no maps
        Assert.Equal("total=1 table=1 lsi=- gsi=-", Render(await Put(fx, Item(("pk", S("b")), ("sk", S("1"))))));
        // deleting an item in one index: one unit for that index
        var deleted = await fx.Db.DeleteItemAsync(new DeleteItemRequest { TableName = "cap", Key = Item(("pk", S("a")), ("sk", S("1"))), ReturnConsumedCapacity = ReturnConsumedCapacity.Indexes });
        Assert.Equal("total=2 table=1 lsi=lsi:1 gsi=-", Render(deleted.ConsumedCapacity!));
        // TOTAL: the sum, no breakdown
        var total = await fx.Db.PutItemAsync(new PutItemRequest { TableName = "cap", Item = Item(("pk", S("c")), ("sk", S("1")), ("l", S("x")), ("g", S("y"))), ReturnConsumedCapacity = ReturnConsumedCapacity.Total });
        Assert.Equal("total=3 table= lsi=- gsi=-", Render(total.ConsumedCapacity!));
    }

    [Fact]
    public async Task A_read_of_an_index_costs_the_index_and_each_item_fetched_from_the_table()
    {
        using var fx = await Indexed();
        for (int i = 0; i < 3; i++) await Put(fx, Item(("pk", S("a")), ("sk", S($"{i}")), ("l", S($"x{i}")), ("g", S("y")), ("inc", S("i")), ("other", S("o"))));
        await fx.Db.WhenIndexesCaughtUpAsync();
        QueryResponse Query(string index, Select? select, bool consistent) => fx.Db.Query(new QueryRequest
        {
            TableName = "cap", IndexName = index, Select = select, ConsistentRead = consistent, ReturnConsumedCapacity = ReturnConsumedCapacity.Indexes,
            KeyConditionExpression = index == "lsi" ? "pk = :v" : "g = :v", ExpressionAttributeValues = Item((":v", S(index == "lsi" ? "a" : "y"))),
        });
        // projected attributes only: the index, one read for the page
        Assert.Equal("total=1 table=0 lsi=lsi:1 gsi=-", Render(Query("lsi", null, consistent: true).ConsumedCapacity!));
        // all attributes of a local index: each of the three items is also read from the table
        Assert.Equal("total=4 table=3 lsi=lsi:1 gsi=-", Render(Query("lsi", Select.AllAttributes, consistent: true).ConsumedCapacity!));
        Assert.Equal("total=2 table=1.5 lsi=lsi:0.5 gsi=-", Render(Query("lsi", Select.AllAttributes, consistent: false).ConsumedCapacity!));
        // a global index is read eventually consistent
        Assert.Equal("total=0.5 table=0 lsi=- gsi=gsi:0.5", Render(Query("gsi", null, consistent: false).ConsumedCapacity!));
        var scan = fx.Db.Scan(new ScanRequest { TableName = "cap", IndexName = "gsi", ReturnConsumedCapacity = ReturnConsumedCapacity.Indexes });
        Assert.Equal("total=0.5 table=0 lsi=- gsi=gsi:0.5", Render(scan.ConsumedCapacity!));
    }
}
