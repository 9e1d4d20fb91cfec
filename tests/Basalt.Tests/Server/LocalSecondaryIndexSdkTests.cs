using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.DataModel;
using Amazon.DynamoDBv2.Model;

namespace Basalt.Tests.Server;

// Local secondary indexes end to end through the AWS SDK: items written with PutItem, UpdateItem, DeleteItem and
// BatchWriteItem, read back through Query and Scan on the index (the SDK's paginators follow LastEvaluatedKey), and
// through the object persistence model, which learns the indexes from DescribeTable.
public class LocalSecondaryIndexSdkTests
{
    private static CreateTableRequest Thread() => new()
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
                Projection = new Projection { ProjectionType = ProjectionType.KEYS_ONLY },
            },
            new LocalSecondaryIndex
            {
                IndexName = "RepliesIndex",
                KeySchema = [new KeySchemaElement("ForumName", KeyType.HASH), new KeySchemaElement("Replies", KeyType.RANGE)],
                Projection = new Projection { ProjectionType = ProjectionType.INCLUDE, NonKeyAttributes = ["Author"] },
            },
        ],
        BillingMode = BillingMode.PAY_PER_REQUEST,
    };

    private static Dictionary<string, AttributeValue> ThreadItem(string forum, int n) => new()
    {
        ["ForumName"] = new AttributeValue { S = forum },
        ["Subject"] = new AttributeValue { S = $"subject {n:D2}" },
        ["LastPostDateTime"] = new AttributeValue { S = $"2026-12-{(n % 28) + 1:D2}T{n % 24:D2}:00:00Z" },
        ["Replies"] = new AttributeValue { N = ((n * 7) % 40).ToString(System.Globalization.CultureInfo.InvariantCulture) },
        ["Author"] = new AttributeValue { S = $"author{n % 3}" },
        ["Body"] = new AttributeValue { S = new string('x', 200) },
    };

    [Fact]
    public async Task Query_and_Scan_on_local_indexes_page_through_every_item_in_index_order()
    {
        await using var fx = await ServerFixture.StartAsync();
        await fx.Client.CreateTableAsync(Thread());
        for (int n = 0; n < 30; n++) await fx.Client.PutItemAsync("Thread", ThreadItem("S3", n));
        for (int n = 0; n < 5; n++) await fx.Client.PutItemAsync("Thread", ThreadItem("EC2", n));
        // an update moves an item in the index; a delete and a batch delete take items out of it
        await fx.Client.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = "Thread",
            Key = new() { ["ForumName"] = new AttributeValue { S = "S3" }, ["Subject"] = new AttributeValue { S = "subject 00" } },
            UpdateExpression = "SET Replies = :r",
            ExpressionAttributeValues = new() { [":r"] = new AttributeValue { N = "1000" } },
        });
        await fx.Client.DeleteItemAsync("Thread", new() { ["ForumName"] = new AttributeValue { S = "S3" }, ["Subject"] = new AttributeValue { S = "subject 01" } });
        await fx.Client.BatchWriteItemAsync(new Dictionary<string, List<WriteRequest>>
        {
            ["Thread"] = [new WriteRequest(new DeleteRequest(new() { ["ForumName"] = new AttributeValue { S = "S3" }, ["Subject"] = new AttributeValue { S = "subject 02" } }))],
        });

        var expected = Enumerable.Range(3, 27).Select(n => ThreadItem("S3", n)).Append(ThreadItem("S3", 0))
            .Select(i => i["Subject"].S == "subject 00" ? new Dictionary<string, AttributeValue>(i) { ["Replies"] = new AttributeValue { N = "1000" } } : i)
            .ToList();

        // Replies >= 10, ascending by Replies (then by Subject), 4 per page: every page's key holds the table's key
        // and the index's sort key.
        var request = new QueryRequest
        {
            TableName = "Thread", IndexName = "RepliesIndex", Limit = 4,
            KeyConditionExpression = "ForumName = :f AND Replies >= :r",
            ExpressionAttributeValues = new() { [":f"] = new AttributeValue { S = "S3" }, [":r"] = new AttributeValue { N = "10" } },
        };
        var got = new List<Dictionary<string, AttributeValue>>();
        int pages = 0;
        await foreach (var page in fx.Client.Paginators.Query(request).Responses)
        {
            pages++;
            got.AddRange(page.Items);
            if (page.LastEvaluatedKey is { Count: > 0 } last) Assert.Equal(["ForumName", "Replies", "Subject"], last.Keys.Order());
        }
        var want = expected.Where(i => int.Parse(i["Replies"].N) >= 10)
            .OrderBy(i => int.Parse(i["Replies"].N)).ThenBy(i => i["Subject"].S, StringComparer.Ordinal).ToList();
        Assert.Equal(want.Select(i => i["Subject"].S), got.Select(i => i["Subject"].S));
        Assert.True(pages > 1);
        // INCLUDE projects Author but not Body
        Assert.All(got, i => Assert.Equal(["Author", "ForumName", "Replies", "Subject"], i.Keys.Order()));

        // ALL_ATTRIBUTES on a local index fetches whole items, descending
        var all = await fx.Client.QueryAsync(new QueryRequest
        {
            TableName = "Thread", IndexName = "LastPostIndex", Select = Select.ALL_ATTRIBUTES, ScanIndexForward = false,
            KeyConditionExpression = "ForumName = :f AND begins_with(LastPostDateTime, :d)",
            ExpressionAttributeValues = new() { [":f"] = new AttributeValue { S = "S3" }, [":d"] = new AttributeValue { S = "2026-12-1" } },
        });
        var wantDates = expected.Select(i => i["LastPostDateTime"].S).Where(d => d.StartsWith("2026-12-1", StringComparison.Ordinal))
            .OrderDescending(StringComparer.Ordinal).ToList();
        Assert.Equal(wantDates, all.Items.Select(i => i["LastPostDateTime"].S));
        Assert.All(all.Items, i => Assert.Equal(200, i["Body"].S.Length));

        // a scan of the index holds every indexed item of every forum
        int scanned = 0;
        await foreach (var page in fx.Client.Paginators.Scan(new ScanRequest { TableName = "Thread", IndexName = "LastPostIndex", Limit = 7 }).Responses)
            scanned += page.Items.Count;
        Assert.Equal(expected.Count + 5, scanned);

        var missing = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => fx.Client.QueryAsync(new QueryRequest
        {
            TableName = "Thread", IndexName = "NoSuchIndex", KeyConditionExpression = "ForumName = :f",
            ExpressionAttributeValues = new() { [":f"] = new AttributeValue { S = "S3" } },
        }));
        Assert.Equal("ValidationException", missing.ErrorCode);
        Assert.Equal("The table does not have the specified index: NoSuchIndex", missing.Message);
    }

    [DynamoDBTable("Thread")]
    public sealed class ThreadRow
    {
        [DynamoDBHashKey] public string ForumName { get; set; } = "";
        [DynamoDBRangeKey] public string Subject { get; set; } = "";
        [DynamoDBLocalSecondaryIndexRangeKey("LastPostIndex")] public string LastPostDateTime { get; set; } = "";
        [DynamoDBLocalSecondaryIndexRangeKey("RepliesIndex")] public int Replies { get; set; }
        public string Author { get; set; } = "";
    }

    [Fact]
    public async Task The_object_persistence_model_queries_a_local_index()
    {
        await using var fx = await ServerFixture.StartAsync();
        await fx.Client.CreateTableAsync(Thread());
        var context = new DynamoDBContextBuilder().WithDynamoDBClient(() => fx.Client).Build();
        for (int n = 0; n < 12; n++)
            await context.SaveAsync(new ThreadRow { ForumName = "S3", Subject = $"s{n:D2}", LastPostDateTime = $"2026-12-{n + 1:D2}", Replies = n % 5, Author = $"a{n}" });
        var busy = await context.QueryAsync<ThreadRow>("S3", Amazon.DynamoDBv2.DocumentModel.QueryOperator.GreaterThanOrEqual, [3],
            new QueryConfig { IndexName = "RepliesIndex" }).GetRemainingAsync();
        Assert.Equal(Enumerable.Range(0, 12).Where(n => n % 5 >= 3).Select(n => $"s{n:D2}").Order(), busy.Select(r => r.Subject).Order());
        Assert.All(busy, r => Assert.True(r.Replies >= 3));
    }

    [Fact]
    public async Task ReturnItemCollectionMetrics_reports_the_collection_through_the_SDK()
    {
        await using var fx = await ServerFixture.StartAsync();
        await fx.Client.CreateTableAsync(Thread());
        var put = await fx.Client.PutItemAsync(new PutItemRequest
        {
            TableName = "Thread", Item = ThreadItem("S3", 1), ReturnItemCollectionMetrics = ReturnItemCollectionMetrics.SIZE,
        });
        Assert.Equal("S3", put.ItemCollectionMetrics.ItemCollectionKey["ForumName"].S);
        Assert.Equal([0.0, 1.0], put.ItemCollectionMetrics.SizeEstimateRangeGB);
        var batch = await fx.Client.BatchWriteItemAsync(new BatchWriteItemRequest
        {
            ReturnItemCollectionMetrics = ReturnItemCollectionMetrics.SIZE,
            RequestItems = new() { ["Thread"] = [new WriteRequest(new PutRequest(ThreadItem("EC2", 2)))] },
        });
        Assert.Equal("EC2", Assert.Single(batch.ItemCollectionMetrics["Thread"]).ItemCollectionKey["ForumName"].S);
    }
}
