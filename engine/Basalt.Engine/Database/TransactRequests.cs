using Basalt.Engine.Model;

namespace Basalt.Engine.Database;

// TransactWriteItems and TransactGetItems in the managed form, members as DynamoDB names them (docs/transactions.md).
public sealed class TransactWriteItemsRequest
{
    // 1..100 actions, at most one per item.
    public List<TransactWriteItem>? TransactItems { get; set; }
    // A retry with the same token within 10 minutes returns the first result without writing again.
    public string? ClientRequestToken { get; set; }
    public ReturnConsumedCapacity? ReturnConsumedCapacity { get; set; }
    // SIZE: the item collections the transaction wrote in tables with local secondary indexes.
    public ReturnItemCollectionMetrics? ReturnItemCollectionMetrics { get; set; }
}

// Exactly one of the four.
public sealed class TransactWriteItem
{
    public TransactPut? Put { get; set; }
    public TransactUpdate? Update { get; set; }
    public TransactDelete? Delete { get; set; }
    public TransactConditionCheck? ConditionCheck { get; set; }
}

public sealed class TransactPut
{
    public string? TableName { get; set; }
    public Dictionary<string, AttributeValue>? Item { get; set; }
    public string? ConditionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public ReturnValuesOnConditionCheckFailure? ReturnValuesOnConditionCheckFailure { get; set; }
}

public sealed class TransactUpdate
{
    public string? TableName { get; set; }
    public Dictionary<string, AttributeValue>? Key { get; set; }
    public string? UpdateExpression { get; set; }
    public string? ConditionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public ReturnValuesOnConditionCheckFailure? ReturnValuesOnConditionCheckFailure { get; set; }
}

public sealed class TransactDelete
{
    public string? TableName { get; set; }
    public Dictionary<string, AttributeValue>? Key { get; set; }
    public string? ConditionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public ReturnValuesOnConditionCheckFailure? ReturnValuesOnConditionCheckFailure { get; set; }
}

public sealed class TransactConditionCheck
{
    public string? TableName { get; set; }
    public Dictionary<string, AttributeValue>? Key { get; set; }
    public string? ConditionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }
    public ReturnValuesOnConditionCheckFailure? ReturnValuesOnConditionCheckFailure { get; set; }
}

// One entry per table written, with ReturnConsumedCapacity; ItemCollectionMetrics as BatchWriteItem's.
public sealed record TransactWriteItemsResponse(List<ConsumedCapacity>? ConsumedCapacity = null,
    Dictionary<string, List<ItemCollectionMetrics>>? ItemCollectionMetrics = null);

public sealed class TransactGetItemsRequest
{
    // 1..100 Gets.
    public List<TransactGetItem>? TransactItems { get; set; }
    public ReturnConsumedCapacity? ReturnConsumedCapacity { get; set; }
}

public sealed class TransactGetItem
{
    public TransactGet? Get { get; set; }
}

public sealed class TransactGet
{
    public string? TableName { get; set; }
    public Dictionary<string, AttributeValue>? Key { get; set; }
    public string? ProjectionExpression { get; set; }
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }
}

// Responses in the order of the Gets; Item null when the item does not exist.
public sealed record ItemResponse(Dictionary<string, AttributeValue>? Item);

public sealed record TransactGetItemsResponse(List<ItemResponse> Responses, List<ConsumedCapacity>? ConsumedCapacity = null);
