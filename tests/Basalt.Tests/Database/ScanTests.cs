using Basalt.Engine.Database;
using Basalt.Engine.Model;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// Scan on the embedded API: one table's items among others, paging by Limit, parallel segments covering the table
// exactly once, filters and COUNT, and DynamoDB's validation messages.
public class ScanTests
{
    private static void Create(DatabaseFixture fx, CreateTableRequest request) => fx.Db.CreateTableAsync(request).GetAwaiter().GetResult();

    private static void Put(DatabaseFixture fx, string table, Dictionary<string, AttributeValue> item) =>
        fx.Db.PutItemAsync(new() { TableName = table, Item = item }).AsTask().GetAwaiter().GetResult();

    private static DatabaseFixture Filled(int items = 200)
    {
        var fx = new DatabaseFixture(shards: 3);
        Create(fx, Table("tbl", ScalarAttributeType.S, ScalarAttributeType.N));
        Create(fx, Table("other", ScalarAttributeType.S));
        for (int i = 0; i < items; i++)
        {
            Put(fx, "tbl", Item(("pk", S("p" + i % 37)), ("sk", N(i.ToString())), ("v", N((i % 5).ToString()))));
            Put(fx, "other", Item(("pk", S("p" + i))));
        }
        return fx;
    }

    private static List<(List<Dictionary<string, AttributeValue>> Items, ScanResponse Page)> Pages(DatabaseFixture fx, ScanRequest request)
    {
        var pages = new List<(List<Dictionary<string, AttributeValue>>, ScanResponse)>();
        while (true)
        {
            Assert.True(pages.Count < 10_000);
            var page = fx.Db.Scan(request);
            pages.Add((page.Items, page));
            if (page.LastEvaluatedKey is null) return pages;
            request.ExclusiveStartKey = page.LastEvaluatedKey;
        }
    }

    private static int Sk(Dictionary<string, AttributeValue> item) => int.Parse(item["sk"].AsNumber());

    [Fact]
    public void Scan_returns_the_tables_items_only_and_pages_cover_them_exactly_once()
    {
        using var fx = Filled();
        var whole = fx.Db.Scan(new ScanRequest { TableName = "tbl" });
        Assert.Null(whole.LastEvaluatedKey);
        Assert.Equal(Enumerable.Range(0, 200), whole.Items.Select(Sk).Order());
        foreach (int limit in new[] { 1, 7, 199, 200 })
        {
            var pages = Pages(fx, new ScanRequest { TableName = "tbl", Limit = limit });
            var keys = pages.SelectMany(p => p.Items).Select(Sk).ToList();
            Assert.Equal(whole.Items.Select(Sk), keys);   // same stable order, nothing skipped or repeated
            Assert.All(pages.SkipLast(1), p => Assert.Equal(limit, p.Page.ScannedCount));
        }
    }

    [Fact]
    public void Parallel_segments_partition_the_table()
    {
        using var fx = Filled();
        foreach (int total in new[] { 1, 2, 3, 16, 5000 })
        {
            var seen = new List<int>();
            int nonEmpty = 0;
            for (int segment = 0; segment < total; segment++)
            {
                var items = Pages(fx, new ScanRequest { TableName = "tbl", Segment = segment, TotalSegments = total, Limit = 11 }).SelectMany(p => p.Items).ToList();
                if (items.Count > 0) nonEmpty++;
                seen.AddRange(items.Select(Sk));
                // An item collection stays in one segment.
                Assert.All(items.GroupBy(i => i["pk"].AsString()), g => Assert.Equal(200 / 37 + (int.Parse(g.Key[1..]) < 200 % 37 ? 1 : 0), g.Count()));
            }
            Assert.Equal(Enumerable.Range(0, 200), seen.Order());
            if (total > 1) Assert.True(nonEmpty > 1);
        }
    }

