using System.Text;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Server.DynamoApi;

namespace Basalt.Tests.Server.DynamoApi;

// Request bodies into the engine's request types: every member of every operation (legacy ones included), absent
// stays null and empty stays empty, unknown members are skipped, and each wire-level refusal has DynamoDB's exception
// type and message (dynalite's validations/*.js and test/*.js, which run against DynamoDB).
public class RequestReaderTests
{
    private static byte[] B(string json) => Encoding.UTF8.GetBytes(json);

    private static AttributeValue S(string s) => AttributeValue.String(s);
    private static AttributeValue N(string n) => AttributeValue.Number(n);

    private static string Enum(string value, string path, string set) =>
        $"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: Member must satisfy enum value set: {set}";

    private const string ReturnValuesSet = "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]";
    private const string ComparisonSet = "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]";

    // ---- table operations ----

    [Fact]
    public void CreateTableReadsEveryMember()
    {
        var request = RequestReader.CreateTable(B("""
            {"TableName":"t1","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
             "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
             "BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":7},
             "Tags":[{"Key":"a","Value":"b"}],"StreamSpecification":{"StreamEnabled":false}}
            """));
        Assert.Equal("t1", request.TableName);
        Assert.Equal([new KeySchemaElement("pk", KeyType.Hash), new KeySchemaElement("sk", KeyType.Range)], request.KeySchema);
        Assert.Equal([new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("sk", ScalarAttributeType.N)], request.AttributeDefinitions);
        Assert.Equal(BillingMode.Provisioned, request.BillingMode);
        Assert.Equal(new ProvisionedThroughput(5, 7), request.ProvisionedThroughput);
        Assert.Equal([new Tag("a", "b")], request.Tags);
    }

    [Fact]
    public void TagOperationsReadEveryMemberAndKeepAbsentOnesNull()
    {
        var tag = RequestReader.TagResource(B("""
            {"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/t1","Tags":[{"Key":"a","Value":""},{"Key":"b"},{"Value":"c"},null],"X":1}
            """));
        Assert.Equal("arn:aws:dynamodb:us-east-1:000000000000:table/t1", tag.ResourceArn);
        Assert.Equal([new Tag("a", ""), new Tag("b", null!), new Tag(null!, "c"), null!], tag.Tags);
        Assert.Null(RequestReader.TagResource(B("""{"Tags":null}""")).Tags);
        Assert.Null(RequestReader.TagResource(B("{}")).ResourceArn);

        var untag = RequestReader.UntagResource(B("""{"ResourceArn":"r","TagKeys":["a","b"]}"""));
        Assert.Equal(["a", "b"], untag.TagKeys);
        Assert.Null(RequestReader.UntagResource(B("{}")).TagKeys);

        var list = RequestReader.ListTagsOfResource(B("""{"ResourceArn":"r","NextToken":"t"}"""));
        Assert.Equal(("r", "t"), (list.ResourceArn, list.NextToken));
        RequestReader.DescribeLimits(B("""{"Anything":[1,2]}"""));
        Assert.Throws<SerializationException>(() => RequestReader.DescribeLimits(B("{")));
        Assert.Throws<SerializationException>(() => RequestReader.TagResource(B("""{"Tags":{"Key":"a"}}""")));
        Assert.Throws<SerializationException>(() => RequestReader.TagResource(B("""{"Tags":[{"Key":1}]}""")));
    }

    [Fact]
    public void CreateTableLeavesAbsentMembersNullAndEmptyOnesEmpty()
    {
        var request = RequestReader.CreateTable(B("""{"KeySchema":[],"BillingMode":null}"""));
        Assert.Null(request.TableName);
        Assert.NotNull(request.KeySchema);
        Assert.Empty(request.KeySchema);
        Assert.Null(request.AttributeDefinitions);
        Assert.Null(request.BillingMode);
        Assert.Null(request.ProvisionedThroughput);
    }

    [Fact]
    public void CreateTableEnumsAndRequiredMembers()
    {
        var e = Assert.Throws<ValidationException>(() => RequestReader.CreateTable(B("""
            {"TableName":"t1","KeySchema":[{"AttributeName":"pk","KeyType":"hash"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"X"}],"BillingMode":"FREE"}
            """)));
        Assert.Equal("3 validation errors detected: " +
            "Value 'hash' at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]; " +
            "Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]; " +
            "Value 'FREE' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", e.Message);

        e = Assert.Throws<ValidationException>(() => RequestReader.CreateTable(B("""
            {"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"KeyType":"RANGE"}],"ProvisionedThroughput":{"ReadCapacityUnits":1}}
            """)));
        Assert.Equal("2 validation errors detected: " +
            "Value null at 'keySchema.2.member.attributeName' failed to satisfy constraint: Member must not be null; " +
            "Value null at 'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must not be null", e.Message);
    }

