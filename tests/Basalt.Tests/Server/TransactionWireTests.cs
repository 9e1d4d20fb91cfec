using System.IO.Hashing;
using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using AmazonDynamoDBClient = Amazon.DynamoDBv2.AmazonDynamoDBClient;
using AmazonDynamoDBConfig = Amazon.DynamoDBv2.AmazonDynamoDBConfig;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Server.DynamoApi;
using Sdk = Amazon.DynamoDBv2.Model;

namespace Basalt.Tests.Server;

// TransactWriteItems and TransactGetItems on the wire: RequestReader (every action kind, absent and null members,
// DynamoDB's member paths in constraint errors, wrong JSON types), ResponseWriter and the error body of
// TransactionCanceledException with its CancellationReasons, the AWS SDK for .NET reading both (against a canned
// HTTP answer, no server), and a few tests through a running server.
public class TransactionWireTests
{

    private static byte[] B(string json) => Encoding.UTF8.GetBytes(json);

    private static AttributeValue S(string s) => AttributeValue.String(s);
    private static AttributeValue N(string n) => AttributeValue.Number(n);

    private static string NotNull(params string[] paths) =>
        $"{paths.Length} validation error{(paths.Length > 1 ? "s" : "")} detected: " +
        string.Join("; ", paths.Select(p => $"Value null at '{p}' failed to satisfy constraint: Member must not be null"));

    // ---- TransactWriteItems requests ----

    [Fact]
    public void TransactWriteItemsReadsEveryActionKindAndMember()
    {
        var request = RequestReader.TransactWriteItems(B("""
            {"TransactItems":[
              {"Put":{"TableName":"t1","Item":{"pk":{"S":"a"},"n":{"N":"1"}},"ConditionExpression":"attribute_not_exists(pk)",
                      "ExpressionAttributeNames":{"#n":"n"},"ExpressionAttributeValues":{":v":{"N":"2"}},
                      "ReturnValuesOnConditionCheckFailure":"ALL_OLD","Unknown":[1]}},
              {"Update":{"TableName":"t2","Key":{"pk":{"S":"b"}},"UpdateExpression":"SET #n = :v","ConditionExpression":"#n < :v",
                         "ExpressionAttributeNames":{"#n":"n"},"ExpressionAttributeValues":{":v":{"N":"3"}},
                         "ReturnValuesOnConditionCheckFailure":"NONE"}},
              {"Delete":{"TableName":"t3","Key":{"pk":{"S":"c"}},"ConditionExpression":"attribute_exists(pk)",
                         "ExpressionAttributeNames":{"#p":"pk"},"ExpressionAttributeValues":{":w":{"S":"x"}},
                         "ReturnValuesOnConditionCheckFailure":"ALL_OLD"}},
              {"ConditionCheck":{"TableName":"t4","Key":{"pk":{"S":"d"}},"ConditionExpression":"#n = :v",
                                 "ExpressionAttributeNames":{"#n":"n"},"ExpressionAttributeValues":{":v":{"BOOL":true}},
                                 "ReturnValuesOnConditionCheckFailure":"ALL_OLD"}}],
             "ClientRequestToken":"token-1","ReturnConsumedCapacity":"INDEXES","ReturnItemCollectionMetrics":"SIZE","Other":{"a":1}}
            """));
        Assert.Equal("token-1", request.ClientRequestToken);
        Assert.Equal(ReturnConsumedCapacity.Indexes, request.ReturnConsumedCapacity);
        Assert.Equal(4, request.TransactItems!.Count);

        var put = request.TransactItems[0].Put!;
        Assert.Equal("t1", put.TableName);
        Assert.Equal(S("a"), put.Item!["pk"]);
        Assert.Equal(N("1"), put.Item["n"]);
        Assert.Equal("attribute_not_exists(pk)", put.ConditionExpression);
        Assert.Equal("n", put.ExpressionAttributeNames!["#n"]);
        Assert.Equal(N("2"), put.ExpressionAttributeValues![":v"]);
        Assert.Equal(ReturnValuesOnConditionCheckFailure.AllOld, put.ReturnValuesOnConditionCheckFailure);
        Assert.Null(request.TransactItems[0].Update);
        Assert.Null(request.TransactItems[0].Delete);
        Assert.Null(request.TransactItems[0].ConditionCheck);

        var update = request.TransactItems[1].Update!;
        Assert.Equal("t2", update.TableName);
        Assert.Equal(S("b"), Assert.Single(update.Key!).Value);
        Assert.Equal("SET #n = :v", update.UpdateExpression);
        Assert.Equal("#n < :v", update.ConditionExpression);
        Assert.Equal("n", update.ExpressionAttributeNames!["#n"]);
        Assert.Equal(N("3"), update.ExpressionAttributeValues![":v"]);
        Assert.Equal(ReturnValuesOnConditionCheckFailure.None, update.ReturnValuesOnConditionCheckFailure);
        Assert.Null(request.TransactItems[1].Put);

        var delete = request.TransactItems[2].Delete!;
        Assert.Equal("t3", delete.TableName);
        Assert.Equal(S("c"), delete.Key!["pk"]);
        Assert.Equal("attribute_exists(pk)", delete.ConditionExpression);
        Assert.Equal("pk", delete.ExpressionAttributeNames!["#p"]);
        Assert.Equal(S("x"), delete.ExpressionAttributeValues![":w"]);
        Assert.Equal(ReturnValuesOnConditionCheckFailure.AllOld, delete.ReturnValuesOnConditionCheckFailure);

        var check = request.TransactItems[3].ConditionCheck!;
        Assert.Equal("t4", check.TableName);
        Assert.Equal(S("d"), check.Key!["pk"]);
        Assert.Equal("#n = :v", check.ConditionExpression);
        Assert.Equal("n", check.ExpressionAttributeNames!["#n"]);
        Assert.Equal(AttributeValue.Bool(true), check.ExpressionAttributeValues![":v"]);
        Assert.Equal(ReturnValuesOnConditionCheckFailure.AllOld, check.ReturnValuesOnConditionCheckFailure);
    }

