using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Protocol;
using static Basalt.Tests.Server.Binary.BinaryTable;

namespace Basalt.Tests.Server.Binary;

// Every request and response type through MessageCodec and back, with every member set: what the client writes is
// what the server reads, and the other way round.
public class MessageCodecTests
{
    private delegate T Reader<T>(ref PayloadReader r);

    private static void RoundTrip<T>(T value, Action<FrameBuffer, T> write, Reader<T> read)
    {
        using var b = new FrameBuffer();
        write(b, value);
        var r = new PayloadReader(b.WrittenSpan);
        var back = read(ref r);
        r.EnsureEnd();
        Assert.Equal(Rendered.Of(value), Rendered.Of(back));
    }

    private static readonly Dictionary<string, string> Names = new() { ["#a"] = "a", ["#b"] = "b" };
    private static readonly Dictionary<string, AttributeValue> Values = new()
    {
        [":s"] = S("x"), [":n"] = N("-1.5"), [":b"] = AttributeValue.Binary([1, 2]), [":t"] = AttributeValue.Bool(true), [":z"] = AttributeValue.Null,
        [":m"] = AttributeValue.Map(new Dictionary<string, AttributeValue> { ["k"] = AttributeValue.List(S("v"), N("2")) }),
        [":ss"] = AttributeValue.StringSet(["a", "b"]), [":ns"] = AttributeValue.NumberSet(["1", "2"]), [":bs"] = AttributeValue.BinarySet([[1], [2]]),
    };

    private static readonly ConsumedCapacity Capacity = new("t", 3, 1, 2, new Capacity(1, 1, null),
        new Dictionary<string, Capacity> { ["lsi"] = new(0.5) }, new Dictionary<string, Capacity> { ["gsi"] = new(1.5, null, 1.5) });

    private static readonly ItemCollectionMetrics Metrics = new(new() { ["pk"] = S("a") }, [0, 1]);

    [Fact]
    public void ItemRequests()
    {
        RoundTrip(new GetItemRequest { TableName = "t", Key = Key("a", 1), ConsistentRead = false, ProjectionExpression = "#a", ExpressionAttributeNames = Names, ReturnConsumedCapacity = ReturnConsumedCapacity.Indexes },
            MessageCodec.Write, MessageCodec.ReadGetItem);
        RoundTrip(new GetItemRequest(), MessageCodec.Write, MessageCodec.ReadGetItem);
        RoundTrip(new PutItemRequest
        {
            TableName = "t", Item = Item("a", 1, ("x", Values[":m"])), ConditionExpression = "attribute_not_exists(#a) OR #b = :s", ExpressionAttributeNames = Names,
            ExpressionAttributeValues = Values, ReturnValues = ReturnValue.AllOld, ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.AllOld,
            ReturnConsumedCapacity = ReturnConsumedCapacity.Total, ReturnItemCollectionMetrics = ReturnItemCollectionMetrics.Size,
        }, MessageCodec.Write, MessageCodec.ReadPutItem);
        RoundTrip(new DeleteItemRequest { TableName = "t", Key = Key("a", 1), ConditionExpression = "#a = :s", ExpressionAttributeNames = Names, ExpressionAttributeValues = Values, ReturnValues = ReturnValue.AllOld },
            MessageCodec.Write, MessageCodec.ReadDeleteItem);
        RoundTrip(new UpdateItemRequest { TableName = "t", Key = Key("a", 1), UpdateExpression = "SET #a = :s", ExpressionAttributeNames = Names, ExpressionAttributeValues = Values, ReturnValues = ReturnValue.UpdatedNew },
            MessageCodec.Write, MessageCodec.ReadUpdateItem);
    }