    [Fact]
    public void ProvisionedThroughputTypes()
    {
        Assert.Equal("class java.lang.String can not be converted to an Long",
            Assert.Throws<SerializationException>(() => RequestReader.CreateTable(B("""{"ProvisionedThroughput":{"ReadCapacityUnits":"5","WriteCapacityUnits":1}}"""))).Message);
        // Coral truncates a fraction (dynalite: Math.floor).
        Assert.Equal(new ProvisionedThroughput(5, 1),
            RequestReader.CreateTable(B("""{"ProvisionedThroughput":{"ReadCapacityUnits":5.9,"WriteCapacityUnits":1}}""")).ProvisionedThroughput);
    }

    [Fact]
    public void OtherTableOperations()
    {
        Assert.Equal("t2", RequestReader.DescribeTable(B("""{"TableName":"t2"}""")).TableName);
        Assert.Equal("t3", RequestReader.DeleteTable(B("""{"TableName":"t3"}""")).TableName);
        var list = RequestReader.ListTables(B("""{"ExclusiveStartTableName":"abc","Limit":10}"""));
        Assert.Equal("abc", list.ExclusiveStartTableName);
        Assert.Equal(10, list.Limit);
        var empty = RequestReader.ListTables(B("{}"));
        Assert.Null(empty.ExclusiveStartTableName);
        Assert.Null(empty.Limit);
        var update = RequestReader.UpdateTable(B("""{"TableName":"t4","BillingMode":"PAY_PER_REQUEST","ProvisionedThroughput":{"ReadCapacityUnits":2,"WriteCapacityUnits":3}}"""));
        Assert.Equal("t4", update.TableName);
        Assert.Equal(BillingMode.PayPerRequest, update.BillingMode);
        Assert.Equal(new ProvisionedThroughput(2, 3), update.ProvisionedThroughput);
    }

    // ---- item operations ----

    [Fact]
    public void PutItemReadsEveryMember()
    {
        var request = RequestReader.PutItem(B("""
            {"TableName":"t","Item":{"pk":{"S":"a"},"n":{"N":"1"}},"ConditionExpression":"attribute_not_exists(#p) OR #n = :v",
             "ExpressionAttributeNames":{"#p":"pk","#n":"n"},"ExpressionAttributeValues":{":v":{"N":"2"}},"ReturnValues":"ALL_OLD",
             "ReturnConsumedCapacity":"TOTAL","ReturnValuesOnConditionCheckFailure":"ALL_OLD","ReturnItemCollectionMetrics":"SIZE"}
            """));
        Assert.Equal("t", request.TableName);
        Assert.Equal(new Dictionary<string, AttributeValue> { ["pk"] = S("a"), ["n"] = N("1") }, request.Item);
        Assert.Equal("attribute_not_exists(#p) OR #n = :v", request.ConditionExpression);
        Assert.Equal(new Dictionary<string, string> { ["#p"] = "pk", ["#n"] = "n" }, request.ExpressionAttributeNames);
        Assert.Equal(new Dictionary<string, AttributeValue> { [":v"] = N("2") }, request.ExpressionAttributeValues);
        Assert.Equal(ReturnValue.AllOld, request.ReturnValues);
        Assert.Equal(ReturnConsumedCapacity.Total, request.ReturnConsumedCapacity);
        Assert.Equal(ReturnValuesOnConditionCheckFailure.AllOld, request.ReturnValuesOnConditionCheckFailure);
        Assert.Null(request.Expected);
        Assert.Null(request.ConditionalOperator);
    }

