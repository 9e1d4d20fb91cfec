using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Basalt.Server.DynamoApi;
using Db = Basalt.Engine.Database;

namespace Basalt.Tests.Server;

// Local secondary indexes on DynamoDB's wire: CreateTable's LocalSecondaryIndexes read into the engine's request,
// TableDescription's LocalSecondaryIndexes written from the engine's description, Query's and Scan's IndexName passed
// on. The reader and writer tests need nothing of the engine; the server tests (raw JSON and the AWS SDK) need it to
// store and describe the indexes, and are written against DynamoDB's documented answers: a new index has
// IndexSizeBytes 0, ItemCount 0 and the IndexArn "<TableArn>/index/<IndexName>".
public class LocalSecondaryIndexWireTests
{
    private static byte[] B(string json) => Encoding.UTF8.GetBytes(json);

    private const string ProjectionTypeSet = "[ALL, INCLUDE, KEYS_ONLY]";

    private static string EnumError(string value, string path, string set) =>
        $"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: Member must satisfy enum value set: {set}";

    private static string NullError(string path) =>
        $"1 validation error detected: Value null at '{path}' failed to satisfy constraint: Member must not be null";

    // The forum example of DynamoDB's developer guide: threads by forum and subject, two indexes by other sort keys.
    private const string ThreadTable = """
        {"TableName":"Thread",
         "AttributeDefinitions":[{"AttributeName":"ForumName","AttributeType":"S"},{"AttributeName":"Subject","AttributeType":"S"},
           {"AttributeName":"LastPostDateTime","AttributeType":"S"},{"AttributeName":"Replies","AttributeType":"N"}],
         "KeySchema":[{"AttributeName":"ForumName","KeyType":"HASH"},{"AttributeName":"Subject","KeyType":"RANGE"}],
         "LocalSecondaryIndexes":[
           {"IndexName":"LastPostIndex",
            "KeySchema":[{"AttributeName":"ForumName","KeyType":"HASH"},{"AttributeName":"LastPostDateTime","KeyType":"RANGE"}],
            "Projection":{"ProjectionType":"KEYS_ONLY"}},
           {"IndexName":"RepliesIndex",
            "KeySchema":[{"AttributeName":"ForumName","KeyType":"HASH"},{"AttributeName":"Replies","KeyType":"RANGE"}],
            "Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["Author","Tags"]}}],
         "BillingMode":"PAY_PER_REQUEST"}
        """;

    // ---- RequestReader ----

    [Fact]
    public void CreateTable_reads_local_secondary_indexes()
    {
        var request = RequestReader.CreateTable(B(ThreadTable));
        Assert.NotNull(request.LocalSecondaryIndexes);
        Assert.Equal(2, request.LocalSecondaryIndexes.Count);

        var lastPost = request.LocalSecondaryIndexes[0];
        Assert.Equal("LastPostIndex", lastPost.IndexName);
        Assert.Equal([new Db.KeySchemaElement("ForumName", Db.KeyType.Hash), new Db.KeySchemaElement("LastPostDateTime", Db.KeyType.Range)],
            lastPost.KeySchema);
        Assert.Equal(Db.ProjectionType.KeysOnly, lastPost.Projection!.ProjectionType);
        Assert.Null(lastPost.Projection.NonKeyAttributes);

        var replies = request.LocalSecondaryIndexes[1];
        Assert.Equal("RepliesIndex", replies.IndexName);
        Assert.Equal([new Db.KeySchemaElement("ForumName", Db.KeyType.Hash), new Db.KeySchemaElement("Replies", Db.KeyType.Range)],
            replies.KeySchema);
        Assert.Equal(Db.ProjectionType.Include, replies.Projection!.ProjectionType);
        Assert.Equal(["Author", "Tags"], replies.Projection.NonKeyAttributes);

        Assert.Equal(Db.ProjectionType.All,
            RequestReader.CreateTable(B("""{"LocalSecondaryIndexes":[{"Projection":{"ProjectionType":"ALL"}}]}""")).LocalSecondaryIndexes![0].Projection!.ProjectionType);
    }

