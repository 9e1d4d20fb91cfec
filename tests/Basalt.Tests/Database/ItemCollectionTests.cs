using Basalt.Engine.Database;
using Basalt.Engine.Model;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// The item collection of a table with local secondary indexes (a partition key's items and their index entries):
// its size is kept with every write, a write that would grow it past the limit (DynamoDB's 10 GB; a few kilobytes
// here) fails with ItemCollectionSizeLimitExceededException and writes nothing, writes that shrink it go through,
// and ReturnItemCollectionMetrics SIZE reports it.
public class ItemCollectionTests
{
    private const long Limit = 4000;

    private static async Task<DatabaseFixture> Open()
    {
        var fx = new DatabaseFixture(options: new DatabaseOptions { Region = "eu-west-3", AccountId = "123456789012", ItemCollectionSizeLimitBytes = Limit });
        await fx.Db.CreateTableAsync(new CreateTableRequest
        {
            TableName = "coll", KeySchema = [new("pk", KeyType.Hash), new("sk", KeyType.Range)],
            AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.S), new("l", ScalarAttributeType.S)],
            BillingMode = BillingMode.PayPerRequest,
            LocalSecondaryIndexes = [new LocalSecondaryIndex
            {
                IndexName = "by-l", KeySchema = [new("pk", KeyType.Hash), new("l", KeyType.Range)], Projection = new Projection { ProjectionType = ProjectionType.All },
            }],
        });
        return fx;
    }

    private static Dictionary<string, AttributeValue> Row(string pk, int i) =>
        Item(("pk", S(pk)), ("sk", S($"s{i:D3}")), ("l", S($"l{i}")), ("body", S(new string('x', 300))));

    [Fact]
    public async Task A_collection_stops_growing_at_the_limit_and_shrinks_again()
    {
        using var fx = await Open();
        int written = 0;
        ItemCollectionSizeLimitExceededException? refused = null;
        for (int i = 0; i < 100 && refused is null; i++)
        {
            try
            {
                var response = await fx.Db.PutItemAsync(new PutItemRequest { TableName = "coll", Item = Row("big", i), ReturnItemCollectionMetrics = ReturnItemCollectionMetrics.Size });
                Assert.Equal("big", response.ItemCollectionMetrics!.ItemCollectionKey["pk"].AsString());
                Assert.Equal([0.0, 1.0], response.ItemCollectionMetrics.SizeEstimateRangeGB);
                written++;
            }
            catch (ItemCollectionSizeLimitExceededException e)
            {
                refused = e;
            }
        }
        Assert.NotNull(refused);
        Assert.Equal(ItemCollectionSizeLimitExceededException.DefaultMessage, refused.Message);
        // each item and its entry is about 700 bytes: the limit lets a few in
        Assert.InRange(written, 3, 6);
        // the refused write wrote nothing, to the table or the index
        Assert.Equal(written, fx.Db.Query(new QueryRequest { TableName = "coll", KeyConditionExpression = "pk = :p", ExpressionAttributeValues = Item((":p", S("big"))) }).Count);
        Assert.Equal(written, fx.Db.Query(new QueryRequest { TableName = "coll", IndexName = "by-l", KeyConditionExpression = "pk = :p", ExpressionAttributeValues = Item((":p", S("big"))) }).Count);
        // another partition key is another collection
        await fx.Db.PutItemAsync(new PutItemRequest { TableName = "coll", Item = Row("small", 0) });
        // a write that shrinks the full collection goes through, and then there is room again (also after a reopen)
        await fx.Db.UpdateItemAsync(new UpdateItemRequest { TableName = "coll", Key = Item(("pk", S("big")), ("sk", S("s000"))), UpdateExpression = "REMOVE #b", ExpressionAttributeNames = new() { ["#b"] = "body" } });
        await fx.Db.DeleteItemAsync(new DeleteItemRequest { TableName = "coll", Key = Item(("pk", S("big")), ("sk", S("s001"))) });
        fx.Reopen();
        await fx.Db.PutItemAsync(new PutItemRequest { TableName = "coll", Item = Row("big", 50) });
        await Assert.ThrowsAsync<ItemCollectionSizeLimitExceededException>(async () =>
        {
            for (int i = 60; i < 70; i++) await fx.Db.PutItemAsync(new PutItemRequest { TableName = "coll", Item = Row("big", i) });
        });
        // without an index nothing is reported: ReturnItemCollectionMetrics on a plain table answers no metrics
        await fx.Db.CreateTableAsync(Table("plain", rangeType: ScalarAttributeType.S));
        var plain = await fx.Db.PutItemAsync(new PutItemRequest { TableName = "plain", Item = Item(("pk", S("a")), ("sk", S("b"))), ReturnItemCollectionMetrics = ReturnItemCollectionMetrics.Size });
        Assert.Null(plain.ItemCollectionMetrics);
    }

    [Fact]
    public async Task A_transaction_that_would_overfill_a_collection_is_cancelled_with_its_reason()
    {
        using var fx = await Open();
        for (int i = 0; ; i++)
        {
            try { await fx.Db.PutItemAsync(new PutItemRequest { TableName = "coll", Item = Row("big", i) }); }
            catch (ItemCollectionSizeLimitExceededException) { break; }
        }
        var cancelled = await Assert.ThrowsAsync<TransactionCanceledException>(() => fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems =
            [
                new TransactWriteItem { Put = new TransactPut { TableName = "coll", Item = Row("small", 1) } },
                new TransactWriteItem { Put = new TransactPut { TableName = "coll", Item = Row("big", 99) } },
            ],
        }));
        Assert.Equal(["None", "ItemCollectionSizeLimitExceeded"], cancelled.CancellationReasons.Select(r => r.Code));
        Assert.Null(fx.Db.GetItem(new GetItemRequest { TableName = "coll", Key = Item(("pk", S("small")), ("sk", S("s001"))) }).Item);
    }

    [Fact]
    public async Task Batches_and_transactions_report_the_collections_they_wrote()
    {
        using var fx = await Open();
        var batch = await fx.Db.BatchWriteItemAsync(new BatchWriteItemRequest
        {
            ReturnItemCollectionMetrics = ReturnItemCollectionMetrics.Size,
            RequestItems = new() { ["coll"] = [new WriteRequest { PutRequest = new PutRequest { Item = Row("a", 1) } }, new WriteRequest { PutRequest = new PutRequest { Item = Row("b", 1) } }] },
        });
        Assert.Equal(["a", "b"], batch.ItemCollectionMetrics!["coll"].Select(m => m.ItemCollectionKey["pk"].AsString()).Order());
        var transaction = await fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            ReturnItemCollectionMetrics = ReturnItemCollectionMetrics.Size,
            TransactItems = [new TransactWriteItem { Put = new TransactPut { TableName = "coll", Item = Row("c", 1) } }],
        });
        var only = Assert.Single(transaction.ItemCollectionMetrics!["coll"]);
        Assert.Equal("c", only.ItemCollectionKey["pk"].AsString());
        Assert.Equal([0.0, 1.0], only.SizeEstimateRangeGB);
        // without the parameter, nothing
        Assert.Null((await fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems = [new TransactWriteItem { Put = new TransactPut { TableName = "coll", Item = Row("d", 1) } }],
        })).ItemCollectionMetrics);
    }
}
