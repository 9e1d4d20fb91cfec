using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Server.DynamoApi;

// PutItem, GetItem, DeleteItem, UpdateItem. ReturnItemCollectionMetrics is passed on (DynamoDB returns
// ItemCollectionMetrics only for tables with local secondary indexes, and so does the engine). The members
// the three writes share with TransactWriteItems' actions are read by ConditionalWrite, below.
internal static partial class RequestReader
{
    public static PutItemRequest PutItem(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new PutItemRequest();
        var write = new ConditionalWrite();
        while (r.NextMember())
        {
            if (write.TryRead(ref r, WriteShape.PutItem)) continue;
            if (r.Is("ReturnValues"u8)) request.ReturnValues = r.Enum(WireEnums.ReturnValues, "returnValues");
            else if (r.Is("ReturnConsumedCapacity"u8)) request.ReturnConsumedCapacity = r.Enum(WireEnums.ReturnConsumedCapacity, "returnConsumedCapacity");
            else if (r.Is("Expected"u8)) request.Expected = Expected(ref r);
            else if (r.Is("ConditionalOperator"u8)) request.ConditionalOperator = r.Enum(WireEnums.ConditionalOperator, "conditionalOperator");
            else if (r.Is("ReturnItemCollectionMetrics"u8)) request.ReturnItemCollectionMetrics = r.Enum(WireEnums.ReturnItemCollectionMetrics, "returnItemCollectionMetrics");
            else r.Skip();
        }
        (request.TableName, request.Item, request.ConditionExpression) = (write.TableName, write.Target, write.ConditionExpression);
        (request.ExpressionAttributeNames, request.ExpressionAttributeValues, request.ReturnValuesOnConditionCheckFailure) =
            (write.Names, write.Values, write.OnConditionFailure);
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
        var write = new ConditionalWrite();
        while (r.NextMember())
        {
            if (write.TryRead(ref r, WriteShape.DeleteItem)) continue;
            if (r.Is("ReturnValues"u8)) request.ReturnValues = r.Enum(WireEnums.ReturnValues, "returnValues");
            else if (r.Is("ReturnConsumedCapacity"u8)) request.ReturnConsumedCapacity = r.Enum(WireEnums.ReturnConsumedCapacity, "returnConsumedCapacity");
            else if (r.Is("Expected"u8)) request.Expected = Expected(ref r);
            else if (r.Is("ConditionalOperator"u8)) request.ConditionalOperator = r.Enum(WireEnums.ConditionalOperator, "conditionalOperator");
            else if (r.Is("ReturnItemCollectionMetrics"u8)) request.ReturnItemCollectionMetrics = r.Enum(WireEnums.ReturnItemCollectionMetrics, "returnItemCollectionMetrics");
            else r.Skip();
        }
        (request.TableName, request.Key, request.ConditionExpression) = (write.TableName, write.Target, write.ConditionExpression);
        (request.ExpressionAttributeNames, request.ExpressionAttributeValues, request.ReturnValuesOnConditionCheckFailure) =
            (write.Names, write.Values, write.OnConditionFailure);
        return request;
    });

    public static UpdateItemRequest UpdateItem(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new UpdateItemRequest();
        var write = new ConditionalWrite();
        while (r.NextMember())
        {
            if (write.TryRead(ref r, WriteShape.UpdateItem)) continue;
            if (r.Is("ReturnValues"u8)) request.ReturnValues = r.Enum(WireEnums.ReturnValues, "returnValues");
            else if (r.Is("ReturnConsumedCapacity"u8)) request.ReturnConsumedCapacity = r.Enum(WireEnums.ReturnConsumedCapacity, "returnConsumedCapacity");
            else if (r.Is("Expected"u8)) request.Expected = Expected(ref r);
            else if (r.Is("ConditionalOperator"u8)) request.ConditionalOperator = r.Enum(WireEnums.ConditionalOperator, "conditionalOperator");
            else if (r.Is("AttributeUpdates"u8)) request.AttributeUpdates = AttributeUpdates(ref r);
            else if (r.Is("ReturnItemCollectionMetrics"u8)) request.ReturnItemCollectionMetrics = r.Enum(WireEnums.ReturnItemCollectionMetrics, "returnItemCollectionMetrics");
            else r.Skip();
        }
        (request.TableName, request.Key, request.UpdateExpression) = (write.TableName, write.Target, write.UpdateExpression);
        (request.ConditionExpression, request.ExpressionAttributeNames, request.ExpressionAttributeValues) =
            (write.ConditionExpression, write.Names, write.Values);
        request.ReturnValuesOnConditionCheckFailure = write.OnConditionFailure;
        return request;
    });

    // The members every conditional write has, read in one place for PutItem, DeleteItem, UpdateItem and the Put,
    // Update, Delete and ConditionCheck of TransactWriteItems. The engine's request types share no base type, so each
    // reader collects them here and copies them into its own request. A value on the stack of the reader's call.
    private struct ConditionalWrite
    {
        public string? TableName;
        // Item (a put) or Key (the others).
        public Dictionary<string, AttributeValue>? Target;
        public string? UpdateExpression;
        public string? ConditionExpression;
        public Dictionary<string, string>? Names;
        public Dictionary<string, AttributeValue>? Values;
        public ReturnValuesOnConditionCheckFailure? OnConditionFailure;

        // Reads the current member when `shape` has it (true), else leaves it to the caller (false). `pathStart` and
        // `pathMiddle` place the shape in DynamoDB's error paths ("transactItems.", "2"); empty at a request's top.
        public bool TryRead(ref ShapeReader r, WriteShape shape, string pathStart = "", string? pathMiddle = null)
        {
            if (r.Is("TableName"u8)) TableName = r.String();
            else if (r.Is(shape.ReadsItem ? "Item"u8 : "Key"u8)) Target = AttributeValueJson.ReadMap(ref r);
            else if (shape.ReadsUpdateExpression && r.Is("UpdateExpression"u8)) UpdateExpression = r.String();
            else if (r.Is("ConditionExpression"u8)) ConditionExpression = r.String();
            else if (r.Is("ExpressionAttributeNames"u8)) Names = StringMap(ref r);
            else if (r.Is("ExpressionAttributeValues"u8)) Values = ExpressionValues(ref r);
            else if (r.Is("ReturnValuesOnConditionCheckFailure"u8))
                OnConditionFailure = r.Enum(WireEnums.ReturnValuesOnConditionCheckFailure, pathStart, pathMiddle, shape.OnConditionFailurePath);
            else return false;
            return true;
        }
    }

    // One kind of conditional write: whether it names its item by Item or Key, whether it has an UpdateExpression and
    // a required ConditionExpression, and `Member`, where its members sit in DynamoDB's error paths ("" at the top of
    // a request, ".member.put." after "transactItems.<i>"). Paths are built once here, not per request.
    private sealed class WriteShape
    {
        private WriteShape(bool readsItem, bool readsUpdateExpression, bool requiresCondition, string member)
        {
            ReadsItem = readsItem;
            ReadsUpdateExpression = readsUpdateExpression;
            RequiresCondition = requiresCondition;
            Member = member;
            OnConditionFailurePath = member + "returnValuesOnConditionCheckFailure";
        }

        public bool ReadsItem { get; }
        public bool ReadsUpdateExpression { get; }
        public bool RequiresCondition { get; }
        public string Member { get; }
        public string OnConditionFailurePath { get; }

        public static readonly WriteShape PutItem = new(readsItem: true, readsUpdateExpression: false, requiresCondition: false, "");
        public static readonly WriteShape UpdateItem = new(readsItem: false, readsUpdateExpression: true, requiresCondition: false, "");
        public static readonly WriteShape DeleteItem = new(readsItem: false, readsUpdateExpression: false, requiresCondition: false, "");
        public static readonly WriteShape Put = new(readsItem: true, readsUpdateExpression: false, requiresCondition: false, ".member.put.");
        public static readonly WriteShape Update = new(readsItem: false, readsUpdateExpression: true, requiresCondition: false, ".member.update.");
        public static readonly WriteShape Delete = new(readsItem: false, readsUpdateExpression: false, requiresCondition: false, ".member.delete.");
        public static readonly WriteShape ConditionCheck = new(readsItem: false, readsUpdateExpression: false, requiresCondition: true, ".member.conditionCheck.");
    }
}