    [Fact]
    public void PutItemLegacyExpected()
    {
        var request = RequestReader.PutItem(B("""
            {"TableName":"t","Item":{},"ConditionalOperator":"OR","Expected":{
               "a":{"Value":{"S":"x"},"Exists":true},
               "b":{"Exists":false},
               "c":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"1"},{"N":"9"}]},
               "d":{"ComparisonOperator":"NOT_NULL"},
               "e":null}}
            """));
        Assert.Empty(request.Item!);
        Assert.Equal(ConditionalOperator.Or, request.ConditionalOperator);
        var expected = request.Expected!;
        Assert.Equal(S("x"), expected["a"].Value);
        Assert.True(expected["a"].Exists);
        Assert.False(expected["b"].Exists);
        Assert.Null(expected["b"].Value);
        Assert.Equal(ComparisonOperator.Between, expected["c"].ComparisonOperator);
        Assert.Equal([N("1"), N("9")], expected["c"].AttributeValueList);
        Assert.Equal(ComparisonOperator.NotNull, expected["d"].ComparisonOperator);
        Assert.Null(expected["d"].AttributeValueList);
        Assert.True(expected.ContainsKey("e"));
        Assert.Null(expected["e"]);
    }

    [Fact]
    public void GetItemReadsEveryMember()
    {
        var request = RequestReader.GetItem(B("""
            {"TableName":"t","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"ConsistentRead":true,"ProjectionExpression":"#a, b",
             "ExpressionAttributeNames":{"#a":"a"},"ReturnConsumedCapacity":"INDEXES","AttributesToGet":["x","y"]}
            """));
        Assert.Equal("t", request.TableName);
        Assert.Equal(new Dictionary<string, AttributeValue> { ["pk"] = S("a"), ["sk"] = N("1") }, request.Key);
        Assert.True(request.ConsistentRead);
        Assert.Equal("#a, b", request.ProjectionExpression);
        Assert.Equal(new Dictionary<string, string> { ["#a"] = "a" }, request.ExpressionAttributeNames);
        Assert.Equal(ReturnConsumedCapacity.Indexes, request.ReturnConsumedCapacity);
        Assert.Equal(["x", "y"], request.AttributesToGet);
    }

    [Fact]
    public void GetItemAbsentAndEmpty()
    {
        var request = RequestReader.GetItem(B("""{"TableName":"t","Key":{},"AttributesToGet":[],"Unknown":{"deep":[1,2,{"x":null}]}}"""));
        Assert.Empty(request.Key!);
        Assert.Empty(request.AttributesToGet!);
        Assert.Null(request.ConsistentRead);
        Assert.Null(request.ProjectionExpression);
        Assert.Null(request.ExpressionAttributeNames);
        Assert.Null(RequestReader.GetItem(B("""{"TableName":"t","Key":null}""")).Key);
        Assert.Null(RequestReader.GetItem(B("{}")).TableName);
    }

    [Fact]
    public void DeleteItemReadsEveryMember()
    {
        var request = RequestReader.DeleteItem(B("""
            {"TableName":"t","Key":{"pk":{"S":"a"}},"ConditionExpression":"x = :v","ExpressionAttributeNames":{"#x":"x"},
             "ExpressionAttributeValues":{":v":{"BOOL":true}},"ReturnValues":"NONE","ReturnConsumedCapacity":"NONE",
             "ReturnValuesOnConditionCheckFailure":"NONE","Expected":{"a":{"Value":{"N":"1"}}},"ConditionalOperator":"AND"}
            """));
        Assert.Equal("t", request.TableName);
        Assert.Equal(new Dictionary<string, AttributeValue> { ["pk"] = S("a") }, request.Key);
        Assert.Equal("x = :v", request.ConditionExpression);
        Assert.Equal("x", request.ExpressionAttributeNames!["#x"]);
        Assert.Equal(AttributeValue.Bool(true), request.ExpressionAttributeValues![":v"]);
        Assert.Equal(ReturnValue.None, request.ReturnValues);
        Assert.Equal(ReturnConsumedCapacity.None, request.ReturnConsumedCapacity);
        Assert.Equal(ReturnValuesOnConditionCheckFailure.None, request.ReturnValuesOnConditionCheckFailure);
        Assert.Equal(N("1"), request.Expected!["a"].Value);
        Assert.Null(request.Expected["a"].Exists);
        Assert.Equal(ConditionalOperator.And, request.ConditionalOperator);
    }

    [Fact]
    public void UpdateItemReadsEveryMember()
    {
        var request = RequestReader.UpdateItem(B("""
            {"TableName":"t","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET a = :v","ConditionExpression":"attribute_exists(pk)",
             "ExpressionAttributeNames":{"#a":"a"},"ExpressionAttributeValues":{":v":{"L":[]}},"ReturnValues":"UPDATED_NEW",
             "ReturnConsumedCapacity":"TOTAL","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}
            """));
        Assert.Equal("SET a = :v", request.UpdateExpression);
        Assert.Equal("attribute_exists(pk)", request.ConditionExpression);
        Assert.Equal(AttributeValue.List(), request.ExpressionAttributeValues![":v"]);
        Assert.Equal(ReturnValue.UpdatedNew, request.ReturnValues);
        Assert.Equal(ReturnConsumedCapacity.Total, request.ReturnConsumedCapacity);
        Assert.Equal(ReturnValuesOnConditionCheckFailure.AllOld, request.ReturnValuesOnConditionCheckFailure);
        Assert.Null(request.AttributeUpdates);
    }