    [Fact]
    public void TransactWriteItemsLeavesAbsentAndNullMembersNull()
    {
        var empty = RequestReader.TransactWriteItems(B("{}"));
        Assert.Null(empty.TransactItems);
        Assert.Null(empty.ClientRequestToken);
        Assert.Null(empty.ReturnConsumedCapacity);
        Assert.Null(RequestReader.TransactWriteItems(B("""{"TransactItems":null,"ClientRequestToken":null,"ReturnConsumedCapacity":null}""")).TransactItems);
        Assert.Empty(RequestReader.TransactWriteItems(B("""{"TransactItems":[]}""")).TransactItems!);

        // An element with no action, or with a null one, is the engine's to refuse (it must have exactly one).
        var items = RequestReader.TransactWriteItems(B("""{"TransactItems":[{},{"Put":null,"Delete":null,"X":1}]}""")).TransactItems!;
        Assert.Equal(2, items.Count);
        Assert.All(items, item => Assert.True(item.Put is null && item.Update is null && item.Delete is null && item.ConditionCheck is null));

        // Optional members absent or null stay null; the required ones are there.
        var put = RequestReader.TransactWriteItems(B("""
            {"TransactItems":[{"Put":{"TableName":"t","Item":{},"ConditionExpression":null,"ExpressionAttributeNames":null,
                                      "ExpressionAttributeValues":null,"ReturnValuesOnConditionCheckFailure":null}}]}
            """)).TransactItems![0].Put!;
        Assert.Equal("t", put.TableName);
        Assert.Empty(put.Item!);
        Assert.Null(put.ConditionExpression);
        Assert.Null(put.ExpressionAttributeNames);
        Assert.Null(put.ExpressionAttributeValues);
        Assert.Null(put.ReturnValuesOnConditionCheckFailure);

        // A member another action has is unknown to this one, and skipped with any JSON type (a Put has no Key, no
        // UpdateExpression).
        var other = RequestReader.TransactWriteItems(B("""
            {"TransactItems":[{"Put":{"TableName":"t","Item":{},"Key":7,"UpdateExpression":[1]}},
                              {"Delete":{"TableName":"t","Key":{},"Item":"x","UpdateExpression":{}}}]}
            """)).TransactItems!;
        Assert.Empty(other[0].Put!.Item!);
        Assert.Empty(other[1].Delete!.Key!);
    }

    [Fact]
    public void TransactWriteItemsRefusesNullElementsAndMissingRequiredMembersAtDynamoDbsPaths()
    {
        Assert.Equal(NotNull("transactItems.2.member"), Assert.Throws<ValidationException>(() => RequestReader.TransactWriteItems(B("""
            {"TransactItems":[{"Put":{"TableName":"t","Item":{}}},null]}
            """))).Message);
        Assert.Equal(NotNull("transactItems.1.member.put.item", "transactItems.1.member.put.tableName"),
            Assert.Throws<ValidationException>(() => RequestReader.TransactWriteItems(B("""{"TransactItems":[{"Put":{}}]}"""))).Message);
        Assert.Equal(NotNull("transactItems.1.member.update.key", "transactItems.1.member.update.updateExpression", "transactItems.1.member.update.tableName"),
            Assert.Throws<ValidationException>(() => RequestReader.TransactWriteItems(B("""{"TransactItems":[{"Update":{"Key":null}}]}"""))).Message);
        Assert.Equal(NotNull("transactItems.3.member.delete.tableName"),
            Assert.Throws<ValidationException>(() => RequestReader.TransactWriteItems(B("""
                {"TransactItems":[{},{},{"Delete":{"Key":{"pk":{"S":"a"}}}}]}
                """))).Message);
        Assert.Equal(NotNull("transactItems.1.member.conditionCheck.key", "transactItems.1.member.conditionCheck.tableName",
                "transactItems.1.member.conditionCheck.conditionExpression"),
            Assert.Throws<ValidationException>(() => RequestReader.TransactWriteItems(B("""{"TransactItems":[{"ConditionCheck":{}}]}"""))).Message);
    }