    // Absent stays null and empty stays empty: the engine answers DynamoDB's messages for an empty list ("List of
    // LocalSecondaryIndexes is empty"), a null IndexName, KeySchema or Projection, and a null ProjectionType.
    [Fact]
    public void CreateTable_leaves_absent_index_members_to_the_engine()
    {
        Assert.Null(RequestReader.CreateTable(B("""{"TableName":"t"}""")).LocalSecondaryIndexes);
        Assert.Null(RequestReader.CreateTable(B("""{"LocalSecondaryIndexes":null}""")).LocalSecondaryIndexes);
        Assert.Empty(RequestReader.CreateTable(B("""{"LocalSecondaryIndexes":[]}""")).LocalSecondaryIndexes!);

        var bare = Assert.Single(RequestReader.CreateTable(B("""{"LocalSecondaryIndexes":[{}]}""")).LocalSecondaryIndexes!);
        Assert.Null(bare.IndexName);
        Assert.Null(bare.KeySchema);
        Assert.Null(bare.Projection);

        var nulls = Assert.Single(RequestReader.CreateTable(B("""
            {"LocalSecondaryIndexes":[{"IndexName":null,"KeySchema":null,"Projection":{"ProjectionType":null,"NonKeyAttributes":null},"Other":[1]}]}
            """)).LocalSecondaryIndexes!);
        Assert.Null(nulls.IndexName);
        Assert.Null(nulls.KeySchema);
        Assert.Null(nulls.Projection!.ProjectionType);
        Assert.Null(nulls.Projection.NonKeyAttributes);

        var empty = Assert.Single(RequestReader.CreateTable(B("""
            {"LocalSecondaryIndexes":[{"KeySchema":[],"Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":[]}}]}
            """)).LocalSecondaryIndexes!);
        Assert.Empty(empty.KeySchema!);
        Assert.Empty(empty.Projection!.NonKeyAttributes!);
    }

    [Fact]
    public void CreateTable_refuses_index_enums_outside_their_sets_with_the_index_path()
    {
        Assert.Equal(EnumError("EVERYTHING", "localSecondaryIndexes.1.member.projection.projectionType", ProjectionTypeSet),
            Assert.Throws<Db.ValidationException>(() => RequestReader.CreateTable(B("""
                {"LocalSecondaryIndexes":[{"IndexName":"i","Projection":{"ProjectionType":"EVERYTHING"}}]}
                """))).Message);
        // The position counts from 1 over the list, as in DynamoDB's paths; the case of the value matters.
        Assert.Equal(EnumError("all", "localSecondaryIndexes.2.member.projection.projectionType", ProjectionTypeSet),
            Assert.Throws<Db.ValidationException>(() => RequestReader.CreateTable(B("""
                {"LocalSecondaryIndexes":[{"Projection":{"ProjectionType":"ALL"}},{"Projection":{"ProjectionType":"all"}}]}
                """))).Message);
        // The index's key schema is read as the table's (moto records DynamoDB's answer for SORT).
        Assert.Equal(EnumError("SORT", "localSecondaryIndexes.1.member.keySchema.2.member.keyType", "[HASH, RANGE]"),
            Assert.Throws<Db.ValidationException>(() => RequestReader.CreateTable(B("""
                {"LocalSecondaryIndexes":[{"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"lsi","KeyType":"SORT"}]}]}
                """))).Message);
    }

    [Fact]
    public void CreateTable_refuses_null_elements_the_engine_types_cannot_hold()
    {
        Assert.Equal(NullError("localSecondaryIndexes.1.member"),
            Assert.Throws<Db.ValidationException>(() => RequestReader.CreateTable(B("""{"LocalSecondaryIndexes":[null]}"""))).Message);
        Assert.Equal(NullError("localSecondaryIndexes.2.member.keySchema.1.member.keyType"),
            Assert.Throws<Db.ValidationException>(() => RequestReader.CreateTable(B("""
                {"LocalSecondaryIndexes":[{},{"KeySchema":[{"AttributeName":"pk"}]}]}
                """))).Message);
        Assert.Equal(NullError("localSecondaryIndexes.1.member.keySchema.2.member"),
            Assert.Throws<Db.ValidationException>(() => RequestReader.CreateTable(B("""
                {"LocalSecondaryIndexes":[{"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},null]}]}
                """))).Message);
    }

