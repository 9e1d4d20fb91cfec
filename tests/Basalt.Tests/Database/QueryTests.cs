using Basalt.Engine.Database;
using Basalt.Engine.Model;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// Query on the embedded API: every key-condition operator on N, S and B sort keys against a LINQ reference, both
// directions, paging by Limit and by the 1 MB rule, filters, projection, Select COUNT, and DynamoDB's errors.
public class QueryTests
{
    private static readonly string[] Numbers = ["-1E10", "-100", "-10.5", "-1", "-0.5", "-0.001", "0", "0.001", "0.25", "1", "2", "10", "10.5", "100", "1E10"];
    private static readonly string[] Strings = ["a", "ab", "abc", "abd", "b", "ba", "c", "z", "zz", "é", "éa"];
    private static readonly byte[][] Binaries = [[0], [0, 0], [0, 1], [1], [1, 0], [1, 255], [2], [255], [255, 0], [255, 255], [255, 255, 1]];

    private static void Create(DatabaseFixture fx, CreateTableRequest request) => fx.Db.CreateTableAsync(request).GetAwaiter().GetResult();

    private static void Put(DatabaseFixture fx, string table, Dictionary<string, AttributeValue> item) =>
        fx.Db.PutItemAsync(new() { TableName = table, Item = item }).AsTask().GetAwaiter().GetResult();

    private static QueryResponse Query(DatabaseFixture fx, string table, string condition, params (string Name, AttributeValue Value)[] values) =>
        fx.Db.Query(new QueryRequest { TableName = table, KeyConditionExpression = condition, ExpressionAttributeValues = Item(values) });

    private static string Op(string op, string value, string? upper) => op switch
    {
        "begins_with" => "pk = :p AND begins_with(sk, :v)",
        "BETWEEN" => "pk = :p AND sk BETWEEN :v AND :u",
        _ => $"pk = :p AND sk {op} :v",
    };

    private static decimal D(string s) => decimal.Parse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    private static readonly string[] Operators = ["=", "<", "<=", ">", ">=", "BETWEEN"];

    private static bool Holds(string op, int c, int cu) => op switch
    {
        "=" => c == 0,
        "<" => c < 0,
        "<=" => c <= 0,
        ">" => c > 0,
        ">=" => c >= 0,
        _ => c >= 0 && cu <= 0,
    };

    [Fact]
    public void Number_sort_keys_order_numerically_across_signs_for_every_operator()
    {
        using var fx = new DatabaseFixture();
        Create(fx, Table("tbl", ScalarAttributeType.S, ScalarAttributeType.N));
        foreach (var n in Numbers) Put(fx, "tbl", Item(("pk", S("p")), ("sk", N(n))));
        Put(fx, "tbl", Item(("pk", S("other")), ("sk", N("0"))));
        var ordered = Numbers.OrderBy(D).Select(n => DynamoNumber.Parse(n).ToString()).ToList();

        foreach (var op in Operators)
            foreach (var v in new[] { "-10.5", "0", "0.0010", "7", "1E10", "-2E10" })
            {
                var u = "10.5";
                if (op == "BETWEEN" && D(v) > 10.5m) continue;
                foreach (bool forward in new[] { true, false })
                {
                    var page = fx.Db.Query(new QueryRequest
                    {
                        TableName = "tbl", KeyConditionExpression = Op(op, v, u), ScanIndexForward = forward,
                        ExpressionAttributeValues = op == "BETWEEN" ? Item((":p", S("p")), (":v", N(v)), (":u", N(u))) : Item((":p", S("p")), (":v", N(v))),
                    });
                    var expected = ordered.Where(x => Holds(op, D(x).CompareTo(D(v)),
                        D(x).CompareTo(10.5m))).ToList();
                    if (!forward) expected.Reverse();
                    Assert.Equal(expected, page.Items.Select(i => i["sk"].AsNumber()).ToList());
                    Assert.Equal(expected.Count, page.Count);
                    Assert.Null(page.LastEvaluatedKey);
                }
            }
    }

