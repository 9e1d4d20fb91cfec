using Basalt.Engine.Database;
using Basalt.Engine.Model;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// Expected and ConditionalOperator, the legacy conditions of PutItem, UpdateItem and DeleteItem: each form's meaning,
// and DynamoDB's refusals with its messages.
public class LegacyExpectedTests : IDisposable
{
    private readonly DatabaseFixture _fx = new();
    private BasaltDatabase Db => _fx.Db;
    public void Dispose() => _fx.Dispose();

    private const string Invalid = "1 validation error detected: One or more parameter values were invalid: ";
    private static readonly Dictionary<string, AttributeValue> Key = Item(("pk", S("k")));

    private async Task Seed()
    {
        await Db.CreateTableAsync(Table("exp"));
        await Db.PutItemAsync(new() { TableName = "exp", Item = Item(("pk", S("k")), ("n", N("5")), ("s", S("hello")), ("tags", AttributeValue.StringSet(["a", "b"]))) });
    }

    private async Task<bool> Holds(Dictionary<string, ExpectedAttributeValue> expected, ConditionalOperator? op = null)
    {
        try
        {
            // Rewrites the same item: the condition decides, the data stays.
            await Db.PutItemAsync(new()
            {
                TableName = "exp", Expected = expected, ConditionalOperator = op,
                Item = Item(("pk", S("k")), ("n", N("5")), ("s", S("hello")), ("tags", AttributeValue.StringSet(["a", "b"]))),
            });
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private static ExpectedAttributeValue Op(ComparisonOperator op, params AttributeValue[] list) => new() { ComparisonOperator = op, AttributeValueList = [.. list] };

    [Fact]
    public async Task Each_form_means_what_DynamoDB_says()
    {
        await Seed();
        Assert.True(await Holds(new() { ["n"] = new() { Value = N("5.0") } }));            // Value alone: equality (numbers by value)
        Assert.False(await Holds(new() { ["n"] = new() { Value = N("6") } }));
        Assert.True(await Holds(new() { ["n"] = new() { Value = N("5"), Exists = true } }));
        Assert.True(await Holds(new() { ["missing"] = new() { Exists = false } }));
        Assert.False(await Holds(new() { ["n"] = new() { Exists = false } }));
        Assert.True(await Holds(new() { ["n"] = Op(ComparisonOperator.Gt, N("4")) }));
        Assert.False(await Holds(new() { ["n"] = Op(ComparisonOperator.Lt, N("5")) }));
        Assert.True(await Holds(new() { ["n"] = Op(ComparisonOperator.Between, N("1"), N("5")) }));
        Assert.True(await Holds(new() { ["n"] = Op(ComparisonOperator.In, N("9"), N("5")) }));
        Assert.True(await Holds(new() { ["s"] = Op(ComparisonOperator.BeginsWith, S("he")) }));
        Assert.True(await Holds(new() { ["tags"] = Op(ComparisonOperator.Contains, S("a")) }));
        Assert.True(await Holds(new() { ["tags"] = Op(ComparisonOperator.NotContains, S("z")) }));
        Assert.True(await Holds(new() { ["n"] = Op(ComparisonOperator.NotNull) }));
        Assert.True(await Holds(new() { ["missing"] = Op(ComparisonOperator.Null) }));
        Assert.True(await Holds(new() { ["n"] = new() { Value = N("5"), ComparisonOperator = ComparisonOperator.Ge } })); // Value with an operator: accepted
        // AND by default; OR when asked.
        var mixed = new Dictionary<string, ExpectedAttributeValue> { ["n"] = new() { Value = N("5") }, ["s"] = new() { Value = S("other") } };
        Assert.False(await Holds(mixed));
        Assert.False(await Holds(mixed, ConditionalOperator.And));
        Assert.True(await Holds(mixed, ConditionalOperator.Or));
    }

    [Fact]
    public async Task DeleteItem_and_UpdateItem_take_it_too()
    {
        await Seed();
        await Assert.ThrowsAsync<ConditionalCheckFailedException>(() => Db.DeleteItemAsync(new()
        {
            TableName = "exp", Key = Key, Expected = new() { ["n"] = Op(ComparisonOperator.Ne, N("5")) },
        }).AsTask());
        var updated = await Db.UpdateItemAsync(new()
        {
            TableName = "exp", Key = Key, Expected = new() { ["n"] = new() { Value = N("5") } }, ReturnValues = ReturnValue.AllNew,
        });
        Assert.Equal(N("5"), updated.Attributes!["n"]);
        await Db.DeleteItemAsync(new() { TableName = "exp", Key = Key, Expected = new() { ["n"] = Op(ComparisonOperator.Eq, N("5")) } });
        Assert.Null(Db.GetItem(new() { TableName = "exp", Key = Key }).Item);
    }

    public static TheoryData<ExpectedAttributeValue, string> Malformed => new()
    {
        { new() { Exists = true }, Invalid + "Value must be provided when Exists is true for Attribute: a" },
        { new() { Exists = false, Value = S("x") }, Invalid + "Value cannot be used when Exists is false for Attribute: a" },
        { new() { }, Invalid + "Value must be provided when Exists is null for Attribute: a" },
        { new() { Value = S("x"), ComparisonOperator = ComparisonOperator.Eq, AttributeValueList = [S("x")] }, Invalid + "Value and AttributeValueList cannot be used together for Attribute: a" },
        { new() { ComparisonOperator = ComparisonOperator.Eq }, Invalid + "Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a" },
        { new() { ComparisonOperator = ComparisonOperator.Between, AttributeValueList = [S("x")] }, Invalid + "Invalid number of argument(s) for the BETWEEN ComparisonOperator" },
        { new() { ComparisonOperator = ComparisonOperator.Null, AttributeValueList = [S("x")] }, Invalid + "Invalid number of argument(s) for the NULL ComparisonOperator" },
        { new() { Exists = true, ComparisonOperator = ComparisonOperator.Eq, AttributeValueList = [S("x")] }, Invalid + "Exists and ComparisonOperator cannot be used together for Attribute: a" },
        { new() { AttributeValueList = [S("x")] }, Invalid + "AttributeValueList can only be used with a ComparisonOperator for Attribute: a" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Malformed_conditions_are_refused_with_DynamoDB_messages(ExpectedAttributeValue entry, string message)
    {
        await Seed();
        var e = await Assert.ThrowsAsync<ValidationException>(() => Db.DeleteItemAsync(new() { TableName = "exp", Key = Key, Expected = new() { ["a"] = entry } }).AsTask());
        Assert.Equal(message, e.Message);
        Assert.NotNull(Db.GetItem(new() { TableName = "exp", Key = Key }).Item); // nothing was deleted
    }

    [Fact]
    public async Task Mixing_and_stray_parameters_are_refused()
    {
        await Seed();
        var exists = new Dictionary<string, ExpectedAttributeValue> { ["pk"] = new() { Exists = false } };
        Assert.Equal("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
            (await Assert.ThrowsAsync<ValidationException>(() => Db.DeleteItemAsync(new()
            {
                TableName = "exp", Key = Key, Expected = exists, ConditionExpression = "attribute_not_exists(pk)",
            }).AsTask())).Message);
        Assert.Equal("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {UpdateExpression}",
            (await Assert.ThrowsAsync<ValidationException>(() => Db.UpdateItemAsync(new()
            {
                TableName = "exp", Key = Key, Expected = exists, UpdateExpression = "SET n = :v", ExpressionAttributeValues = new() { [":v"] = N("1") },
            }).AsTask())).Message);
        Assert.Equal("1 validation error detected: ExpressionAttributeNames can only be specified when using expressions",
            (await Assert.ThrowsAsync<ValidationException>(() => Db.DeleteItemAsync(new()
            {
                TableName = "exp", Key = Key, Expected = exists, ExpressionAttributeNames = new() { ["#a"] = "a" },
            }).AsTask())).Message);
        Assert.Equal("ConditionalOperator cannot be used without Filter or Expected",
            (await Assert.ThrowsAsync<ValidationException>(() => Db.DeleteItemAsync(new() { TableName = "exp", Key = Key, ConditionalOperator = ConditionalOperator.Or }).AsTask())).Message);
        Assert.Equal("ConditionalOperator can only be used when Filter or Expected has two or more elements",
            (await Assert.ThrowsAsync<ValidationException>(() => Db.DeleteItemAsync(new()
            {
                TableName = "exp", Key = Key, Expected = exists, ConditionalOperator = ConditionalOperator.And,
            }).AsTask())).Message);
        Assert.NotNull(Db.GetItem(new() { TableName = "exp", Key = Key }).Item);
    }

    [Fact]
    public async Task AttributeUpdates_put_add_and_delete_as_DynamoDB_does()
    {
        await Seed();
        var response = await Db.UpdateItemAsync(new()
        {
            TableName = "exp", Key = Key,
            AttributeUpdates = new()
            {
                ["s"] = new() { Value = S("bye") },                                                          // PUT by default
                ["n"] = new() { Action = AttributeAction.Add, Value = N("2.5") },                            // numbers add
                ["tags"] = new() { Action = AttributeAction.Delete, Value = AttributeValue.StringSet(["a"]) }, // set members removed
                ["list"] = new() { Action = AttributeAction.Add, Value = AttributeValue.List(S("x")) },      // lists append (legacy only)
                ["gone"] = new() { Action = AttributeAction.Delete },                                        // attribute removed
            },
            Expected = new() { ["n"] = new() { Value = N("5") } },
            ReturnValues = ReturnValue.AllNew,
        });
        var item = response.Attributes!;
        Assert.Equal(S("bye"), item["s"]);
        Assert.Equal(N("7.5"), item["n"]);
        Assert.Equal(AttributeValue.StringSet(["b"]), item["tags"]);
        Assert.Equal(AttributeValue.List(S("x")), item["list"]);
        Assert.False(item.ContainsKey("gone"));
        await Db.UpdateItemAsync(new() { TableName = "exp", Key = Key, AttributeUpdates = new() { ["list"] = new() { Action = AttributeAction.Add, Value = AttributeValue.List(S("y")) } } });
        Assert.Equal(AttributeValue.List(S("x"), S("y")), Db.GetItem(new() { TableName = "exp", Key = Key }).Item!["list"]);

        // The Expected part still decides: n is 7.5 now.
        await Assert.ThrowsAsync<ConditionalCheckFailedException>(() => Db.UpdateItemAsync(new()
        {
            TableName = "exp", Key = Key, AttributeUpdates = new() { ["s"] = new() { Value = S("no") } }, Expected = new() { ["n"] = new() { Value = N("5") } },
        }).AsTask());
        Assert.Equal(LegacyParameters.NoValueMessage, (await Assert.ThrowsAsync<ValidationException>(() => Db.UpdateItemAsync(new()
        {
            TableName = "exp", Key = Key, AttributeUpdates = new() { ["s"] = new() { Action = AttributeAction.Put } },
        }).AsTask())).Message);
        Assert.Equal("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}",
            (await Assert.ThrowsAsync<ValidationException>(() => Db.UpdateItemAsync(new()
            {
                TableName = "exp", Key = Key, AttributeUpdates = new() { ["s"] = new() { Value = S("x") } }, UpdateExpression = "REMOVE s",
            }).AsTask())).Message);
        Assert.Equal(S("bye"), Db.GetItem(new() { TableName = "exp", Key = Key }).Item!["s"]);
    }
}
