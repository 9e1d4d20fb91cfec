using Basalt.Engine.Database;
using Basalt.Engine.Model;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// AttributesToGet, the legacy projection: top-level names taken literally, and DynamoDB's refusals when it is mixed
// with expression parameters.
public class LegacyParameterTests : IDisposable
{
    private readonly DatabaseFixture _fx = new();
    private BasaltDatabase Db => _fx.Db;
    public void Dispose() => _fx.Dispose();

    private async Task Seed()
    {
        await Db.CreateTableAsync(Table("legacy", ScalarAttributeType.S, ScalarAttributeType.N));
        for (int i = 0; i < 3; i++)
            await Db.PutItemAsync(new()
            {
                TableName = "legacy",
                Item = Item(("pk", S("p")), ("sk", N(i.ToString())), ("a", S("A" + i)), ("b.c", S("dotted")), ("b", AttributeValue.Map(new Dictionary<string, AttributeValue> { ["c"] = S("nested") })), ("z", N("9"))),
            });
    }

    private static readonly Dictionary<string, AttributeValue> Key0 = Item(("pk", S("p")), ("sk", N("0")));

    [Fact]
    public async Task GetItem_returns_the_named_top_level_attributes_literally()
    {
        await Seed();
        var item = Db.GetItem(new() { TableName = "legacy", Key = Key0, AttributesToGet = ["a", "b.c", "missing"] }).Item!;
        Assert.Equal(["a", "b.c"], item.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(S("dotted"), item["b.c"]); // the attribute named "b.c", not b's member c
    }

    [Fact]
    public async Task Scan_and_BatchGetItem_take_it_too()
    {
        await Seed();
        var scan = Db.Scan(new() { TableName = "legacy", AttributesToGet = ["z"], Select = Select.SpecificAttributes });
        Assert.Equal(3, scan.Count);
        Assert.All(scan.Items, i => Assert.Equal(["z"], i.Keys));
        var batch = Db.BatchGetItem(new() { RequestItems = new() { ["legacy"] = new() { Keys = [Key0], AttributesToGet = ["a"] } } });
        Assert.Equal(S("A0"), Assert.Single(batch.Responses["legacy"])["a"]);
        Assert.Single(batch.Responses["legacy"][0]);
    }

    [Fact]
    public async Task Mixing_with_expression_parameters_is_refused_as_DynamoDB_refuses_it()
    {
        await Seed();
        Assert.Equal("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
            Assert.Throws<ValidationException>(() => Db.GetItem(new() { TableName = "legacy", Key = Key0, AttributesToGet = ["a"], ProjectionExpression = "a" })).Message);
        // With KeyConditionExpression (AttributesToGet goes with the legacy KeyConditions).
        Assert.Equal("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {KeyConditionExpression}",
            Assert.Throws<ValidationException>(() => Db.Query(new()
            {
                TableName = "legacy", KeyConditionExpression = "pk = :p", ExpressionAttributeValues = new() { [":p"] = S("p") }, AttributesToGet = ["a"],
            })).Message);
        Assert.Equal(LegacyParameters.NamesWithoutExpressionsMessage, Assert.Throws<ValidationException>(() =>
            Db.GetItem(new() { TableName = "legacy", Key = Key0, AttributesToGet = ["a"], ExpressionAttributeNames = new() { ["#a"] = "a" } })).Message);
        // Request-wide in a batch: the legacy form on one table and an expression on another.
        Assert.Throws<ValidationException>(() => Db.BatchGetItem(new()
        {
            RequestItems = new()
            {
                ["legacy"] = new() { Keys = [Key0], AttributesToGet = ["a"] },
                ["other"] = new() { Keys = [Item(("pk", S("x")))], ProjectionExpression = "a" },
            },
        }));
    }

    [Fact]
    public async Task Empty_and_duplicate_lists_are_refused()
    {
        await Seed();
        Assert.Contains("attributesToGet", Assert.Throws<ValidationException>(() => Db.GetItem(new() { TableName = "legacy", Key = Key0, AttributesToGet = [] })).Message);
        Assert.Equal(LegacyParameters.DuplicateMessage("a"),
            Assert.Throws<ValidationException>(() => Db.GetItem(new() { TableName = "legacy", Key = Key0, AttributesToGet = ["a", "z", "a"] })).Message);
    }

    private static LegacyCondition C(ComparisonOperator op, params AttributeValue[] list) => new() { ComparisonOperator = op, AttributeValueList = [.. list] };

    [Fact]
    public async Task KeyConditions_QueryFilter_and_ScanFilter_read_as_their_expressions_do()
    {
        await Seed();
        var query = Db.Query(new()
        {
            TableName = "legacy",
            KeyConditions = new() { ["pk"] = C(ComparisonOperator.Eq, S("p")), ["sk"] = C(ComparisonOperator.Between, N("1"), N("2")) },
            AttributesToGet = ["sk", "a"],
        });
        Assert.Equal([N("1"), N("2")], query.Items.Select(i => i["sk"]));
        Assert.All(query.Items, i => Assert.Equal(2, i.Count));

        var filtered = Db.Query(new()
        {
            TableName = "legacy",
            KeyConditions = new() { ["pk"] = C(ComparisonOperator.Eq, S("p")) },
            QueryFilter = new() { ["a"] = C(ComparisonOperator.Eq, S("A0")), ["z"] = C(ComparisonOperator.Lt, N("0")) },
            ConditionalOperator = ConditionalOperator.Or,
        });
        Assert.Equal(1, filtered.Count);
        Assert.Equal(3, filtered.ScannedCount);

        var scan = Db.Scan(new() { TableName = "legacy", ScanFilter = new() { ["a"] = C(ComparisonOperator.In, S("A1"), S("A2")), ["z"] = C(ComparisonOperator.NotNull) } });
        Assert.Equal(2, scan.Count);
        Assert.Equal(0, Db.Scan(new() { TableName = "legacy", ScanFilter = new() { ["a"] = C(ComparisonOperator.BeginsWith, S("B")) } }).Count);
    }

    [Fact]
    public async Task Legacy_query_parameters_are_refused_as_DynamoDB_refuses_them()
    {
        await Seed();
        var eq = new Dictionary<string, LegacyCondition> { ["pk"] = C(ComparisonOperator.Eq, S("p")) };
        Assert.Equal("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}",
            Assert.Throws<ValidationException>(() => Db.Query(new()
            {
                TableName = "legacy", KeyConditions = eq, KeyConditionExpression = "pk = :p", ExpressionAttributeValues = new() { [":p"] = S("p") },
            })).Message);
        Assert.Equal("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {ScanFilter} Expression parameters: {ProjectionExpression}",
            Assert.Throws<ValidationException>(() => Db.Scan(new() { TableName = "legacy", ScanFilter = new() { ["a"] = C(ComparisonOperator.NotNull) }, ProjectionExpression = "a" })).Message);
        Assert.Equal(LegacyParameters.NotIndexableMessage, Assert.Throws<ValidationException>(() => Db.Query(new()
        {
            TableName = "legacy", KeyConditions = new() { ["pk"] = C(ComparisonOperator.Eq, S("p")), ["sk"] = C(ComparisonOperator.Ne, N("1")) },
        })).Message);
        Assert.Equal("ConditionalOperator can only be used when Filter or Expected has two or more elements", Assert.Throws<ValidationException>(() => Db.Query(new()
        {
            TableName = "legacy", KeyConditions = eq, QueryFilter = new() { ["a"] = C(ComparisonOperator.NotNull) }, ConditionalOperator = ConditionalOperator.Or,
        })).Message);
        Assert.Equal("ConditionalOperator cannot be used without Filter or Expected",
            Assert.Throws<ValidationException>(() => Db.Scan(new() { TableName = "legacy", ConditionalOperator = ConditionalOperator.And })).Message);
        Assert.Equal("1 validation error detected: One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator",
            Assert.Throws<ValidationException>(() => Db.Scan(new() { TableName = "legacy", ScanFilter = new() { ["a"] = C(ComparisonOperator.Eq) } })).Message);
        Assert.Contains("scanFilter.a.member.comparisonOperator",
            Assert.Throws<ValidationException>(() => Db.Scan(new() { TableName = "legacy", ScanFilter = new() { ["a"] = new() { AttributeValueList = [S("x")] } } })).Message);
    }
}