    [Fact]
    public void UpdateItemLegacyAttributeUpdates()
    {
        var request = RequestReader.UpdateItem(B("""
            {"TableName":"t","Key":{"pk":{"S":"a"}},"AttributeUpdates":{
               "a":{"Action":"PUT","Value":{"S":"x"}},"b":{"Action":"ADD","Value":{"N":"1"}},"c":{"Action":"DELETE"},"d":{"Value":{"SS":["q"]}}},
             "Expected":{"a":{"Exists":false}},"ConditionalOperator":"AND"}
            """));
        var updates = request.AttributeUpdates!;
        Assert.Equal(AttributeAction.Put, updates["a"].Action);
        Assert.Equal(S("x"), updates["a"].Value);
        Assert.Equal(AttributeAction.Add, updates["b"].Action);
        Assert.Equal(AttributeAction.Delete, updates["c"].Action);
        Assert.Null(updates["c"].Value);
        Assert.Null(updates["d"].Action);
        Assert.Equal(AttributeValue.StringSet(["q"]), updates["d"].Value);
        Assert.False(request.Expected!["a"].Exists);
        Assert.Equal(ConditionalOperator.And, request.ConditionalOperator);
    }

    // ---- reads ----

    [Fact]
    public void QueryReadsEveryMember()
    {
        var request = RequestReader.Query(B("""
            {"TableName":"t","KeyConditionExpression":"pk = :p","FilterExpression":"a > :a","ProjectionExpression":"a, #b",
             "ExpressionAttributeNames":{"#b":"b"},"ExpressionAttributeValues":{":p":{"S":"x"},":a":{"N":"3"}},"ScanIndexForward":false,
             "Limit":25,"ExclusiveStartKey":{"pk":{"S":"x"},"sk":{"N":"4"}},"Select":"SPECIFIC_ATTRIBUTES","ConsistentRead":false,
             "ReturnConsumedCapacity":"TOTAL"}
            """));
        Assert.Equal("t", request.TableName);
        Assert.Equal("pk = :p", request.KeyConditionExpression);
        Assert.Equal("a > :a", request.FilterExpression);
        Assert.Equal("a, #b", request.ProjectionExpression);
        Assert.Equal("b", request.ExpressionAttributeNames!["#b"]);
        Assert.Equal(new Dictionary<string, AttributeValue> { [":p"] = S("x"), [":a"] = N("3") }, request.ExpressionAttributeValues);
        Assert.False(request.ScanIndexForward);
        Assert.Equal(25, request.Limit);
        Assert.Equal(new Dictionary<string, AttributeValue> { ["pk"] = S("x"), ["sk"] = N("4") }, request.ExclusiveStartKey);
        Assert.Equal(Select.SpecificAttributes, request.Select);
        Assert.False(request.ConsistentRead);
        Assert.Equal(ReturnConsumedCapacity.Total, request.ReturnConsumedCapacity);
    }

    [Fact]
    public void QueryLegacyMembers()
    {
        var request = RequestReader.Query(B("""
            {"TableName":"t","AttributesToGet":["a"],"KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"x"}]},
               "sk":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"S":"p"}]}},
             "QueryFilter":{"f":{"ComparisonOperator":"IN","AttributeValueList":[{"N":"1"},{"N":"2"}]},"g":{"ComparisonOperator":"NULL"}},
             "ConditionalOperator":"OR","Select":"COUNT"}
            """));
        Assert.Equal(["a"], request.AttributesToGet);
        Assert.Equal(ComparisonOperator.Eq, request.KeyConditions!["pk"].ComparisonOperator);
        Assert.Equal([S("x")], request.KeyConditions["pk"].AttributeValueList);
        Assert.Equal(ComparisonOperator.BeginsWith, request.KeyConditions["sk"].ComparisonOperator);
        Assert.Equal(ComparisonOperator.In, request.QueryFilter!["f"].ComparisonOperator);
        Assert.Equal([N("1"), N("2")], request.QueryFilter["f"].AttributeValueList);
        Assert.Equal(ComparisonOperator.Null, request.QueryFilter["g"].ComparisonOperator);
        Assert.Null(request.QueryFilter["g"].AttributeValueList);
        Assert.Equal(ConditionalOperator.Or, request.ConditionalOperator);
        Assert.Equal(Select.Count, request.Select);
    }

