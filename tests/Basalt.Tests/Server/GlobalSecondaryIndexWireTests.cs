using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Basalt.Server.DynamoApi;
using Db = Basalt.Engine.Database;

namespace Basalt.Tests.Server;

// Global secondary indexes on DynamoDB's wire: CreateTable's GlobalSecondaryIndexes read into the engine's request,
// TableDescription's GlobalSecondaryIndexes written from the engine's description, Query and Scan of a global index.
// The reader and writer tests need nothing of the engine; the server tests (raw JSON and the AWS SDK) are written
// against DynamoDB's documented answers: an index of a new table is ACTIVE with IndexSizeBytes 0, ItemCount 0, no
// Backfilling member, throughput 0 and 0 on a PAY_PER_REQUEST table, and the IndexArn "<TableArn>/index/<IndexName>".
//
// Global indexes are kept up to date asynchronously, as DynamoDB's are: a read of one right after a write polls
// (Eventually) until it sees the write, then asserts exactly what it read.
public class GlobalSecondaryIndexWireTests
{
    private static byte[] B(string json) => Encoding.UTF8.GetBytes(json);

    private const string ProjectionTypeSet = "[ALL, INCLUDE, KEYS_ONLY]";

    private static string EnumError(string value, string path, string set) =>
        $"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: Member must satisfy enum value set: {set}";

    private static string NullError(string path) =>
        $"1 validation error detected: Value null at '{path}' failed to satisfy constraint: Member must not be null";

    // The game scores example of DynamoDB's developer guide: scores by user and game, a global index by game and top
    // score (INCLUDE Wins and Losses) and one by country alone (KEYS_ONLY; sparse: not every user has a country). The
    // OnDemandThroughput and WarmThroughput of an index are DynamoDB's, which Basalt skips.
    private const string GameScoresTable = """
        {"TableName":"GameScores",
         "AttributeDefinitions":[{"AttributeName":"UserId","AttributeType":"S"},{"AttributeName":"GameTitle","AttributeType":"S"},
           {"AttributeName":"TopScore","AttributeType":"N"},{"AttributeName":"Country","AttributeType":"S"}],
         "KeySchema":[{"AttributeName":"UserId","KeyType":"HASH"},{"AttributeName":"GameTitle","KeyType":"RANGE"}],
         "GlobalSecondaryIndexes":[
           {"IndexName":"GameTitleIndex",
            "KeySchema":[{"AttributeName":"GameTitle","KeyType":"HASH"},{"AttributeName":"TopScore","KeyType":"RANGE"}],
            "Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["Wins","Losses"]},
            "OnDemandThroughput":{"MaxReadRequestUnits":-1,"MaxWriteRequestUnits":-1}},
           {"IndexName":"CountryIndex",
            "KeySchema":[{"AttributeName":"Country","KeyType":"HASH"}],
            "Projection":{"ProjectionType":"KEYS_ONLY"},
            "WarmThroughput":{"ReadUnitsPerSecond":12000,"WriteUnitsPerSecond":4000}}],
         "BillingMode":"PAY_PER_REQUEST"}
        """;

    // ---- RequestReader ----

    [Fact]
    public void CreateTable_reads_global_secondary_indexes()
    {
        var request = RequestReader.CreateTable(B(GameScoresTable));
        Assert.Null(request.LocalSecondaryIndexes);
        Assert.NotNull(request.GlobalSecondaryIndexes);
        Assert.Equal(2, request.GlobalSecondaryIndexes.Count);

        var byGame = request.GlobalSecondaryIndexes[0];
        Assert.Equal("GameTitleIndex", byGame.IndexName);
        Assert.Equal([new Db.KeySchemaElement("GameTitle", Db.KeyType.Hash), new Db.KeySchemaElement("TopScore", Db.KeyType.Range)], byGame.KeySchema);
        Assert.Equal(Db.ProjectionType.Include, byGame.Projection!.ProjectionType);
        Assert.Equal(["Wins", "Losses"], byGame.Projection.NonKeyAttributes);
        Assert.Null(byGame.ProvisionedThroughput);

        var byCountry = request.GlobalSecondaryIndexes[1];
        Assert.Equal("CountryIndex", byCountry.IndexName);
        Assert.Equal([new Db.KeySchemaElement("Country", Db.KeyType.Hash)], byCountry.KeySchema);
        Assert.Equal(Db.ProjectionType.KeysOnly, byCountry.Projection!.ProjectionType);
        Assert.Null(byCountry.Projection.NonKeyAttributes);

        var provisioned = Assert.Single(RequestReader.CreateTable(B("""
            {"GlobalSecondaryIndexes":[{"IndexName":"i","ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":7}}]}
            """)).GlobalSecondaryIndexes!);
        Assert.Equal(new Db.ProvisionedThroughput(5, 7), provisioned.ProvisionedThroughput);
    }