    [Fact]
    public void Filter_projection_and_count()
    {
        using var fx = Filled();
        var page = fx.Db.Scan(new ScanRequest
        {
            TableName = "tbl", FilterExpression = "v = :z", ProjectionExpression = "sk",
            ExpressionAttributeValues = Item((":z", N("0.0"))),
        });
        Assert.Equal(200, page.ScannedCount);
        Assert.Equal(40, page.Count);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => i * 5), page.Items.Select(Sk).Order());
        Assert.All(page.Items, i => Assert.Equal(["sk"], i.Keys));

        var count = fx.Db.Scan(new ScanRequest { TableName = "tbl", Select = Select.Count, FilterExpression = "v > :z", Limit = 50, ExpressionAttributeValues = Item((":z", N("2"))) });
        Assert.Equal(50, count.ScannedCount);
        Assert.Empty(count.Items);
        Assert.NotNull(count.LastEvaluatedKey);
        var total = Pages(fx, new ScanRequest { TableName = "tbl", Select = Select.Count, FilterExpression = "v > :z", Limit = 50, ExpressionAttributeValues = Item((":z", N("2"))) })
            .Sum(p => p.Page.Count);
        Assert.Equal(80, total);
    }

    [Fact]
    public void Scan_filter_may_use_key_attributes()
    {
        using var fx = Filled(20);
        var page = fx.Db.Scan(new ScanRequest { TableName = "tbl", FilterExpression = "sk < :n", ExpressionAttributeValues = Item((":n", N("3"))) });
        Assert.Equal([0, 1, 2], page.Items.Select(Sk).Order());
    }

    [Fact]
    public void A_scan_page_stops_after_1_MB()
    {
        using var fx = new DatabaseFixture();
        Create(fx, Table("tbl", ScalarAttributeType.S, ScalarAttributeType.N));
        var blob = new string('x', 100 * 1024);
        for (int i = 0; i < 25; i++) Put(fx, "tbl", Item(("pk", S("p" + i)), ("sk", N(i.ToString())), ("data", S(blob))));
        var pages = Pages(fx, new ScanRequest { TableName = "tbl", ProjectionExpression = "sk" });
        Assert.Equal([11, 11, 3], pages.Select(p => p.Page.ScannedCount));
        Assert.Equal(Enumerable.Range(0, 25), pages.SelectMany(p => p.Items).Select(Sk).Order());
    }

    private static void Fails(DatabaseFixture fx, string message, ScanRequest request)
    {
        request.TableName ??= "tbl";
        var e = Assert.Throws<ValidationException>(() => fx.Db.Scan(request));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Errors_are_DynamoDBs()
    {
        using var fx = Filled(10);
        Fails(fx, "1 validation error detected: Value '0' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal to 1",
            new() { Segment = 0, TotalSegments = 0 });
        Fails(fx, "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000",
            new() { Segment = 0, TotalSegments = 1_000_001 });
        Fails(fx, "1 validation error detected: Value '-1' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0",
            new() { Segment = -1, TotalSegments = 2 });
        Fails(fx, "The TotalSegments parameter is required but was not present in the request when Segment parameter is present", new() { Segment = 0 });
        Fails(fx, "The Segment parameter is required but was not present in the request when parameter TotalSegments is present", new() { TotalSegments = 2 });
        Fails(fx, "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 2 is not less than TotalSegments: 2",
            new() { Segment = 2, TotalSegments = 2 });
        Fails(fx, "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", new() { Limit = 0 });
        Fails(fx, "The provided starting key is invalid: The provided key element does not match the schema", new() { ExclusiveStartKey = Item(("pk", S("p1"))) });
        Fails(fx, "ExpressionAttributeValues can only be specified when using expressions", new() { ExpressionAttributeValues = Item((":x", S("x"))) });
        Fails(fx, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}",
            new() { FilterExpression = "v = :v", ExpressionAttributeValues = Item((":v", N("1")), (":x", S("x"))) });
        Fails(fx, "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES", new() { ProjectionExpression = "a", Select = Select.AllAttributes });

        // A start key from another segment.
        var first = fx.Db.Scan(new ScanRequest { TableName = "tbl", Segment = 0, TotalSegments = 2, Limit = 1 });
        var key = first.LastEvaluatedKey!;
        var e = Assert.Throws<ValidationException>(() => fx.Db.Scan(new ScanRequest { TableName = "tbl", Segment = 1, TotalSegments = 2, ExclusiveStartKey = key }));
        Assert.Equal("The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: 2 Segment: 1", e.Message);
    }
}
