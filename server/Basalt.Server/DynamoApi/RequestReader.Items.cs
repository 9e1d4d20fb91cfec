using Basalt.Engine.Database;

namespace Basalt.Server.DynamoApi;

// PutItem, GetItem, DeleteItem, UpdateItem. ReturnItemCollectionMetrics is checked against its value set and then
// dropped: DynamoDB returns ItemCollectionMetrics only for tables with local secondary indexes (none yet).
internal static partial class RequestReader
{
    public static PutItemRequest PutItem(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new PutItemRequest();
        while (r.NextMember())
        {
            if (r.Is("TableName"u8)) request.TableName = r.String();
            else if (r.Is("Item"u8)) request.Item = AttributeValueJson.ReadMap(ref r);
            else if (r.Is("ConditionExpression"u8)) request.ConditionExpression = r.String();
            else if (r.Is("ExpressionAttributeNames"u8)) request.ExpressionAttributeNames = StringMap(ref r);
            else if (r.Is("ExpressionAttributeValues"u8)) request.ExpressionAttributeValues = ExpressionValues(ref r);
            else if (r.Is("ReturnValues"u8)) request.ReturnValues = r.Enum(WireEnums.ReturnValues, "returnValues");
            else if (r.Is("ReturnConsumedCapacity"u8)) request.ReturnConsumedCapacity = r.Enum(WireEnums.ReturnConsumedCapacity, "returnConsumedCapacity");
            else if (r.Is("ReturnValuesOnConditionCheckFailure"u8))
                request.ReturnValuesOnConditionCheckFailure = r.Enum(WireEnums.ReturnValuesOnConditionCheckFailure, "returnValuesOnConditionCheckFailure");
            else if (r.Is("Expected"u8)) request.Expected = Expected(ref r);
            else if (r.Is("ConditionalOperator"u8)) request.ConditionalOperator = r.Enum(WireEnums.ConditionalOperator, "conditionalOperator");
            else if (r.Is("ReturnItemCollectionMetrics"u8)) r.Enum(WireEnums.ReturnItemCollectionMetrics, "returnItemCollectionMetrics");
            else r.Skip();
        }
        return request;
    });

    public static GetItemRequest GetItem(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new GetItemRequest();
        while (r.NextMember())
        {
            if (r.Is("TableName"u8)) request.TableName = r.String();
            else if (r.Is("Key"u8)) request.Key = AttributeValueJson.ReadMap(ref r);
            else if (r.Is("ConsistentRead"u8)) request.ConsistentRead = r.Boolean();
            else if (r.Is("ProjectionExpression"u8)) request.ProjectionExpression = r.String();
            else if (r.Is("ExpressionAttributeNames"u8)) request.ExpressionAttributeNames = StringMap(ref r);
            else if (r.Is("ReturnConsumedCapacity"u8)) request.ReturnConsumedCapacity = r.Enum(WireEnums.ReturnConsumedCapacity, "returnConsumedCapacity");
            else if (r.Is("AttributesToGet"u8)) request.AttributesToGet = StringList(ref r);
            else r.Skip();
        }
        return request;
    });

    public static DeleteItemRequest DeleteItem(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new DeleteItemRequest();
        while (r.NextMember())
        {
            if (r.Is("TableName"u8)) request.TableName = r.String();
            else if (r.Is("Key"u8)) request.Key = AttributeValueJson.ReadMap(ref r);
            else if (r.Is("ConditionExpression"u8)) request.ConditionExpression = r.String();
            else if (r.Is("ExpressionAttributeNames"u8)) request.ExpressionAttributeNames = StringMap(ref r);
            else if (r.Is("ExpressionAttributeValues"u8)) request.ExpressionAttributeValues = ExpressionValues(ref r);
            else if (r.Is("ReturnValues"u8)) request.ReturnValues = r.Enum(WireEnums.ReturnValues, "returnValues");
            else if (r.Is("ReturnConsumedCapacity"u8)) request.ReturnConsumedCapacity = r.Enum(WireEnums.ReturnConsumedCapacity, "returnConsumedCapacity");
            else if (r.Is("ReturnValuesOnConditionCheckFailure"u8))
                request.ReturnValuesOnConditionCheckFailure = r.Enum(WireEnums.ReturnValuesOnConditionCheckFailure, "returnValuesOnConditionCheckFailure");
            else if (r.Is("Expected"u8)) request.Expected = Expected(ref r);
            else if (r.Is("ConditionalOperator"u8)) request.ConditionalOperator = r.Enum(WireEnums.ConditionalOperator, "conditionalOperator");
            else if (r.Is("ReturnItemCollectionMetrics"u8)) r.Enum(WireEnums.ReturnItemCollectionMetrics, "returnItemCollectionMetrics");
            else r.Skip();
        }
        return request;
    });

    public static UpdateItemRequest UpdateItem(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new UpdateItemRequest();
        while (r.NextMember())
        {
            if (r.Is("TableName"u8)) request.TableName = r.String();
            else if (r.Is("Key"u8)) request.Key = AttributeValueJson.ReadMap(ref r);
            else if (r.Is("UpdateExpression"u8)) request.UpdateExpression = r.String();
            else if (r.Is("ConditionExpression"u8)) request.ConditionExpression = r.String();
            else if (r.Is("ExpressionAttributeNames"u8)) request.ExpressionAttributeNames = StringMap(ref r);
            else if (r.Is("ExpressionAttributeValues"u8)) request.ExpressionAttributeValues = ExpressionValues(ref r);
            else if (r.Is("ReturnValues"u8)) request.ReturnValues = r.Enum(WireEnums.ReturnValues, "returnValues");
            else if (r.Is("ReturnConsumedCapacity"u8)) request.ReturnConsumedCapacity = r.Enum(WireEnums.ReturnConsumedCapacity, "returnConsumedCapacity");
            else if (r.Is("ReturnValuesOnConditionCheckFailure"u8))
                request.ReturnValuesOnConditionCheckFailure = r.Enum(WireEnums.ReturnValuesOnConditionCheckFailure, "returnValuesOnConditionCheckFailure");
            else if (r.Is("Expected"u8)) request.Expected = Expected(ref r);
            else if (r.Is("ConditionalOperator"u8)) request.ConditionalOperator = r.Enum(WireEnums.ConditionalOperator, "conditionalOperator");
            else if (r.Is("AttributeUpdates"u8)) request.AttributeUpdates = AttributeUpdates(ref r);
            else if (r.Is("ReturnItemCollectionMetrics"u8)) r.Enum(WireEnums.ReturnItemCollectionMetrics, "returnItemCollectionMetrics");
            else r.Skip();
        }
        return request;
    });
}
