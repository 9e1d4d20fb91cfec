using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// ConditionExpression on PutItem / DeleteItem, ProjectionExpression on GetItem, UpdateItem with every ReturnValues
// mode, and the atomicity of all of them under concurrent writers (no lost update).
public class ConditionalWritesTests : IDisposable
{
    private readonly DatabaseFixture _fx = new(Durability.Sync);
    private BasaltDatabase Db => _fx.Db;
    public void Dispose() => _fx.Dispose();

    private async Task<BasaltDatabase> WithTable()
    {
        await Db.CreateTableAsync(Table("tbl"));
        return Db;
    }

    private static Dictionary<string, AttributeValue> Key(string pk) => Item(("pk", S(pk)));

    private Dictionary<string, AttributeValue>? Get(string pk) => Db.GetItem(new() { TableName = "tbl", Key = Key(pk) }).Item;

    private static Dictionary<string, AttributeValue> Values(params (string Name, AttributeValue Value)[] values) => Item(values);

    [Fact]
    public async Task Put_condition_passes_or_fails_with_DynamoDBs_exception_and_ALL_OLD_on_failure()
    {
        await WithTable();
        await Db.PutItemAsync(new() { TableName = "tbl", Item = Item(("pk", S("a")), ("v", N("1"))), ConditionExpression = "attribute_not_exists(pk)" });
        var failed = await Assert.ThrowsAsync<ConditionalCheckFailedException>(async () =>
            await Db.PutItemAsync(new() { TableName = "tbl", Item = Item(("pk", S("a")), ("v", N("2"))), ConditionExpression = "attribute_not_exists(pk)" }));
        Assert.Equal("The conditional request failed", failed.Message);
        Assert.Equal("ConditionalCheckFailedException", failed.ErrorType);
        Assert.Null(failed.Item);
        Assert.Equal(N("1"), Get("a")!["v"]);

        failed = await Assert.ThrowsAsync<ConditionalCheckFailedException>(async () =>
            await Db.PutItemAsync(new()
            {
                TableName = "tbl", Item = Item(("pk", S("a")), ("v", N("3"))), ConditionExpression = "#v = :one",
                ExpressionAttributeNames = new() { ["#v"] = "v" }, ExpressionAttributeValues = Values((":one", N("2"))),
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.AllOld,
            }));
        Assert.Equal(N("1"), failed.Item!["v"]);

        // Numbers in values are compared by value: 1.0 = 1.
        var put = await Db.PutItemAsync(new()
        {
            TableName = "tbl", Item = Item(("pk", S("a")), ("v", N("3"))), ConditionExpression = "v = :one",
            ExpressionAttributeValues = Values((":one", N("1.0"))), ReturnValues = ReturnValue.AllOld,
        });
        Assert.Equal(N("1"), put.Attributes!["v"]);
        Assert.Equal(N("3"), Get("a")!["v"]);
    }

    [Fact]
    public async Task Delete_condition_passes_or_fails_and_ALL_OLD_returns_the_deleted_item()
    {
        await WithTable();
        await Db.PutItemAsync(new() { TableName = "tbl", Item = Item(("pk", S("d")), ("state", S("open"))) });
        var failed = await Assert.ThrowsAsync<ConditionalCheckFailedException>(async () =>
            await Db.DeleteItemAsync(new()
            {
                TableName = "tbl", Key = Key("d"), ConditionExpression = "#s = :closed",
                ExpressionAttributeNames = new() { ["#s"] = "state" }, ExpressionAttributeValues = Values((":closed", S("closed"))),
                ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.AllOld,
            }));
        Assert.Equal(S("open"), failed.Item!["state"]);
        Assert.NotNull(Get("d"));

        var deleted = await Db.DeleteItemAsync(new()
        {
            TableName = "tbl", Key = Key("d"), ConditionExpression = "#s = :open", ReturnValues = ReturnValue.AllOld,
            ExpressionAttributeNames = new() { ["#s"] = "state" }, ExpressionAttributeValues = Values((":open", S("open"))),
        });
        Assert.Equal(S("open"), deleted.Attributes!["state"]);
        Assert.Null(Get("d"));

        // A condition on a missing item sees no item: attribute_exists fails.
        await Assert.ThrowsAsync<ConditionalCheckFailedException>(async () =>
            await Db.DeleteItemAsync(new() { TableName = "tbl", Key = Key("d"), ConditionExpression = "attribute_exists(pk)" }));
        var none = await Db.DeleteItemAsync(new() { TableName = "tbl", Key = Key("d"), ReturnValues = ReturnValue.AllOld });
        Assert.Null(none.Attributes);
    }