    [Fact]
    public void ScanReadsEveryMember()
    {
        var request = RequestReader.Scan(B("""
            {"TableName":"t","FilterExpression":"a = :a","ProjectionExpression":"a","ExpressionAttributeNames":{"#a":"a"},
             "ExpressionAttributeValues":{":a":{"NULL":true}},"Limit":3,"ExclusiveStartKey":{"pk":{"B":"AQI="}},"Select":"ALL_ATTRIBUTES",
             "ConsistentRead":true,"Segment":1,"TotalSegments":4,"ReturnConsumedCapacity":"INDEXES","AttributesToGet":["z"],
             "ScanFilter":{"a":{"ComparisonOperator":"CONTAINS","AttributeValueList":[{"S":"q"}]}},"ConditionalOperator":"AND"}
            """));
        Assert.Equal("t", request.TableName);
        Assert.Equal("a = :a", request.FilterExpression);
        Assert.Equal("a", request.ProjectionExpression);
        Assert.Equal("a", request.ExpressionAttributeNames!["#a"]);
        Assert.Equal(AttributeValue.Null, request.ExpressionAttributeValues![":a"]);
        Assert.Equal(3, request.Limit);
        Assert.Equal(AttributeValue.Binary([1, 2]), request.ExclusiveStartKey!["pk"]);
        Assert.Equal(Select.AllAttributes, request.Select);
        Assert.True(request.ConsistentRead);
        Assert.Equal(1, request.Segment);
        Assert.Equal(4, request.TotalSegments);
        Assert.Equal(ReturnConsumedCapacity.Indexes, request.ReturnConsumedCapacity);
        Assert.Equal(["z"], request.AttributesToGet);
        Assert.Equal(ComparisonOperator.Contains, request.ScanFilter!["a"].ComparisonOperator);
        Assert.Equal(ConditionalOperator.And, request.ConditionalOperator);
    }

    [Fact]
    public void BatchGetItemReadsEveryMember()
    {
        var request = RequestReader.BatchGetItem(B("""
            {"RequestItems":{"t1":{"Keys":[{"pk":{"S":"a"}},{"pk":{"S":"b"}}],"ProjectionExpression":"#x","ExpressionAttributeNames":{"#x":"x"},"ConsistentRead":true},
                             "t2":{"Keys":[],"AttributesToGet":["y"]}},
             "ReturnConsumedCapacity":"TOTAL"}
            """));
        var t1 = request.RequestItems!["t1"];
        Assert.Equal(2, t1.Keys!.Count);
        Assert.Equal(S("b"), t1.Keys[1]["pk"]);
        Assert.Equal("#x", t1.ProjectionExpression);
        Assert.Equal("x", t1.ExpressionAttributeNames!["#x"]);
        Assert.True(t1.ConsistentRead);
        var t2 = request.RequestItems["t2"];
        Assert.Empty(t2.Keys!);
        Assert.Equal(["y"], t2.AttributesToGet);
        Assert.Null(t2.ConsistentRead);
        Assert.Equal(ReturnConsumedCapacity.Total, request.ReturnConsumedCapacity);
        Assert.Empty(RequestReader.BatchGetItem(B("""{"RequestItems":{}}""")).RequestItems!);
        Assert.Null(RequestReader.BatchGetItem(B("{}")).RequestItems);
    }

    [Fact]
    public void BatchWriteItemReadsEveryMember()
    {
        var request = RequestReader.BatchWriteItem(B("""
            {"RequestItems":{"t1":[{"PutRequest":{"Item":{"pk":{"S":"a"},"v":{"N":"1"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"b"}}}}],"t2":[{}]},
             "ReturnConsumedCapacity":"INDEXES","ReturnItemCollectionMetrics":"NONE"}
            """));
        var t1 = request.RequestItems!["t1"];
        Assert.Equal(2, t1.Count);
        Assert.Equal(N("1"), t1[0].PutRequest!.Item!["v"]);
        Assert.Null(t1[0].DeleteRequest);
        Assert.Equal(S("b"), t1[1].DeleteRequest!.Key!["pk"]);
        Assert.Null(t1[1].PutRequest);
        // An empty write request is the engine's to refuse (neither PutRequest nor DeleteRequest).
        var empty = Assert.Single(request.RequestItems["t2"]);
        Assert.Null(empty.PutRequest);
        Assert.Null(empty.DeleteRequest);
        Assert.Equal(ReturnConsumedCapacity.Indexes, request.ReturnConsumedCapacity);
    }

