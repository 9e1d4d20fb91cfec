using System.Globalization;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Xunit.Abstractions;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// Seeded model test: random items (number sort keys across signs and scales, some deleted and overwritten) and random
// queries and scans (operator, bounds, direction, Limit, filter) paged to the end, against a LINQ reference over a
// dictionary. Replay a failure with BASALT_SEED.
public class QueryModelTests(ITestOutputHelper output)
{
    private static decimal D(string s) => decimal.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string RandomNumber(Random r) => r.Next(4) switch
    {
        0 => r.Next(-50, 50).ToString(CultureInfo.InvariantCulture),
        1 => (r.Next(-5000, 5000) / 100m).ToString(CultureInfo.InvariantCulture),
        2 => $"{r.Next(-9, 10)}E{r.Next(-3, 4)}",
        _ => (r.Next(-3, 4) / 1000m).ToString(CultureInfo.InvariantCulture),
    };

    [Fact]
    public void Random_queries_and_scans_match_a_LINQ_reference() => TestSeed.Run(output, seed =>
    {
        var r = new Random(seed);
        using var fx = new DatabaseFixture(shards: 2);
        fx.Db.CreateTableAsync(Table("model", ScalarAttributeType.S, ScalarAttributeType.N)).GetAwaiter().GetResult();
        var model = new Dictionary<(string Pk, decimal Sk), int>();
        for (int i = 0; i < 300; i++)
        {
            string pk = "p" + r.Next(4);
            string sk = RandomNumber(r);
            if (r.Next(6) == 0)
            {
                fx.Db.DeleteItemAsync(new() { TableName = "model", Key = Item(("pk", S(pk)), ("sk", N(sk))) }).AsTask().GetAwaiter().GetResult();
                model.Remove((pk, D(sk)));
                continue;
            }
            int v = r.Next(10);
            fx.Db.PutItemAsync(new() { TableName = "model", Item = Item(("pk", S(pk)), ("sk", N(sk)), ("v", N(v.ToString(CultureInfo.InvariantCulture)))) })
                .AsTask().GetAwaiter().GetResult();
            model[(pk, D(sk))] = v;
        }

        string[] ops = ["=", "<", "<=", ">", ">=", "BETWEEN", "none"];
        for (int q = 0; q < 150; q++)
        {
            string pk = "p" + r.Next(5);
            string op = ops[r.Next(ops.Length)];
            string a = RandomNumber(r), b = RandomNumber(r);
            if (op == "BETWEEN" && D(a) > D(b)) (a, b) = (b, a);
            bool forward = r.Next(2) == 0;
            int? limit = r.Next(3) == 0 ? null : r.Next(1, 8);
            bool filtered = r.Next(2) == 0;
            int threshold = r.Next(10);
            var values = Item((":p", S(pk)));
            if (op != "none") values[":a"] = N(a);
            if (op == "BETWEEN") values[":b"] = N(b);
            if (filtered) values[":t"] = N(threshold.ToString(CultureInfo.InvariantCulture));
            var request = new QueryRequest
            {
                TableName = "model", ScanIndexForward = forward, Limit = limit, ExpressionAttributeValues = values,
                KeyConditionExpression = op switch { "none" => "pk = :p", "BETWEEN" => "pk = :p AND sk BETWEEN :a AND :b", _ => $"pk = :p AND sk {op} :a" },
                FilterExpression = filtered ? "v >= :t" : null,
            };
            var got = new List<decimal>();
            int scanned = 0;
            for (int pages = 0; ; pages++)
            {
                Assert.True(pages < 1000);
                var page = fx.Db.Query(request);
                Assert.True(limit is null || page.ScannedCount <= limit);
                Assert.Equal(page.Items.Count, page.Count);
                scanned += page.ScannedCount;
                got.AddRange(page.Items.Select(i => D(i["sk"].AsNumber())));
                if (page.LastEvaluatedKey is null) break;
                request.ExclusiveStartKey = page.LastEvaluatedKey;
            }
            decimal da = D(a), db = D(b);
            var inRange = model.Where(e => e.Key.Pk == pk).Where(e => op switch
            {
                "=" => e.Key.Sk == da,
                "<" => e.Key.Sk < da,
                "<=" => e.Key.Sk <= da,
                ">" => e.Key.Sk > da,
                ">=" => e.Key.Sk >= da,
                "BETWEEN" => e.Key.Sk >= da && e.Key.Sk <= db,
                _ => true,
            }).ToList();
            var expected = inRange.Where(e => !filtered || e.Value >= threshold).Select(e => e.Key.Sk).Order().ToList();
            if (!forward) expected.Reverse();
            Assert.Equal(expected, got);
            Assert.Equal(inRange.Count, scanned);
        }

        for (int s = 0; s < 10; s++)
        {
            int total = r.Next(1, 6);
            var seen = new List<(string, decimal)>();
            for (int segment = 0; segment < total; segment++)
            {
                var request = new ScanRequest { TableName = "model", Segment = segment, TotalSegments = total, Limit = r.Next(1, 40) };
                while (true)
                {
                    var page = fx.Db.Scan(request);
                    seen.AddRange(page.Items.Select(i => (i["pk"].AsString(), D(i["sk"].AsNumber()))));
                    if (page.LastEvaluatedKey is null) break;
                    request.ExclusiveStartKey = page.LastEvaluatedKey;
                }
            }
            Assert.Equal(model.Keys.Order().ToList(), seen.Order().ToList());
        }
    });
}
