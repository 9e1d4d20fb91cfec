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

// Item operations in the managed form (AttributeValue maps). The allocation-free forms are on BasaltDatabase
// (TryGetItem with a KeyAttribute pair and an IValueSink). Expression members (ConditionExpression,
// ProjectionExpression, ExpressionAttributeNames/Values) are not here yet: they arrive with the evaluators, and a
// request type never carries a member the operation ignores.
public sealed class PutItemRequest
{
    public string? TableName { get; set; }
    public Dictionary<string, AttributeValue>? Item { get; set; }
    public ReturnValue? ReturnValues { get; set; }
}

// Attributes: the replaced item when ReturnValues is ALL_OLD and an item existed; null otherwise.
public sealed record PutItemResponse(Dictionary<string, AttributeValue>? Attributes);

public sealed class GetItemRequest
{
    public string? TableName { get; set; }
    public Dictionary<string, AttributeValue>? Key { get; set; }
    // Accepted; every read sees the latest acknowledged write (strongly consistent) either way.
    public bool? ConsistentRead { get; set; }
}

// Item: null when there is no such item (DynamoDB's response then has no Item member).
public sealed record GetItemResponse(Dictionary<string, AttributeValue>? Item);

public sealed class DeleteItemRequest
{
    public string? TableName { get; set; }
    public Dictionary<string, AttributeValue>? Key { get; set; }
    public ReturnValue? ReturnValues { get; set; }
}

public sealed record DeleteItemResponse(Dictionary<string, AttributeValue>? Attributes);
