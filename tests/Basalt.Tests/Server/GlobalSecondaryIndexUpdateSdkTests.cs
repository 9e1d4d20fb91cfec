using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace Basalt.Tests.Server;

// UpdateTable's GlobalSecondaryIndexUpdates through the AWS SDK: an index added to a table with items reports
// CREATING with Backfilling, becomes ACTIVE with every item, and is dropped again (DELETING, then gone).
public class GlobalSecondaryIndexUpdateSdkTests
{
    private static async Task<TableDescription> WaitFor(AmazonDynamoDBClient client, Func<TableDescription, bool> done)
    {
        for (int i = 0; i < 500; i++)
        {
            var table = (await client.DescribeTableAsync("users")).Table;
            if (done(table)) return table;
            await Task.Delay(10);
        }
        throw new TimeoutException("the index change did not finish in 5 s");
    }

    [Fact]
    public async Task An_index_is_added_backfilled_queried_and_dropped()
    {
        await using var fx = await ServerFixture.StartAsync();
        await fx.Client.CreateTableAsync(new CreateTableRequest
        {
            TableName = "users", KeySchema = [new KeySchemaElement("id", KeyType.HASH)],
            AttributeDefinitions = [new AttributeDefinition("id", ScalarAttributeType.S)], BillingMode = BillingMode.PAY_PER_REQUEST,
        });
        for (int i = 0; i < 40; i++)
            await fx.Client.PutItemAsync("users", new() { ["id"] = new AttributeValue { S = $"u{i:D2}" }, ["city"] = new AttributeValue { S = $"c{i % 4}" } });

        var updated = await fx.Client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = "users",
            AttributeDefinitions = [new AttributeDefinition("city", ScalarAttributeType.S)],
            GlobalSecondaryIndexUpdates =
            [
                new GlobalSecondaryIndexUpdate
                {
                    Create = new CreateGlobalSecondaryIndexAction
                    {
                        IndexName = "by-city", KeySchema = [new KeySchemaElement("city", KeyType.HASH)],
                        Projection = new Projection { ProjectionType = ProjectionType.KEYS_ONLY },
                    },
                },
            ],
        });
        var creating = updated.TableDescription.GlobalSecondaryIndexes.Single();
        Assert.Equal(IndexStatus.CREATING, creating.IndexStatus);
        Assert.True(creating.Backfilling);

        await WaitFor(fx.Client, t => t.GlobalSecondaryIndexes?.Single().IndexStatus == IndexStatus.ACTIVE);
        // ACTIVE: the backfill has reached the index
        var c1 = await fx.Client.QueryAsync(new QueryRequest
        {
            TableName = "users", IndexName = "by-city", KeyConditionExpression = "city = :c",
            ExpressionAttributeValues = new() { [":c"] = new AttributeValue { S = "c1" } },
        });
        Assert.Equal(Enumerable.Range(0, 40).Where(i => i % 4 == 1).Select(i => $"u{i:D2}"), c1.Items.Select(i => i["id"].S).Order());

        var refused = await Assert.ThrowsAsync<ResourceNotFoundException>(() => fx.Client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = "users",
            GlobalSecondaryIndexUpdates = [new GlobalSecondaryIndexUpdate { Delete = new DeleteGlobalSecondaryIndexAction { IndexName = "nope" } }],
        }));
        Assert.Equal("Requested resource not found: Index nope for table users", refused.Message);

        var dropping = await fx.Client.UpdateTableAsync(new UpdateTableRequest
        {
            TableName = "users",
            GlobalSecondaryIndexUpdates = [new GlobalSecondaryIndexUpdate { Delete = new DeleteGlobalSecondaryIndexAction { IndexName = "by-city" } }],
        });
        Assert.Equal(IndexStatus.DELETING, dropping.TableDescription.GlobalSecondaryIndexes.Single().IndexStatus);
        var gone = await WaitFor(fx.Client, t => t.GlobalSecondaryIndexes is null or { Count: 0 });
        Assert.Equal(["id"], gone.AttributeDefinitions.Select(d => d.AttributeName));
    }
}