    [Fact]
    public void ReadRequests()
    {
        RoundTrip(new QueryRequest
        {
            TableName = "t", IndexName = "lsi", KeyConditionExpression = "pk = :s", FilterExpression = "#a > :n", ProjectionExpression = "#b", ExpressionAttributeNames = Names,
            ExpressionAttributeValues = Values, ScanIndexForward = false, Limit = 7, ExclusiveStartKey = Key("a", 2), Select = Select.SpecificAttributes, ConsistentRead = true,
            ReturnConsumedCapacity = ReturnConsumedCapacity.Total,
        }, MessageCodec.Write, MessageCodec.ReadQuery);
        RoundTrip(new ScanRequest
        {
            TableName = "t", IndexName = "gsi", FilterExpression = "#a > :n", ProjectionExpression = "#b", ExpressionAttributeNames = Names, ExpressionAttributeValues = Values,
            Limit = 0, ExclusiveStartKey = Key("a", 2), Select = Select.Count, ConsistentRead = false, Segment = 1, TotalSegments = 4, ReturnConsumedCapacity = ReturnConsumedCapacity.None,
        }, MessageCodec.Write, MessageCodec.ReadScan);
    }

    [Fact]
    public void BatchAndTransactionRequests()
    {
        RoundTrip(new BatchGetItemRequest
        {
            RequestItems = new() { ["t"] = new KeysAndAttributes { Keys = [Key("a", 1), Key("b", 2)], ProjectionExpression = "#a", ExpressionAttributeNames = Names, ConsistentRead = true } },
            ReturnConsumedCapacity = ReturnConsumedCapacity.Total,
        }, MessageCodec.Write, MessageCodec.ReadBatchGetItem);
        RoundTrip(new BatchWriteItemRequest
        {
            RequestItems = new() { ["t"] = [new WriteRequest { PutRequest = new PutRequest { Item = Item("a", 1) } }, new WriteRequest { DeleteRequest = new DeleteRequest { Key = Key("b", 2) } }, new WriteRequest()] },
            ReturnConsumedCapacity = ReturnConsumedCapacity.Indexes, ReturnItemCollectionMetrics = ReturnItemCollectionMetrics.Size,
        }, MessageCodec.Write, MessageCodec.ReadBatchWriteItem);
        RoundTrip(new TransactWriteItemsRequest
        {
            TransactItems =
            [
                new TransactWriteItem { Put = new TransactPut { TableName = "t", Item = Item("a", 1), ConditionExpression = "#a = :s", ExpressionAttributeNames = Names, ExpressionAttributeValues = Values, ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.AllOld } },
                new TransactWriteItem { Update = new TransactUpdate { TableName = "t", Key = Key("a", 2), UpdateExpression = "SET #a = :s", ExpressionAttributeNames = Names, ExpressionAttributeValues = Values } },
                new TransactWriteItem { Delete = new TransactDelete { TableName = "t", Key = Key("a", 3) } },
                new TransactWriteItem { ConditionCheck = new TransactConditionCheck { TableName = "t", Key = Key("a", 4), ConditionExpression = "attribute_exists(pk)" } },
                new TransactWriteItem(),
            ],
            ClientRequestToken = "token", ReturnConsumedCapacity = ReturnConsumedCapacity.Total, ReturnItemCollectionMetrics = ReturnItemCollectionMetrics.None,
        }, MessageCodec.Write, MessageCodec.ReadTransactWriteItems);
        RoundTrip(new TransactGetItemsRequest
        {
            TransactItems = [new TransactGetItem { Get = new TransactGet { TableName = "t", Key = Key("a", 1), ProjectionExpression = "#a", ExpressionAttributeNames = Names } }, new TransactGetItem()],
            ReturnConsumedCapacity = ReturnConsumedCapacity.Total,
        }, MessageCodec.Write, MessageCodec.ReadTransactGetItems);
    }