    // ---- refusals ----

    [Theory]
    [InlineData("""{"ReturnValues":"hi"}""", "hi", "returnValues", ReturnValuesSet)]
    [InlineData("""{"ReturnConsumedCapacity":"all"}""", "all", "returnConsumedCapacity", "[INDEXES, TOTAL, NONE]")]
    [InlineData("""{"ReturnItemCollectionMetrics":"hi"}""", "hi", "returnItemCollectionMetrics", "[SIZE, NONE]")]
    [InlineData("""{"ConditionalOperator":"XOR"}""", "XOR", "conditionalOperator", "[OR, AND]")]
    [InlineData("""{"ReturnValuesOnConditionCheckFailure":"ALL_NEW"}""", "ALL_NEW", "returnValuesOnConditionCheckFailure", "[ALL_OLD, NONE]")]
    [InlineData("""{"Expected":{"a":{"ComparisonOperator":"eq"}}}""", "eq", "expected.a.member.comparisonOperator", ComparisonSet)]
    public void PutItemEnumRefusals(string json, string value, string path, string set) =>
        Assert.Equal(Enum(value, path, set), Assert.Throws<ValidationException>(() => RequestReader.PutItem(B(json))).Message);

    [Fact]
    public void OtherEnumRefusals()
    {
        Assert.Equal(Enum("ALL", "select", "[SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]"),
            Assert.Throws<ValidationException>(() => RequestReader.Query(B("""{"Select":"ALL"}"""))).Message);
        Assert.Equal(Enum("LIKE", "keyConditions.pk.member.comparisonOperator", ComparisonSet),
            Assert.Throws<ValidationException>(() => RequestReader.Query(B("""{"KeyConditions":{"pk":{"ComparisonOperator":"LIKE"}}}"""))).Message);
        Assert.Equal(Enum("X", "queryFilter.f.member.comparisonOperator", ComparisonSet),
            Assert.Throws<ValidationException>(() => RequestReader.Query(B("""{"QueryFilter":{"f":{"ComparisonOperator":"X"}}}"""))).Message);
        Assert.Equal(Enum("X", "scanFilter.f.member.comparisonOperator", ComparisonSet),
            Assert.Throws<ValidationException>(() => RequestReader.Scan(B("""{"ScanFilter":{"f":{"ComparisonOperator":"X"}}}"""))).Message);
        Assert.Equal(Enum("REPLACE", "attributeUpdates.a.member.action", "[ADD, PUT, DELETE]"),
            Assert.Throws<ValidationException>(() => RequestReader.UpdateItem(B("""{"AttributeUpdates":{"a":{"Action":"REPLACE"}}}"""))).Message);
        Assert.Equal(Enum("hi", "returnValues", ReturnValuesSet),
            Assert.Throws<ValidationException>(() => RequestReader.UpdateItem(B("""{"ReturnValues":"hi"}"""))).Message);
        Assert.Equal(Enum("hi", "returnConsumedCapacity", "[INDEXES, TOTAL, NONE]"),
            Assert.Throws<ValidationException>(() => RequestReader.BatchWriteItem(B("""{"ReturnConsumedCapacity":"hi"}"""))).Message);
        Assert.Equal(Enum("ON_DEMAND", "billingMode", "[PROVISIONED, PAY_PER_REQUEST]"),
            Assert.Throws<ValidationException>(() => RequestReader.UpdateTable(B("""{"BillingMode":"ON_DEMAND"}"""))).Message);
    }

    // DynamoDB reports every constraint failure in one message, and constraints before semantic errors.
    [Fact]
    public void ConstraintErrorsAreCollectedAndComeFirst()
    {
        var e = Assert.Throws<ValidationException>(() => RequestReader.PutItem(B("""
            {"TableName":"t","Item":{"a":{}},"ReturnConsumedCapacity":"hi","ReturnValues":"hi"}
            """)));
        Assert.Equal("2 validation errors detected: " +
            "Value 'hi' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; " +
            "Value 'hi' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: " + ReturnValuesSet, e.Message);
    }