    [Fact]
    public void TransactWriteItemsEnumErrorsNameTheActionsPathAndComeBeforeSemanticErrors()
    {
        const string onFailureSet = "[ALL_OLD, NONE]";
        var e = Assert.Throws<ValidationException>(() => RequestReader.TransactWriteItems(B("""
            {"TransactItems":[{"Put":{"TableName":"t","Item":{"a":{}}}},
                              {"Update":{"TableName":"t","Key":{},"UpdateExpression":"SET a = :v","ReturnValuesOnConditionCheckFailure":"ALL_NEW"}},
                              {"ConditionCheck":{"TableName":"t","Key":{},"ConditionExpression":"a = :v","ReturnValuesOnConditionCheckFailure":"all_old"}}],
             "ReturnConsumedCapacity":"ALL","ReturnItemCollectionMetrics":"hi"}
            """)));
        Assert.Equal("4 validation errors detected: " +
            $"Value 'ALL_NEW' at 'transactItems.2.member.update.returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: {onFailureSet}; " +
            $"Value 'all_old' at 'transactItems.3.member.conditionCheck.returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: {onFailureSet}; " +
            "Value 'ALL' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; " +
            "Value 'hi' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]", e.Message);
        Assert.Equal($"1 validation error detected: Value 'X' at 'transactItems.1.member.delete.returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: {onFailureSet}",
            Assert.Throws<ValidationException>(() => RequestReader.TransactWriteItems(B("""
                {"TransactItems":[{"Delete":{"TableName":"t","Key":{},"ReturnValuesOnConditionCheckFailure":"X"}}]}
                """))).Message);

        // Only semantic errors: the first one, worded for where the value sits.
        Assert.Equal(AttributeValueJson.EmptyMessage, Assert.Throws<ValidationException>(() => RequestReader.TransactWriteItems(B("""
            {"TransactItems":[{"Put":{"TableName":"t","Item":{"a":{}}}}]}
            """))).Message);
        Assert.Equal($"ExpressionAttributeValues contains invalid value: {AttributeValueJson.MoreThanOneMessage} for key :v",
            Assert.Throws<ValidationException>(() => RequestReader.TransactWriteItems(B("""
                {"TransactItems":[{"ConditionCheck":{"TableName":"t","Key":{"pk":{"S":"a"}},"ConditionExpression":"a = :v",
                                                     "ExpressionAttributeValues":{":v":{"S":"x","N":"1"}}}}]}
                """))).Message);
    }

