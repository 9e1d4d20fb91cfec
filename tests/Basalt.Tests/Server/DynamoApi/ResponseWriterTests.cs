using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Server.DynamoApi;

namespace Basalt.Tests.Server.DynamoApi;

// Responses in DynamoDB's shapes: member names, nesting, absent members omitted, dates as epoch seconds.
public class ResponseWriterTests
{
    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping })) write(w);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static Dictionary<string, AttributeValue> Item(params (string Name, AttributeValue Value)[] attributes)
    {
        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (var (name, value) in attributes) item[name] = value;
        return item;
    }

    private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);

    private static TableDescription Description(BillingMode mode = BillingMode.PayPerRequest, DateTimeOffset? switched = null,
        DateTimeOffset? increased = null, DateTimeOffset? decreased = null) => new()
    {
        TableName = "orders",
        TableStatus = TableStatus.Active,
        KeySchema = [new KeySchemaElement("pk", KeyType.Hash), new KeySchemaElement("sk", KeyType.Range)],
        AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("sk", ScalarAttributeType.N)],
        CreationDateTime = Created,
        ItemCount = 42,
        TableSizeBytes = 4096,
        TableArn = "arn:aws:dynamodb:us-east-1:000000000000:table/orders",
        TableId = "0f0e0d0c-0b0a-0908-0706-050403020100",
        BillingModeSummary = new BillingModeSummary(mode, switched),
        ProvisionedThroughput = new ProvisionedThroughputDescription(mode == BillingMode.Provisioned ? 5 : 0, mode == BillingMode.Provisioned ? 6 : 0, 1, increased, decreased),
    };

    [Fact]
    public void DescribeTableHasDynamoDbsTableDescription()
    {
        string json = Json(w => ResponseWriter.DescribeTable(w, new DescribeTableResponse(Description())));
        Assert.Equal("""
            {"Table":{"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
            "TableName":"orders","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
            "TableStatus":"ACTIVE","CreationDateTime":1700000000.123,
            "ProvisionedThroughput":{"NumberOfDecreasesToday":1,"ReadCapacityUnits":0,"WriteCapacityUnits":0},
            "TableSizeBytes":4096,"ItemCount":42,"TableArn":"arn:aws:dynamodb:us-east-1:000000000000:table/orders",
            "TableId":"0f0e0d0c-0b0a-0908-0706-050403020100","BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST"}}}
            """.ReplaceLineEndings(""), json);
    }

    [Fact]
    public void OptionalDatesAreWrittenWhenSet()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_700_000_100);
        using var doc = JsonDocument.Parse(Json(w => ResponseWriter.CreateTable(w,
            new CreateTableResponse(Description(BillingMode.Provisioned, switched: at, increased: at, decreased: at)))));
        var table = doc.RootElement.GetProperty("TableDescription");
        Assert.Equal("PROVISIONED", table.GetProperty("BillingModeSummary").GetProperty("BillingMode").GetString());
        Assert.Equal(1_700_000_100m, table.GetProperty("BillingModeSummary").GetProperty("LastUpdateToPayPerRequestDateTime").GetDecimal());
        var throughput = table.GetProperty("ProvisionedThroughput");
        Assert.Equal(1_700_000_100m, throughput.GetProperty("LastIncreaseDateTime").GetDecimal());
        Assert.Equal(1_700_000_100m, throughput.GetProperty("LastDecreaseDateTime").GetDecimal());
        Assert.Equal(5, throughput.GetProperty("ReadCapacityUnits").GetInt64());
        Assert.Equal(6, throughput.GetProperty("WriteCapacityUnits").GetInt64());
        Assert.Equal(1_700_000_000.123m, table.GetProperty("CreationDateTime").GetDecimal());
    }

    [Fact]
    public void UpdateAndDeleteTableWrapTheDescription()
    {
        Assert.StartsWith("""{"TableDescription":{"AttributeDefinitions":""", Json(w => ResponseWriter.UpdateTable(w, new UpdateTableResponse(Description()))));
        string deleted = Json(w => ResponseWriter.DeleteTable(w, new DeleteTableResponse(Description() with { TableStatus = TableStatus.Deleting })));
        Assert.Contains("\"TableStatus\":\"DELETING\"", deleted);
    }

    [Fact]
    public void ListTables()
    {
        Assert.Equal("""{"TableNames":["a","b"],"LastEvaluatedTableName":"b"}""",
            Json(w => ResponseWriter.ListTables(w, new ListTablesResponse(["a", "b"], "b"))));
        Assert.Equal("""{"TableNames":[]}""", Json(w => ResponseWriter.ListTables(w, new ListTablesResponse([], null))));
    }

    [Fact]
    public void GetItemOmitsAnAbsentItem()
    {
        Assert.Equal("{}", Json(w => ResponseWriter.GetItem(w, new GetItemResponse(null))));
        Assert.Equal("""{"Item":{"pk":{"S":"a"},"n":{"N":"1"}}}""",
            Json(w => ResponseWriter.GetItem(w, new GetItemResponse(Item(("pk", AttributeValue.String("a")), ("n", AttributeValue.Number("1")))))));
    }

    [Fact]
    public void ConsumedCapacityTotalAndIndexes()
    {
        var total = new ConsumedCapacity("t", 0.5, ReadCapacityUnits: 0.5);
        Assert.Equal("""{"ConsumedCapacity":{"TableName":"t","CapacityUnits":0.5,"ReadCapacityUnits":0.5}}""",
            Json(w => ResponseWriter.GetItem(w, new GetItemResponse(null, total))));
        var indexes = new ConsumedCapacity("t", 2, WriteCapacityUnits: 2, Table: new Capacity(2, WriteCapacityUnits: 2),
            GlobalSecondaryIndexes: new() { ["g"] = new Capacity(1, WriteCapacityUnits: 1) });
        Assert.Equal("""{"Attributes":{"a":{"BOOL":true}},"ConsumedCapacity":{"TableName":"t","CapacityUnits":2,"WriteCapacityUnits":2,"Table":""" +
            """{"CapacityUnits":2,"WriteCapacityUnits":2},"GlobalSecondaryIndexes":{"g":{"CapacityUnits":1,"WriteCapacityUnits":1}}}}""",
            Json(w => ResponseWriter.PutItem(w, new PutItemResponse(Item(("a", AttributeValue.Bool(true))), indexes))));
    }

    [Fact]
    public void ItemWritesWriteAttributesOnlyWhenPresent()
    {
        Assert.Equal("{}", Json(w => ResponseWriter.PutItem(w, new PutItemResponse(null))));
        Assert.Equal("{}", Json(w => ResponseWriter.DeleteItem(w, new DeleteItemResponse(null))));
        Assert.Equal("{}", Json(w => ResponseWriter.UpdateItem(w, new UpdateItemResponse(null))));
        Assert.Equal("""{"Attributes":{"old":{"NULL":true}}}""",
            Json(w => ResponseWriter.DeleteItem(w, new DeleteItemResponse(Item(("old", AttributeValue.Null))))));
        Assert.Equal("""{"Attributes":{"p":{"M":{"c":{"SS":["x"]}}}}}""",
            Json(w => ResponseWriter.UpdateItem(w, new UpdateItemResponse(Item(("p", AttributeValue.Map([KeyValuePair.Create("c", AttributeValue.StringSet(["x"]))])))))));
    }

    [Fact]
    public void QueryAndScanPages()
    {
        var items = new List<Dictionary<string, AttributeValue>> { Item(("pk", AttributeValue.String("a"))), Item(("pk", AttributeValue.String("b"))) };
        var last = Item(("pk", AttributeValue.String("b")));
        Assert.Equal("""{"Items":[{"pk":{"S":"a"}},{"pk":{"S":"b"}}],"Count":2,"ScannedCount":5,"LastEvaluatedKey":{"pk":{"S":"b"}}}""",
            Json(w => ResponseWriter.Query(w, new QueryResponse(items, 2, 5, last), countOnly: false)));
        Assert.Equal("""{"Items":[],"Count":0,"ScannedCount":0}""",
            Json(w => ResponseWriter.Scan(w, new ScanResponse([], 0, 0, null), countOnly: false)));
        // Select COUNT: no Items member at all.
        Assert.Equal("""{"Count":7,"ScannedCount":9,"ConsumedCapacity":{"TableName":"t","CapacityUnits":1,"ReadCapacityUnits":1}}""",
            Json(w => ResponseWriter.Query(w, new QueryResponse([], 7, 9, null, new ConsumedCapacity("t", 1, ReadCapacityUnits: 1)), countOnly: true)));
        Assert.Equal("""{"Count":3,"ScannedCount":3}""", Json(w => ResponseWriter.Scan(w, new ScanResponse([], 3, 3, null), countOnly: true)));
    }

    [Fact]
    public void BatchGetItem()
    {
        var response = new BatchGetItemResponse(
            new() { ["t1"] = [Item(("pk", AttributeValue.String("a")))], ["t2"] = [] },
            new()
            {
                ["t3"] = new KeysAndAttributes
                {
                    Keys = [Item(("pk", AttributeValue.Number("1")))],
                    ProjectionExpression = "#a",
                    ExpressionAttributeNames = new() { ["#a"] = "a" },
                    ConsistentRead = true,
                },
            },
            [new ConsumedCapacity("t1", 0.5, ReadCapacityUnits: 0.5), new ConsumedCapacity("t2", 0.5, ReadCapacityUnits: 0.5)]);
        Assert.Equal("""{"Responses":{"t1":[{"pk":{"S":"a"}}],"t2":[]},"UnprocessedKeys":""" +
            """{"t3":{"Keys":[{"pk":{"N":"1"}}],"ProjectionExpression":"#a","ExpressionAttributeNames":{"#a":"a"},"ConsistentRead":true}},"ConsumedCapacity":""" +
            """[{"TableName":"t1","CapacityUnits":0.5,"ReadCapacityUnits":0.5},{"TableName":"t2","CapacityUnits":0.5,"ReadCapacityUnits":0.5}]}""",
            Json(w => ResponseWriter.BatchGetItem(w, response)));
        Assert.Equal("""{"Responses":{},"UnprocessedKeys":{}}""", Json(w => ResponseWriter.BatchGetItem(w, new BatchGetItemResponse([], []))));
    }

    [Fact]
    public void BatchWriteItem()
    {
        Assert.Equal("""{"UnprocessedItems":{}}""", Json(w => ResponseWriter.BatchWriteItem(w, new BatchWriteItemResponse([]))));
        var response = new BatchWriteItemResponse(
            new()
            {
                ["t"] =
                [
                    new WriteRequest { PutRequest = new PutRequest { Item = Item(("pk", AttributeValue.String("a"))) } },
                    new WriteRequest { DeleteRequest = new DeleteRequest { Key = Item(("pk", AttributeValue.String("b"))) } },
                ],
            },
            [new ConsumedCapacity("t", 2, WriteCapacityUnits: 2)]);
        Assert.Equal("""{"UnprocessedItems":{"t":[{"PutRequest":{"Item":{"pk":{"S":"a"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"b"}}}}]},"ConsumedCapacity":""" +
            """[{"TableName":"t","CapacityUnits":2,"WriteCapacityUnits":2}]}""",
            Json(w => ResponseWriter.BatchWriteItem(w, response)));
    }

    // What the writer emits, the reader takes back: an item survives a write and a read unchanged.
    [Fact]
    public void WrittenItemsReadBack()
    {
        var item = Item(("s", AttributeValue.String("x\u0001\"")), ("b", AttributeValue.Binary([0, 255, 128])),
            ("l", AttributeValue.List(AttributeValue.NumberSet(["1", "2"]), AttributeValue.BinarySet([[1], [2, 3]]))));
        string json = Json(w => ResponseWriter.GetItem(w, new GetItemResponse(item)));
        var request = RequestReader.PutItem(Encoding.UTF8.GetBytes(json));
        Assert.Equal(AttributeValue.Map(item), AttributeValue.Map(request.Item!));
    }
}