    [Theory]
    [InlineData("""{"LocalSecondaryIndexes":{}}""", "Start of structure or map found where not expected.")]
    [InlineData("""{"LocalSecondaryIndexes":"i"}""", "Expected list or null")]
    [InlineData("""{"LocalSecondaryIndexes":[[]]}""", "Start of list found where not expected")]
    [InlineData("""{"LocalSecondaryIndexes":[{"IndexName":1}]}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String")]
    [InlineData("""{"LocalSecondaryIndexes":[{"KeySchema":{}}]}""", "Start of structure or map found where not expected.")]
    [InlineData("""{"LocalSecondaryIndexes":[{"Projection":[]}]}""", "Start of list found where not expected")]
    [InlineData("""{"LocalSecondaryIndexes":[{"Projection":"ALL"}]}""", "Expected null")]
    [InlineData("""{"LocalSecondaryIndexes":[{"Projection":{"ProjectionType":true}}]}""", "class java.lang.Boolean can not be converted to an String")]
    [InlineData("""{"LocalSecondaryIndexes":[{"Projection":{"NonKeyAttributes":"a"}}]}""", "Expected list or null")]
    [InlineData("""{"LocalSecondaryIndexes":[{"Projection":{"NonKeyAttributes":[1]}}]}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String")]
    public void CreateTable_index_members_of_the_wrong_JSON_type_are_SerializationException(string body, string message) =>
        Assert.Equal(message, Assert.Throws<SerializationException>(() => RequestReader.CreateTable(B(body))).Message);

    [Fact]
    public void Query_and_Scan_read_IndexName_as_a_string()
    {
        Assert.Equal("LastPostIndex", RequestReader.Query(B("""{"TableName":"Thread","IndexName":"LastPostIndex"}""")).IndexName);
        Assert.Equal("RepliesIndex", RequestReader.Scan(B("""{"TableName":"Thread","IndexName":"RepliesIndex"}""")).IndexName);
        Assert.Null(RequestReader.Query(B("""{"TableName":"Thread"}""")).IndexName);
        Assert.Null(RequestReader.Scan(B("""{"IndexName":null}""")).IndexName);

        Assert.Equal("class java.lang.Boolean can not be converted to an String",
            Assert.Throws<SerializationException>(() => RequestReader.Query(B("""{"IndexName":true}"""))).Message);
        Assert.Equal("class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String",
            Assert.Throws<SerializationException>(() => RequestReader.Scan(B("""{"IndexName":5}"""))).Message);
        Assert.Equal("Start of list found where not expected",
            Assert.Throws<SerializationException>(() => RequestReader.Query(B("""{"IndexName":["i"]}"""))).Message);
    }

    // ---- ResponseWriter ----

    private static Db.TableDescription Description(IReadOnlyList<Db.LocalSecondaryIndexDescription>? indexes) => new()
    {
        TableName = "Thread",
        TableStatus = Db.TableStatus.Active,
        KeySchema = [new Db.KeySchemaElement("ForumName", Db.KeyType.Hash), new Db.KeySchemaElement("Subject", Db.KeyType.Range)],
        AttributeDefinitions = [new Db.AttributeDefinition("ForumName", Db.ScalarAttributeType.S), new Db.AttributeDefinition("Subject", Db.ScalarAttributeType.S),
            new Db.AttributeDefinition("LastPostDateTime", Db.ScalarAttributeType.S), new Db.AttributeDefinition("Replies", Db.ScalarAttributeType.N)],
        CreationDateTime = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123),
        ItemCount = 3,
        TableSizeBytes = 300,
        TableArn = "arn:aws:dynamodb:us-east-1:000000000000:table/Thread",
        TableId = "0f0e0d0c-0b0a-0908-0706-050403020100",
        BillingModeSummary = new Db.BillingModeSummary(Db.BillingMode.PayPerRequest, null),
        ProvisionedThroughput = new Db.ProvisionedThroughputDescription(0, 0, 0, null, null),
        LocalSecondaryIndexes = indexes,
    };

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, DynamoApiHandler.WriterOptions)) write(w);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [Fact]
    public void TableDescription_writes_local_secondary_indexes_after_the_billing_mode()
    {
        var description = Description([
            new Db.LocalSecondaryIndexDescription("LastPostIndex",
                [new Db.KeySchemaElement("ForumName", Db.KeyType.Hash), new Db.KeySchemaElement("LastPostDateTime", Db.KeyType.Range)],
                Db.ProjectionType.KeysOnly, null, 0, 0, "arn:aws:dynamodb:us-east-1:000000000000:table/Thread/index/LastPostIndex"),
            new Db.LocalSecondaryIndexDescription("RepliesIndex",
                [new Db.KeySchemaElement("ForumName", Db.KeyType.Hash), new Db.KeySchemaElement("Replies", Db.KeyType.Range)],
                Db.ProjectionType.Include, ["Author", "Tags"], 120, 2, "arn:aws:dynamodb:us-east-1:000000000000:table/Thread/index/RepliesIndex"),
        ]);
        string json = Json(w => ResponseWriter.DescribeTable(w, new Db.DescribeTableResponse(description)));
        Assert.EndsWith("""
            "BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"},
            "LocalSecondaryIndexes":[
            {"IndexName":"LastPostIndex","KeySchema":[{"AttributeName":"ForumName","KeyType":"HASH"},{"AttributeName":"LastPostDateTime","KeyType":"RANGE"}],
            "Projection":{"ProjectionType":"KEYS_ONLY"},"IndexSizeBytes":0,"ItemCount":0,
            "IndexArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Thread/index/LastPostIndex"},
            {"IndexName":"RepliesIndex","KeySchema":[{"AttributeName":"ForumName","KeyType":"HASH"},{"AttributeName":"Replies","KeyType":"RANGE"}],
            "Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["Author","Tags"]},"IndexSizeBytes":120,"ItemCount":2,
            "IndexArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Thread/index/RepliesIndex"}]}}
            """.ReplaceLineEndings(""), json);

        // The four table operations share the writer.
        foreach (string written in new[]
        {
            Json(w => ResponseWriter.CreateTable(w, new Db.CreateTableResponse(description))),
            Json(w => ResponseWriter.UpdateTable(w, new Db.UpdateTableResponse(description))),
            Json(w => ResponseWriter.DeleteTable(w, new Db.DeleteTableResponse(description))),
        })
        {
            using var doc = JsonDocument.Parse(written);
            Assert.Equal(2, doc.RootElement.GetProperty("TableDescription").GetProperty("LocalSecondaryIndexes").GetArrayLength());
        }
    }

    [Fact]
    public void TableDescription_without_indexes_has_no_LocalSecondaryIndexes_member()
    {
        Assert.DoesNotContain("LocalSecondaryIndexes", Json(w => ResponseWriter.DescribeTable(w, new Db.DescribeTableResponse(Description(null)))));
    }

    // ---- the server: raw JSON ----

    private static string TypeOf(string body) => JsonDocument.Parse(body).RootElement.GetProperty("__type").GetString()!;

    // One index of a description, member by member: exactly DynamoDB's six members, the projection with
    // NonKeyAttributes only for INCLUDE, the counters of a new index, the ARN under the table's.
    private static void AssertIndex(JsonElement indexes, string tableArn, string name, string sortKey, string projectionType, string[]? nonKeyAttributes)
    {
        var index = indexes.EnumerateArray().Single(i => i.GetProperty("IndexName").GetString() == name);
        Assert.Equal(["IndexArn", "IndexName", "IndexSizeBytes", "ItemCount", "KeySchema", "Projection"],
            index.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal([("ForumName", "HASH"), (sortKey, "RANGE")],
            index.GetProperty("KeySchema").EnumerateArray().Select(k => (k.GetProperty("AttributeName").GetString(), k.GetProperty("KeyType").GetString())));
        var projection = index.GetProperty("Projection");
        Assert.Equal(projectionType, projection.GetProperty("ProjectionType").GetString());
        if (nonKeyAttributes is null)
            Assert.Equal(["ProjectionType"], projection.EnumerateObject().Select(p => p.Name));
        else
            Assert.Equal(nonKeyAttributes, projection.GetProperty("NonKeyAttributes").EnumerateArray().Select(a => a.GetString()!));
        Assert.Equal(0, index.GetProperty("IndexSizeBytes").GetInt64());
        Assert.Equal(0, index.GetProperty("ItemCount").GetInt64());
        Assert.Equal($"{tableArn}/index/{name}", index.GetProperty("IndexArn").GetString());
    }

    private static void AssertThreadIndexes(JsonElement table)
    {
        string tableArn = table.GetProperty("TableArn").GetString()!;
        var indexes = table.GetProperty("LocalSecondaryIndexes");
        Assert.Equal(2, indexes.GetArrayLength());
        AssertIndex(indexes, tableArn, "LastPostIndex", "LastPostDateTime", "KEYS_ONLY", null);
        AssertIndex(indexes, tableArn, "RepliesIndex", "Replies", "INCLUDE", ["Author", "Tags"]);
    }

    // Needs the engine to store and describe local secondary indexes.
    [Fact]
    public async Task Raw_CreateTable_with_two_indexes_and_DescribeTable_shows_them()
    {
        await using var fx = await ServerFixture.StartAsync();
        var (status, created, _) = await fx.PostAsync("CreateTable", ThreadTable);
        Assert.True(status == HttpStatusCode.OK, created);
        using (var doc = JsonDocument.Parse(created)) AssertThreadIndexes(doc.RootElement.GetProperty("TableDescription"));

        (status, string described, _) = await fx.PostAsync("DescribeTable", """{"TableName":"Thread"}""");
        Assert.True(status == HttpStatusCode.OK, described);
        using (var doc = JsonDocument.Parse(described)) AssertThreadIndexes(doc.RootElement.GetProperty("Table"));
    }

    [Fact]
    public async Task Raw_DescribeTable_of_a_table_without_indexes_has_no_LocalSecondaryIndexes()
    {
        await using var fx = await ServerFixture.StartAsync();
        var (status, created, _) = await fx.PostAsync("CreateTable", """
            {"TableName":"Plain","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
             "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}
            """);
        Assert.True(status == HttpStatusCode.OK, created);
        var (_, described, _) = await fx.PostAsync("DescribeTable", """{"TableName":"Plain"}""");
        using var doc = JsonDocument.Parse(described);
        Assert.False(doc.RootElement.GetProperty("Table").TryGetProperty("LocalSecondaryIndexes", out _));
    }

    [Fact]
    public async Task Raw_unknown_ProjectionType_is_refused_with_the_enum_message()
    {
        await using var fx = await ServerFixture.StartAsync();
        var (status, body, _) = await fx.PostAsync("CreateTable", ThreadTable.Replace("\"KEYS_ONLY\"", "\"EVERYTHING\""));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("com.amazon.coral.validate#ValidationException", TypeOf(body));
        Assert.Equal(EnumError("EVERYTHING", "localSecondaryIndexes.1.member.projection.projectionType", ProjectionTypeSet),
            JsonDocument.Parse(body).RootElement.GetProperty("message").GetString());
        // Nothing was created.
        var (missing, _, _) = await fx.PostAsync("DescribeTable", """{"TableName":"Thread"}""");
        Assert.Equal(HttpStatusCode.BadRequest, missing);
    }

    [Fact]
    public async Task Raw_index_members_of_the_wrong_JSON_type_are_SerializationException()
    {
        await using var fx = await ServerFixture.StartAsync();
        var (status, body, _) = await fx.PostAsync("CreateTable", ThreadTable.Replace("""{"ProjectionType":"KEYS_ONLY"}""", "[]"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("com.amazon.coral.service#SerializationException", TypeOf(body));

        (status, body, _) = await fx.PostAsync("Query", """{"TableName":"Thread","IndexName":1}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("com.amazon.coral.service#SerializationException", TypeOf(body));
    }

    // ---- the server: the AWS SDK ----

    private static CreateTableRequest ThreadRequest(ProjectionType lastPostProjection) => new()
    {
        TableName = "Thread",
        AttributeDefinitions =
        [
            new AttributeDefinition("ForumName", ScalarAttributeType.S), new AttributeDefinition("Subject", ScalarAttributeType.S),
            new AttributeDefinition("LastPostDateTime", ScalarAttributeType.S), new AttributeDefinition("Replies", ScalarAttributeType.N),
        ],
        KeySchema = [new KeySchemaElement("ForumName", KeyType.HASH), new KeySchemaElement("Subject", KeyType.RANGE)],
        LocalSecondaryIndexes =
        [
            new LocalSecondaryIndex
            {
                IndexName = "LastPostIndex",
                KeySchema = [new KeySchemaElement("ForumName", KeyType.HASH), new KeySchemaElement("LastPostDateTime", KeyType.RANGE)],
                Projection = new Projection { ProjectionType = lastPostProjection },
            },
            new LocalSecondaryIndex
            {
                IndexName = "RepliesIndex",
                KeySchema = [new KeySchemaElement("ForumName", KeyType.HASH), new KeySchemaElement("Replies", KeyType.RANGE)],
                Projection = new Projection { ProjectionType = ProjectionType.INCLUDE, NonKeyAttributes = ["Author", "Tags"] },
            },
        ],
        BillingMode = BillingMode.PAY_PER_REQUEST,
    };

    private static void AssertSdkIndexes(TableDescription table)
    {
        Assert.NotNull(table.LocalSecondaryIndexes);
        Assert.Equal(2, table.LocalSecondaryIndexes.Count);

        var lastPost = table.LocalSecondaryIndexes.Single(i => i.IndexName == "LastPostIndex");
        Assert.Equal([("ForumName", "HASH"), ("LastPostDateTime", "RANGE")], lastPost.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)));
        Assert.Equal(ProjectionType.KEYS_ONLY, lastPost.Projection.ProjectionType);
        Assert.True(lastPost.Projection.NonKeyAttributes is null or { Count: 0 });
        Assert.Equal(0L, lastPost.IndexSizeBytes);
        Assert.Equal(0L, lastPost.ItemCount);
        Assert.Equal(table.TableArn + "/index/LastPostIndex", lastPost.IndexArn);

        var replies = table.LocalSecondaryIndexes.Single(i => i.IndexName == "RepliesIndex");
        Assert.Equal([("ForumName", "HASH"), ("Replies", "RANGE")], replies.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)));
        Assert.Equal(ProjectionType.INCLUDE, replies.Projection.ProjectionType);
        Assert.Equal(["Author", "Tags"], replies.Projection.NonKeyAttributes);
        Assert.Equal(0L, replies.IndexSizeBytes);
        Assert.Equal(0L, replies.ItemCount);
        Assert.Equal(table.TableArn + "/index/RepliesIndex", replies.IndexArn);
    }

    // Needs the engine to store and describe local secondary indexes.
    [Fact]
    public async Task Sdk_CreateTable_with_two_indexes_and_DescribeTable_shows_them()
    {
        await using var fx = await ServerFixture.StartAsync();
        var created = await fx.Client.CreateTableAsync(ThreadRequest(ProjectionType.KEYS_ONLY));
        AssertSdkIndexes(created.TableDescription);
        AssertSdkIndexes((await fx.Client.DescribeTableAsync("Thread")).Table);
    }

    [Fact]
    public async Task Sdk_unknown_ProjectionType_is_a_ValidationException_with_the_enum_message()
    {
        await using var fx = await ServerFixture.StartAsync();
        var refused = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => fx.Client.CreateTableAsync(ThreadRequest(new ProjectionType("EVERYTHING"))));
        Assert.Equal("ValidationException", refused.ErrorCode);
        Assert.Equal(EnumError("EVERYTHING", "localSecondaryIndexes.1.member.projection.projectionType", ProjectionTypeSet), refused.Message);
    }
}