    [Theory]
    [InlineData("""{"Item":{"a":{}}}""", AttributeValueJson.EmptyMessage)]
    [InlineData("""{"Item":{"a":{"S":"a","N":"1"}}}""", AttributeValueJson.MoreThanOneMessage)]
    [InlineData("""{"Item":{"a":{"NULL":false}}}""", AttributeValueJson.NullFalseMessage)]
    [InlineData("""{"Expected":{"a":{"Value":{}}}}""", AttributeValueJson.EmptyMessage)]
    [InlineData("""{"Expected":{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a","B":"AA=="}]}}}""", AttributeValueJson.MoreThanOneMessage)]
    [InlineData("""{"ExpressionAttributeValues":{":ok":{"S":"x"},":v":{}}}""",
        "ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes for key :v")]
    [InlineData("""{"ExpressionAttributeValues":{":v":{"M":{"inner":{"NULL":false}}}}}""",
        "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: Null attribute value types must have the value of true for key :v")]
    public void AttributeValueRefusalsInItemWrites(string json, string message) =>
        Assert.Equal(message, Assert.Throws<ValidationException>(() => RequestReader.PutItem(B(json))).Message);

    [Fact]
    public void AttributeValueRefusalsElsewhere()
    {
        Assert.Equal(AttributeValueJson.EmptyMessage,
            Assert.Throws<ValidationException>(() => RequestReader.GetItem(B("""{"Key":{"pk":{"S":"a"},"bogus":{}}}"""))).Message);
        Assert.Equal("The provided starting key is invalid: " + AttributeValueJson.EmptyMessage,
            Assert.Throws<ValidationException>(() => RequestReader.Scan(B("""{"ExclusiveStartKey":{"a":{}}}"""))).Message);
        Assert.Equal("The provided starting key is invalid: " + AttributeValueJson.MoreThanOneMessage,
            Assert.Throws<ValidationException>(() => RequestReader.Query(B("""{"ExclusiveStartKey":{"a":{"S":"x","N":"1"}}}"""))).Message);
        Assert.Equal(AttributeValueJson.MoreThanOneMessage,
            Assert.Throws<ValidationException>(() => RequestReader.Query(B("""{"KeyConditions":{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"x","N":"1"}]}}}"""))).Message);
        Assert.Equal(AttributeValueJson.EmptyMessage,
            Assert.Throws<ValidationException>(() => RequestReader.UpdateItem(B("""{"AttributeUpdates":{"a":{"Value":{}}}}"""))).Message);
        Assert.Equal(AttributeValueJson.EmptyMessage,
            Assert.Throws<ValidationException>(() => RequestReader.BatchWriteItem(B("""{"RequestItems":{"t":[{"PutRequest":{"Item":{"a":{}}}}]}}"""))).Message);
        Assert.Equal(AttributeValueJson.NullFalseMessage,
            Assert.Throws<ValidationException>(() => RequestReader.BatchGetItem(B("""{"RequestItems":{"t":{"Keys":[{"a":{"NULL":false}}]}}}"""))).Message);
        Assert.Equal("'AB=' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3",
            Assert.Throws<SerializationException>(() => RequestReader.DeleteItem(B("""{"Key":{"a":{"B":"AB="}}}"""))).Message);
    }