    [Fact]
    public async Task Unused_or_stray_expression_attributes_are_DynamoDBs_validation_errors()
    {
        await WithTable();
        var e = await Assert.ThrowsAsync<ValidationException>(async () => await Db.PutItemAsync(new()
        {
            TableName = "tbl", Item = Item(("pk", S("x"))), ConditionExpression = "attribute_not_exists(pk)",
            ExpressionAttributeValues = Values((":unused", N("1"))),
        }));
        Assert.Equal("Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}", e.Message);
        e = await Assert.ThrowsAsync<ValidationException>(async () => await Db.DeleteItemAsync(new()
        {
            TableName = "tbl", Key = Key("x"), ExpressionAttributeNames = new() { ["#a"] = "a" },
        }));
        Assert.Equal("ExpressionAttributeNames can only be specified when using expressions", e.Message);
        e = await Assert.ThrowsAsync<ValidationException>(async () => await Db.UpdateItemAsync(new()
        {
            TableName = "tbl", Key = Key("x"), UpdateExpression = "SET a = :a",
        }));
        Assert.StartsWith("Invalid UpdateExpression", e.Message);
        Assert.Null(Get("x"));
    }

    [Fact]
    public async Task GetItem_projects_the_item()
    {
        await WithTable();
        await Db.PutItemAsync(new()
        {
            TableName = "tbl",
            Item = Item(("pk", S("p")), ("a", N("1")), ("b", S("x")), ("m", AttributeValue.Map(new Dictionary<string, AttributeValue> { ["in"] = N("2"), ["out"] = N("3") }))),
        });
        var item = Db.GetItem(new()
        {
            TableName = "tbl", Key = Key("p"), ProjectionExpression = "a, #m.#in", ExpressionAttributeNames = new() { ["#m"] = "m", ["#in"] = "in" },
        }).Item!;
        Assert.Equal(["a", "m"], item.Keys.Order());
        Assert.Equal(["in"], item["m"].AsMap().Keys);
        Assert.Empty(Db.GetItem(new() { TableName = "tbl", Key = Key("p"), ProjectionExpression = "nothing" }).Item!);
        Assert.Null(Db.GetItem(new() { TableName = "tbl", Key = Key("missing"), ProjectionExpression = "a" }).Item);
        var e = Assert.Throws<ValidationException>(() => Db.GetItem(new()
        {
            TableName = "tbl", Key = Key("p"), ProjectionExpression = "a", ExpressionAttributeNames = new() { ["#x"] = "x" },
        }));
        Assert.Equal("Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}", e.Message);
    }

    [Fact]
    public async Task UpdateItem_creates_the_item_from_its_key_when_absent()
    {
        await WithTable();
        var response = await Db.UpdateItemAsync(new()
        {
            TableName = "tbl", Key = Key("new"), UpdateExpression = "SET a = :a ADD c :one",
            ExpressionAttributeValues = Values((":a", S("x")), (":one", N("1"))), ReturnValues = ReturnValue.AllNew,
        });
        Assert.Equal(S("new"), response.Attributes!["pk"]);
        Assert.Equal(S("x"), response.Attributes["a"]);
        Assert.Equal(N("1"), response.Attributes["c"]);
        Assert.Equal(3, Get("new")!.Count);

        // No UpdateExpression: the item is created with its key alone.
        await Db.UpdateItemAsync(new() { TableName = "tbl", Key = Key("bare") });
        Assert.Equal(["pk"], Get("bare")!.Keys);

        // A condition that needs the item stops the creation.
        await Assert.ThrowsAsync<ConditionalCheckFailedException>(async () => await Db.UpdateItemAsync(new()
        {
            TableName = "tbl", Key = Key("absent"), UpdateExpression = "SET a = :a", ConditionExpression = "attribute_exists(pk)",
            ExpressionAttributeValues = Values((":a", S("x"))),
        }));
        Assert.Null(Get("absent"));
    }