    [Fact]
    public void String_sort_keys_for_every_operator_and_begins_with()
    {
        using var fx = new DatabaseFixture();
        Create(fx, Table("tbl", ScalarAttributeType.S, ScalarAttributeType.S));
        foreach (var s in Strings) Put(fx, "tbl", Item(("pk", S("p")), ("sk", S(s))));
        var ordered = Strings.OrderBy(s => s, StringComparer.Ordinal).ToList();
        foreach (var op in Operators.Append("begins_with"))
            foreach (var v in new[] { "a", "ab", "abc", "b", "bz", "é", "zz" })
                foreach (bool forward in new[] { true, false })
                {
                    const string u = "é";
                    if (op == "BETWEEN" && string.CompareOrdinal(v, u) > 0) continue;
                    var page = fx.Db.Query(new QueryRequest
                    {
                        TableName = "tbl", KeyConditionExpression = Op(op, v, u), ScanIndexForward = forward,
                        ExpressionAttributeValues = op == "BETWEEN" ? Item((":p", S("p")), (":v", S(v)), (":u", S(u))) : Item((":p", S("p")), (":v", S(v))),
                    });
                    var expected = ordered.Where(x => op == "begins_with" ? x.StartsWith(v, StringComparison.Ordinal)
                        : Holds(op, Math.Sign(string.CompareOrdinal(x, v)), Math.Sign(string.CompareOrdinal(x, u)))).ToList();
                    if (!forward) expected.Reverse();
                    Assert.Equal(expected, page.Items.Select(i => i["sk"].AsString()).ToList());
                }
    }

