using Basalt.Engine.Database;

namespace Basalt.Server.DynamoApi;

// TransactWriteItems and TransactGetItems. Each action reads as the single-item request it mirrors (ConditionalWrite
// for Put, Update, Delete and ConditionCheck; Get's members as GetItem's), with DynamoDB's paths in its errors:
// 'transactItems.<i>.member.<action>.<member>', 1-based.
//
// Besides what RequestReader refuses everywhere, the wire refuses here what DynamoDB's shapes require inside the list,
// as it does inside CreateTable's nested structures: a null element ('transactItems.1.member'), a Get element without
// its Get, and an action without a required member (Put: item, tableName; Update: key, updateExpression, tableName;
// Delete: key, tableName; ConditionCheck: key, tableName, conditionExpression; Get: key, tableName, each in its
// shape's member order), all collected with the enum errors into one message. Left to the engine with the request's
// other rules: a null or empty TransactItems, more than 100 actions, an element with no action or with two, two
// actions on one item, the token's length, and everything about tables, keys and expressions.
internal static partial class RequestReader
{
    private const string TransactItemsPath = "transactItems.";

    // ReturnItemCollectionMetrics is passed on, as for the single-item writes.
    public static TransactWriteItemsRequest TransactWriteItems(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new TransactWriteItemsRequest();
        while (r.NextMember())
        {
            if (r.Is("TransactItems"u8)) request.TransactItems = StructureList(ref r, TransactItemsPath, TransactWriteItem);
            else if (r.Is("ClientRequestToken"u8)) request.ClientRequestToken = r.String();
            else if (r.Is("ReturnConsumedCapacity"u8)) request.ReturnConsumedCapacity = r.Enum(WireEnums.ReturnConsumedCapacity, "returnConsumedCapacity");
            else if (r.Is("ReturnItemCollectionMetrics"u8)) request.ReturnItemCollectionMetrics = r.Enum(WireEnums.ReturnItemCollectionMetrics, "returnItemCollectionMetrics");
            else r.Skip();
        }
        return request;
    });

    public static TransactGetItemsRequest TransactGetItems(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new TransactGetItemsRequest();
        while (r.NextMember())
        {
            if (r.Is("TransactItems"u8)) request.TransactItems = StructureList(ref r, TransactItemsPath, TransactGetItem);
            else if (r.Is("ReturnConsumedCapacity"u8)) request.ReturnConsumedCapacity = r.Enum(WireEnums.ReturnConsumedCapacity, "returnConsumedCapacity");
            else r.Skip();
        }
        return request;
    });

    // {Put | Update | Delete | ConditionCheck}; a null action is an absent one.
    private static TransactWriteItem TransactWriteItem(ref ShapeReader r, string position)
    {
        var item = new TransactWriteItem();
        while (r.NextMember())
        {
            if (r.Is("Put"u8))
                item.Put = Action(ref r, WriteShape.Put, position) is { } put ? new TransactPut
                {
                    TableName = put.TableName, Item = put.Target, ConditionExpression = put.ConditionExpression, ExpressionAttributeNames = put.Names,
                    ExpressionAttributeValues = put.Values, ReturnValuesOnConditionCheckFailure = put.OnConditionFailure,
                } : null;
            else if (r.Is("Update"u8))
                item.Update = Action(ref r, WriteShape.Update, position) is { } update ? new TransactUpdate
                {
                    TableName = update.TableName, Key = update.Target, UpdateExpression = update.UpdateExpression,
                    ConditionExpression = update.ConditionExpression, ExpressionAttributeNames = update.Names,
                    ExpressionAttributeValues = update.Values, ReturnValuesOnConditionCheckFailure = update.OnConditionFailure,
                } : null;
            else if (r.Is("Delete"u8))
                item.Delete = Action(ref r, WriteShape.Delete, position) is { } delete ? new TransactDelete
                {
                    TableName = delete.TableName, Key = delete.Target, ConditionExpression = delete.ConditionExpression, ExpressionAttributeNames = delete.Names,
                    ExpressionAttributeValues = delete.Values, ReturnValuesOnConditionCheckFailure = delete.OnConditionFailure,
                } : null;
            else if (r.Is("ConditionCheck"u8))
                item.ConditionCheck = Action(ref r, WriteShape.ConditionCheck, position) is { } check ? new TransactConditionCheck
                {
                    TableName = check.TableName, Key = check.Target, ConditionExpression = check.ConditionExpression, ExpressionAttributeNames = check.Names,
                    ExpressionAttributeValues = check.Values, ReturnValuesOnConditionCheckFailure = check.OnConditionFailure,
                } : null;
            else r.Skip();
        }
        return item;
    }

    // One write action's structure, its required members checked; null when the action is null (absent).
    private static ConditionalWrite? Action(ref ShapeReader r, WriteShape shape, string position)
    {
        if (!r.BeginStructure()) return null;
        var write = new ConditionalWrite();
        while (r.NextMember())
        {
            if (!write.TryRead(ref r, shape, TransactItemsPath, position)) r.Skip();
        }
        if (write.Target is null) r.NotNull(TransactItemsPath, position, shape.Member + (shape.ReadsItem ? "item" : "key"));
        if (shape.ReadsUpdateExpression && write.UpdateExpression is null) r.NotNull(TransactItemsPath, position, shape.Member + "updateExpression");
        if (write.TableName is null) r.NotNull(TransactItemsPath, position, shape.Member + "tableName");
        if (shape.RequiresCondition && write.ConditionExpression is null) r.NotNull(TransactItemsPath, position, shape.Member + "conditionExpression");
        return write;
    }

    // {Get: {TableName, Key, ProjectionExpression, ExpressionAttributeNames}}; Get is required.
    private static TransactGetItem TransactGetItem(ref ShapeReader r, string position)
    {
        var item = new TransactGetItem();
        while (r.NextMember())
        {
            if (r.Is("Get"u8)) item.Get = TransactGet(ref r, position);
            else r.Skip();
        }
        if (item.Get is null) r.NotNull(TransactItemsPath, position, ".member.get");
        return item;
    }

    private static TransactGet? TransactGet(ref ShapeReader r, string position)
    {
        if (!r.BeginStructure()) return null;
        var get = new TransactGet();
        while (r.NextMember())
        {
            if (r.Is("TableName"u8)) get.TableName = r.String();
            else if (r.Is("Key"u8)) get.Key = AttributeValueJson.ReadMap(ref r);
            else if (r.Is("ProjectionExpression"u8)) get.ProjectionExpression = r.String();
            else if (r.Is("ExpressionAttributeNames"u8)) get.ExpressionAttributeNames = StringMap(ref r);
            else r.Skip();
        }
        if (get.Key is null) r.NotNull(TransactItemsPath, position, ".member.get.key");
        if (get.TableName is null) r.NotNull(TransactItemsPath, position, ".member.get.tableName");
        return get;
    }

    private delegate T ElementReader<T>(ref ShapeReader r, string position);

    // A list of structures: `element` reads each one from its opening brace, given its 1-based position as text (the
    // middle of its error paths). A null element is refused at '<path><i>.member' and not added.
    private static List<T>? StructureList<T>(ref ShapeReader r, string path, ElementReader<T> element)
    {
        if (!r.BeginList()) return null;
        var list = new List<T>();
        int index = 0;
        while (r.NextElement())
        {
            // .NET keeps the text of numbers below 300 cached: DynamoDB's 100 actions make no strings here.
            string position = (++index).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (r.CurrentIsStructure()) list.Add(element(ref r, position));
            else r.NotNull(path, position, ".member");
        }
        return list;
    }
}