    [Fact]
    public void Responses()
    {
        RoundTrip(new GetItemResponse(Item("a", 1, ("x", Values[":bs"])), Capacity), MessageCodec.Write, MessageCodec.ReadGetItemResponse);
        RoundTrip(new GetItemResponse(null), MessageCodec.Write, MessageCodec.ReadGetItemResponse);
        RoundTrip(new PutItemResponse(Item("a", 1), Capacity, Metrics), MessageCodec.Write, MessageCodec.ReadPutItemResponse);
        RoundTrip(new UpdateItemResponse(null, null, null), MessageCodec.Write, MessageCodec.ReadUpdateItemResponse);
        RoundTrip(new DeleteItemResponse(Item("a", 1), null, Metrics), MessageCodec.Write, MessageCodec.ReadDeleteItemResponse);
        RoundTrip(new QueryResponse([Item("a", 1), Item("a", 2)], 2, 5, Key("a", 2), Capacity), MessageCodec.Write, MessageCodec.ReadQueryResponse);
        RoundTrip(new ScanResponse([], 0, 0, null), MessageCodec.Write, MessageCodec.ReadScanResponse);
        RoundTrip(new BatchGetItemResponse(new() { ["t"] = [Item("a", 1)] }, new() { ["t"] = new KeysAndAttributes { Keys = [Key("b", 1)] } }, [Capacity]),
            MessageCodec.Write, MessageCodec.ReadBatchGetItemResponse);
        RoundTrip(new BatchWriteItemResponse(new() { ["t"] = [new WriteRequest { PutRequest = new PutRequest { Item = Item("a", 1) } }] }, [Capacity], new() { ["t"] = [Metrics] }),
            MessageCodec.Write, MessageCodec.ReadBatchWriteItemResponse);
        RoundTrip(new TransactWriteItemsResponse([Capacity], new() { ["t"] = [Metrics] }), MessageCodec.Write, MessageCodec.ReadTransactWriteItemsResponse);
        RoundTrip(new TransactGetItemsResponse([new ItemResponse(Item("a", 1)), new ItemResponse(null)], null), MessageCodec.Write, MessageCodec.ReadTransactGetItemsResponse);
    }

    [Fact]
    public void Errors()
    {
        static DynamoDbException Back(DynamoDbException e)
        {
            using var b = new FrameBuffer();
            MessageCodec.WriteError(b, e);
            var r = new PayloadReader(b.WrittenSpan);
            var back = MessageCodec.ReadError(ref r);
            r.EnsureEnd();
            Assert.Equal(e.GetType(), back.GetType());
            Assert.Equal(e.ErrorType, back.ErrorType);
            Assert.Equal(e.Message, back.Message);
            return back;
        }
        Back(new ValidationException("bad"));
        Back(new ResourceNotFoundException("Requested resource not found"));
        var failed = (ConditionalCheckFailedException)Back(new ConditionalCheckFailedException("The conditional request failed", Item("a", 1)));
        Assert.Equal(Rendered.Of(Item("a", 1)), Rendered.Of(failed.Item));
        var canceled = (TransactionCanceledException)Back(TransactionCanceledException.For([CancellationReason.None, new CancellationReason("ConditionalCheckFailed", "The conditional request failed", Item("a", 1))]));
        Assert.Equal(Rendered.Of(new[] { CancellationReason.None, new CancellationReason("ConditionalCheckFailed", "The conditional request failed", Item("a", 1)) }), Rendered.Of(canceled.CancellationReasons));
        var other = Back(new Basalt.Protocol.RemoteDynamoDbException("ThrottlingException", "slow down"));
        Assert.IsType<Basalt.Protocol.RemoteDynamoDbException>(other);
    }

    [Fact]
    public void LegacyParametersAreRefusedBeforeSending()
    {
        using var b = new FrameBuffer();
        var e = Assert.Throws<ValidationException>(() => MessageCodec.Write(b, new GetItemRequest { TableName = "t", Key = Key("a", 1), AttributesToGet = ["x"] }));
        Assert.Contains("AttributesToGet", e.Message);
        Assert.Equal(0, b.WrittenCount);
    }
}
