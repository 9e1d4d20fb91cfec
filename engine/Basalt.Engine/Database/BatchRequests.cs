using Basalt.Engine.Model;

namespace Basalt.Engine.Database;

// BatchGetItem and BatchWriteItem in the managed form, shaped as DynamoDB's (BasaltDatabase.Batch.cs). Limits:
// 1..100 keys in all of a BatchGetItem's tables, 1..25 put/delete requests in all of a BatchWriteItem's tables.

// One table's part of a BatchGetItem (and of its UnprocessedKeys, which keep the projection and ConsistentRead).
public sealed class KeysAndAttributes
{
    public List<Dictionary<string, AttributeValue>>? Keys { get; set; }
    public string? ProjectionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    // Accepted; every read sees the latest acknowledged write (strongly consistent) either way.
    public bool? ConsistentRead { get; set; }
    public List<string>? AttributesToGet { get; set; } // legacy, see GetItemRequest
}

public sealed class BatchGetItemRequest
{
    // Table name -> the keys to read from it.
    public Dictionary<string, KeysAndAttributes>? RequestItems { get; set; }
    public ReturnConsumedCapacity? ReturnConsumedCapacity { get; set; }
}

// Responses: table name -> the items found (a key with no item gives nothing; order unspecified, as DynamoDB's). A
// table with no item found is still present, with an empty list. UnprocessedKeys: the keys not read because the
// response reached 16 MB (empty otherwise: there is no throttling that could leave keys unread).
// ConsumedCapacity: one entry per table of the request when ReturnConsumedCapacity asked for it, else null.
public sealed record BatchGetItemResponse(
    Dictionary<string, List<Dictionary<string, AttributeValue>>> Responses,
    Dictionary<string, KeysAndAttributes> UnprocessedKeys,
    List<ConsumedCapacity>? ConsumedCapacity = null);

// Exactly one of PutRequest and DeleteRequest.
public sealed class WriteRequest
{
    public PutRequest? PutRequest { get; set; }
    public DeleteRequest? DeleteRequest { get; set; }
}

public sealed class PutRequest
{
    public Dictionary<string, AttributeValue>? Item { get; set; }
}

public sealed class DeleteRequest
{
    public Dictionary<string, AttributeValue>? Key { get; set; }
}

public sealed class BatchWriteItemRequest
{
    // Table name -> the puts and deletes to apply to it.
    public Dictionary<string, List<WriteRequest>>? RequestItems { get; set; }
    public ReturnConsumedCapacity? ReturnConsumedCapacity { get; set; }
    // SIZE: the item collections the batch wrote in tables with local secondary indexes.
    public ReturnItemCollectionMetrics? ReturnItemCollectionMetrics { get; set; }
}

// UnprocessedItems: the requests not applied, to retry. Always empty here: a write either succeeds, or fails the
// call with its error (there is no throttling that would leave requests for later).
// ItemCollectionMetrics: table name -> one entry per write of a table with local secondary indexes, with
// ReturnItemCollectionMetrics SIZE (null otherwise).
public sealed record BatchWriteItemResponse(Dictionary<string, List<WriteRequest>> UnprocessedItems,
    List<ConsumedCapacity>? ConsumedCapacity = null, Dictionary<string, List<ItemCollectionMetrics>>? ItemCollectionMetrics = null);