    // Absent stays null and empty stays empty, for the engine's messages ("List of GlobalSecondaryIndexes is empty",
    // "ProvisionedThroughput is not specified for index: i", a null IndexName ...). Members the engine does not model
    // are skipped whatever their JSON, as other unknown members are.
    [Fact]
    public void CreateTable_leaves_absent_index_members_to_the_engine_and_skips_unknown_ones()
    {
        Assert.Null(RequestReader.CreateTable(B("""{"TableName":"t"}""")).GlobalSecondaryIndexes);
        Assert.Null(RequestReader.CreateTable(B("""{"GlobalSecondaryIndexes":null}""")).GlobalSecondaryIndexes);
        Assert.Empty(RequestReader.CreateTable(B("""{"GlobalSecondaryIndexes":[]}""")).GlobalSecondaryIndexes!);

        var bare = Assert.Single(RequestReader.CreateTable(B("""
            {"GlobalSecondaryIndexes":[{"OnDemandThroughput":"x","WarmThroughput":[1],"Other":{"a":null}}]}
            """)).GlobalSecondaryIndexes!);
        Assert.Null(bare.IndexName);
        Assert.Null(bare.KeySchema);
        Assert.Null(bare.Projection);
        Assert.Null(bare.ProvisionedThroughput);

        var nulls = Assert.Single(RequestReader.CreateTable(B("""
            {"GlobalSecondaryIndexes":[{"IndexName":null,"KeySchema":null,"Projection":null,"ProvisionedThroughput":null}]}
            """)).GlobalSecondaryIndexes!);
        Assert.Null(nulls.IndexName);
        Assert.Null(nulls.ProvisionedThroughput);

        // A local index has no ProvisionedThroughput member: skipped there, even malformed.
        Assert.NotNull(Assert.Single(RequestReader.CreateTable(B("""
            {"LocalSecondaryIndexes":[{"IndexName":"l","ProvisionedThroughput":{"ReadCapacityUnits":"x"}}]}
            """)).LocalSecondaryIndexes!).IndexName);
    }

    [Fact]
    public void CreateTable_refuses_index_members_with_the_global_index_path()
    {
        Assert.Equal(EnumError("EVERYTHING", "globalSecondaryIndexes.2.member.projection.projectionType", ProjectionTypeSet),
            Assert.Throws<Db.ValidationException>(() => RequestReader.CreateTable(B("""
                {"GlobalSecondaryIndexes":[{"Projection":{"ProjectionType":"ALL"}},{"Projection":{"ProjectionType":"EVERYTHING"}}]}
                """))).Message);
        Assert.Equal(EnumError("SORT", "globalSecondaryIndexes.1.member.keySchema.2.member.keyType", "[HASH, RANGE]"),
            Assert.Throws<Db.ValidationException>(() => RequestReader.CreateTable(B("""
                {"GlobalSecondaryIndexes":[{"KeySchema":[{"AttributeName":"g","KeyType":"HASH"},{"AttributeName":"s","KeyType":"SORT"}]}]}
                """))).Message);
        Assert.Equal(NullError("globalSecondaryIndexes.2.member"),
            Assert.Throws<Db.ValidationException>(() => RequestReader.CreateTable(B("""{"GlobalSecondaryIndexes":[{},null]}"""))).Message);
        Assert.Equal(NullError("globalSecondaryIndexes.1.member.keySchema.1.member.attributeName"),
            Assert.Throws<Db.ValidationException>(() => RequestReader.CreateTable(B("""
                {"GlobalSecondaryIndexes":[{"KeySchema":[{"KeyType":"HASH"}]}]}
                """))).Message);
        Assert.Equal(NullError("globalSecondaryIndexes.1.member.provisionedThroughput.writeCapacityUnits"),
            Assert.Throws<Db.ValidationException>(() => RequestReader.CreateTable(B("""
                {"GlobalSecondaryIndexes":[{"ProvisionedThroughput":{"ReadCapacityUnits":1}}]}
                """))).Message);
        // The table's own throughput keeps its path.
        Assert.Equal(NullError("provisionedThroughput.readCapacityUnits"),
            Assert.Throws<Db.ValidationException>(() => RequestReader.CreateTable(B("""{"ProvisionedThroughput":{"WriteCapacityUnits":1}}"""))).Message);
    }

