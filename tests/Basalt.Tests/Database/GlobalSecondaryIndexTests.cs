using Basalt.Engine.Database;
using Basalt.Engine.Model;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// Global secondary indexes on the embedded API: CreateTable's rules, entries kept by the change log after the fact
// (checked against a model once the indexes have caught up, after random writes of every kind and across a reopen),
// sparse and hash-only indexes, Query and Scan with paging, and DynamoDB's refusals of global-index reads.
public class GlobalSecondaryIndexTests
{
    private static CreateTableRequest Games(ProjectionType projection = ProjectionType.All, List<string>? nonKey = null) => new()
    {
        TableName = "games",
        KeySchema = [new("pk", KeyType.Hash), new("sk", KeyType.Range)],
        AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.S), new("title", ScalarAttributeType.S), new("score", ScalarAttributeType.N)],
        BillingMode = BillingMode.PayPerRequest,
        GlobalSecondaryIndexes =
        [
            new GlobalSecondaryIndex
            {
                IndexName = "by-title",
                KeySchema = [new("title", KeyType.Hash), new("score", KeyType.Range)],
                Projection = new Projection { ProjectionType = projection, NonKeyAttributes = nonKey },
            },
            new GlobalSecondaryIndex
            {
                IndexName = "by-score",
                KeySchema = [new("score", KeyType.Hash)],
                Projection = new Projection { ProjectionType = ProjectionType.KeysOnly },
            },
        ],
    };

    private static string Render(Dictionary<string, AttributeValue> item) =>
        string.Join(",", item.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"));

    private static decimal D(AttributeValue n) => decimal.Parse(n.AsNumber(), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Random_writes_reach_the_global_indexes_once_they_have_caught_up()
    {
        using var fx = new DatabaseFixture();
        await fx.Db.CreateTableAsync(Games());
        var random = new Random(5);
        var model = new Dictionary<(string, string), Dictionary<string, AttributeValue>>();
        string[] titles = ["alpha", "beta", "gamma"];
        for (int op = 0; op < 500; op++)
        {
            string pk = $"u{random.Next(20)}", sk = $"g{random.Next(4)}";
            var key = Item(("pk", S(pk)), ("sk", S(sk)));
            switch (random.Next(4))
            {
                case 0 or 1:
                {
                    var item = Item(("pk", S(pk)), ("sk", S(sk)), ("n", N($"{op}")));
                    if (random.Next(5) != 0) item["title"] = S(titles[random.Next(3)]);
                    if (random.Next(5) != 0) item["score"] = N($"{random.Next(10)}");
                    await fx.Db.PutItemAsync(new PutItemRequest { TableName = "games", Item = item });
                    model[(pk, sk)] = item;
                    break;
                }
                case 2:
                {
                    var score = N($"{random.Next(10)}");
                    await fx.Db.UpdateItemAsync(new UpdateItemRequest
                    {
                        TableName = "games", Key = key, UpdateExpression = "SET score = :s", ExpressionAttributeValues = Item((":s", score)),
                    });
                    var item = model.TryGetValue((pk, sk), out var old) ? new Dictionary<string, AttributeValue>(old) : new Dictionary<string, AttributeValue>(key);
                    item["score"] = score;
                    model[(pk, sk)] = item;
                    break;
                }
                default:
                    await fx.Db.DeleteItemAsync(new DeleteItemRequest { TableName = "games", Key = key });
                    model.Remove((pk, sk));
                    break;
            }
            if (op == 250) fx.Reopen(); // records not yet applied are applied after the reopen
        }
        await fx.Db.WhenIndexesCaughtUpAsync();

        foreach (var title in titles)
        {
            foreach (var forward in new[] { true, false })
            {
                var expected = model.Values.Where(i => i.TryGetValue("title", out var t) && t.AsString() == title && i.ContainsKey("score"))
                    .OrderBy(i => D(i["score"])).ThenBy(i => i["pk"].AsString(), StringComparer.Ordinal).ThenBy(i => i["sk"].AsString(), StringComparer.Ordinal).ToList();
                var got = QueryAll(fx, new QueryRequest
                {
                    TableName = "games", IndexName = "by-title", KeyConditionExpression = "title = :t AND score >= :s",
                    ExpressionAttributeValues = Item((":t", S(title)), (":s", N("0"))), Limit = 4, ScanIndexForward = forward,
                });
                // In index order (scores ascending, or descending backward); among equal scores the order is the table
                // key's stored form, so the items are compared as sets.
                var scores = got.Select(i => D(i["score"])).ToList();
                Assert.Equal(forward ? scores.Order() : scores.OrderDescending(), scores);
                Assert.Equal(expected.Select(Render).Order(), got.Select(Render).Order());
            }
        }
        // the hash-only KEYS_ONLY index: table keys and its own key, for every item with a score
        for (int score = 0; score < 10; score++)
        {
            var got = QueryAll(fx, new QueryRequest
            {
                TableName = "games", IndexName = "by-score", KeyConditionExpression = "score = :s", ExpressionAttributeValues = Item((":s", N($"{score}"))), Limit = 3,
            });
            var expected = model.Values.Where(i => i.TryGetValue("score", out var s) && D(s) == score)
                .Select(i => Item(("pk", i["pk"]), ("sk", i["sk"]), ("score", i["score"]))).ToList();
            Assert.Equal(expected.Select(Render).Order(), got.Select(Render).Order());
        }
        // a scan of an index: every indexed item once
        var scanned = new List<Dictionary<string, AttributeValue>>();
        var scan = new ScanRequest { TableName = "games", IndexName = "by-title", Limit = 7 };
        while (true)
        {
            var page = fx.Db.Scan(scan);
            scanned.AddRange(page.Items);
            if (page.LastEvaluatedKey is null) break;
            Assert.Equal(["pk", "score", "sk", "title"], page.LastEvaluatedKey.Keys.Order());
            scan.ExclusiveStartKey = page.LastEvaluatedKey;
        }
        Assert.Equal(model.Values.Where(i => i.ContainsKey("title") && i.ContainsKey("score")).Select(Render).Order(), scanned.Select(Render).Order());
        var (applied, _, _) = fx.Db.GlobalIndexLag;
        Assert.True(applied > 0);
    }

    [Fact]
    public async Task Reads_of_a_global_index_are_refused_where_DynamoDB_refuses_them()
    {
        using var fx = new DatabaseFixture();
        await fx.Db.CreateTableAsync(Games(ProjectionType.Include, ["extra"]));
        QueryRequest Q() => new()
        {
            TableName = "games", IndexName = "by-title", KeyConditionExpression = "title = :t", ExpressionAttributeValues = Item((":t", S("alpha"))),
        };
        var consistent = Q();
        consistent.ConsistentRead = true;
        Assert.Equal("Consistent reads are not supported on global secondary indexes", Assert.Throws<ValidationException>(() => fx.Db.Query(consistent)).Message);
        Assert.Equal("Consistent reads are not supported on global secondary indexes",
            Assert.Throws<ValidationException>(() => fx.Db.Scan(new ScanRequest { TableName = "games", IndexName = "by-score", ConsistentRead = true })).Message);
        var all = Q();
        all.Select = Select.AllAttributes;
        Assert.Equal("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index by-title because its projection type is not ALL",
            Assert.Throws<ValidationException>(() => fx.Db.Query(all)).Message);
        var projecting = Q();
        projecting.ProjectionExpression = "n, extra, pk";
        Assert.Equal("One or more parameter values were invalid: Global secondary index by-title does not project [n]",
            Assert.Throws<ValidationException>(() => fx.Db.Query(projecting)).Message);
        var wrongKey = new QueryRequest
        {
            TableName = "games", IndexName = "by-title", KeyConditionExpression = "pk = :p", ExpressionAttributeValues = Item((":p", S("u1"))),
        };
        Assert.Equal("Query condition missed key schema element: title", Assert.Throws<ValidationException>(() => fx.Db.Query(wrongKey)).Message);
        // writes with an index key of the wrong type are refused, naming the global index
        var bad = await Assert.ThrowsAsync<ValidationException>(async () =>
            await fx.Db.PutItemAsync(new PutItemRequest { TableName = "games", Item = Item(("pk", S("a")), ("sk", S("b")), ("title", N("1"))) }));
        Assert.Equal("One or more parameter values were invalid: Type mismatch for Index Key title Expected: S Actual: N IndexName: by-title", bad.Message);
    }

    [Fact]
    public async Task Twenty_global_indexes_are_the_edge_and_are_accepted()
    {
        var request = Games();
        var index = request.GlobalSecondaryIndexes![0];
        request.GlobalSecondaryIndexes = Enumerable.Range(0, 20).Select(i => new GlobalSecondaryIndex
        {
            IndexName = $"index{i}", KeySchema = index.KeySchema, Projection = index.Projection,
        }).ToList();
        using var fx = new DatabaseFixture();
        Assert.Equal(20, (await fx.Db.CreateTableAsync(request)).TableDescription.GlobalSecondaryIndexes!.Count);
    }

    public static TheoryData<string, string> InvalidCreates => new()
    {
        { "empty list", "One or more parameter values were invalid: List of GlobalSecondaryIndexes is empty" },
        { "21 indexes", "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20" },
        { "throughput on demand", "One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: by-title when BillingMode is PAY_PER_REQUEST" },
        { "no throughput provisioned", "One or more parameter values were invalid: ProvisionedThroughput is not specified for index: by-title" },
        { "name shared with a local index", "One or more parameter values were invalid: Duplicate index name: by-title" },
        { "range first", "Invalid KeySchema: The first KeySchemaElement is not a HASH key type" },
        { "unused definition", "One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [pk, sk, title, score, extra], keys used: [pk, sk, title, score]" },
    };

    [Theory]
    [MemberData(nameof(InvalidCreates))]
    public async Task CreateTable_refuses_bad_global_indexes_with_DynamoDB_s_messages(string @case, string message)
    {
        var request = Games();
        var index = request.GlobalSecondaryIndexes![0];
        switch (@case)
        {
            case "empty list": request.GlobalSecondaryIndexes = []; break;
            case "21 indexes":
                request.GlobalSecondaryIndexes = Enumerable.Range(0, 21).Select(i => new GlobalSecondaryIndex
                {
                    IndexName = $"index{i}", KeySchema = index.KeySchema, Projection = index.Projection,
                }).ToList();
                break;
            case "throughput on demand": index.ProvisionedThroughput = new ProvisionedThroughput(1, 1); break;
            case "no throughput provisioned":
                request.BillingMode = BillingMode.Provisioned;
                request.ProvisionedThroughput = new ProvisionedThroughput(1, 1);
                break;
            case "name shared with a local index":
                request.LocalSecondaryIndexes = [new LocalSecondaryIndex
                {
                    IndexName = "by-title", KeySchema = [new("pk", KeyType.Hash), new("title", KeyType.Range)], Projection = new Projection { ProjectionType = ProjectionType.All },
                }];
                break;
            case "range first": index.KeySchema = [new("score", KeyType.Range), new("title", KeyType.Hash)]; break;
            case "unused definition": request.AttributeDefinitions!.Add(new("extra", ScalarAttributeType.S)); break;
        }
        using var fx = new DatabaseFixture();
        Assert.Equal(message, (await Assert.ThrowsAsync<ValidationException>(() => fx.Db.CreateTableAsync(request))).Message);
    }

    [Fact]
    public async Task DescribeTable_shows_global_indexes_and_their_entries_go_with_the_table()
    {
        using var fx = new DatabaseFixture();
        var request = Games();
        request.BillingMode = BillingMode.Provisioned;
        request.ProvisionedThroughput = new ProvisionedThroughput(5, 5);
        foreach (var g in request.GlobalSecondaryIndexes!) g.ProvisionedThroughput = new ProvisionedThroughput(2, 3);
        var created = (await fx.Db.CreateTableAsync(request)).TableDescription;
        Assert.Null(created.LocalSecondaryIndexes);
        var index = created.GlobalSecondaryIndexes!.Single(i => i.IndexName == "by-score");
        Assert.Equal(IndexStatus.Active, index.IndexStatus);
        Assert.Null(index.Backfilling);
        Assert.Equal(2, index.ProvisionedThroughput.ReadCapacityUnits);
        Assert.Equal(3, index.ProvisionedThroughput.WriteCapacityUnits);
        Assert.Equal($"{created.TableArn}/index/by-score", index.IndexArn);

        for (int i = 0; i < 20; i++)
            await fx.Db.PutItemAsync(new PutItemRequest { TableName = "games", Item = Item(("pk", S($"u{i}")), ("sk", S("g")), ("title", S("alpha")), ("score", N($"{i}"))) });
        await fx.Db.WhenIndexesCaughtUpAsync();
        await fx.Db.RefreshTableStatisticsAsync("games");
        Assert.Equal(20, fx.Db.DescribeTable(new() { TableName = "games" }).Table.GlobalSecondaryIndexes!.Single(i => i.IndexName == "by-title").ItemCount);
        await fx.Db.DeleteTableAsync(new DeleteTableRequest { TableName = "games" });
        await fx.Db.WhenBackgroundIdleAsync();
        await fx.Db.CreateTableAsync(request);
        Assert.Equal(0, fx.Db.Scan(new ScanRequest { TableName = "games", IndexName = "by-title" }).Count);
    }
}

// UpdateTable's GlobalSecondaryIndexUpdates: an index added to a table with items is backfilled (CREATING, Backfilling,
// then ACTIVE with every item, also those written meanwhile), its throughput changed, then dropped (DELETING, then
// gone with its entries and its attribute definitions).
public class GlobalSecondaryIndexUpdateTests
{
    private static async Task<TableDescription> WaitFor(DatabaseFixture fx, string table, Func<TableDescription, bool> done)
    {
        for (int i = 0; i < 500; i++)
        {
            var description = fx.Db.DescribeTable(new() { TableName = table }).Table;
            if (done(description)) return description;
            await Task.Delay(10);
        }
        throw new TimeoutException("the index change did not finish in 5 s");
    }

    [Fact]
    public async Task An_index_added_to_a_table_is_backfilled_then_dropped()
    {
        using var fx = new DatabaseFixture();
        await fx.Db.CreateTableAsync(new CreateTableRequest
        {
            TableName = "users", KeySchema = [new("id", KeyType.Hash)], AttributeDefinitions = [new("id", ScalarAttributeType.S)], BillingMode = BillingMode.PayPerRequest,
        });
        for (int i = 0; i < 300; i++)
            await fx.Db.PutItemAsync(new PutItemRequest { TableName = "users", Item = Item(("id", S($"u{i:D3}")), ("city", S($"c{i % 7}")), ("age", N($"{i % 50}"))) });

        var response = await fx.Db.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = "users",
            AttributeDefinitions = [new("city", ScalarAttributeType.S), new("age", ScalarAttributeType.N)],
            GlobalSecondaryIndexUpdates = [new GlobalSecondaryIndexUpdate { Create = new GlobalSecondaryIndex
            {
                IndexName = "by-city", KeySchema = [new("city", KeyType.Hash), new("age", KeyType.Range)], Projection = new Projection { ProjectionType = ProjectionType.All },
            } }],
        });
        var added = response.TableDescription.GlobalSecondaryIndexes!.Single();
        Assert.Equal(IndexStatus.Creating, added.IndexStatus);
        Assert.True(added.Backfilling);
        Assert.Equal(["id", "city", "age"], response.TableDescription.AttributeDefinitions.Select(d => d.AttributeName));
        // writes during the backfill: an update that moves an item, a delete, a new item
        await fx.Db.UpdateItemAsync(new UpdateItemRequest { TableName = "users", Key = Item(("id", S("u000"))), UpdateExpression = "SET city = :c", ExpressionAttributeValues = Item((":c", S("c6"))) });
        await fx.Db.DeleteItemAsync(new DeleteItemRequest { TableName = "users", Key = Item(("id", S("u001"))) });
        await fx.Db.PutItemAsync(new PutItemRequest { TableName = "users", Item = Item(("id", S("new")), ("city", S("c1")), ("age", N("99"))) });

        var active = await WaitFor(fx, "users", d => d.GlobalSecondaryIndexes!.Single().IndexStatus == IndexStatus.Active);
        Assert.Null(active.GlobalSecondaryIndexes!.Single().Backfilling);
        await fx.Db.WhenIndexesCaughtUpAsync();
        var expected = Enumerable.Range(0, 300).Where(i => i != 1).Select(i => (Id: $"u{i:D3}", City: i == 0 ? "c6" : $"c{i % 7}")).Append((Id: "new", City: "c1")).ToList();
        for (int c = 0; c < 7; c++)
        {
            var request = new QueryRequest
            {
                TableName = "users", IndexName = "by-city", KeyConditionExpression = "city = :c", ExpressionAttributeValues = Item((":c", S($"c{c}"))), Limit = 20,
            };
            var ids = new List<string>();
            while (true)
            {
                var page = fx.Db.Query(request);
                ids.AddRange(page.Items.Select(i => i["id"].AsString()));
                if (page.LastEvaluatedKey is null) break;
                request.ExclusiveStartKey = page.LastEvaluatedKey;
            }
            Assert.Equal(expected.Where(e => e.City == $"c{c}").Select(e => e.Id).Order(), ids.Order());
        }

        // throughput of an index on an on-demand table is refused; creating it again too
        await Assert.ThrowsAsync<ValidationException>(() => fx.Db.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = "users", GlobalSecondaryIndexUpdates = [new GlobalSecondaryIndexUpdate { Update = new UpdateGlobalSecondaryIndexAction { IndexName = "by-city", ProvisionedThroughput = new(1, 1) } }],
        }));
        Assert.Equal("One or more parameter values were invalid: Attempting to create an index which already exists", (await Assert.ThrowsAsync<ValidationException>(() => fx.Db.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = "users", AttributeDefinitions = [new("city", ScalarAttributeType.S)],
            GlobalSecondaryIndexUpdates = [new GlobalSecondaryIndexUpdate { Create = new GlobalSecondaryIndex { IndexName = "by-city", KeySchema = [new("city", KeyType.Hash)], Projection = new Projection { ProjectionType = ProjectionType.KeysOnly } } }],
        }))).Message);
        Assert.Equal("Requested resource not found: Index nope for table users", (await Assert.ThrowsAsync<ResourceNotFoundException>(() => fx.Db.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = "users", GlobalSecondaryIndexUpdates = [new GlobalSecondaryIndexUpdate { Delete = new DeleteGlobalSecondaryIndexAction { IndexName = "nope" } }],
        }))).Message);

        var dropping = await fx.Db.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = "users", GlobalSecondaryIndexUpdates = [new GlobalSecondaryIndexUpdate { Delete = new DeleteGlobalSecondaryIndexAction { IndexName = "by-city" } }],
        });
        Assert.Equal(IndexStatus.Deleting, dropping.TableDescription.GlobalSecondaryIndexes!.Single().IndexStatus);
        var gone = await WaitFor(fx, "users", d => d.GlobalSecondaryIndexes is null);
        Assert.Equal(["id"], gone.AttributeDefinitions.Select(d => d.AttributeName));
        Assert.Equal("The table does not have the specified index: by-city", Assert.Throws<ValidationException>(() =>
            fx.Db.Scan(new ScanRequest { TableName = "users", IndexName = "by-city" })).Message);
        // the table's items are untouched
        Assert.Equal(300, fx.Db.Scan(new ScanRequest { TableName = "users" }).Count);
    }

    [Fact]
    public async Task A_backfill_a_close_interrupts_resumes_at_the_next_open()
    {
        using var fx = new DatabaseFixture();
        await fx.Db.CreateTableAsync(new CreateTableRequest
        {
            TableName = "users", KeySchema = [new("id", KeyType.Hash)], AttributeDefinitions = [new("id", ScalarAttributeType.S)], BillingMode = BillingMode.PayPerRequest,
        });
        for (int i = 0; i < 2000; i++)
            await fx.Db.PutItemAsync(new PutItemRequest { TableName = "users", Item = Item(("id", S($"u{i:D4}")), ("city", S($"c{i % 3}"))) });
        await fx.Db.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = "users", AttributeDefinitions = [new("city", ScalarAttributeType.S)],
            GlobalSecondaryIndexUpdates = [new GlobalSecondaryIndexUpdate { Create = new GlobalSecondaryIndex
            {
                IndexName = "by-city", KeySchema = [new("city", KeyType.Hash)], Projection = new Projection { ProjectionType = ProjectionType.KeysOnly },
            } }],
        });
        fx.Reopen(); // whatever the backfill had done, it starts again
        var active = await WaitForActive(fx);
        Assert.Equal(IndexStatus.Active, active);
        await fx.Db.WhenIndexesCaughtUpAsync();
        int total = 0;
        for (int c = 0; c < 3; c++)
            total += fx.Db.Query(new QueryRequest { TableName = "users", IndexName = "by-city", KeyConditionExpression = "city = :c", ExpressionAttributeValues = Item((":c", S($"c{c}"))) }).Count;
        Assert.Equal(2000, total);

        static async Task<IndexStatus> WaitForActive(DatabaseFixture fx)
        {
            for (int i = 0; i < 1000; i++)
            {
                var status = fx.Db.DescribeTable(new() { TableName = "users" }).Table.GlobalSecondaryIndexes!.Single().IndexStatus;
                if (status == IndexStatus.Active) return status;
                await Task.Delay(10);
            }
            return IndexStatus.Creating;
        }
    }
}