    [Fact]
    public async Task UpdateItem_returns_each_ReturnValues_mode()
    {
        await WithTable();
        await Db.PutItemAsync(new() { TableName = "tbl", Item = Item(("pk", S("r")), ("a", N("1")), ("b", S("keep"))) });
        async Task<Dictionary<string, AttributeValue>?> Update(ReturnValue? mode) => (await Db.UpdateItemAsync(new()
        {
            TableName = "tbl", Key = Key("r"), UpdateExpression = "SET a = a + :one", ExpressionAttributeValues = Values((":one", N("1"))),
            ReturnValues = mode,
        })).Attributes;

        Assert.Null(await Update(null));                    // a: 2
        Assert.Null(await Update(ReturnValue.None));        // a: 3
        var allOld = await Update(ReturnValue.AllOld);      // a: 4
        Assert.Equal(N("3"), allOld!["a"]);
        Assert.Equal(S("keep"), allOld["b"]);
        Assert.Equal(S("r"), allOld["pk"]);
        var updatedOld = await Update(ReturnValue.UpdatedOld); // a: 5
        Assert.Equal(["a"], updatedOld!.Keys);
        Assert.Equal(N("4"), updatedOld["a"]);
        var allNew = await Update(ReturnValue.AllNew);      // a: 6
        Assert.Equal(3, allNew!.Count);
        Assert.Equal(N("6"), allNew["a"]);
        var updatedNew = await Update(ReturnValue.UpdatedNew); // a: 7
        Assert.Equal(["a"], updatedNew!.Keys);
        Assert.Equal(N("7"), updatedNew["a"]);
        Assert.Equal(N("7"), Get("r")!["a"]);

        // UPDATED_OLD of an attribute that did not exist returns nothing; ALL_OLD of a new item too.
        var fresh = await Db.UpdateItemAsync(new()
        {
            TableName = "tbl", Key = Key("r"), UpdateExpression = "SET z = :z", ExpressionAttributeValues = Values((":z", S("z"))),
            ReturnValues = ReturnValue.UpdatedOld,
        });
        Assert.Null(fresh.Attributes);
        var created = await Db.UpdateItemAsync(new()
        {
            TableName = "tbl", Key = Key("other"), UpdateExpression = "SET z = :z", ExpressionAttributeValues = Values((":z", S("z"))),
            ReturnValues = ReturnValue.AllOld,
        });
        Assert.Null(created.Attributes);
    }

    [Fact]
    public async Task UpdateItem_refuses_key_attributes_and_reports_update_errors_without_writing()
    {
        await WithTable();
        await Db.PutItemAsync(new() { TableName = "tbl", Item = Item(("pk", S("k")), ("s", S("text"))) });
        var e = await Assert.ThrowsAsync<ValidationException>(async () => await Db.UpdateItemAsync(new()
        {
            TableName = "tbl", Key = Key("k"), UpdateExpression = "SET pk = :v", ExpressionAttributeValues = Values((":v", S("other"))),
        }));
        Assert.Equal("One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key", e.Message);

        // An error found against the item (here: + on a string) comes from the shard's writer and writes nothing.
        e = await Assert.ThrowsAsync<ValidationException>(async () => await Db.UpdateItemAsync(new()
        {
            TableName = "tbl", Key = Key("k"), UpdateExpression = "SET s = s + :one, t = :one", ExpressionAttributeValues = Values((":one", N("1"))),
        }));
        Assert.Equal("An operand in the update expression has an incorrect data type", e.Message);
        Assert.Equal(2, Get("k")!.Count);

        var condition = await Assert.ThrowsAsync<ConditionalCheckFailedException>(async () => await Db.UpdateItemAsync(new()
        {
            TableName = "tbl", Key = Key("k"), UpdateExpression = "SET t = :one", ConditionExpression = "s = :other",
            ExpressionAttributeValues = Values((":one", N("1")), (":other", S("other"))),
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.AllOld,
        }));
        Assert.Equal(S("text"), condition.Item!["s"]);
        Assert.Equal(2, Get("k")!.Count);
    }

    [Fact]
    public async Task Concurrent_increments_and_optimistic_locking_lose_no_update()
    {
        await WithTable();
        const int tasks = 8, each = 60;
        await Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
        {
            for (int i = 0; i < each; i++)
            {
                // An atomic counter.
                await Db.UpdateItemAsync(new()
                {
                    TableName = "tbl", Key = Key("counter"), UpdateExpression = "ADD n :one", ExpressionAttributeValues = Values((":one", N("1"))),
                });
                // Optimistic locking: read the version, write version + 1 under the condition that it is unchanged; retry.
                while (true)
                {
                    var current = Get("locked");
                    var version = current is null ? 0 : long.Parse(current["version"].AsNumber());
                    var count = current is null ? 0 : long.Parse(current["count"].AsNumber());
                    try
                    {
                        await Db.PutItemAsync(new()
                        {
                            TableName = "tbl",
                            Item = Item(("pk", S("locked")), ("version", N((version + 1).ToString())), ("count", N((count + 1).ToString()))),
                            ConditionExpression = "attribute_not_exists(version) OR version = :v",
                            ExpressionAttributeValues = Values((":v", N(version.ToString()))),
                        });
                        break;
                    }
                    catch (ConditionalCheckFailedException)
                    {
                    }
                }
            }
        })));
        Assert.Equal(N((tasks * each).ToString()), Get("counter")!["n"]);
        var locked = Get("locked")!;
        Assert.Equal(N((tasks * each).ToString()), locked["count"]);
        Assert.Equal(N((tasks * each).ToString()), locked["version"]);
    }
}