    [Fact]
    public void Binary_sort_keys_for_every_operator_and_begins_with_including_all_ones_prefixes()
    {
        using var fx = new DatabaseFixture();
        Create(fx, Table("tbl", ScalarAttributeType.B, ScalarAttributeType.B));
        foreach (var b in Binaries) Put(fx, "tbl", Item(("pk", B(7)), ("sk", B(b))));
        Put(fx, "tbl", Item(("pk", B(8)), ("sk", B(255))));
        var ordered = Binaries.OrderBy(b => b, Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y))).ToList();
        byte[] upper = [255, 0];
        foreach (var op in Operators.Append("begins_with"))
            foreach (var v in new byte[][] { [0], [1], [1, 255], [255], [255, 255], [3] })
                foreach (bool forward in new[] { true, false })
                {
                    if (op == "BETWEEN" && v.AsSpan().SequenceCompareTo(upper) > 0) continue;
                    var page = fx.Db.Query(new QueryRequest
                    {
                        TableName = "tbl", KeyConditionExpression = Op(op, "", null), ScanIndexForward = forward,
                        ExpressionAttributeValues = op == "BETWEEN" ? Item((":p", B(7)), (":v", B(v)), (":u", B(upper))) : Item((":p", B(7)), (":v", B(v))),
                    });
                    var expected = ordered.Where(x => op == "begins_with" ? x.AsSpan().StartsWith(v)
                        : Holds(op, Math.Sign(x.AsSpan().SequenceCompareTo(v)), Math.Sign(x.AsSpan().SequenceCompareTo(upper)))).Select(Convert.ToHexString).ToList();
                    if (!forward) expected.Reverse();
                    Assert.Equal(expected, page.Items.Select(i => Convert.ToHexString(i["sk"].AsBinary().Span)).ToList());
                }
    }

    [Fact]
    public void Paging_with_a_small_limit_neither_skips_nor_repeats()
    {
        using var fx = new DatabaseFixture();
        Create(fx, Table("tbl", ScalarAttributeType.S, ScalarAttributeType.N));
        for (int i = 0; i < 23; i++) Put(fx, "tbl", Item(("pk", S("p")), ("sk", N((i - 11).ToString())), ("v", N(i.ToString()))));
        foreach (bool forward in new[] { true, false })
            foreach (int limit in new[] { 1, 3, 23, 50 })
            {
                var request = new QueryRequest
                {
                    TableName = "tbl", KeyConditionExpression = "pk = :p AND sk >= :lo", Limit = limit, ScanIndexForward = forward,
                    ExpressionAttributeValues = Item((":p", S("p")), (":lo", N("-5"))),
                };
                var first = fx.Db.Query(request);
                Assert.Equal(Math.Min(limit, 17), first.ScannedCount);
                var keys = QueryAll(fx, request).Select(i => int.Parse(i["sk"].AsNumber())).ToList();
                var expected = Enumerable.Range(-5, 17).ToList();
                if (!forward) expected.Reverse();
                Assert.Equal(expected, keys);
            }
    }

    [Fact]
    public void A_page_stops_after_1_MB_of_items_read()
    {
        using var fx = new DatabaseFixture();
        Create(fx, Table("tbl", ScalarAttributeType.S, ScalarAttributeType.N));
        var blob = new string('x', 100 * 1024);
        for (int i = 0; i < 25; i++) Put(fx, "tbl", Item(("pk", S("p")), ("sk", N(i.ToString())), ("data", S(blob))));
        var request = new QueryRequest { TableName = "tbl", KeyConditionExpression = "pk = :p", ExpressionAttributeValues = Item((":p", S("p"))) };
        var page = fx.Db.Query(request);
        // 10 items are 1,024,000+ bytes (< 1 MiB); the 11th crosses it and ends the page.
        Assert.Equal(11, page.ScannedCount);
        Assert.Equal("10", page.LastEvaluatedKey!["sk"].AsNumber());
        Assert.Equal(Enumerable.Range(0, 25).Select(i => i.ToString()), QueryAll(fx, request).Select(i => i["sk"].AsNumber()));
        // Counting pages read the same bytes: COUNT does not lift the limit.
        request.ExclusiveStartKey = null;
        request.Select = Select.Count;
        var count = fx.Db.Query(request);
        Assert.Equal(11, count.Count);
        Assert.Empty(count.Items);
    }

    [Fact]
    public void Filter_counts_after_the_limit_and_projection_shapes_items()
    {
        using var fx = new DatabaseFixture();
        Create(fx, Table("tbl", ScalarAttributeType.S, ScalarAttributeType.N));
        for (int i = 0; i < 10; i++)
            Put(fx, "tbl", Item(("pk", S("p")), ("sk", N(i.ToString())), ("even", AttributeValue.Bool(i % 2 == 0)), ("m", AttributeValue.Map([new("a", N(i.ToString())), new("b", S("x"))]))));
        var page = fx.Db.Query(new QueryRequest
        {
            TableName = "tbl", KeyConditionExpression = "pk = :p", FilterExpression = "#e = :t", ProjectionExpression = "sk, m.a", Limit = 5,
            ExpressionAttributeNames = new() { ["#e"] = "even" }, ExpressionAttributeValues = Item((":p", S("p")), (":t", AttributeValue.Bool(true))),
        });
        Assert.Equal(5, page.ScannedCount);
        Assert.Equal(3, page.Count);
        Assert.Equal(["0", "2", "4"], page.Items.Select(i => i["sk"].AsNumber()));
        Assert.All(page.Items, i => Assert.Equal(["m", "sk"], i.Keys.Order(StringComparer.Ordinal)));
        Assert.All(page.Items, i => Assert.Equal(["a"], i["m"].AsMap().Keys));
        Assert.Equal("4", page.LastEvaluatedKey!["sk"].AsNumber());

        var counted = fx.Db.Query(new QueryRequest
        {
            TableName = "tbl", KeyConditionExpression = "pk = :p", FilterExpression = "even = :f", Select = Select.Count,
            ExpressionAttributeValues = Item((":p", S("p")), (":f", AttributeValue.Bool(false))),
        });
        Assert.Equal((5, 10), (counted.Count, counted.ScannedCount));
        Assert.Empty(counted.Items);
        Assert.Null(counted.LastEvaluatedKey);
    }

    [Fact]
    public void Hash_only_table_query_and_number_forms_match_one_key()
    {
        using var fx = new DatabaseFixture();
        Create(fx, Table("hsh", ScalarAttributeType.N));
        Put(fx, "hsh", Item(("pk", N("1.50")), ("v", S("x"))));
        Put(fx, "hsh", Item(("pk", N("2")), ("v", S("y"))));
        var page = Query(fx, "hsh", "pk = :p", (":p", N("15E-1")));
        Assert.Equal("x", Assert.Single(page.Items)["v"].AsString());
        var resumed = fx.Db.Query(new QueryRequest
        {
            TableName = "hsh", KeyConditionExpression = "pk = :p", ExpressionAttributeValues = Item((":p", N("1.5"))), ExclusiveStartKey = Item(("pk", N("1.5"))),
        });
        Assert.Empty(resumed.Items);
    }

    private static void Fails(DatabaseFixture fx, string message, QueryRequest request)
    {
        request.TableName ??= "tbl";
        var e = Assert.Throws<ValidationException>(() => fx.Db.Query(request));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Errors_are_DynamoDBs()
    {
        using var fx = new DatabaseFixture();
        Create(fx, Table("tbl", ScalarAttributeType.S, ScalarAttributeType.N));
        var p = Item((":p", S("p")));
        Fails(fx, "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.", new() { ExpressionAttributeValues = p });
        Fails(fx, "Query condition missed key schema element: pk", new() { KeyConditionExpression = "sk = :p", ExpressionAttributeValues = Item((":p", N("1"))) });
        Fails(fx, "Query condition missed key schema element: sk", new() { KeyConditionExpression = "pk = :p AND foo = :p", ExpressionAttributeValues = p });
        Fails(fx, "Query key condition not supported", new() { KeyConditionExpression = "pk > :p", ExpressionAttributeValues = p });
        Fails(fx, "Invalid operator used in KeyConditionExpression: OR", new() { KeyConditionExpression = "pk = :p OR sk = :p", ExpressionAttributeValues = p });
        Fails(fx, "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
            new() { KeyConditionExpression = "pk = :p AND begins_with(sk, :n)", ExpressionAttributeValues = Item((":p", S("p")), (":n", N("1"))) });
        Fails(fx, "One or more parameter values were invalid: Condition parameter type does not match schema type",
            new() { KeyConditionExpression = "pk = :p AND sk = :n", ExpressionAttributeValues = Item((":p", S("p")), (":n", S("1"))) });
        Fails(fx, "One or more parameter values were invalid: Condition parameter type does not match schema type",
            new() { KeyConditionExpression = "pk = :n", ExpressionAttributeValues = Item((":n", N("1"))) });
        Fails(fx, "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}",
            new() { KeyConditionExpression = "pk = :p AND sk BETWEEN :a AND :b", ExpressionAttributeValues = Item((":p", S("p")), (":a", N("5")), (":b", N("1"))) });
        Fails(fx, "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk",
            new() { KeyConditionExpression = "pk = :p", FilterExpression = "size(sk) > :n", ExpressionAttributeValues = Item((":p", S("p")), (":n", N("1"))) });
        Fails(fx, "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
            new() { KeyConditionExpression = "pk = :p", Limit = 0, ExpressionAttributeValues = p });
        Fails(fx, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}",
            new() { KeyConditionExpression = "pk = :p", ExpressionAttributeValues = Item((":p", S("p")), (":x", S("x"))) });
        Fails(fx, "Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}",
            new() { KeyConditionExpression = "pk = :p", ExpressionAttributeNames = new() { ["#n"] = "n" }, ExpressionAttributeValues = p });
        Fails(fx, "Cannot specify the ProjectionExpression when choosing to get only the Count",
            new() { KeyConditionExpression = "pk = :p", ProjectionExpression = "a", Select = Select.Count, ExpressionAttributeValues = p });
        Fails(fx, "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
            new() { KeyConditionExpression = "pk = :p", Select = Select.AllProjectedAttributes, ExpressionAttributeValues = p });
        Fails(fx, "The provided starting key is invalid",
            new() { KeyConditionExpression = "pk = :p", ExpressionAttributeValues = p, ExclusiveStartKey = Item(("pk", S("p"))) });
        Fails(fx, "The provided starting key is invalid: The provided key element does not match the schema",
            new() { KeyConditionExpression = "pk = :p", ExpressionAttributeValues = p, ExclusiveStartKey = Item(("pk", S("p")), ("sk", S("1"))) });
        Fails(fx, "The provided starting key is outside query boundaries based on provided conditions",
            new() { KeyConditionExpression = "pk = :p", ExpressionAttributeValues = p, ExclusiveStartKey = Item(("pk", S("q")), ("sk", N("1"))) });
        Fails(fx, "The provided starting key does not match the range key predicate",
            new() { KeyConditionExpression = "pk = :p AND sk > :n", ExpressionAttributeValues = Item((":p", S("p")), (":n", N("5"))), ExclusiveStartKey = Item(("pk", S("p")), ("sk", N("1"))) });
        Fails(fx, "The query can return at most one row and cannot be restarted",
            new() { KeyConditionExpression = "pk = :p AND sk > :n", ExpressionAttributeValues = Item((":p", S("p")), (":n", N("5"))), ExclusiveStartKey = Item(("pk", S("q")), ("sk", N("6"))) });
        var missing = Assert.Throws<ResourceNotFoundException>(() => fx.Db.Query(new QueryRequest { TableName = "nope", KeyConditionExpression = "pk = :p", ExpressionAttributeValues = p }));
        Assert.Equal("Requested resource not found: Table: nope not found", missing.Message);
    }
}
