using Basalt.Engine.Model;

namespace Basalt.Engine.Database;

// DynamoDB's ReturnValues. Put and Delete take NONE or ALL_OLD ("ReturnValues can only be ALL_OLD or NONE");
// the others are UpdateItem's. Absent means NONE.
public enum ReturnValue : byte
{
    None = 0,
    AllOld = 1,
    UpdatedOld = 2,
    AllNew = 3,
    UpdatedNew = 4,
}

// DynamoDB's ReturnValuesOnConditionCheckFailure: ALL_OLD puts the current item (if any) into the
// ConditionalCheckFailedException's Item. Absent means NONE.
public enum ReturnValuesOnConditionCheckFailure : byte
{
    None = 0,
    AllOld = 1,
}

// Item operations in the managed form (AttributeValue maps). The allocation-free forms are on BasaltDatabase
// (TryGetItem with a KeyAttribute pair and an IValueSink). A request type never carries a member the operation
// ignores. Conditional writes and UpdateItem are atomic read-modify-writes (StorageEngine.TransformAsync).
public sealed class PutItemRequest
{
    public ReturnItemCollectionMetrics? ReturnItemCollectionMetrics { get; set; }
    public string? TableName { get; set; }
    public Dictionary<string, AttributeValue>? Item { get; set; }
    public ReturnValue? ReturnValues { get; set; }
    public string? ConditionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public ReturnValuesOnConditionCheckFailure? ReturnValuesOnConditionCheckFailure { get; set; }
    public ReturnConsumedCapacity? ReturnConsumedCapacity { get; set; }
    // Legacy conditions (instead of ConditionExpression; not with any expression parameter).
    public Dictionary<string, ExpectedAttributeValue>? Expected { get; set; }
    public ConditionalOperator? ConditionalOperator { get; set; }
}

// Attributes: the replaced item when ReturnValues is ALL_OLD and an item existed; null otherwise.
public sealed record PutItemResponse(Dictionary<string, AttributeValue>? Attributes, ConsumedCapacity? ConsumedCapacity = null,
    ItemCollectionMetrics? ItemCollectionMetrics = null);

public sealed class GetItemRequest
{
    public string? TableName { get; set; }
    public Dictionary<string, AttributeValue>? Key { get; set; }
    // Accepted; every read sees the latest acknowledged write (strongly consistent) either way.
    public bool? ConsistentRead { get; set; }
    public string? ProjectionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public ReturnConsumedCapacity? ReturnConsumedCapacity { get; set; }
    // Legacy: top-level attribute names to return (instead of ProjectionExpression; not with it).
    public List<string>? AttributesToGet { get; set; }
}

// Item: null when there is no such item (DynamoDB's response then has no Item member).
public sealed record GetItemResponse(Dictionary<string, AttributeValue>? Item, ConsumedCapacity? ConsumedCapacity = null);

public sealed class DeleteItemRequest
{
    public ReturnItemCollectionMetrics? ReturnItemCollectionMetrics { get; set; }
    public string? TableName { get; set; }
    public Dictionary<string, AttributeValue>? Key { get; set; }
    public ReturnValue? ReturnValues { get; set; }
    public string? ConditionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public ReturnValuesOnConditionCheckFailure? ReturnValuesOnConditionCheckFailure { get; set; }
    public ReturnConsumedCapacity? ReturnConsumedCapacity { get; set; }
    // Legacy conditions (instead of ConditionExpression; not with any expression parameter).
    public Dictionary<string, ExpectedAttributeValue>? Expected { get; set; }
    public ConditionalOperator? ConditionalOperator { get; set; }
}

public sealed record DeleteItemResponse(Dictionary<string, AttributeValue>? Attributes, ConsumedCapacity? ConsumedCapacity = null,
    ItemCollectionMetrics? ItemCollectionMetrics = null);

// UpdateItem: applies UpdateExpression (none: the item is created with its key if absent, else left as it is)
// when ConditionExpression holds, creating the item from its key when it does not exist.
public sealed class UpdateItemRequest
{
    public ReturnItemCollectionMetrics? ReturnItemCollectionMetrics { get; set; }
    public string? TableName { get; set; }
    public Dictionary<string, AttributeValue>? Key { get; set; }
    public string? UpdateExpression { get; set; }
    public string? ConditionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public ReturnValue? ReturnValues { get; set; }
    public ReturnValuesOnConditionCheckFailure? ReturnValuesOnConditionCheckFailure { get; set; }
    public ReturnConsumedCapacity? ReturnConsumedCapacity { get; set; }
    // Legacy conditions (instead of ConditionExpression; not with any expression parameter).
    public Dictionary<string, ExpectedAttributeValue>? Expected { get; set; }
    public ConditionalOperator? ConditionalOperator { get; set; }
    // Legacy form of UpdateExpression (LegacyParameters.Update).
    public Dictionary<string, AttributeValueUpdate>? AttributeUpdates { get; set; }
}

// Attributes per ReturnValues: ALL_OLD the old item, UPDATED_OLD / UPDATED_NEW the updated paths of the old / new
// item, ALL_NEW the new item; null for NONE, or when there is nothing to return (no old item, no updated path).
public sealed record UpdateItemResponse(Dictionary<string, AttributeValue>? Attributes, ConsumedCapacity? ConsumedCapacity = null,
    ItemCollectionMetrics? ItemCollectionMetrics = null);

// ReturnItemCollectionMetrics: SIZE asks a write of a table with local secondary indexes for its item collection's
// size. Other tables answer nothing, as DynamoDB's.
public enum ReturnItemCollectionMetrics : byte
{
    None = 0,
    Size = 1,
}

// The item collection of the partition key written, and its size as DynamoDB estimates it: a range of gigabytes
// [lower, upper] (Basalt knows the size exactly; the range is the whole gigabytes around it).
public sealed record ItemCollectionMetrics(Dictionary<string, AttributeValue> ItemCollectionKey, double[] SizeEstimateRangeGB);