    [Theory]
    [InlineData("""{"TransactItems":{}}""", "Start of structure or map found where not expected.")]
    [InlineData("""{"TransactItems":"x"}""", "Expected list or null")]
    [InlineData("""{"TransactItems":["x"]}""", "Expected null")]
    [InlineData("""{"TransactItems":[[]]}""", "Start of list found where not expected")]
    [InlineData("""{"TransactItems":[{"Put":[]}]}""", "Start of list found where not expected")]
    [InlineData("""{"TransactItems":[{"Update":true}]}""", "Expected null")]
    [InlineData("""{"TransactItems":[{"Put":{"Item":"x"}}]}""", "Expected map or null")]
    [InlineData("""{"TransactItems":[{"Delete":{"TableName":5}}]}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String")]
    [InlineData("""{"TransactItems":[{"ConditionCheck":{"ConditionExpression":false}}]}""", "class java.lang.Boolean can not be converted to an String")]
    [InlineData("""{"TransactItems":[{"Update":{"ExpressionAttributeNames":["#a"]}}]}""", "Start of list found where not expected")]
    [InlineData("""{"TransactItems":[{"Put":{"ReturnValuesOnConditionCheckFailure":1}}]}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String")]
    [InlineData("""{"ClientRequestToken":true}""", "class java.lang.Boolean can not be converted to an String")]
    [InlineData("""{"ReturnConsumedCapacity":["TOTAL"]}""", "Start of list found where not expected")]
    public void TransactWriteItemsWrongJsonTypesAreSerializationExceptions(string json, string message) =>
        Assert.Equal(message, Assert.Throws<SerializationException>(() => RequestReader.TransactWriteItems(B(json))).Message);

    // ---- TransactGetItems requests ----

    [Fact]
    public void TransactGetItemsReadsEveryMember()
    {
        var request = RequestReader.TransactGetItems(B("""
            {"TransactItems":[{"Get":{"TableName":"t1","Key":{"pk":{"S":"a"}},"ProjectionExpression":"#a, b",
                                      "ExpressionAttributeNames":{"#a":"a"},"ConsistentRead":true}},
                              {"Get":{"TableName":"t2","Key":{"pk":{"N":"1"}}},"Other":1}],
             "ReturnConsumedCapacity":"TOTAL","ClientRequestToken":"ignored"}
            """));
        Assert.Equal(ReturnConsumedCapacity.Total, request.ReturnConsumedCapacity);
        Assert.Equal(2, request.TransactItems!.Count);
        var first = request.TransactItems[0].Get!;
        Assert.Equal("t1", first.TableName);
        Assert.Equal(S("a"), first.Key!["pk"]);
        Assert.Equal("#a, b", first.ProjectionExpression);
        Assert.Equal("a", first.ExpressionAttributeNames!["#a"]);
        var second = request.TransactItems[1].Get!;
        Assert.Equal(("t2", N("1")), (second.TableName, second.Key!["pk"]));
        Assert.Null(second.ProjectionExpression);
        Assert.Null(second.ExpressionAttributeNames);

        Assert.Null(RequestReader.TransactGetItems(B("{}")).TransactItems);
        Assert.Null(RequestReader.TransactGetItems(B("""{"TransactItems":null,"ReturnConsumedCapacity":null}""")).ReturnConsumedCapacity);
        Assert.Empty(RequestReader.TransactGetItems(B("""{"TransactItems":[]}""")).TransactItems!);
    }

    [Fact]
    public void TransactGetItemsRefusesWhatItsShapesRequire()
    {
        Assert.Equal(NotNull("transactItems.1.member", "transactItems.2.member.get", "transactItems.3.member.get"),
            Assert.Throws<ValidationException>(() => RequestReader.TransactGetItems(B("""{"TransactItems":[null,{},{"Get":null}]}"""))).Message);
        Assert.Equal(NotNull("transactItems.2.member.get.key", "transactItems.2.member.get.tableName"),
            Assert.Throws<ValidationException>(() => RequestReader.TransactGetItems(B("""
                {"TransactItems":[{"Get":{"TableName":"t","Key":{}}},{"Get":{"ProjectionExpression":"a"}}]}
                """))).Message);
        Assert.Equal("1 validation error detected: Value 'X' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]",
            Assert.Throws<ValidationException>(() => RequestReader.TransactGetItems(B("""{"ReturnConsumedCapacity":"X"}"""))).Message);
        Assert.Equal(AttributeValueJson.NullFalseMessage, Assert.Throws<ValidationException>(() => RequestReader.TransactGetItems(B("""
            {"TransactItems":[{"Get":{"TableName":"t","Key":{"pk":{"NULL":false}}}}]}
            """))).Message);
    }

    [Theory]
    [InlineData("""{"TransactItems":{"Get":{}}}""", "Start of structure or map found where not expected.")]
    [InlineData("""{"TransactItems":[1]}""", "Expected null")]
    [InlineData("""{"TransactItems":[{"Get":"t"}]}""", "Expected null")]
    [InlineData("""{"TransactItems":[{"Get":{"Key":[]}}]}""", "Start of list found where not expected")]
    [InlineData("""{"TransactItems":[{"Get":{"ProjectionExpression":{}}}]}""", "Start of structure or map found where not expected.")]
    [InlineData("""{"TransactItems":[{"Get":{"TableName":"t","Key":{"pk":{"S":1}}}}]}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String")]
    [InlineData("""{"TransactItems":[{"Get":{}}]""", null)]
    public void TransactGetItemsWrongJsonTypesAreSerializationExceptions(string json, string? message)
    {
        var e = Assert.Throws<SerializationException>(() => RequestReader.TransactGetItems(B(json)));
        if (message is not null) Assert.Equal(message, e.Message);
    }

    // ---- responses ----

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, DynamoApiHandler.WriterOptions)) write(w);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static Dictionary<string, AttributeValue> Item(params (string Name, AttributeValue Value)[] attributes) =>
        attributes.ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal);

    private static readonly List<ConsumedCapacity> TwoTables =
    [
        new ConsumedCapacity("t1", 4, WriteCapacityUnits: 4),
        new ConsumedCapacity("t2", 2, WriteCapacityUnits: 2, Table: new Capacity(2, WriteCapacityUnits: 2)),
    ];

    [Fact]
    public void TransactWriteItemsAnswersEmptyOrTheConsumedCapacityList()
    {
        Assert.Equal("{}", Json(w => ResponseWriter.TransactWriteItems(w, new TransactWriteItemsResponse())));
        Assert.Equal("""
            {"ConsumedCapacity":[{"TableName":"t1","CapacityUnits":4,"WriteCapacityUnits":4},
            {"TableName":"t2","CapacityUnits":2,"WriteCapacityUnits":2,"Table":{"CapacityUnits":2,"WriteCapacityUnits":2}}]}
            """.ReplaceLineEndings(""), Json(w => ResponseWriter.TransactWriteItems(w, new TransactWriteItemsResponse(TwoTables))));
    }

    [Fact]
    public void TransactGetItemsAnswersOneResponsePerGetInOrder()
    {
        var response = new TransactGetItemsResponse([
            new ItemResponse(Item(("pk", S("a")), ("n", N("1")))),
            new ItemResponse(null),
            new ItemResponse(Item(("pk", S("c")), ("m", AttributeValue.Map(Item(("x", AttributeValue.Null))))))]);
        Assert.Equal("""
            {"Responses":[{"Item":{"pk":{"S":"a"},"n":{"N":"1"}}},{},{"Item":{"pk":{"S":"c"},"m":{"M":{"x":{"NULL":true}}}}}]}
            """.ReplaceLineEndings(""), Json(w => ResponseWriter.TransactGetItems(w, response)));
        Assert.Equal("""{"Responses":[],"ConsumedCapacity":[{"TableName":"t1","CapacityUnits":4,"WriteCapacityUnits":4},""" +
            """{"TableName":"t2","CapacityUnits":2,"WriteCapacityUnits":2,"Table":{"CapacityUnits":2,"WriteCapacityUnits":2}}]}""",
            Json(w => ResponseWriter.TransactGetItems(w, new TransactGetItemsResponse([], TwoTables))));
    }

    // ---- errors ----

    private static (int Status, string Type, string Body) Error(Exception e)
    {
        (int Status, string Type) answer = (0, "");
        string body = Json(w => answer = DynamoApiHandler.WriteError(w, e));
        return (answer.Status, answer.Type, body);
    }

    private static readonly Dictionary<string, AttributeValue> OldItem = Item(("pk", S("k2")), ("n", N("7")));

    private static TransactionCanceledException Canceled() => TransactionCanceledException.For([
        CancellationReason.None,
        new CancellationReason("ConditionalCheckFailed", ConditionalCheckFailedException.DefaultMessage, OldItem),
        new CancellationReason("ConditionalCheckFailed", ConditionalCheckFailedException.DefaultMessage),
        new CancellationReason("TransactionConflict", "Transaction is ongoing for the item")]);

    [Fact]
    public void TransactionCanceledExceptionHasItsReasonsInOrder()
    {
        var (status, type, body) = Error(Canceled());
        Assert.Equal(400, status);
        Assert.Equal("com.amazonaws.dynamodb.v20120810#TransactionCanceledException", type);

        using var parsed = JsonDocument.Parse(body);
        var root = parsed.RootElement;
        Assert.Equal(["__type", "CancellationReasons", "Message"], root.EnumerateObject().Select(m => m.Name));
        Assert.Equal(type, root.GetProperty("__type").GetString());
        Assert.Equal("Transaction cancelled, please refer cancellation reasons for specific reasons " +
            "[None, ConditionalCheckFailed, ConditionalCheckFailed, TransactionConflict]", root.GetProperty("Message").GetString());
        var reasons = root.GetProperty("CancellationReasons").EnumerateArray().ToArray();
        Assert.Equal(4, reasons.Length);
        Assert.Equal("""{"Code":"None"}""", reasons[0].GetRawText());
        Assert.Equal("""{"Code":"ConditionalCheckFailed","Message":"The conditional request failed","Item":{"pk":{"S":"k2"},"n":{"N":"7"}}}""",
            reasons[1].GetRawText());
        Assert.Equal("""{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}""", reasons[2].GetRawText());
        Assert.Equal("""{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}""", reasons[3].GetRawText());
    }

    [Fact]
    public void TransactionConflictAndIdempotentParameterMismatchAreServiceErrors()
    {
        Assert.Equal((400, "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
                """{"__type":"com.amazonaws.dynamodb.v20120810#TransactionConflictException","message":"Transaction is ongoing for the item"}"""),
            Error(new TransactionConflictException(TransactionConflictException.DefaultMessage)));
        Assert.Equal((400, "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                """{"__type":"com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException","message":"Request parameters do not match"}"""),
            Error(new IdempotentParameterMismatchException("Request parameters do not match")));
        // The writer's other errors keep their bodies.
        Assert.Equal((400, "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                """{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":{"pk":{"S":"k2"},"n":{"N":"7"}}}"""),
            Error(new ConditionalCheckFailedException(ConditionalCheckFailedException.DefaultMessage, OldItem)));
        Assert.Equal((500, "com.amazonaws.dynamodb.v20120810#InternalServerError",
                """{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}"""),
            Error(new NotSupportedException("not yet")));
    }

    // ---- the AWS SDK for .NET against canned answers ----

    // An HTTP client factory for the SDK whose every answer is `body` with `status`, with DynamoDB's headers (the SDK
    // checks x-amz-crc32); it keeps the request body it was sent.
    private sealed class CannedAnswer(HttpStatusCode status, byte[] body) : HttpClientFactory
    {
        private readonly HttpStatusCode _status = status;
        private readonly byte[] _body = body;

        public byte[]? RequestBody { get; private set; }

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Handler(this));

        private sealed class Handler(CannedAnswer owner) : HttpMessageHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancel)
            {
                owner.RequestBody = await request.Content!.ReadAsByteArrayAsync(cancel);
                var response = new HttpResponseMessage(owner._status) { Content = new ByteArrayContent(owner._body), RequestMessage = request };
                response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.0");
                response.Headers.Add("x-amzn-RequestId", "CANNED");
                response.Headers.Add("x-amz-crc32", Crc32.HashToUInt32(owner._body).ToString(System.Globalization.CultureInfo.InvariantCulture));
                return response;
            }
        }
    }