    [Theory]
    [InlineData("""{"GlobalSecondaryIndexes":{}}""", "Start of structure or map found where not expected.")]
    [InlineData("""{"GlobalSecondaryIndexes":[[]]}""", "Start of list found where not expected")]
    [InlineData("""{"GlobalSecondaryIndexes":[{"IndexName":1}]}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String")]
    [InlineData("""{"GlobalSecondaryIndexes":[{"Projection":"ALL"}]}""", "Expected null")]
    [InlineData("""{"GlobalSecondaryIndexes":[{"ProvisionedThroughput":[]}]}""", "Start of list found where not expected")]
    [InlineData("""{"GlobalSecondaryIndexes":[{"ProvisionedThroughput":{"ReadCapacityUnits":"5"}}]}""", "class java.lang.String can not be converted to an Long")]
    public void CreateTable_index_members_of_the_wrong_JSON_type_are_SerializationException(string body, string message) =>
        Assert.Equal(message, Assert.Throws<SerializationException>(() => RequestReader.CreateTable(B(body))).Message);

    // ---- ResponseWriter ----

    private const string TableArn = "arn:aws:dynamodb:us-east-1:000000000000:table/GameScores";

    private static Db.TableDescription Description(IReadOnlyList<Db.GlobalSecondaryIndexDescription>? indexes,
        IReadOnlyList<Db.LocalSecondaryIndexDescription>? localIndexes = null) => new()
    {
        TableName = "GameScores",
        TableStatus = Db.TableStatus.Active,
        KeySchema = [new Db.KeySchemaElement("UserId", Db.KeyType.Hash), new Db.KeySchemaElement("GameTitle", Db.KeyType.Range)],
        AttributeDefinitions = [new Db.AttributeDefinition("UserId", Db.ScalarAttributeType.S), new Db.AttributeDefinition("GameTitle", Db.ScalarAttributeType.S)],
        CreationDateTime = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123),
        ItemCount = 0,
        TableSizeBytes = 0,
        TableArn = TableArn,
        TableId = "0f0e0d0c-0b0a-0908-0706-050403020100",
        BillingModeSummary = new Db.BillingModeSummary(Db.BillingMode.Provisioned, null),
        ProvisionedThroughput = new Db.ProvisionedThroughputDescription(5, 5, 0, null, null),
        LocalSecondaryIndexes = localIndexes,
        GlobalSecondaryIndexes = indexes,
    };

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, DynamoApiHandler.WriterOptions)) write(w);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [Fact]
    public void TableDescription_writes_global_secondary_indexes_after_the_local_ones()
    {
        var description = Description([
            new Db.GlobalSecondaryIndexDescription("GameTitleIndex",
                [new Db.KeySchemaElement("GameTitle", Db.KeyType.Hash), new Db.KeySchemaElement("TopScore", Db.KeyType.Range)],
                Db.ProjectionType.Include, ["Wins", "Losses"], Db.IndexStatus.Creating, true,
                new Db.ProvisionedThroughputDescription(10, 4, 0, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_100_500), null),
                0, 0, TableArn + "/index/GameTitleIndex"),
            new Db.GlobalSecondaryIndexDescription("CountryIndex", [new Db.KeySchemaElement("Country", Db.KeyType.Hash)],
                Db.ProjectionType.KeysOnly, null, Db.IndexStatus.Active, null,
                new Db.ProvisionedThroughputDescription(1, 2, 0, null, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_200_000)),
                96, 3, TableArn + "/index/CountryIndex"),
        ], [
            new Db.LocalSecondaryIndexDescription("ByDate",
                [new Db.KeySchemaElement("UserId", Db.KeyType.Hash), new Db.KeySchemaElement("Date", Db.KeyType.Range)],
                Db.ProjectionType.All, null, 0, 0, TableArn + "/index/ByDate"),
        ]);
        string json = Json(w => ResponseWriter.DescribeTable(w, new Db.DescribeTableResponse(description)));
        Assert.EndsWith("""
            "IndexArn":"arn:aws:dynamodb:us-east-1:000000000000:table/GameScores/index/ByDate"}],
            "GlobalSecondaryIndexes":[
            {"IndexName":"GameTitleIndex","KeySchema":[{"AttributeName":"GameTitle","KeyType":"HASH"},{"AttributeName":"TopScore","KeyType":"RANGE"}],
            "Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["Wins","Losses"]},"IndexStatus":"CREATING","Backfilling":true,
            "ProvisionedThroughput":{"LastIncreaseDateTime":1700000100.5,"NumberOfDecreasesToday":0,"ReadCapacityUnits":10,"WriteCapacityUnits":4},
            "IndexSizeBytes":0,"ItemCount":0,"IndexArn":"arn:aws:dynamodb:us-east-1:000000000000:table/GameScores/index/GameTitleIndex"},
            {"IndexName":"CountryIndex","KeySchema":[{"AttributeName":"Country","KeyType":"HASH"}],
            "Projection":{"ProjectionType":"KEYS_ONLY"},"IndexStatus":"ACTIVE",
            "ProvisionedThroughput":{"LastDecreaseDateTime":1700000200,"NumberOfDecreasesToday":0,"ReadCapacityUnits":1,"WriteCapacityUnits":2},
            "IndexSizeBytes":96,"ItemCount":3,"IndexArn":"arn:aws:dynamodb:us-east-1:000000000000:table/GameScores/index/CountryIndex"}]}}
            """.ReplaceLineEndings(""), json);
    }

    [Fact]
    public void TableDescription_without_global_indexes_has_no_GlobalSecondaryIndexes_member()
    {
        Assert.DoesNotContain("GlobalSecondaryIndexes", Json(w => ResponseWriter.DescribeTable(w, new Db.DescribeTableResponse(Description(null)))));
    }

    // ---- the server: raw JSON ----

    private static string TypeOf(string body) => JsonDocument.Parse(body).RootElement.GetProperty("__type").GetString()!;

    // One index of a description, member by member: exactly DynamoDB's members for an index that is not being filled
    // (no Backfilling), the projection with NonKeyAttributes only for INCLUDE, the throughput and counters of a new
    // index of a PAY_PER_REQUEST table, the ARN under the table's.
    private static void AssertIndex(JsonElement indexes, string tableArn, string name, (string Name, string Type)[] keySchema,
        string projectionType, string[]? nonKeyAttributes)
    {
        var index = indexes.EnumerateArray().Single(i => i.GetProperty("IndexName").GetString() == name);
        Assert.Equal(["IndexArn", "IndexName", "IndexSizeBytes", "IndexStatus", "ItemCount", "KeySchema", "Projection", "ProvisionedThroughput"],
            index.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(keySchema,
            index.GetProperty("KeySchema").EnumerateArray().Select(k => (k.GetProperty("AttributeName").GetString()!, k.GetProperty("KeyType").GetString()!)));
        var projection = index.GetProperty("Projection");
        Assert.Equal(projectionType, projection.GetProperty("ProjectionType").GetString());
        if (nonKeyAttributes is null)
            Assert.Equal(["ProjectionType"], projection.EnumerateObject().Select(p => p.Name));
        else
            Assert.Equal(nonKeyAttributes, projection.GetProperty("NonKeyAttributes").EnumerateArray().Select(a => a.GetString()!));
        Assert.Equal("ACTIVE", index.GetProperty("IndexStatus").GetString());
        var throughput = index.GetProperty("ProvisionedThroughput");
        Assert.Equal(["NumberOfDecreasesToday", "ReadCapacityUnits", "WriteCapacityUnits"], throughput.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0, throughput.GetProperty("NumberOfDecreasesToday").GetInt64());
        Assert.Equal(0, throughput.GetProperty("ReadCapacityUnits").GetInt64());
        Assert.Equal(0, throughput.GetProperty("WriteCapacityUnits").GetInt64());
        Assert.Equal(0, index.GetProperty("IndexSizeBytes").GetInt64());
        Assert.Equal(0, index.GetProperty("ItemCount").GetInt64());
        Assert.Equal($"{tableArn}/index/{name}", index.GetProperty("IndexArn").GetString());
    }

    private static void AssertGameScoresIndexes(JsonElement table)
    {
        string tableArn = table.GetProperty("TableArn").GetString()!;
        Assert.False(table.TryGetProperty("LocalSecondaryIndexes", out _));
        var indexes = table.GetProperty("GlobalSecondaryIndexes");
        Assert.Equal(2, indexes.GetArrayLength());
        AssertIndex(indexes, tableArn, "GameTitleIndex", [("GameTitle", "HASH"), ("TopScore", "RANGE")], "INCLUDE", ["Wins", "Losses"]);
        AssertIndex(indexes, tableArn, "CountryIndex", [("Country", "HASH")], "KEYS_ONLY", null);
    }

    [Fact]
    public async Task Raw_CreateTable_with_two_global_indexes_and_DescribeTable_shows_them()
    {
        await using var fx = await ServerFixture.StartAsync();
        var (status, created, _) = await fx.PostAsync("CreateTable", GameScoresTable);
        Assert.True(status == HttpStatusCode.OK, created);
        using (var doc = JsonDocument.Parse(created)) AssertGameScoresIndexes(doc.RootElement.GetProperty("TableDescription"));

        (status, string described, _) = await fx.PostAsync("DescribeTable", """{"TableName":"GameScores"}""");
        Assert.True(status == HttpStatusCode.OK, described);
        using (var doc = JsonDocument.Parse(described)) AssertGameScoresIndexes(doc.RootElement.GetProperty("Table"));
    }

    [Fact]
    public async Task Raw_unknown_ProjectionType_is_refused_with_the_enum_message()
    {
        await using var fx = await ServerFixture.StartAsync();
        var (status, body, _) = await fx.PostAsync("CreateTable", GameScoresTable.Replace("\"INCLUDE\"", "\"EVERYTHING\""));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("com.amazon.coral.validate#ValidationException", TypeOf(body));
        Assert.Equal(EnumError("EVERYTHING", "globalSecondaryIndexes.1.member.projection.projectionType", ProjectionTypeSet),
            JsonDocument.Parse(body).RootElement.GetProperty("message").GetString());
        // Nothing was created.
        var (missing, _, _) = await fx.PostAsync("DescribeTable", """{"TableName":"GameScores"}""");
        Assert.Equal(HttpStatusCode.BadRequest, missing);
    }

    // ---- the server: the AWS SDK ----

    private static CreateTableRequest GameScoresRequest(BillingMode billingMode, ProvisionedThroughput? indexThroughput = null) => new()
    {
        TableName = "GameScores",
        AttributeDefinitions =
        [
            new AttributeDefinition("UserId", ScalarAttributeType.S), new AttributeDefinition("GameTitle", ScalarAttributeType.S),
            new AttributeDefinition("TopScore", ScalarAttributeType.N), new AttributeDefinition("Country", ScalarAttributeType.S),
        ],
        KeySchema = [new KeySchemaElement("UserId", KeyType.HASH), new KeySchemaElement("GameTitle", KeyType.RANGE)],
        GlobalSecondaryIndexes =
        [
            new GlobalSecondaryIndex
            {
                IndexName = "GameTitleIndex",
                KeySchema = [new KeySchemaElement("GameTitle", KeyType.HASH), new KeySchemaElement("TopScore", KeyType.RANGE)],
                Projection = new Projection { ProjectionType = ProjectionType.INCLUDE, NonKeyAttributes = ["Wins", "Losses"] },
                ProvisionedThroughput = indexThroughput,
            },
            new GlobalSecondaryIndex
            {
                IndexName = "CountryIndex",
                KeySchema = [new KeySchemaElement("Country", KeyType.HASH)],
                Projection = new Projection { ProjectionType = ProjectionType.KEYS_ONLY },
                ProvisionedThroughput = indexThroughput,
            },
        ],
        BillingMode = billingMode,
        ProvisionedThroughput = billingMode == BillingMode.PROVISIONED ? new ProvisionedThroughput(5, 5) : null,
    };

    private static Dictionary<string, AttributeValue> Score(string user, string game, int topScore, int wins, int losses, string? country)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["UserId"] = new AttributeValue { S = user },
            ["GameTitle"] = new AttributeValue { S = game },
            ["TopScore"] = new AttributeValue { N = topScore.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ["Wins"] = new AttributeValue { N = wins.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ["Losses"] = new AttributeValue { N = losses.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ["TopScoreDateTime"] = new AttributeValue { S = "2026-12-01T10:00:00Z" },
        };
        if (country is not null) item["Country"] = new AttributeValue { S = country };
        return item;
    }

    // An item as a global index holds it: the table's key, the index's key and the projected attributes.
    private static Dictionary<string, AttributeValue> Projected(Dictionary<string, AttributeValue> item, params string[] names) =>
        item.Where(a => names.Contains(a.Key)).ToDictionary(a => a.Key, a => a.Value);

    // An item as "UserId/GameTitle{name=value,...}" with its attributes in name order: items compare as text.
    private static string Show(Dictionary<string, AttributeValue> item) =>
        $"{item["UserId"].S}/{item["GameTitle"].S}{{{string.Join(",", item.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value.S ?? a.Value.N}"))}}}";

    // Reads until `read` returns `expected` (items in order), for at most 5 s: the index may not have caught up with
    // the writes yet. Returns what the last read returned, for the caller to assert.
    private static async Task<List<string>> Eventually(Func<Task<List<Dictionary<string, AttributeValue>>>> read, List<string> expected)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var got = (await read()).Select(Show).ToList();
            if (got.SequenceEqual(expected) || clock.ElapsedMilliseconds > 5_000) return got;
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Sdk_CreateTable_DescribeTable_Query_and_Scan_of_global_indexes()
    {
        await using var fx = await ServerFixture.StartAsync();
        await fx.Client.CreateTableAsync(GameScoresRequest(BillingMode.PAY_PER_REQUEST));

        var table = (await fx.Client.DescribeTableAsync("GameScores")).Table;
        Assert.Equal(2, table.GlobalSecondaryIndexes.Count);
        var byGame = table.GlobalSecondaryIndexes.Single(i => i.IndexName == "GameTitleIndex");
        Assert.Equal([("GameTitle", "HASH"), ("TopScore", "RANGE")], byGame.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)));
        Assert.Equal(ProjectionType.INCLUDE, byGame.Projection.ProjectionType);
        Assert.Equal(["Wins", "Losses"], byGame.Projection.NonKeyAttributes);
        var byCountry = table.GlobalSecondaryIndexes.Single(i => i.IndexName == "CountryIndex");
        Assert.Equal([("Country", "HASH")], byCountry.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)));
        Assert.Equal(ProjectionType.KEYS_ONLY, byCountry.Projection.ProjectionType);
        foreach (var index in table.GlobalSecondaryIndexes)
        {
            Assert.Equal(IndexStatus.ACTIVE, index.IndexStatus);
            Assert.Null(index.Backfilling);
            Assert.Equal(0L, index.ProvisionedThroughput.ReadCapacityUnits);
            Assert.Equal(0L, index.ProvisionedThroughput.WriteCapacityUnits);
            Assert.Equal(0L, index.ProvisionedThroughput.NumberOfDecreasesToday);
            Assert.Equal(0L, index.IndexSizeBytes);
            Assert.Equal(0L, index.ItemCount);
            Assert.Equal($"{table.TableArn}/index/{index.IndexName}", index.IndexArn);
        }

        var scores = new[]
        {
            Score("101", "Galaxy Invaders", 5842, 21, 72, "NZ"),
            Score("102", "Galaxy Invaders", 1000, 3, 8, null),
            Score("103", "Galaxy Invaders", 7200, 40, 2, "FR"),
            Score("101", "Meteor Blasters", 1000, 12, 3, "NZ"),
            Score("104", "Galaxy Invaders", 6100, 30, 9, "NZ"),
        };
        foreach (var score in scores) await fx.Client.PutItemAsync("GameScores", score);

        // The best scores of one game above 5000, highest first: the index's hash and range keys in the condition,
        // INCLUDE's attributes with the keys of the table and the index, nothing else.
        var query = new QueryRequest
        {
            TableName = "GameScores", IndexName = "GameTitleIndex", ScanIndexForward = false,
            KeyConditionExpression = "GameTitle = :g AND TopScore > :s",
            ExpressionAttributeValues = new() { [":g"] = new AttributeValue { S = "Galaxy Invaders" }, [":s"] = new AttributeValue { N = "5000" } },
        };
        var best = new[] { scores[2], scores[4], scores[0] }
            .Select(s => Show(Projected(s, "UserId", "GameTitle", "TopScore", "Wins", "Losses"))).ToList();
        Assert.Equal(best, await Eventually(async () => (await fx.Client.QueryAsync(query)).Items, best));

        // A scan of the hash-only KEYS_ONLY index: the items with a Country (sparse), the table's and index's keys.
        var countries = scores.Where(s => s.ContainsKey("Country")).Select(s => Show(Projected(s, "UserId", "GameTitle", "Country")))
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(countries, await Eventually(async () =>
            (await fx.Client.ScanAsync(new ScanRequest { TableName = "GameScores", IndexName = "CountryIndex" })).Items
                .OrderBy(Show, StringComparer.Ordinal).ToList(), countries));

        var consistent = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => fx.Client.QueryAsync(new QueryRequest
        {
            TableName = "GameScores", IndexName = "GameTitleIndex", ConsistentRead = true,
            KeyConditionExpression = "GameTitle = :g",
            ExpressionAttributeValues = new() { [":g"] = new AttributeValue { S = "Galaxy Invaders" } },
        }));
        Assert.Equal("ValidationException", consistent.ErrorCode);
        Assert.Equal("Consistent reads are not supported on global secondary indexes", consistent.Message);

        var allAttributes = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => fx.Client.QueryAsync(new QueryRequest
        {
            TableName = "GameScores", IndexName = "GameTitleIndex", Select = Select.ALL_ATTRIBUTES,
            KeyConditionExpression = "GameTitle = :g",
            ExpressionAttributeValues = new() { [":g"] = new AttributeValue { S = "Galaxy Invaders" } },
        }));
        Assert.Equal("ValidationException", allAttributes.ErrorCode);
        Assert.Equal("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index " +
            "GameTitleIndex because its projection type is not ALL", allAttributes.Message);
    }

    [Fact]
    public async Task Sdk_PROVISIONED_table_needs_each_global_index_throughput()
    {
        await using var fx = await ServerFixture.StartAsync();
        var refused = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => fx.Client.CreateTableAsync(GameScoresRequest(BillingMode.PROVISIONED)));
        Assert.Equal("ValidationException", refused.ErrorCode);
        Assert.Equal("One or more parameter values were invalid: ProvisionedThroughput is not specified for index: GameTitleIndex", refused.Message);

        // With it, the index describes its own throughput.
        var created = await fx.Client.CreateTableAsync(GameScoresRequest(BillingMode.PROVISIONED, new ProvisionedThroughput(3, 2)));
        Assert.All(created.TableDescription.GlobalSecondaryIndexes, i => Assert.Equal((3L, 2L, 0L),
            (i.ProvisionedThroughput.ReadCapacityUnits!.Value, i.ProvisionedThroughput.WriteCapacityUnits!.Value, i.ProvisionedThroughput.NumberOfDecreasesToday!.Value)));
    }

    [Fact]
    public async Task Sdk_unknown_ProjectionType_is_a_ValidationException_with_the_enum_message()
    {
        await using var fx = await ServerFixture.StartAsync();
        var request = GameScoresRequest(BillingMode.PAY_PER_REQUEST);
        request.GlobalSecondaryIndexes[0].Projection = new Projection { ProjectionType = new ProjectionType("EVERYTHING") };
        var refused = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => fx.Client.CreateTableAsync(request));
        Assert.Equal("ValidationException", refused.ErrorCode);
        Assert.Equal(EnumError("EVERYTHING", "globalSecondaryIndexes.1.member.projection.projectionType", ProjectionTypeSet), refused.Message);
    }
}
