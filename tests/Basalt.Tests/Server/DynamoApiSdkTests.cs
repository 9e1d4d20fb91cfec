using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Basalt.Tests.Server;

// The real AWS SDK for .NET (AWSSDK.DynamoDBv2, low-level client) against a Basalt server started in process: every
// implemented operation's request and response shapes, paginators, and DynamoDB's errors as the SDK surfaces them.
// Written so that each test would pass against DynamoDB itself.
public class DynamoApiSdkTests
{
    private static CreateTableRequest OrdersTable(string name = "Orders") => new()
    {
        TableName = name,
        KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
        AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("sk", ScalarAttributeType.N)],
        BillingMode = BillingMode.PAY_PER_REQUEST,
    };

    private static Dictionary<string, AttributeValue> Key(string pk, int sk) => new()
    {
        ["pk"] = new AttributeValue { S = pk },
        ["sk"] = new AttributeValue { N = sk.ToString() },
    };

    [Fact]
    public async Task Table_lifecycle_create_describe_list_update_delete()
    {
        await using var fx = await ServerFixture.StartAsync();
        var created = await fx.Client.CreateTableAsync(OrdersTable());
        Assert.Equal("Orders", created.TableDescription.TableName);
        Assert.Equal(TableStatus.ACTIVE, created.TableDescription.TableStatus);
        Assert.Equal("arn:aws:dynamodb:us-east-1:000000000000:table/Orders", created.TableDescription.TableArn);
        Assert.Equal(BillingMode.PAY_PER_REQUEST, created.TableDescription.BillingModeSummary.BillingMode);

        var described = await fx.Client.DescribeTableAsync("Orders");
        Assert.Equal(["pk", "sk"], described.Table.KeySchema.Select(k => k.AttributeName));
        Assert.Equal([KeyType.HASH, KeyType.RANGE], described.Table.KeySchema.Select(k => k.KeyType));
        Assert.Equal(0, described.Table.ItemCount);
        Assert.True(described.Table.CreationDateTime > DateTime.UtcNow.AddMinutes(-5));

        await fx.Client.CreateTableAsync(OrdersTable("Customers"));
        var listed = await fx.Client.ListTablesAsync(new ListTablesRequest { Limit = 1 });
        Assert.Equal(["Customers"], listed.TableNames);
        Assert.Equal("Customers", listed.LastEvaluatedTableName);
        var rest = await fx.Client.ListTablesAsync(new ListTablesRequest { ExclusiveStartTableName = "Customers" });
        Assert.Equal(["Orders"], rest.TableNames);

        var updated = await fx.Client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = "Orders", BillingMode = BillingMode.PROVISIONED,
            ProvisionedThroughput = new ProvisionedThroughput(5, 7),
        });
        Assert.Equal(7, updated.TableDescription.ProvisionedThroughput.WriteCapacityUnits);

        var deleted = await fx.Client.DeleteTableAsync("Orders");
        Assert.Equal(TableStatus.DELETING, deleted.TableDescription.TableStatus);
        var missing = await Assert.ThrowsAsync<ResourceNotFoundException>(() => fx.Client.DescribeTableAsync("Orders"));
        Assert.Equal("Requested resource not found: Table: Orders not found", missing.Message);
        var again = await Assert.ThrowsAsync<ResourceInUseException>(() => fx.Client.CreateTableAsync(OrdersTable("Customers")));
        Assert.Contains("Customers", again.Message);
    }

    [Fact]
    public async Task Items_of_every_type_round_trip_and_conditional_writes_answer_as_DynamoDB()
    {
        await using var fx = await ServerFixture.StartAsync();
        await fx.Client.CreateTableAsync(OrdersTable());
        var item = Key("customer#1", 7);
        item["name"] = new AttributeValue { S = "Ada" };
        item["total"] = new AttributeValue { N = "12.50" };
        item["blob"] = new AttributeValue { B = new MemoryStream([1, 2, 3, 255]) };
        item["paid"] = new AttributeValue { BOOL = true };
        item["note"] = new AttributeValue { NULL = true };
        item["address"] = new AttributeValue { M = new() { ["city"] = new AttributeValue { S = "Paris" }, ["zip"] = new AttributeValue { N = "75001" } } };
        item["lines"] = new AttributeValue { L = [new AttributeValue { S = "a" }, new AttributeValue { N = "2" }] };
        item["tags"] = new AttributeValue { SS = ["x", "y"] };
        item["sizes"] = new AttributeValue { NS = ["1", "2.5"] };
        item["keys"] = new AttributeValue { BS = [new MemoryStream([9]), new MemoryStream([8, 7])] };
        var put = await fx.Client.PutItemAsync(new PutItemRequest { TableName = "Orders", Item = item });
        Assert.Null(put.Attributes);

        var got = await fx.Client.GetItemAsync(new GetItemRequest { TableName = "Orders", Key = Key("customer#1", 7), ConsistentRead = true });
        Assert.True(got.IsItemSet);
        Assert.Equal("Ada", got.Item["name"].S);
        Assert.Equal("12.5", got.Item["total"].N); // numbers come back canonical, as DynamoDB's
        Assert.Equal([1, 2, 3, 255], got.Item["blob"].B.ToArray());
        Assert.True(got.Item["paid"].BOOL);
        Assert.True(got.Item["note"].NULL);
        Assert.Equal("Paris", got.Item["address"].M["city"].S);
        Assert.Equal(["a", null], got.Item["lines"].L.Select(v => v.S));
        Assert.Equal(["x", "y"], got.Item["tags"].SS.Order());
        Assert.Equal(["1", "2.5"], got.Item["sizes"].NS.Order());
        Assert.Equal(2, got.Item["keys"].BS.Count);

        var none = await fx.Client.GetItemAsync("Orders", Key("customer#1", 8));
        Assert.False(none.IsItemSet);

        var updated = await fx.Client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = "Orders", Key = Key("customer#1", 7),
            UpdateExpression = "SET #t = #t + :d, #l = list_append(#l, :more) ADD tags :tag", // LINES is a reserved word
            ConditionExpression = "paid = :yes",
            ExpressionAttributeNames = new() { ["#t"] = "total", ["#l"] = "lines" },
            ExpressionAttributeValues = new()
            {
                [":d"] = new AttributeValue { N = "0.5" }, [":yes"] = new AttributeValue { BOOL = true },
                [":more"] = new AttributeValue { L = [new AttributeValue { S = "c" }] }, [":tag"] = new AttributeValue { SS = ["z"] },
            },
            ReturnValues = ReturnValue.UPDATED_NEW,
        });
        Assert.Equal("13", updated.Attributes["total"].N);
        Assert.Equal(3, updated.Attributes["lines"].L.Count);
        Assert.Equal(["x", "y", "z"], updated.Attributes["tags"].SS.Order());

        var failed = await Assert.ThrowsAsync<ConditionalCheckFailedException>(() => fx.Client.DeleteItemAsync(new DeleteItemRequest
        {
            TableName = "Orders", Key = Key("customer#1", 7), ConditionExpression = "attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
        }));
        Assert.Equal("The conditional request failed", failed.Message);
        Assert.Equal("Ada", failed.Item["name"].S);

        var deleted = await fx.Client.DeleteItemAsync(new DeleteItemRequest { TableName = "Orders", Key = Key("customer#1", 7), ReturnValues = ReturnValue.ALL_OLD });
        Assert.Equal("13", deleted.Attributes["total"].N);
        Assert.False((await fx.Client.GetItemAsync("Orders", Key("customer#1", 7))).IsItemSet);
    }

    [Fact]
    public async Task Query_and_scan_page_through_the_SDK_paginators()
    {
        await using var fx = await ServerFixture.StartAsync();
        await fx.Client.CreateTableAsync(OrdersTable());
        for (int i = 0; i < 25; i++)
        {
            var item = Key(i < 20 ? "a" : "b", i);
            item["even"] = new AttributeValue { BOOL = i % 2 == 0 };
            await fx.Client.PutItemAsync("Orders", item);
        }

        var keys = new List<int>();
        int pages = 0;
        var query = fx.Client.Paginators.Query(new QueryRequest
        {
            TableName = "Orders", KeyConditionExpression = "pk = :p AND sk >= :from",
            ExpressionAttributeValues = new() { [":p"] = new AttributeValue { S = "a" }, [":from"] = new AttributeValue { N = "3" } },
            ScanIndexForward = false, Limit = 5,
        });
        await foreach (var page in query.Responses)
        {
            pages++;
            keys.AddRange(page.Items?.Select(i => int.Parse(i["sk"].N)) ?? []);
        }
        Assert.Equal(Enumerable.Range(3, 17).Reverse(), keys);
        Assert.True(pages >= 4);

        var counted = await fx.Client.QueryAsync(new QueryRequest
        {
            TableName = "Orders", KeyConditionExpression = "pk = :p", FilterExpression = "even = :t", Select = Select.COUNT,
            ExpressionAttributeValues = new() { [":p"] = new AttributeValue { S = "a" }, [":t"] = new AttributeValue { BOOL = true } },
        });
        Assert.Equal(10, counted.Count);
        Assert.Equal(20, counted.ScannedCount);
        Assert.Null(counted.Items);

        var scanned = new List<string>();
        await foreach (var page in fx.Client.Paginators.Scan(new ScanRequest { TableName = "Orders", Limit = 7 }).Responses)
            foreach (var item in page.Items ?? []) scanned.Add(item["pk"].S + item["sk"].N);
        Assert.Equal(25, scanned.Count);
        Assert.Equal(25, scanned.Distinct().Count());
    }

    [Fact]
    public async Task Batches_write_and_read_across_tables()
    {
        await using var fx = await ServerFixture.StartAsync();
        await fx.Client.CreateTableAsync(OrdersTable());
        await fx.Client.CreateTableAsync(OrdersTable("Archive"));
        var writes = Enumerable.Range(0, 20).Select(i => new WriteRequest(new PutRequest(Key("k", i)))).ToList();
        var written = await fx.Client.BatchWriteItemAsync(new BatchWriteItemRequest
        {
            RequestItems = new() { ["Orders"] = writes, ["Archive"] = [new WriteRequest(new PutRequest(Key("old", 1)))] },
        });
        Assert.True(written.UnprocessedItems is null || written.UnprocessedItems.Count == 0);

        var read = await fx.Client.BatchGetItemAsync(new BatchGetItemRequest
        {
            RequestItems = new()
            {
                ["Orders"] = new KeysAndAttributes { Keys = [Key("k", 3), Key("k", 19), Key("k", 99)] },
                ["Archive"] = new KeysAndAttributes { Keys = [Key("old", 1)], ProjectionExpression = "pk" },
            },
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
        });
        Assert.Equal([3, 19], read.Responses["Orders"].Select(i => int.Parse(i["sk"].N)).Order());
        Assert.Equal(["pk"], read.Responses["Archive"].Single().Keys);
        Assert.Equal(2, read.ConsumedCapacity.Count);

        var tooMany = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => fx.Client.BatchWriteItemAsync(new BatchWriteItemRequest
        {
            RequestItems = new() { ["Orders"] = Enumerable.Range(0, 26).Select(i => new WriteRequest(new PutRequest(Key("z", i)))).ToList() },
        }));
        Assert.Equal("ValidationException", tooMany.ErrorCode);
    }

    [Fact]
    public async Task Validation_errors_carry_DynamoDBs_type_and_message()
    {
        await using var fx = await ServerFixture.StartAsync();
        await fx.Client.CreateTableAsync(OrdersTable());
        var wrongKey = await Assert.ThrowsAsync<AmazonDynamoDBException>(() =>
            fx.Client.GetItemAsync("Orders", new Dictionary<string, AttributeValue> { ["pk"] = new AttributeValue { S = "a" } }));
        Assert.Equal("ValidationException", wrongKey.ErrorCode);
        Assert.Equal("The provided key element does not match the schema", wrongKey.Message);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, wrongKey.StatusCode);
        Assert.False(string.IsNullOrEmpty(wrongKey.RequestId));

        var badExpression = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => fx.Client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = "Orders", Key = Key("a", 1), UpdateExpression = "SET a = :v, a = :v",
            ExpressionAttributeValues = new() { [":v"] = new AttributeValue { S = "x" } },
        }));
        Assert.Equal("ValidationException", badExpression.ErrorCode);
        Assert.StartsWith("Invalid UpdateExpression: Two document paths overlap with each other", badExpression.Message);

        var noTable = await Assert.ThrowsAsync<ResourceNotFoundException>(() => fx.Client.PutItemAsync("Nope", Key("a", 1)));
        Assert.Equal("Requested resource not found: Table: Nope not found", noTable.Message);
    }
}
