using Basalt.Engine.Database;
using Basalt.Engine.Model;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// Local secondary indexes on the embedded API: CreateTable's rules and DescribeTable, entries kept in step with every
// kind of write (checked against a model after random writes), Query and Scan on an index with every key-condition
// operator, paging, projections and the fetch of non-projected attributes, and the entries' life with the table.
public class LocalSecondaryIndexTests
{
    private static CreateTableRequest Indexed(string name, ScalarAttributeType indexType = ScalarAttributeType.N,
        ProjectionType projection = ProjectionType.All, List<string>? nonKey = null) => new()
    {
        TableName = name,
        KeySchema = [new("pk", KeyType.Hash), new("sk", KeyType.Range)],
        AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.S), new("lsk", indexType)],
        BillingMode = BillingMode.PayPerRequest,
        LocalSecondaryIndexes =
        [
            new LocalSecondaryIndex
            {
                IndexName = "by-lsk",
                KeySchema = [new("pk", KeyType.Hash), new("lsk", KeyType.Range)],
                Projection = new Projection { ProjectionType = projection, NonKeyAttributes = nonKey },
            },
        ],
    };

    private static void Create(DatabaseFixture fx, CreateTableRequest request) => fx.Db.CreateTableAsync(request).GetAwaiter().GetResult();

    private static void Put(DatabaseFixture fx, string table, Dictionary<string, AttributeValue> item) =>
        fx.Db.PutItemAsync(new() { TableName = table, Item = item }).AsTask().GetAwaiter().GetResult();

    private static ValidationException CreateFails(CreateTableRequest request)
    {
        using var fx = new DatabaseFixture();
        return Assert.Throws<ValidationException>(() => Create(fx, request));
    }

    [Fact]
    public async Task CreateTable_keeps_the_indexes_and_DescribeTable_shows_them_after_a_reopen()
    {
        using var fx = new DatabaseFixture();
        var request = Indexed("tbl", ScalarAttributeType.S, ProjectionType.Include, ["a", "b"]);
        request.LocalSecondaryIndexes!.Add(new LocalSecondaryIndex
        {
            IndexName = "keys",
            KeySchema = [new("pk", KeyType.Hash), new("sk", KeyType.Range)], // the table's own key: allowed
            Projection = new Projection { ProjectionType = ProjectionType.KeysOnly },
        });
        var created = (await fx.Db.CreateTableAsync(request)).TableDescription;
        fx.Reopen();
        foreach (var description in new[] { created, fx.Db.DescribeTable(new() { TableName = "tbl" }).Table })
        {
            var indexes = description.LocalSecondaryIndexes!;
            Assert.Equal(["by-lsk", "keys"], indexes.Select(i => i.IndexName));
            Assert.Equal(ProjectionType.Include, indexes[0].ProjectionType);
            Assert.Equal(["a", "b"], indexes[0].NonKeyAttributes!);
            Assert.Null(indexes[1].NonKeyAttributes);
            Assert.Equal([new KeySchemaElement("pk", KeyType.Hash), new KeySchemaElement("lsk", KeyType.Range)], indexes[0].KeySchema);
            Assert.Equal($"{description.TableArn}/index/by-lsk", indexes[0].IndexArn);
            Assert.Equal(0, indexes[0].ItemCount);
        }
        // A table without indexes describes none.
        Create(fx, Table("plain", rangeType: ScalarAttributeType.S));
        Assert.Null(fx.Db.DescribeTable(new() { TableName = "plain" }).Table.LocalSecondaryIndexes);
    }

    public static TheoryData<string, string> InvalidCreates => new()
    {
        { "hash-only table", "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex" },
        { "empty list", "One or more parameter values were invalid: List of LocalSecondaryIndexes is empty" },
        { "six indexes", "One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5" },
        { "other hash key", "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: by-lsk. index hash key: lsk, table hash key: pk" },
        { "no range key", "One or more parameter values were invalid: Index KeySchema does not have a range key for index: by-lsk" },
        { "range first", "Invalid KeySchema: The first KeySchemaElement is not a HASH key type" },
        { "duplicate name", "One or more parameter values were invalid: Duplicate index name: by-lsk" },
        { "unused definition", "One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [pk, sk, lsk, extra], keys used: [pk, sk, lsk]" },
        { "undefined key", "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk, other], AttributeDefinitions: [pk, sk]" },
        { "no projection type", "One or more parameter values were invalid: Unknown ProjectionType: null" },
        { "include without attributes", "One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified" },
        { "keys only with attributes", "One or more parameter values were invalid: ProjectionType is KEYS_ONLY, but NonKeyAttributes is specified" },
        { "null projection", "1 validation error detected: Value null at 'localSecondaryIndexes.1.member.projection' failed to satisfy constraint: Member must not be null" },
        { "short name", "1 validation error detected: Value 'ix' at 'localSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3" },
        { "21 non-key attributes", "1 validation error detected: Value '[a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20]' at 'localSecondaryIndexes.1.member.projection.nonKeyAttributes' failed to satisfy constraint: Member must have length less than or equal to 20" },
    };

    [Theory]
    [MemberData(nameof(InvalidCreates))]
    public void CreateTable_refuses_bad_indexes_with_DynamoDB_s_messages(string @case, string message)
    {
        var request = Indexed("tbl");
        var index = request.LocalSecondaryIndexes![0];
        switch (@case)
        {
            case "hash-only table":
                request.KeySchema = [new("pk", KeyType.Hash)];
                request.AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("lsk", ScalarAttributeType.N)];
                break;
            case "empty list": request.LocalSecondaryIndexes = []; break;
            case "six indexes":
                request.LocalSecondaryIndexes = Enumerable.Range(0, 6).Select(i => new LocalSecondaryIndex
                {
                    IndexName = $"index{i}", KeySchema = index.KeySchema, Projection = index.Projection,
                }).ToList();
                break;
            case "other hash key": index.KeySchema = [new("lsk", KeyType.Hash), new("sk", KeyType.Range)]; break;
            case "no range key": index.KeySchema = [new("pk", KeyType.Hash)]; break;
            case "range first": index.KeySchema = [new("lsk", KeyType.Range), new("pk", KeyType.Hash)]; break;
            case "duplicate name": request.LocalSecondaryIndexes.Add(index); break;
            case "unused definition": request.AttributeDefinitions!.Add(new("extra", ScalarAttributeType.S)); break;
            case "undefined key":
                index.KeySchema = [new("pk", KeyType.Hash), new("other", KeyType.Range)];
                request.AttributeDefinitions!.RemoveAt(2); // else lsk is an unused definition, which DynamoDB reports first
                break;
            case "no projection type": index.Projection = new Projection(); break;
            case "include without attributes": index.Projection = new Projection { ProjectionType = ProjectionType.Include }; break;
            case "keys only with attributes": index.Projection = new Projection { ProjectionType = ProjectionType.KeysOnly, NonKeyAttributes = ["a"] }; break;
            case "null projection": index.Projection = null; break;
            case "short name": index.IndexName = "ix"; break;
            case "21 non-key attributes":
                index.Projection = new Projection { ProjectionType = ProjectionType.Include, NonKeyAttributes = Enumerable.Range(0, 21).Select(i => $"a{i}").ToList() };
                break;
        }
        Assert.Equal(message, CreateFails(request).Message);
    }

    [Fact]
    public void Five_indexes_of_twenty_projected_attributes_are_the_edge_and_are_accepted()
    {
        // 100 in all is DynamoDB's total limit; five local indexes of at most 20 each cannot pass it (global indexes,
        // not built yet, can).
        var request = Indexed("tbl");
        var keys = request.LocalSecondaryIndexes![0].KeySchema;
        request.LocalSecondaryIndexes = Enumerable.Range(0, 5).Select(i => new LocalSecondaryIndex
        {
            IndexName = $"index{i}", KeySchema = keys,
            Projection = new Projection { ProjectionType = ProjectionType.Include, NonKeyAttributes = Enumerable.Range(0, 20).Select(a => $"a{i}_{a}").ToList() },
        }).ToList();
        using var fx = new DatabaseFixture();
        Create(fx, request);
        Assert.Equal(5, fx.Db.DescribeTable(new() { TableName = "tbl" }).Table.LocalSecondaryIndexes!.Count);
    }

    // A model of the table: (pk, sk) -> item. After random puts, updates, deletes and batch writes through every
    // write path, every index query must equal the model's items with the index attribute, in index order.
    [Theory]
    [InlineData(ScalarAttributeType.N, 1)]
    [InlineData(ScalarAttributeType.S, 2)]
    [InlineData(ScalarAttributeType.B, 3)]
    public async Task Random_writes_keep_the_index_equal_to_the_table(ScalarAttributeType type, int seed)
    {
        using var fx = new DatabaseFixture();
        Create(fx, Indexed("tbl", type));
        var random = new Random(seed);
        var model = new Dictionary<(string, string), Dictionary<string, AttributeValue>>();
        // Values with shared prefixes and zero bytes, so the escaped index key form is exercised.
        AttributeValue RandomIndexValue() => type switch
        {
            ScalarAttributeType.N => N(random.Next(-20, 20).ToString(System.Globalization.CultureInfo.InvariantCulture) + (random.Next(3) == 0 ? ".5" : "")),
            ScalarAttributeType.S => S(new string(Enumerable.Range(0, random.Next(1, 4)).Select(_ => "a\0b"[random.Next(3)]).ToArray())),
            _ => B(Enumerable.Range(0, random.Next(1, 4)).Select(_ => (byte)new[] { 0, 1, 255 }[random.Next(3)]).ToArray()),
        };
        for (int op = 0; op < 600; op++)
        {
            string pk = $"p{random.Next(3)}", sk = $"s{random.Next(12)}";
            var key = Item(("pk", S(pk)), ("sk", S(sk)));
            switch (random.Next(6))
            {
                case 0 or 1: // a put, with or without the index attribute
                {
                    var item = Item(("pk", S(pk)), ("sk", S(sk)), ("n", N(op.ToString(System.Globalization.CultureInfo.InvariantCulture))));
                    if (random.Next(4) != 0) item["lsk"] = RandomIndexValue();
                    Put(fx, "tbl", item);
                    model[(pk, sk)] = item;
                    break;
                }
                case 2: // an update that sets or removes the index attribute
                {
                    bool remove = random.Next(3) == 0;
                    var value = RandomIndexValue();
                    await fx.Db.UpdateItemAsync(new UpdateItemRequest
                    {
                        TableName = "tbl", Key = key,
                        UpdateExpression = remove ? "REMOVE lsk SET u = :u" : "SET lsk = :v, u = :u",
                        ExpressionAttributeValues = remove ? Item((":u", N("1"))) : Item((":v", value), (":u", N("1"))),
                    });
                    var item = model.TryGetValue((pk, sk), out var old) ? new Dictionary<string, AttributeValue>(old) : new Dictionary<string, AttributeValue>(key);
                    if (remove) item.Remove("lsk"); else item["lsk"] = value;
                    item["u"] = N("1");
                    model[(pk, sk)] = item;
                    break;
                }
                case 3: // a delete
                    await fx.Db.DeleteItemAsync(new DeleteItemRequest { TableName = "tbl", Key = key });
                    model.Remove((pk, sk));
                    break;
                case 4: // a conditional put that fails writes nothing
                    await Assert.ThrowsAsync<ConditionalCheckFailedException>(async () => await fx.Db.PutItemAsync(new PutItemRequest
                    {
                        TableName = "tbl", Item = Item(("pk", S(pk)), ("sk", S(sk)), ("lsk", RandomIndexValue())), ConditionExpression = "attribute_exists(never)",
                    }));
                    break;
                default: // a batch of a put and a delete
                {
                    string other = $"s{random.Next(12)}";
                    if (other == sk) break;
                    var item = Item(("pk", S(pk)), ("sk", S(sk)), ("lsk", RandomIndexValue()));
                    await fx.Db.BatchWriteItemAsync(new BatchWriteItemRequest
                    {
                        RequestItems = new()
                        {
                            ["tbl"] = [new WriteRequest { PutRequest = new PutRequest { Item = item } }, new WriteRequest { DeleteRequest = new DeleteRequest { Key = Item(("pk", S(pk)), ("sk", S(other))) } }],
                        },
                    });
                    model[(pk, sk)] = item;
                    model.Remove((pk, other));
                    break;
                }
            }
        }

        var comparer = Comparer<AttributeValue>.Create((a, b) => type switch
        {
            ScalarAttributeType.N => decimal.Parse(a.AsNumber(), System.Globalization.CultureInfo.InvariantCulture).CompareTo(decimal.Parse(b.AsNumber(), System.Globalization.CultureInfo.InvariantCulture)),
            ScalarAttributeType.S => string.CompareOrdinal(a.AsString(), b.AsString()),
            _ => a.AsBinary().Span.SequenceCompareTo(b.AsBinary().Span),
        });
        var probes = Enumerable.Range(0, 8).Select(_ => RandomIndexValue()).ToList();
        foreach (var pk in new[] { "p0", "p1", "p2" })
        {
            var expectedAll = model.Where(e => e.Key.Item1 == pk && e.Value.ContainsKey("lsk")).Select(e => e.Value)
                .OrderBy(i => i["lsk"], comparer).ThenBy(i => i["sk"].AsString(), StringComparer.Ordinal).ToList();
            foreach (var forward in new[] { true, false })
            {
                foreach (var (condition, holds) in Conditions())
                {
                    foreach (var probe in probes)
                    {
                        var upper = probes[(probes.IndexOf(probe) + 3) % probes.Count];
                        if (condition.Contains("BETWEEN") && comparer.Compare(probe, upper) > 0) continue;
                        if (condition.Contains("begins_with") && type == ScalarAttributeType.N) continue;
                        var expected = expectedAll.Where(i => holds(i["lsk"], probe, upper)).ToList();
                        if (!forward) expected.Reverse();
                        var values = Item((":p", S(pk)));
                        if (condition.Contains(":v")) values[":v"] = probe;
                        if (condition.Contains(":u")) values[":u"] = upper;
                        var got = QueryAll(fx, new QueryRequest
                        {
                            TableName = "tbl", IndexName = "by-lsk", KeyConditionExpression = condition, ExpressionAttributeValues = values,
                            ScanIndexForward = forward, Limit = 3,
                        });
                        Assert.Equal(expected.Select(Render), got.Select(Render));
                    }
                }
            }
        }
        // Scan of the index: every indexed item once, paged.
        var scanned = new List<Dictionary<string, AttributeValue>>();
        var scan = new ScanRequest { TableName = "tbl", IndexName = "by-lsk", Limit = 5 };
        while (true)
        {
            var page = fx.Db.Scan(scan);
            scanned.AddRange(page.Items);
            if (page.LastEvaluatedKey is null) break;
            Assert.Equal(["lsk", "pk", "sk"], page.LastEvaluatedKey.Keys.Order());
            scan.ExclusiveStartKey = page.LastEvaluatedKey;
        }
        Assert.Equal(model.Values.Where(i => i.ContainsKey("lsk")).Select(Render).Order(), scanned.Select(Render).Order());

        IEnumerable<(string, Func<AttributeValue, AttributeValue, AttributeValue, bool>)> Conditions()
        {
            yield return ("pk = :p AND lsk = :v", (x, v, _) => comparer.Compare(x, v) == 0);
            yield return ("pk = :p AND lsk < :v", (x, v, _) => comparer.Compare(x, v) < 0);
            yield return ("pk = :p AND lsk <= :v", (x, v, _) => comparer.Compare(x, v) <= 0);
            yield return ("pk = :p AND lsk > :v", (x, v, _) => comparer.Compare(x, v) > 0);
            yield return ("pk = :p AND lsk >= :v", (x, v, _) => comparer.Compare(x, v) >= 0);
            yield return ("pk = :p AND lsk BETWEEN :v AND :u", (x, v, u) => comparer.Compare(x, v) >= 0 && comparer.Compare(x, u) <= 0);
            yield return ("pk = :p AND begins_with(lsk, :v)", (x, v, _) => type == ScalarAttributeType.S
                ? x.AsString().StartsWith(v.AsString(), StringComparison.Ordinal)
                : x.AsBinary().Span.StartsWith(v.AsBinary().Span));
            yield return ("pk = :p", (_, _, _) => true);
        }
    }

    private static string Render(Dictionary<string, AttributeValue> item) =>
        string.Join(",", item.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"));

    [Fact]
    public void Projections_return_what_the_index_holds_and_fetch_the_rest_from_the_table()
    {
        using var fx = new DatabaseFixture();
        Create(fx, Indexed("tbl", ScalarAttributeType.N, ProjectionType.Include, ["inc"]));
        Put(fx, "tbl", Item(("pk", S("a")), ("sk", S("1")), ("lsk", N("5")), ("inc", S("kept")), ("extra", S("table only"))));
        QueryResponse Q(Select? select = null, string? projection = null, string? filter = null, Dictionary<string, AttributeValue>? values = null) => fx.Db.Query(new QueryRequest
        {
            TableName = "tbl", IndexName = "by-lsk", KeyConditionExpression = "pk = :p", Select = select, ProjectionExpression = projection,
            FilterExpression = filter, ExpressionAttributeValues = values ?? Item((":p", S("a"))),
        });
        // default on an index: ALL_PROJECTED_ATTRIBUTES (keys and INCLUDE's attributes)
        Assert.Equal(["inc", "lsk", "pk", "sk"], Q().Items[0].Keys.Order());
        Assert.Equal(["inc", "lsk", "pk", "sk"], Q(Select.AllProjectedAttributes).Items[0].Keys.Order());
        // ALL_ATTRIBUTES on a local index fetches the item from the table
        Assert.Equal(["extra", "inc", "lsk", "pk", "sk"], Q(Select.AllAttributes).Items[0].Keys.Order());
        // a projection or a filter naming a non-projected attribute fetches it too
        Assert.Equal("table only", Q(projection: "extra").Items[0]["extra"].AsString());
        var filtered = Q(filter: "extra = :o", values: Item((":p", S("a")), (":o", S("table only"))));
        Assert.Equal(1, filtered.Count);
        Assert.Equal(0, Q(filter: "extra = :o", values: Item((":p", S("a")), (":o", S("nope")))).Count);
        // Select COUNT
        Assert.Equal(1, Q(Select.Count).Count);
        // a filter on the index's key is refused as on a table's
        Assert.Equal("Filter Expression can only contain non-primary key attributes: Primary key attribute: lsk",
            Assert.Throws<ValidationException>(() => Q(filter: "lsk = :o", values: Item((":p", S("a")), (":o", N("5"))))).Message);
    }

    [Fact]
    public async Task Writes_with_a_bad_index_key_are_refused_and_write_nothing()
    {
        using var fx = new DatabaseFixture();
        Create(fx, Indexed("tbl", ScalarAttributeType.S));
        var wrongType = Assert.Throws<ValidationException>(() => Put(fx, "tbl", Item(("pk", S("a")), ("sk", S("1")), ("lsk", N("5")))));
        Assert.Equal("One or more parameter values were invalid: Type mismatch for Index Key lsk Expected: S Actual: N IndexName: by-lsk", wrongType.Message);
        var empty = Assert.Throws<ValidationException>(() => Put(fx, "tbl", Item(("pk", S("a")), ("sk", S("1")), ("lsk", S("")))));
        Assert.Equal("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: by-lsk, IndexKey: lsk", empty.Message);
        // through UpdateItem, found on the shard's writer
        var update = await Assert.ThrowsAsync<ValidationException>(async () => await fx.Db.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = "tbl", Key = Item(("pk", S("a")), ("sk", S("1"))), UpdateExpression = "SET lsk = :v", ExpressionAttributeValues = Item((":v", N("1"))),
        }));
        Assert.StartsWith("One or more parameter values were invalid: Type mismatch for Index Key lsk", update.Message);
        // a batch with one bad item is refused whole
        await Assert.ThrowsAsync<ValidationException>(() => fx.Db.BatchWriteItemAsync(new BatchWriteItemRequest
        {
            RequestItems = new()
            {
                ["tbl"] = [new WriteRequest { PutRequest = new PutRequest { Item = Item(("pk", S("a")), ("sk", S("2")), ("lsk", S("ok"))) } },
                         new WriteRequest { PutRequest = new PutRequest { Item = Item(("pk", S("a")), ("sk", S("3")), ("lsk", B(1))) } }],
            },
        }));
        Assert.Equal(0, fx.Db.Scan(new ScanRequest { TableName = "tbl" }).Count);
        Assert.Equal(0, fx.Db.Scan(new ScanRequest { TableName = "tbl", IndexName = "by-lsk" }).Count);
    }

    [Fact]
    public void Index_reads_give_DynamoDB_s_errors()
    {
        using var fx = new DatabaseFixture();
        Create(fx, Indexed("tbl"));
        Create(fx, Table("plain", rangeType: ScalarAttributeType.S));
        Assert.Equal("The table does not have the specified index: nope", Assert.Throws<ValidationException>(() =>
            fx.Db.Query(new QueryRequest { TableName = "tbl", IndexName = "nope", KeyConditionExpression = "pk = :p", ExpressionAttributeValues = Item((":p", S("a"))) })).Message);
        Assert.Equal("The table does not have the specified index: by-lsk", Assert.Throws<ValidationException>(() =>
            fx.Db.Scan(new ScanRequest { TableName = "plain", IndexName = "by-lsk" })).Message);
        Assert.Equal(BasaltDatabase.AllProjectedMessage, Assert.Throws<ValidationException>(() =>
            fx.Db.Scan(new ScanRequest { TableName = "tbl", Select = Select.AllProjectedAttributes })).Message);
        Assert.Equal("1 validation error detected: Value 'abc;' at 'indexName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
            Assert.Throws<ValidationException>(() => fx.Db.Scan(new ScanRequest { TableName = "tbl", IndexName = "abc;" })).Message);
        // the key condition must use the index's sort key, not the table's
        Assert.Equal("Query condition missed key schema element: lsk", Assert.Throws<ValidationException>(() =>
            fx.Db.Query(new QueryRequest { TableName = "tbl", IndexName = "by-lsk", KeyConditionExpression = "pk = :p AND sk = :s", ExpressionAttributeValues = Item((":p", S("a")), (":s", S("1"))) })).Message);
        // a start key must hold the table's key and the index's
        Assert.Equal(BasaltDatabase.StartKeyInvalidMessage, Assert.Throws<ValidationException>(() =>
            fx.Db.Query(new QueryRequest { TableName = "tbl", IndexName = "by-lsk", KeyConditionExpression = "pk = :p", ExpressionAttributeValues = Item((":p", S("a"))),
                ExclusiveStartKey = Item(("pk", S("a")), ("sk", S("1"))) })).Message);
    }

    [Fact]
    public async Task Entries_go_with_their_table_and_survive_a_reopen()
    {
        using var fx = new DatabaseFixture();
        Create(fx, Indexed("tbl"));
        for (int i = 0; i < 50; i++) Put(fx, "tbl", Item(("pk", S($"p{i % 5}")), ("sk", S($"s{i}")), ("lsk", N($"{i}"))));
        fx.Reopen();
        Assert.Equal(50, fx.Db.Scan(new ScanRequest { TableName = "tbl", IndexName = "by-lsk" }).Count);
        await fx.Db.RefreshTableStatisticsAsync("tbl");
        var index = fx.Db.DescribeTable(new() { TableName = "tbl" }).Table.LocalSecondaryIndexes![0];
        Assert.Equal(50, index.ItemCount);
        Assert.True(index.IndexSizeBytes > 0);

        await fx.Db.DeleteTableAsync(new DeleteTableRequest { TableName = "tbl" });
        await fx.Db.WhenBackgroundIdleAsync();
        Create(fx, Indexed("tbl"));
        Assert.Equal(0, fx.Db.Scan(new ScanRequest { TableName = "tbl", IndexName = "by-lsk" }).Count);
        Assert.Equal(0, fx.Db.Query(new QueryRequest { TableName = "tbl", IndexName = "by-lsk", KeyConditionExpression = "pk = :p", ExpressionAttributeValues = Item((":p", S("p1"))) }).Count);
    }
}