    [Fact]
    public void IndexNameIsPassedOnForTheEngineToResolve()
    {
        Assert.Equal("byOwner", RequestReader.Query(B("""{"TableName":"t","IndexName":"byOwner"}""")).IndexName);
        Assert.Equal("gsi", RequestReader.Scan(B("""{"TableName":"t","IndexName":"gsi"}""")).IndexName);
        Assert.Null(RequestReader.Query(B("""{"TableName":"t","IndexName":null}""")).IndexName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("{\"TableName\":\"t\"")]
    [InlineData("{\"TableName\":}")]
    [InlineData("{\"TableName\":\"t\",}")]
    [InlineData("{'TableName':'t'}")]
    [InlineData("{\"TableName\":\"t\"} x")]
    [InlineData("{\"TableName\":\"t\"}{}")]
    [InlineData("not json")]
    public void MalformedJsonIsASerializationException(string body)
    {
        Assert.Throws<SerializationException>(() => RequestReader.GetItem(B(body)));
        Assert.Throws<SerializationException>(() => RequestReader.CreateTable(B(body)));
        Assert.Throws<SerializationException>(() => RequestReader.BatchWriteItem(B(body)));
    }

    [Fact]
    public void InvalidUtf8IsASerializationException() =>
        Assert.Throws<SerializationException>(() => RequestReader.GetItem([.. "{\"TableName\":\""u8, 0xC3, 0x28, .. "\"}"u8]));

    [Theory]
    [InlineData("""{"TableName":5}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String")]
    [InlineData("""{"TableName":true}""", "class java.lang.Boolean can not be converted to an String")]
    [InlineData("""{"TableName":{}}""", "Start of structure or map found where not expected.")]
    [InlineData("""{"TableName":["t"]}""", "Start of list found where not expected")]
    [InlineData("""{"Key":"k"}""", "Expected map or null")]
    [InlineData("""{"Key":[]}""", "Start of list found where not expected")]
    [InlineData("""{"AttributesToGet":"a"}""", "Expected list or null")]
    [InlineData("""{"AttributesToGet":{}}""", "Start of structure or map found where not expected.")]
    [InlineData("""{"AttributesToGet":[1]}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String")]
    [InlineData("""{"ConsistentRead":5}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an Boolean")]
    [InlineData("""{"ConsistentRead":"sure"}""", "'SURE' can not be converted to an Boolean")]
    [InlineData("""{"ReturnConsumedCapacity":1}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String")]
    [InlineData("""{"ExpressionAttributeNames":{"#a":1}}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String")]
    [InlineData("[]", "Start of list found where not expected")]
    [InlineData("\"x\"", "Expected null")]
    public void WrongJsonTypesAreSerializationExceptions(string json, string message) =>
        Assert.Equal(message, Assert.Throws<SerializationException>(() => RequestReader.GetItem(B(json))).Message);

    [Fact]
    public void IntegerMembers()
    {
        Assert.Equal("class java.lang.String can not be converted to an Integer",
            Assert.Throws<SerializationException>(() => RequestReader.Query(B("""{"Limit":"10"}"""))).Message);
        Assert.Equal("class java.lang.Boolean can not be converted to an Integer",
            Assert.Throws<SerializationException>(() => RequestReader.Scan(B("""{"Segment":true}"""))).Message);
        Assert.Throws<SerializationException>(() => RequestReader.ListTables(B("""{"Limit":1e20}""")));
        Assert.Equal(2, RequestReader.Query(B("""{"Limit":2.7}""")).Limit);
        // Range checks (at least 1, at most 100, ...) are the engine's: the value arrives as sent.
        Assert.Equal(0, RequestReader.ListTables(B("""{"Limit":0}""")).Limit);
        Assert.Equal(-5, RequestReader.Scan(B("""{"TotalSegments":-5}""")).TotalSegments);
    }

    [Fact]
    public void BooleansAcceptCoralsStrings()
    {
        Assert.True(RequestReader.GetItem(B("""{"ConsistentRead":"true"}""")).ConsistentRead);
        Assert.False(RequestReader.Query(B("""{"ScanIndexForward":"no"}""")).ScanIndexForward);
    }

    [Fact]
    public void NullMembersAreAbsent()
    {
        var request = RequestReader.PutItem(B("""
            {"TableName":null,"Item":null,"ReturnValues":null,"ConditionExpression":null,"ExpressionAttributeNames":null,
             "ExpressionAttributeValues":null,"Expected":null,"ConditionalOperator":null}
            """));
        Assert.Null(request.TableName);
        Assert.Null(request.Item);
        Assert.Null(request.ReturnValues);
        Assert.Null(request.ConditionExpression);
        Assert.Null(request.ExpressionAttributeNames);
        Assert.Null(request.ExpressionAttributeValues);
        Assert.Null(request.Expected);
        Assert.Null(request.ConditionalOperator);
        Assert.Null(RequestReader.DescribeTable(B("null")).TableName);
    }

    // AttributesToGet keeps a null name: the engine refuses it with DynamoDB's "Value null at 'attributesToGet'".
    [Fact]
    public void NullNamesInAttributesToGetReachTheEngine() =>
        Assert.Equal([null!, "a"], RequestReader.GetItem(B("""{"AttributesToGet":[null,"a"]}""")).AttributesToGet);

    [Fact]
    public void MemberNamesAreCaseSensitiveAndEscapesAreUnderstood()
    {
        var request = RequestReader.GetItem(B("""{"tablename":"lower","Table\u004Eame":"escaped"}"""));
        Assert.Equal("escaped", request.TableName);
    }
}