    private static AmazonDynamoDBClient SdkClient(CannedAnswer answer) => new(new BasicAWSCredentials("basalt", "secret"), new AmazonDynamoDBConfig
    {
        ServiceURL = "http://127.0.0.1:9",
        AuthenticationRegion = "us-east-1",
        MaxErrorRetry = 0,
        HttpClientFactory = answer,
    });

    [Fact]
    public async Task SdkReadsTheTransactionCanceledBodyWithItsReasons()
    {
        var (status, _, body) = Error(Canceled());
        var answer = new CannedAnswer((HttpStatusCode)status, Encoding.UTF8.GetBytes(body));
        using var client = SdkClient(answer);
        var e = await Assert.ThrowsAsync<Sdk.TransactionCanceledException>(() => client.TransactWriteItemsAsync(new Sdk.TransactWriteItemsRequest
        {
            TransactItems = [new Sdk.TransactWriteItem { ConditionCheck = new Sdk.ConditionCheck { TableName = "t", Key = new() { ["pk"] = new Sdk.AttributeValue("k") }, ConditionExpression = "attribute_exists(pk)" } }],
        }));
        Assert.Equal("TransactionCanceledException", e.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        Assert.Equal("Transaction cancelled, please refer cancellation reasons for specific reasons " +
            "[None, ConditionalCheckFailed, ConditionalCheckFailed, TransactionConflict]", e.Message);
        Assert.Equal(["None", "ConditionalCheckFailed", "ConditionalCheckFailed", "TransactionConflict"], e.CancellationReasons.Select(r => r.Code));
        Assert.Null(e.CancellationReasons[0].Message);
        Assert.Equal("The conditional request failed", e.CancellationReasons[1].Message);
        Assert.Equal("k2", e.CancellationReasons[1].Item["pk"].S);
        Assert.Equal("7", e.CancellationReasons[1].Item["n"].N);
        Assert.True(e.CancellationReasons[2].Item is null or { Count: 0 });
        Assert.Equal("Transaction is ongoing for the item", e.CancellationReasons[3].Message);

        // The SDK's request, as it marshalled it, reads back through RequestReader.
        var sent = RequestReader.TransactWriteItems(answer.RequestBody!);
        var check = Assert.Single(sent.TransactItems!).ConditionCheck!;
        Assert.Equal(("t", S("k"), "attribute_exists(pk)"), (check.TableName, check.Key!["pk"], check.ConditionExpression));
    }

    [Fact]
    public async Task SdkReadsTheConflictAndMismatchErrors()
    {
        var (status, _, body) = Error(new TransactionConflictException(TransactionConflictException.DefaultMessage));
        using (var client = SdkClient(new CannedAnswer((HttpStatusCode)status, Encoding.UTF8.GetBytes(body))))
        {
            var e = await Assert.ThrowsAsync<Sdk.TransactionConflictException>(() => client.PutItemAsync(new Sdk.PutItemRequest
            {
                TableName = "t", Item = new() { ["pk"] = new Sdk.AttributeValue("k") },
            }));
            Assert.Equal(TransactionConflictException.DefaultMessage, e.Message);
        }
        (status, _, body) = Error(new IdempotentParameterMismatchException("Request parameters do not match"));
        using (var client = SdkClient(new CannedAnswer((HttpStatusCode)status, Encoding.UTF8.GetBytes(body))))
        {
            var e = await Assert.ThrowsAsync<Sdk.IdempotentParameterMismatchException>(() => client.TransactWriteItemsAsync(new Sdk.TransactWriteItemsRequest
            {
                ClientRequestToken = "token",
                TransactItems = [new Sdk.TransactWriteItem { Delete = new Sdk.Delete { TableName = "t", Key = new() { ["pk"] = new Sdk.AttributeValue("k") } } }],
            }));
            Assert.Equal("Request parameters do not match", e.Message);
        }
    }

    [Fact]
    public async Task SdkReadsTheTransactGetItemsAnswerAndSendsWhatRequestReaderReads()
    {
        var response = new TransactGetItemsResponse([new ItemResponse(Item(("pk", S("a")), ("n", N("1")))), new ItemResponse(null)], TwoTables);
        var answer = new CannedAnswer(HttpStatusCode.OK, Encoding.UTF8.GetBytes(Json(w => ResponseWriter.TransactGetItems(w, response))));
        using var client = SdkClient(answer);
        var read = await client.TransactGetItemsAsync(new Sdk.TransactGetItemsRequest
        {
            TransactItems =
            [
                new Sdk.TransactGetItem { Get = new Sdk.Get { TableName = "t1", Key = new() { ["pk"] = new Sdk.AttributeValue("a") } } },
                new Sdk.TransactGetItem { Get = new Sdk.Get { TableName = "t1", Key = new() { ["pk"] = new Sdk.AttributeValue("b") }, ProjectionExpression = "#n",
                    ExpressionAttributeNames = new() { ["#n"] = "n" } } },
            ],
            ReturnConsumedCapacity = Amazon.DynamoDBv2.ReturnConsumedCapacity.TOTAL,
        });
        Assert.Equal(2, read.Responses.Count);
        Assert.Equal("1", read.Responses[0].Item["n"].N);
        Assert.True(read.Responses[1].Item is null or { Count: 0 });
        Assert.Equal(["t1", "t2"], read.ConsumedCapacity.Select(c => c.TableName));

        var sent = RequestReader.TransactGetItems(answer.RequestBody!);
        Assert.Equal(ReturnConsumedCapacity.Total, sent.ReturnConsumedCapacity);
        var gets = sent.TransactItems!;
        Assert.Equal([S("a"), S("b")], gets.Select(i => i.Get!.Key!["pk"]));
        var projected = gets[1].Get!;
        Assert.Equal(("#n", "n"), (projected.ProjectionExpression, projected.ExpressionAttributeNames!["#n"]));

        var write = new CannedAnswer(HttpStatusCode.OK, Encoding.UTF8.GetBytes(Json(w => ResponseWriter.TransactWriteItems(w, new TransactWriteItemsResponse(TwoTables)))));
        using var writer = SdkClient(write);
        var written = await writer.TransactWriteItemsAsync(new Sdk.TransactWriteItemsRequest
        {
            TransactItems =
            [
                new Sdk.TransactWriteItem { Put = new Sdk.Put { TableName = "t1", Item = new() { ["pk"] = new Sdk.AttributeValue("a") } } },
                new Sdk.TransactWriteItem { Update = new Sdk.Update { TableName = "t2", Key = new() { ["pk"] = new Sdk.AttributeValue("b") },
                    UpdateExpression = "SET n = :v", ExpressionAttributeValues = new() { [":v"] = new Sdk.AttributeValue { N = "2" } },
                    ReturnValuesOnConditionCheckFailure = Amazon.DynamoDBv2.ReturnValuesOnConditionCheckFailure.ALL_OLD } },
            ],
            ClientRequestToken = "token-2",
            ReturnConsumedCapacity = Amazon.DynamoDBv2.ReturnConsumedCapacity.TOTAL,
        });
        Assert.Equal([4.0, 2.0], written.ConsumedCapacity.Select(c => c.CapacityUnits!.Value));
        var request = RequestReader.TransactWriteItems(write.RequestBody!);
        Assert.Equal("token-2", request.ClientRequestToken);
        Assert.Equal(S("a"), request.TransactItems![0].Put!.Item!["pk"]);
        var update = request.TransactItems[1].Update!;
        Assert.Equal(("t2", "SET n = :v", N("2"), ReturnValuesOnConditionCheckFailure.AllOld),
            (update.TableName, update.UpdateExpression, update.ExpressionAttributeValues![":v"], update.ReturnValuesOnConditionCheckFailure));
    }

    // ---- through a running server ----

    private static async Task CreateTableAsync(AmazonDynamoDBClient client, string name) => await client.CreateTableAsync(new Sdk.CreateTableRequest
    {
        TableName = name,
        KeySchema = [new Sdk.KeySchemaElement("pk", Amazon.DynamoDBv2.KeyType.HASH)],
        AttributeDefinitions = [new Sdk.AttributeDefinition("pk", Amazon.DynamoDBv2.ScalarAttributeType.S)],
        BillingMode = Amazon.DynamoDBv2.BillingMode.PAY_PER_REQUEST,
    });

    private static Dictionary<string, Sdk.AttributeValue> Key(string pk) => new() { ["pk"] = new Sdk.AttributeValue(pk) };

    [Fact]
    public async Task ServerAnswersWireErrorsBeforeTheEngineRuns()
    {
        await using var fx = await ServerFixture.StartAsync();
        var (status, body, _) = await fx.PostAsync("TransactWriteItems", """{"TransactItems":[{"Put":{"TableName":"t"}}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("""{"__type":"com.amazon.coral.validate#ValidationException","message":"1 validation error detected: Value null at 'transactItems.1.member.put.item' failed to satisfy constraint: Member must not be null"}""", body);
        (status, body, _) = await fx.PostAsync("TransactGetItems", """{"TransactItems":[{"Get":[]}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("com.amazon.coral.service#SerializationException", body);
    }

    [Fact]
    public async Task TwoItemTransactWriteThenTransactGetReadsBothBack()
    {
        await using var fx = await ServerFixture.StartAsync();
        await CreateTableAsync(fx.Client, "Accounts");
        await CreateTableAsync(fx.Client, "Ledger");
        await fx.Client.TransactWriteItemsAsync(new Sdk.TransactWriteItemsRequest
        {
            TransactItems =
            [
                new Sdk.TransactWriteItem { Put = new Sdk.Put { TableName = "Accounts", Item = new() { ["pk"] = new Sdk.AttributeValue("alice"), ["balance"] = new Sdk.AttributeValue { N = "90" } } } },
                new Sdk.TransactWriteItem { Put = new Sdk.Put { TableName = "Ledger", Item = new() { ["pk"] = new Sdk.AttributeValue("t1"), ["amount"] = new Sdk.AttributeValue { N = "10" } },
                    ConditionExpression = "attribute_not_exists(pk)" } },
            ],
        });
        var read = await fx.Client.TransactGetItemsAsync(new Sdk.TransactGetItemsRequest
        {
            TransactItems =
            [
                new Sdk.TransactGetItem { Get = new Sdk.Get { TableName = "Accounts", Key = Key("alice") } },
                new Sdk.TransactGetItem { Get = new Sdk.Get { TableName = "Ledger", Key = Key("t1") } },
                new Sdk.TransactGetItem { Get = new Sdk.Get { TableName = "Ledger", Key = Key("absent") } },
            ],
        });
        Assert.Equal(3, read.Responses.Count);
        Assert.Equal("90", read.Responses[0].Item["balance"].N);
        Assert.Equal("10", read.Responses[1].Item["amount"].N);
        Assert.True(read.Responses[2].Item is null or { Count: 0 });
    }

    [Fact]
    public async Task FailedConditionCheckCancelsWithReasonsInActionOrder()
    {
        await using var fx = await ServerFixture.StartAsync();
        await CreateTableAsync(fx.Client, "Accounts");
        await fx.Client.PutItemAsync(new Sdk.PutItemRequest { TableName = "Accounts", Item = new() { ["pk"] = new Sdk.AttributeValue("bob"), ["balance"] = new Sdk.AttributeValue { N = "5" } } });
        var e = await Assert.ThrowsAsync<Sdk.TransactionCanceledException>(() => fx.Client.TransactWriteItemsAsync(new Sdk.TransactWriteItemsRequest
        {
            TransactItems =
            [
                new Sdk.TransactWriteItem { Put = new Sdk.Put { TableName = "Accounts", Item = new() { ["pk"] = new Sdk.AttributeValue("carol"), ["balance"] = new Sdk.AttributeValue { N = "1" } } } },
                new Sdk.TransactWriteItem { ConditionCheck = new Sdk.ConditionCheck { TableName = "Accounts", Key = Key("bob"), ConditionExpression = "balance >= :min",
                    ExpressionAttributeValues = new() { [":min"] = new Sdk.AttributeValue { N = "10" } },
                    ReturnValuesOnConditionCheckFailure = Amazon.DynamoDBv2.ReturnValuesOnConditionCheckFailure.ALL_OLD } },
            ],
        }));
        Assert.Equal(["None", "ConditionalCheckFailed"], e.CancellationReasons.Select(r => r.Code));
        Assert.Equal("The conditional request failed", e.CancellationReasons[1].Message);
        Assert.Equal("5", e.CancellationReasons[1].Item["balance"].N);
        Assert.Equal("Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]", e.Message);
        // Nothing was written.
        var carol = await fx.Client.GetItemAsync(new Sdk.GetItemRequest { TableName = "Accounts", Key = Key("carol"), ConsistentRead = true });
        Assert.False(carol.IsItemSet);
    }
}
