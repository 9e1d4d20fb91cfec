using Basalt.Engine.Database;
using Basalt.Engine.Model;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// ReturnConsumedCapacity on the single-item operations: DynamoDB's arithmetic (4 KB read units, half for eventual
// consistency; 1 KB write units; the larger image of a write; one unit for an absent item) at its edges.
public class ConsumedCapacityTests : IDisposable
{
    private readonly DatabaseFixture _fx = new();
    private BasaltDatabase Db => _fx.Db;
    public void Dispose() => _fx.Dispose();

    // An item of exactly `bytes` DynamoDB bytes: "pk" (2) + its value "k" (1) + "p" (1) + the padding.
    private static Dictionary<string, AttributeValue> Sized(int bytes) =>
        Item(("pk", S("k")), ("p", S(new string('x', bytes - 4))));

    private static readonly Dictionary<string, AttributeValue> Key = Item(("pk", S("k")));

    [Theory]
    [InlineData(0, true, 1.0)]
    [InlineData(1, true, 1.0)]
    [InlineData(4096, true, 1.0)]
    [InlineData(4097, true, 2.0)]
    [InlineData(0, false, 0.5)]
    [InlineData(4096, false, 0.5)]
    [InlineData(4097, false, 1.0)]
    [InlineData(400 * 1024, true, 100.0)]
    public void Read_units_round_up_to_4_KB(long bytes, bool consistent, double units) =>
        Assert.Equal(units, CapacityUnits.Read(bytes, consistent));

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(1024, 1.0)]
    [InlineData(1025, 2.0)]
    [InlineData(400 * 1024, 400.0)]
    public void Write_units_round_up_to_1_KB(long bytes, double units) => Assert.Equal(units, CapacityUnits.Write(bytes));

    [Fact]
    public async Task GetItem_reports_the_whole_item_rounded_to_4_KB_even_with_a_projection()
    {
        await Db.CreateTableAsync(Table("cap"));
        Assert.Equal(4097, ItemSize.Of(Sized(4097)));
        await Db.PutItemAsync(new() { TableName = "cap", Item = Sized(4097) });

        var strong = Db.GetItem(new() { TableName = "cap", Key = Key, ConsistentRead = true, ReturnConsumedCapacity = ReturnConsumedCapacity.Total });
        Assert.Equal(new ConsumedCapacity("cap", 2.0, ReadCapacityUnits: 2.0), strong.ConsumedCapacity);
        var eventual = Db.GetItem(new() { TableName = "cap", Key = Key, ProjectionExpression = "pk", ReturnConsumedCapacity = ReturnConsumedCapacity.Total });
        Assert.Single(eventual.Item!);
        Assert.Equal(1.0, eventual.ConsumedCapacity!.CapacityUnits);
        var indexes = Db.GetItem(new() { TableName = "cap", Key = Key, ConsistentRead = true, ReturnConsumedCapacity = ReturnConsumedCapacity.Indexes });
        Assert.Equal(new Capacity(2.0, ReadCapacityUnits: 2.0), indexes.ConsumedCapacity!.Table);
        Assert.Null(Db.GetItem(new() { TableName = "cap", Key = Key }).ConsumedCapacity);
        Assert.Null(Db.GetItem(new() { TableName = "cap", Key = Key, ReturnConsumedCapacity = ReturnConsumedCapacity.None }).ConsumedCapacity);

        var missing = Db.GetItem(new() { TableName = "cap", Key = Item(("pk", S("absent"))), ReturnConsumedCapacity = ReturnConsumedCapacity.Total });
        Assert.Null(missing.Item);
        Assert.Equal(0.5, missing.ConsumedCapacity!.CapacityUnits);
    }

    [Fact]
    public async Task Writes_report_their_larger_image_rounded_to_1_KB()
    {
        await Db.CreateTableAsync(Table("cap"));
        var first = await Db.PutItemAsync(new() { TableName = "cap", Item = Sized(1025), ReturnConsumedCapacity = ReturnConsumedCapacity.Total });
        Assert.Equal(new ConsumedCapacity("cap", 2.0, WriteCapacityUnits: 2.0), first.ConsumedCapacity);
        // Replacing a 3000-byte item with a small one costs the old image.
        await Db.PutItemAsync(new() { TableName = "cap", Item = Sized(3000) });
        var smaller = await Db.PutItemAsync(new() { TableName = "cap", Item = Sized(10), ReturnConsumedCapacity = ReturnConsumedCapacity.Indexes });
        Assert.Equal(3.0, smaller.ConsumedCapacity!.CapacityUnits);
        Assert.Equal(new Capacity(3.0, WriteCapacityUnits: 3.0), smaller.ConsumedCapacity.Table);

        // An update that grows the item from 10 to 2058 bytes: the new image.
        var grown = await Db.UpdateItemAsync(new()
        {
            TableName = "cap", Key = Key, UpdateExpression = "SET q = :v",
            ExpressionAttributeValues = new() { [":v"] = S(new string('y', 2047)) },
            ReturnConsumedCapacity = ReturnConsumedCapacity.Total,
        });
        Assert.Equal(3.0, grown.ConsumedCapacity!.CapacityUnits);
        Assert.Null(grown.Attributes);

        var deleted = await Db.DeleteItemAsync(new() { TableName = "cap", Key = Key, ReturnConsumedCapacity = ReturnConsumedCapacity.Total });
        Assert.Equal(3.0, deleted.ConsumedCapacity!.CapacityUnits);
        var absent = await Db.DeleteItemAsync(new() { TableName = "cap", Key = Key, ReturnConsumedCapacity = ReturnConsumedCapacity.Total });
        Assert.Equal(1.0, absent.ConsumedCapacity!.CapacityUnits);
        Assert.Null(Db.GetItem(new() { TableName = "cap", Key = Key }).Item);
        Assert.Null((await Db.DeleteItemAsync(new() { TableName = "cap", Key = Key })).ConsumedCapacity);
    }

    [Fact]
    public async Task An_undefined_mode_is_a_validation_error()
    {
        await Db.CreateTableAsync(Table("cap"));
        var e = Assert.Throws<ValidationException>(() =>
            Db.GetItem(new() { TableName = "cap", Key = Key, ReturnConsumedCapacity = (ReturnConsumedCapacity)7 }));
        Assert.Contains("returnConsumedCapacity", e.Message);
        await Assert.ThrowsAsync<ValidationException>(() =>
            Db.PutItemAsync(new() { TableName = "cap", Item = Sized(10), ReturnConsumedCapacity = (ReturnConsumedCapacity)3 }).AsTask());
        Assert.Null(Db.GetItem(new() { TableName = "cap", Key = Key }).Item); // nothing was written
    }

    // An item of `bytes` DynamoDB bytes in a table with a numeric sort key.
    private static Dictionary<string, AttributeValue> Ranged(string pk, int sk, int bytes)
    {
        var item = Item(("pk", S(pk)), ("sk", N(sk.ToString(System.Globalization.CultureInfo.InvariantCulture))), ("p", S("")));
        item["p"] = S(new string('x', bytes - ItemSize.Of(item)));
        Assert.Equal(bytes, ItemSize.Of(item));
        return item;
    }

    [Fact]
    public async Task Query_and_Scan_round_the_page_total_once_before_the_filter()
    {
        await Db.CreateTableAsync(Table("cap", ScalarAttributeType.S, ScalarAttributeType.N));
        for (int i = 0; i < 3; i++) await Db.PutItemAsync(new() { TableName = "cap", Item = Ranged("a", i, 1500) });
        await Db.PutItemAsync(new() { TableName = "cap", Item = Ranged("b", 0, 5000) });

        QueryResponse Query(bool consistent, string? filter = null, int? limit = null, Select? select = null) => Db.Query(new()
        {
            TableName = "cap", KeyConditionExpression = "pk = :p", FilterExpression = filter, Limit = limit, Select = select,
            ExpressionAttributeValues = filter is null ? new() { [":p"] = S("a") } : new() { [":p"] = S("a"), [":none"] = S("none") },
            ConsistentRead = consistent, ReturnConsumedCapacity = ReturnConsumedCapacity.Total,
        });
        // 3 × 1500 = 4500 bytes: two units, not three (the total rounds once).
        Assert.Equal(new ConsumedCapacity("cap", 2.0, ReadCapacityUnits: 2.0), Query(true).ConsumedCapacity);
        Assert.Equal(1.0, Query(false).ConsumedCapacity!.CapacityUnits);
        var filtered = Query(true, filter: "p = :none");
        Assert.Equal(0, filtered.Count);
        Assert.Equal(2.0, filtered.ConsumedCapacity!.CapacityUnits); // the filter does not reduce it
        Assert.Equal(2.0, Query(true, select: Select.Count).ConsumedCapacity!.CapacityUnits);
        Assert.Equal(1.0, Query(true, limit: 2).ConsumedCapacity!.CapacityUnits); // 3000 bytes
        var none = Db.Query(new()
        {
            TableName = "cap", KeyConditionExpression = "pk = :p", ExpressionAttributeValues = new() { [":p"] = S("nobody") },
            ReturnConsumedCapacity = ReturnConsumedCapacity.Indexes,
        });
        Assert.Equal(new Capacity(0.5, ReadCapacityUnits: 0.5), none.ConsumedCapacity!.Table);

        // The whole table: 4500 + 5000 = 9500 bytes, three units.
        var scan = Db.Scan(new() { TableName = "cap", ConsistentRead = true, ReturnConsumedCapacity = ReturnConsumedCapacity.Total });
        Assert.Equal(4, scan.ScannedCount);
        Assert.Equal(3.0, scan.ConsumedCapacity!.CapacityUnits);
        Assert.Null(Db.Scan(new() { TableName = "cap" }).ConsumedCapacity);
        Assert.Throws<ValidationException>(() => Db.Scan(new() { TableName = "cap", ReturnConsumedCapacity = (ReturnConsumedCapacity)9 }));
    }

    private static Dictionary<string, AttributeValue> SizedKey(string pk, int bytes)
    {
        var item = Item(("pk", S(pk)), ("p", S("")));
        item["p"] = S(new string('x', bytes - ItemSize.Of(item)));
        Assert.Equal(bytes, ItemSize.Of(item));
        return item;
    }

    [Fact]
    public async Task Batches_report_one_entry_per_table_with_each_item_rounded_on_its_own()
    {
        await Db.CreateTableAsync(Table("one"));
        await Db.CreateTableAsync(Table("two"));
        await Db.PutItemAsync(new() { TableName = "one", Item = SizedKey("big", 5000) });
        await Db.PutItemAsync(new() { TableName = "one", Item = SizedKey("small", 100) });
        await Db.PutItemAsync(new() { TableName = "two", Item = SizedKey("x", 3000) });
        await Db.PutItemAsync(new() { TableName = "two", Item = SizedKey("y", 2100) });

        var get = Db.BatchGetItem(new()
        {
            RequestItems = new()
            {
                ["one"] = new() { Keys = [Item(("pk", S("big"))), Item(("pk", S("small"))), Item(("pk", S("absent")))], ConsistentRead = true },
                ["two"] = new() { Keys = [Item(("pk", S("x")))] },
            },
            ReturnConsumedCapacity = ReturnConsumedCapacity.Total,
        });
        // one: 5000 B → 2, 100 B → 1 (not the 5100 B total's 2), absent → 1; two: 3000 B eventually consistent → 0.5.
        Assert.Equal([new ConsumedCapacity("one", 4.0, ReadCapacityUnits: 4.0), new ConsumedCapacity("two", 0.5, ReadCapacityUnits: 0.5)],
            get.ConsumedCapacity);
        Assert.Null(Db.BatchGetItem(new() { RequestItems = new() { ["one"] = new() { Keys = [Item(("pk", S("big")))] } } }).ConsumedCapacity);

        var write = await Db.BatchWriteItemAsync(new()
        {
            RequestItems = new()
            {
                ["one"] = [new() { PutRequest = new() { Item = SizedKey("new", 1500) } }],
                ["two"] =
                [
                    new() { PutRequest = new() { Item = SizedKey("x", 10) } },        // replaces 3000 B: 3
                    new() { DeleteRequest = new() { Key = Item(("pk", S("y"))) } },   // deletes 2100 B: 3
                    new() { DeleteRequest = new() { Key = Item(("pk", S("gone"))) } }, // nothing there: 1
                ],
            },
            ReturnConsumedCapacity = ReturnConsumedCapacity.Indexes,
        });
        Assert.Equal(2, write.ConsumedCapacity!.Count);
        Assert.Equal(new ConsumedCapacity("one", 2.0, WriteCapacityUnits: 2.0, Table: new Capacity(2.0, WriteCapacityUnits: 2.0)), write.ConsumedCapacity[0]);
        Assert.Equal(7.0, write.ConsumedCapacity[1].CapacityUnits);
        Assert.Equal(10, ItemSize.Of(Db.GetItem(new() { TableName = "two", Key = Item(("pk", S("x"))) }).Item!));
        Assert.Null(Db.GetItem(new() { TableName = "two", Key = Item(("pk", S("y"))) }).Item);
        Assert.NotNull(Db.GetItem(new() { TableName = "one", Key = Item(("pk", S("new"))) }).Item);
    }
}
