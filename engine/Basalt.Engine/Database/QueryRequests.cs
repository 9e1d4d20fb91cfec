using Basalt.Engine.Model;

namespace Basalt.Engine.Database;

// DynamoDB's Select for Query and Scan. Absent means ALL_ATTRIBUTES, or SPECIFIC_ATTRIBUTES when a
// ProjectionExpression is given; ALL_PROJECTED_ATTRIBUTES when IndexName is given. ALL_PROJECTED_ATTRIBUTES needs
// an index.
public enum Select : byte
{
    AllAttributes = 0,
    AllProjectedAttributes = 1,
    SpecificAttributes = 2,
    Count = 3,
}

// Query and Scan in the managed form (AttributeValue maps), members as DynamoDB names them. Plain data; the
// database validates them per call. IndexName reads a local secondary index of the table instead of the table.
public sealed class QueryRequest
{
    public string? TableName { get; set; }
    public string? IndexName { get; set; }
    public string? KeyConditionExpression { get; set; }
    public string? FilterExpression { get; set; }
    public string? ProjectionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    // Absent or true: ascending sort-key order; false: descending.
    public bool? ScanIndexForward { get; set; }
    // Items to evaluate (read) per page, before the filter; at least 1.
    public int? Limit { get; set; }
    public Dictionary<string, AttributeValue>? ExclusiveStartKey { get; set; }
    public Select? Select { get; set; }
    // Accepted; every read is strongly consistent.
    public bool? ConsistentRead { get; set; }
    public ReturnConsumedCapacity? ReturnConsumedCapacity { get; set; }
    public List<string>? AttributesToGet { get; set; } // legacy, see GetItemRequest
    // Legacy forms of KeyConditionExpression and FilterExpression (LegacyParameters), and their joining operator.
    public Dictionary<string, LegacyCondition>? KeyConditions { get; set; }
    public Dictionary<string, LegacyCondition>? QueryFilter { get; set; }
    public ConditionalOperator? ConditionalOperator { get; set; }
}

public sealed class ScanRequest
{
    public string? TableName { get; set; }
    public string? IndexName { get; set; }
    public string? FilterExpression { get; set; }
    public string? ProjectionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public int? Limit { get; set; }
    public Dictionary<string, AttributeValue>? ExclusiveStartKey { get; set; }
    public Select? Select { get; set; }
    public bool? ConsistentRead { get; set; }
    // Parallel scan: Segment in 0..TotalSegments-1, TotalSegments in 1..1,000,000; both or neither.
    public int? Segment { get; set; }
    public int? TotalSegments { get; set; }
    public ReturnConsumedCapacity? ReturnConsumedCapacity { get; set; }
    public List<string>? AttributesToGet { get; set; } // legacy, see GetItemRequest
    public Dictionary<string, LegacyCondition>? ScanFilter { get; set; } // legacy FilterExpression
    public ConditionalOperator? ConditionalOperator { get; set; }
}

// Items: the page's items after the filter and projection (empty, not null, for Select COUNT, as the response then
// has no Items member: the HTTP layer omits it when Select was COUNT). Count: items after the filter; ScannedCount:
// items read before it. LastEvaluatedKey: the key of the last item read when the page stopped at Limit or at 1 MB;
// null when the read reached the end.
public sealed record QueryResponse(List<Dictionary<string, AttributeValue>> Items, int Count, int ScannedCount,
    Dictionary<string, AttributeValue>? LastEvaluatedKey, ConsumedCapacity? ConsumedCapacity = null);

public sealed record ScanResponse(List<Dictionary<string, AttributeValue>> Items, int Count, int ScannedCount,
    Dictionary<string, AttributeValue>? LastEvaluatedKey, ConsumedCapacity? ConsumedCapacity = null);
