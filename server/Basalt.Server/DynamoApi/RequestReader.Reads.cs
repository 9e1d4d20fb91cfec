using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Server.DynamoApi;

// Query, Scan, BatchGetItem, BatchWriteItem. IndexName is passed on as it is: whether the table has that index, and
// DynamoDB's "The table does not have the specified index" when it does not, is the engine's to answer.
internal static partial class RequestReader
{
    public static QueryRequest Query(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new QueryRequest();
        while (r.NextMember())
        {
            if (r.Is("TableName"u8)) request.TableName = r.String();
            else if (r.Is("IndexName"u8)) request.IndexName = r.String();
            else if (r.Is("KeyConditionExpression"u8)) request.KeyConditionExpression = r.String();
            else if (r.Is("FilterExpression"u8)) request.FilterExpression = r.String();
            else if (r.Is("ProjectionExpression"u8)) request.ProjectionExpression = r.String();
            else if (r.Is("ExpressionAttributeNames"u8)) request.ExpressionAttributeNames = StringMap(ref r);
            else if (r.Is("ExpressionAttributeValues"u8)) request.ExpressionAttributeValues = ExpressionValues(ref r);
            else if (r.Is("ScanIndexForward"u8)) request.ScanIndexForward = r.Boolean();
            else if (r.Is("Limit"u8)) request.Limit = r.Integer();
            else if (r.Is("ExclusiveStartKey"u8)) request.ExclusiveStartKey = StartKey(ref r);
            else if (r.Is("Select"u8)) request.Select = r.Enum(WireEnums.Select, "select");
            else if (r.Is("ConsistentRead"u8)) request.ConsistentRead = r.Boolean();
            else if (r.Is("ReturnConsumedCapacity"u8)) request.ReturnConsumedCapacity = r.Enum(WireEnums.ReturnConsumedCapacity, "returnConsumedCapacity");
            else if (r.Is("AttributesToGet"u8)) request.AttributesToGet = StringList(ref r);
            else if (r.Is("KeyConditions"u8)) request.KeyConditions = Conditions(ref r, "keyConditions.");
            else if (r.Is("QueryFilter"u8)) request.QueryFilter = Conditions(ref r, "queryFilter.");
            else if (r.Is("ConditionalOperator"u8)) request.ConditionalOperator = r.Enum(WireEnums.ConditionalOperator, "conditionalOperator");
            else r.Skip();
        }
        return request;
    });

    public static ScanRequest Scan(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new ScanRequest();
        while (r.NextMember())
        {
            if (r.Is("TableName"u8)) request.TableName = r.String();
            else if (r.Is("IndexName"u8)) request.IndexName = r.String();
            else if (r.Is("FilterExpression"u8)) request.FilterExpression = r.String();
            else if (r.Is("ProjectionExpression"u8)) request.ProjectionExpression = r.String();
            else if (r.Is("ExpressionAttributeNames"u8)) request.ExpressionAttributeNames = StringMap(ref r);
            else if (r.Is("ExpressionAttributeValues"u8)) request.ExpressionAttributeValues = ExpressionValues(ref r);
            else if (r.Is("Limit"u8)) request.Limit = r.Integer();
            else if (r.Is("ExclusiveStartKey"u8)) request.ExclusiveStartKey = StartKey(ref r);
            else if (r.Is("Select"u8)) request.Select = r.Enum(WireEnums.Select, "select");
            else if (r.Is("ConsistentRead"u8)) request.ConsistentRead = r.Boolean();
            else if (r.Is("Segment"u8)) request.Segment = r.Integer();
            else if (r.Is("TotalSegments"u8)) request.TotalSegments = r.Integer();
            else if (r.Is("ReturnConsumedCapacity"u8)) request.ReturnConsumedCapacity = r.Enum(WireEnums.ReturnConsumedCapacity, "returnConsumedCapacity");
            else if (r.Is("AttributesToGet"u8)) request.AttributesToGet = StringList(ref r);
            else if (r.Is("ScanFilter"u8)) request.ScanFilter = Conditions(ref r, "scanFilter.");
            else if (r.Is("ConditionalOperator"u8)) request.ConditionalOperator = r.Enum(WireEnums.ConditionalOperator, "conditionalOperator");
            else r.Skip();
        }
        return request;
    });

    // RequestItems: table -> {Keys, ProjectionExpression, ExpressionAttributeNames, ConsistentRead, AttributesToGet}.
    // A null table entry or key stays null for the engine's checks.
    public static BatchGetItemRequest BatchGetItem(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new BatchGetItemRequest();
        while (r.NextMember())
        {
            if (r.Is("RequestItems"u8)) request.RequestItems = BatchGetTables(ref r);
            else if (r.Is("ReturnConsumedCapacity"u8)) request.ReturnConsumedCapacity = r.Enum(WireEnums.ReturnConsumedCapacity, "returnConsumedCapacity");
            else r.Skip();
        }
        return request;
    });

    private static Dictionary<string, KeysAndAttributes>? BatchGetTables(ref ShapeReader r)
    {
        if (!r.BeginMap()) return null;
        var tables = new Dictionary<string, KeysAndAttributes>(StringComparer.Ordinal);
        while (r.NextMember())
        {
            string table = r.MemberName();
            if (!r.BeginStructure())
            {
                tables[table] = null!;
                continue;
            }
            var read = new KeysAndAttributes();
            while (r.NextMember())
            {
                if (r.Is("Keys"u8)) read.Keys = KeyList(ref r);
                else if (r.Is("ProjectionExpression"u8)) read.ProjectionExpression = r.String();
                else if (r.Is("ExpressionAttributeNames"u8)) read.ExpressionAttributeNames = StringMap(ref r);
                else if (r.Is("ConsistentRead"u8)) read.ConsistentRead = r.Boolean();
                else if (r.Is("AttributesToGet"u8)) read.AttributesToGet = StringList(ref r);
                else r.Skip();
            }
            tables[table] = read;
        }
        return tables;
    }

    private static List<Dictionary<string, AttributeValue>>? KeyList(ref ShapeReader r)
    {
        if (!r.BeginList()) return null;
        var keys = new List<Dictionary<string, AttributeValue>>();
        while (r.NextElement()) keys.Add(AttributeValueJson.ReadCurrentMap(ref r)!);
        return keys;
    }

    // RequestItems: table -> [{PutRequest: {Item}} | {DeleteRequest: {Key}}]. The engine checks that each request
    // has exactly one of the two.
    public static BatchWriteItemRequest BatchWriteItem(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new BatchWriteItemRequest();
        while (r.NextMember())
        {
            if (r.Is("RequestItems"u8)) request.RequestItems = BatchWriteTables(ref r);
            else if (r.Is("ReturnConsumedCapacity"u8)) request.ReturnConsumedCapacity = r.Enum(WireEnums.ReturnConsumedCapacity, "returnConsumedCapacity");
            else if (r.Is("ReturnItemCollectionMetrics"u8)) request.ReturnItemCollectionMetrics = r.Enum(WireEnums.ReturnItemCollectionMetrics, "returnItemCollectionMetrics");
            else r.Skip();
        }
        return request;
    });

    private static Dictionary<string, List<WriteRequest>>? BatchWriteTables(ref ShapeReader r)
    {
        if (!r.BeginMap()) return null;
        var tables = new Dictionary<string, List<WriteRequest>>(StringComparer.Ordinal);
        while (r.NextMember())
        {
            string table = r.MemberName();
            if (!r.BeginList())
            {
                tables[table] = null!;
                continue;
            }
            var writes = new List<WriteRequest>();
            while (r.NextElement())
            {
                var write = new WriteRequest();
                if (r.CurrentIsStructure())
                {
                    while (r.NextMember())
                    {
                        if (r.Is("PutRequest"u8)) write.PutRequest = PutRequest(ref r);
                        else if (r.Is("DeleteRequest"u8)) write.DeleteRequest = DeleteRequest(ref r);
                        else r.Skip();
                    }
                }
                writes.Add(write);
            }
            tables[table] = writes;
        }
        return tables;
    }

    private static PutRequest? PutRequest(ref ShapeReader r)
    {
        if (!r.BeginStructure()) return null;
        var put = new PutRequest();
        while (r.NextMember())
        {
            if (r.Is("Item"u8)) put.Item = AttributeValueJson.ReadMap(ref r);
            else r.Skip();
        }
        return put;
    }

    private static DeleteRequest? DeleteRequest(ref ShapeReader r)
    {
        if (!r.BeginStructure()) return null;
        var delete = new DeleteRequest();
        while (r.NextMember())
        {
            if (r.Is("Key"u8)) delete.Key = AttributeValueJson.ReadMap(ref r);
            else r.Skip();
        }
        return delete;
    }
}
