using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Protocol;

// Each operation's request and response as a fixed sequence of ProtocolFormat's primitives, in the member order
// written here (docs/protocol.md lists them). The client writes requests and reads responses; the server reads
// requests and writes responses; both directions of every type live here so that they cannot drift apart, and
// MessageCodecTests round-trips each. This is the managed path (AttributeValue maps in and out, allocating); the
// lean GetItemEncoded/PutItemEncoded path never comes here.
public static partial class MessageCodec
{
    // The legacy parameters are not carried (ProtocolFormat); refused before anything is sent.
    private static void RefuseLegacy(object? value, string member)
    {
        if (value is not null)
            throw new ValidationException($"{member} is a legacy parameter that Basalt's binary protocol does not carry; use the expression parameters instead");
    }

    private static void WriteList<T>(FrameBuffer b, IReadOnlyCollection<T>? list, Action<FrameBuffer, T> write)
    {
        Payload.WriteCount(b, list?.Count);
        if (list is null) return;
        foreach (var x in list) write(b, x);
    }

    private static void WriteMap<T>(FrameBuffer b, IReadOnlyDictionary<string, T>? map, Action<FrameBuffer, T> write)
    {
        Payload.WriteCount(b, map?.Count);
        if (map is null) return;
        foreach (var (k, v) in map)
        {
            Payload.WriteString(b, k);
            write(b, v);
        }
    }

    private delegate T ReadOne<T>(ref PayloadReader r);

    private static List<T>? ReadList<T>(ref PayloadReader r, ReadOne<T> read)
    {
        int n = r.ReadCount();
        if (n < 0) return null;
        var list = new List<T>(n);
        for (int i = 0; i < n; i++) list.Add(read(ref r));
        return list;
    }

    private static Dictionary<string, T>? ReadMap<T>(ref PayloadReader r, ReadOne<T> read)
    {
        int n = r.ReadCount(4);
        if (n < 0) return null;
        var map = new Dictionary<string, T>(n, StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            string key = r.ReadString() ?? throw PayloadReader.Absent();
            map[key] = read(ref r);
        }
        return map;
    }

    private static Dictionary<string, AttributeValue> RequiredItem(ref PayloadReader r) => r.ReadItem() ?? throw PayloadReader.Absent();
    private static void WriteRequiredItem(FrameBuffer b, Dictionary<string, AttributeValue> item) => Payload.WriteItem(b, item);

    // ---- Requests -------------------------------------------------------------------------------------------------

    // GetItem := [TableName: str][Key: item][ConsistentRead: bool?][ProjectionExpression: str]
    //            [ExpressionAttributeNames: map<str>][ReturnConsumedCapacity: enum?]
    public static void Write(FrameBuffer b, GetItemRequest q)
    {
        RefuseLegacy(q.AttributesToGet, nameof(q.AttributesToGet));
        Payload.WriteString(b, q.TableName);
        Payload.WriteItem(b, q.Key);
        Payload.WriteBool(b, q.ConsistentRead);
        Payload.WriteString(b, q.ProjectionExpression);
        Payload.WriteNames(b, q.ExpressionAttributeNames);
        Payload.WriteEnum(b, (byte?)q.ReturnConsumedCapacity);
    }

    public static GetItemRequest ReadGetItem(ref PayloadReader r) => new()
    {
        TableName = r.ReadString(),
        Key = r.ReadItem(),
        ConsistentRead = r.ReadBool(),
        ProjectionExpression = r.ReadString(),
        ExpressionAttributeNames = r.ReadNames(),
        ReturnConsumedCapacity = (ReturnConsumedCapacity?)r.ReadEnum(),
    };

    // PutItem := [TableName: str][Item: item][ConditionExpression: str][ExpressionAttributeNames: map<str>]
    //            [ExpressionAttributeValues: item][ReturnValues: enum?][ReturnValuesOnConditionCheckFailure: enum?]
    //            [ReturnConsumedCapacity: enum?][ReturnItemCollectionMetrics: enum?]
    public static void Write(FrameBuffer b, PutItemRequest q)
    {
        RefuseLegacy(q.Expected, nameof(q.Expected));
        RefuseLegacy(q.ConditionalOperator, nameof(q.ConditionalOperator));
        Payload.WriteString(b, q.TableName);
        Payload.WriteItem(b, q.Item);
        WriteCondition(b, q.ConditionExpression, q.ExpressionAttributeNames, q.ExpressionAttributeValues);
        Payload.WriteEnum(b, (byte?)q.ReturnValues);
        Payload.WriteEnum(b, (byte?)q.ReturnValuesOnConditionCheckFailure);
        Payload.WriteEnum(b, (byte?)q.ReturnConsumedCapacity);
        Payload.WriteEnum(b, (byte?)q.ReturnItemCollectionMetrics);
    }

    public static PutItemRequest ReadPutItem(ref PayloadReader r)
    {
        var q = new PutItemRequest { TableName = r.ReadString(), Item = r.ReadItem() };
        q.ConditionExpression = r.ReadString();
        q.ExpressionAttributeNames = r.ReadNames();
        q.ExpressionAttributeValues = r.ReadItem();
        q.ReturnValues = (ReturnValue?)r.ReadEnum();
        q.ReturnValuesOnConditionCheckFailure = (ReturnValuesOnConditionCheckFailure?)r.ReadEnum();
        q.ReturnConsumedCapacity = (ReturnConsumedCapacity?)r.ReadEnum();
        q.ReturnItemCollectionMetrics = (ReturnItemCollectionMetrics?)r.ReadEnum();
        return q;
    }

    // DeleteItem := [TableName: str][Key: item] then PutItem's members from ConditionExpression on.
    public static void Write(FrameBuffer b, DeleteItemRequest q)
    {
        RefuseLegacy(q.Expected, nameof(q.Expected));
        RefuseLegacy(q.ConditionalOperator, nameof(q.ConditionalOperator));
        Payload.WriteString(b, q.TableName);
        Payload.WriteItem(b, q.Key);
        WriteCondition(b, q.ConditionExpression, q.ExpressionAttributeNames, q.ExpressionAttributeValues);
        Payload.WriteEnum(b, (byte?)q.ReturnValues);
        Payload.WriteEnum(b, (byte?)q.ReturnValuesOnConditionCheckFailure);
        Payload.WriteEnum(b, (byte?)q.ReturnConsumedCapacity);
        Payload.WriteEnum(b, (byte?)q.ReturnItemCollectionMetrics);
    }

    public static DeleteItemRequest ReadDeleteItem(ref PayloadReader r)
    {
        var q = new DeleteItemRequest { TableName = r.ReadString(), Key = r.ReadItem() };
        q.ConditionExpression = r.ReadString();
        q.ExpressionAttributeNames = r.ReadNames();
        q.ExpressionAttributeValues = r.ReadItem();
        q.ReturnValues = (ReturnValue?)r.ReadEnum();
        q.ReturnValuesOnConditionCheckFailure = (ReturnValuesOnConditionCheckFailure?)r.ReadEnum();
        q.ReturnConsumedCapacity = (ReturnConsumedCapacity?)r.ReadEnum();
        q.ReturnItemCollectionMetrics = (ReturnItemCollectionMetrics?)r.ReadEnum();
        return q;
    }

    // UpdateItem := [TableName: str][Key: item][UpdateExpression: str] then PutItem's members from ConditionExpression on.
    public static void Write(FrameBuffer b, UpdateItemRequest q)
    {
        RefuseLegacy(q.Expected, nameof(q.Expected));
        RefuseLegacy(q.ConditionalOperator, nameof(q.ConditionalOperator));
        RefuseLegacy(q.AttributeUpdates, nameof(q.AttributeUpdates));
        Payload.WriteString(b, q.TableName);
        Payload.WriteItem(b, q.Key);
        Payload.WriteString(b, q.UpdateExpression);
        WriteCondition(b, q.ConditionExpression, q.ExpressionAttributeNames, q.ExpressionAttributeValues);
        Payload.WriteEnum(b, (byte?)q.ReturnValues);
        Payload.WriteEnum(b, (byte?)q.ReturnValuesOnConditionCheckFailure);
        Payload.WriteEnum(b, (byte?)q.ReturnConsumedCapacity);
        Payload.WriteEnum(b, (byte?)q.ReturnItemCollectionMetrics);
    }

    public static UpdateItemRequest ReadUpdateItem(ref PayloadReader r)
    {
        var q = new UpdateItemRequest { TableName = r.ReadString(), Key = r.ReadItem(), UpdateExpression = r.ReadString() };
        q.ConditionExpression = r.ReadString();
        q.ExpressionAttributeNames = r.ReadNames();
        q.ExpressionAttributeValues = r.ReadItem();
        q.ReturnValues = (ReturnValue?)r.ReadEnum();
        q.ReturnValuesOnConditionCheckFailure = (ReturnValuesOnConditionCheckFailure?)r.ReadEnum();
        q.ReturnConsumedCapacity = (ReturnConsumedCapacity?)r.ReadEnum();
        q.ReturnItemCollectionMetrics = (ReturnItemCollectionMetrics?)r.ReadEnum();
        return q;
    }

    private static void WriteCondition(FrameBuffer b, string? condition, Dictionary<string, string>? names, Dictionary<string, AttributeValue>? values)
    {
        Payload.WriteString(b, condition);
        Payload.WriteNames(b, names);
        Payload.WriteItem(b, values);
    }

    // Query := [TableName: str][IndexName: str][KeyConditionExpression: str][FilterExpression: str]
    //          [ProjectionExpression: str][ExpressionAttributeNames: map<str>][ExpressionAttributeValues: item]
    //          [ScanIndexForward: bool?][Limit: int?][ExclusiveStartKey: item][Select: enum?][ConsistentRead: bool?]
    //          [ReturnConsumedCapacity: enum?]
    public static void Write(FrameBuffer b, QueryRequest q)
    {
        RefuseLegacy(q.AttributesToGet, nameof(q.AttributesToGet));
        RefuseLegacy(q.KeyConditions, nameof(q.KeyConditions));
        RefuseLegacy(q.QueryFilter, nameof(q.QueryFilter));
        RefuseLegacy(q.ConditionalOperator, nameof(q.ConditionalOperator));
        Payload.WriteString(b, q.TableName);
        Payload.WriteString(b, q.IndexName);
        Payload.WriteString(b, q.KeyConditionExpression);
        Payload.WriteString(b, q.FilterExpression);
        Payload.WriteString(b, q.ProjectionExpression);
        Payload.WriteNames(b, q.ExpressionAttributeNames);
        Payload.WriteItem(b, q.ExpressionAttributeValues);
        Payload.WriteBool(b, q.ScanIndexForward);
        Payload.WriteInt(b, q.Limit);
        Payload.WriteItem(b, q.ExclusiveStartKey);
        Payload.WriteEnum(b, (byte?)q.Select);
        Payload.WriteBool(b, q.ConsistentRead);
        Payload.WriteEnum(b, (byte?)q.ReturnConsumedCapacity);
    }

    public static QueryRequest ReadQuery(ref PayloadReader r)
    {
        var q = new QueryRequest { TableName = r.ReadString(), IndexName = r.ReadString() };
        q.KeyConditionExpression = r.ReadString();
        q.FilterExpression = r.ReadString();
        q.ProjectionExpression = r.ReadString();
        q.ExpressionAttributeNames = r.ReadNames();
        q.ExpressionAttributeValues = r.ReadItem();
        q.ScanIndexForward = r.ReadBool();
        q.Limit = r.ReadInt();
        q.ExclusiveStartKey = r.ReadItem();
        q.Select = (Select?)r.ReadEnum();
        q.ConsistentRead = r.ReadBool();
        q.ReturnConsumedCapacity = (ReturnConsumedCapacity?)r.ReadEnum();
        return q;
    }

    // Scan := [TableName: str][IndexName: str][FilterExpression: str][ProjectionExpression: str]
    //         [ExpressionAttributeNames: map<str>][ExpressionAttributeValues: item][Limit: int?][ExclusiveStartKey: item]
    //         [Select: enum?][ConsistentRead: bool?][Segment: int?][TotalSegments: int?][ReturnConsumedCapacity: enum?]
    public static void Write(FrameBuffer b, ScanRequest q)
    {
        RefuseLegacy(q.AttributesToGet, nameof(q.AttributesToGet));
        RefuseLegacy(q.ScanFilter, nameof(q.ScanFilter));
        RefuseLegacy(q.ConditionalOperator, nameof(q.ConditionalOperator));
        Payload.WriteString(b, q.TableName);
        Payload.WriteString(b, q.IndexName);
        Payload.WriteString(b, q.FilterExpression);
        Payload.WriteString(b, q.ProjectionExpression);
        Payload.WriteNames(b, q.ExpressionAttributeNames);
        Payload.WriteItem(b, q.ExpressionAttributeValues);
        Payload.WriteInt(b, q.Limit);
        Payload.WriteItem(b, q.ExclusiveStartKey);
        Payload.WriteEnum(b, (byte?)q.Select);
        Payload.WriteBool(b, q.ConsistentRead);
        Payload.WriteInt(b, q.Segment);
        Payload.WriteInt(b, q.TotalSegments);
        Payload.WriteEnum(b, (byte?)q.ReturnConsumedCapacity);
    }

    public static ScanRequest ReadScan(ref PayloadReader r)
    {
        var q = new ScanRequest { TableName = r.ReadString(), IndexName = r.ReadString() };
        q.FilterExpression = r.ReadString();
        q.ProjectionExpression = r.ReadString();
        q.ExpressionAttributeNames = r.ReadNames();
        q.ExpressionAttributeValues = r.ReadItem();
        q.Limit = r.ReadInt();
        q.ExclusiveStartKey = r.ReadItem();
        q.Select = (Select?)r.ReadEnum();
        q.ConsistentRead = r.ReadBool();
        q.Segment = r.ReadInt();
        q.TotalSegments = r.ReadInt();
        q.ReturnConsumedCapacity = (ReturnConsumedCapacity?)r.ReadEnum();
        return q;
    }

    // KeysAndAttributes := [Keys: list<item>][ProjectionExpression: str][ExpressionAttributeNames: map<str>]
    //                      [ConsistentRead: bool?]
    // BatchGetItem := [RequestItems: map<KeysAndAttributes>][ReturnConsumedCapacity: enum?]
    public static void Write(FrameBuffer b, BatchGetItemRequest q)
    {
        WriteMap(b, q.RequestItems, WriteKeysAndAttributes);
        Payload.WriteEnum(b, (byte?)q.ReturnConsumedCapacity);
    }

    private static void WriteKeysAndAttributes(FrameBuffer b, KeysAndAttributes k)
    {
        RefuseLegacy(k?.AttributesToGet, nameof(k.AttributesToGet));
        if (k is null) throw new ValidationException("Supplied KeysAndAttributes is null");
        WriteList(b, k.Keys, WriteRequiredItem);
        Payload.WriteString(b, k.ProjectionExpression);
        Payload.WriteNames(b, k.ExpressionAttributeNames);
        Payload.WriteBool(b, k.ConsistentRead);
    }

    private static KeysAndAttributes ReadKeysAndAttributes(ref PayloadReader r) => new()
    {
        Keys = ReadList(ref r, RequiredItem),
        ProjectionExpression = r.ReadString(),
        ExpressionAttributeNames = r.ReadNames(),
        ConsistentRead = r.ReadBool(),
    };

    public static BatchGetItemRequest ReadBatchGetItem(ref PayloadReader r) => new()
    {
        RequestItems = ReadMap(ref r, ReadKeysAndAttributes),
        ReturnConsumedCapacity = (ReturnConsumedCapacity?)r.ReadEnum(),
    };

    // WriteRequest := [PutRequest.Item: item][DeleteRequest.Key: item]  (absent where the request has no such member;
    //                 a present PutRequest or DeleteRequest with a null item or key is not representable)
    // BatchWriteItem := [RequestItems: map<list<WriteRequest>>][ReturnConsumedCapacity: enum?][ReturnItemCollectionMetrics: enum?]
    public static void Write(FrameBuffer b, BatchWriteItemRequest q)
    {
        WriteMap(b, q.RequestItems, (b1, list) => WriteList(b1, list, WriteWriteRequest));
        Payload.WriteEnum(b, (byte?)q.ReturnConsumedCapacity);
        Payload.WriteEnum(b, (byte?)q.ReturnItemCollectionMetrics);
    }

    private static void WriteWriteRequest(FrameBuffer b, WriteRequest w)
    {
        Payload.WriteItem(b, w?.PutRequest?.Item);
        Payload.WriteItem(b, w?.DeleteRequest?.Key);
    }

    private static WriteRequest ReadWriteRequest(ref PayloadReader r)
    {
        var item = r.ReadItem();
        var key = r.ReadItem();
        return new WriteRequest
        {
            PutRequest = item is null ? null : new PutRequest { Item = item },
            DeleteRequest = key is null ? null : new DeleteRequest { Key = key },
        };
    }

    public static BatchWriteItemRequest ReadBatchWriteItem(ref PayloadReader r) => new()
    {
        RequestItems = ReadMap(ref r, (ref PayloadReader r1) => ReadList(ref r1, ReadWriteRequest)!),
        ReturnConsumedCapacity = (ReturnConsumedCapacity?)r.ReadEnum(),
        ReturnItemCollectionMetrics = (ReturnItemCollectionMetrics?)r.ReadEnum(),
    };

    // TransactWriteItem := [kind: u8 0 none, 1 Put, 2 Update, 3 Delete, 4 ConditionCheck, bit 7 set: more than one given]
    //                      then that action: [TableName: str][Item or Key: item][UpdateExpression: str (absent but for Update)]
    //                      [ConditionExpression: str][ExpressionAttributeNames: map<str>][ExpressionAttributeValues: item]
    //                      [ReturnValuesOnConditionCheckFailure: enum?]
    // TransactWriteItems := [TransactItems: list<TransactWriteItem>][ClientRequestToken: str]
    //                       [ReturnConsumedCapacity: enum?][ReturnItemCollectionMetrics: enum?]
    public static void Write(FrameBuffer b, TransactWriteItemsRequest q)
    {
        WriteList(b, q.TransactItems, WriteTransactItem);
        Payload.WriteString(b, q.ClientRequestToken);
        Payload.WriteEnum(b, (byte?)q.ReturnConsumedCapacity);
        Payload.WriteEnum(b, (byte?)q.ReturnItemCollectionMetrics);
    }

    private static void WriteTransactItem(FrameBuffer b, TransactWriteItem t)
    {
        int given = (t?.Put is null ? 0 : 1) + (t?.Update is null ? 0 : 1) + (t?.Delete is null ? 0 : 1) + (t?.ConditionCheck is null ? 0 : 1);
        // The engine answers an action with none or several members itself: such an action is sent as "none" or with
        // the "several" bit, and the server rebuilds it that way (its first member and a marker of the others).
        if (t?.Put is { } p)
        {
            b.WriteByte((byte)(1 | (given > 1 ? 0x80 : 0)));
            WriteAction(b, p.TableName, p.Item, null, p.ConditionExpression, p.ExpressionAttributeNames, p.ExpressionAttributeValues, p.ReturnValuesOnConditionCheckFailure);
        }
        else if (t?.Update is { } u)
        {
            b.WriteByte((byte)(2 | (given > 1 ? 0x80 : 0)));
            WriteAction(b, u.TableName, u.Key, u.UpdateExpression, u.ConditionExpression, u.ExpressionAttributeNames, u.ExpressionAttributeValues, u.ReturnValuesOnConditionCheckFailure);
        }
        else if (t?.Delete is { } d)
        {
            b.WriteByte((byte)(3 | (given > 1 ? 0x80 : 0)));
            WriteAction(b, d.TableName, d.Key, null, d.ConditionExpression, d.ExpressionAttributeNames, d.ExpressionAttributeValues, d.ReturnValuesOnConditionCheckFailure);
        }
        else if (t?.ConditionCheck is { } c)
        {
            b.WriteByte(4);
            WriteAction(b, c.TableName, c.Key, null, c.ConditionExpression, c.ExpressionAttributeNames, c.ExpressionAttributeValues, c.ReturnValuesOnConditionCheckFailure);
        }
        else b.WriteByte(0);
    }

    private static void WriteAction(FrameBuffer b, string? table, Dictionary<string, AttributeValue>? itemOrKey, string? update,
        string? condition, Dictionary<string, string>? names, Dictionary<string, AttributeValue>? values, ReturnValuesOnConditionCheckFailure? onFailure)
    {
        Payload.WriteString(b, table);
        Payload.WriteItem(b, itemOrKey);
        Payload.WriteString(b, update);
        WriteCondition(b, condition, names, values);
        Payload.WriteEnum(b, (byte?)onFailure);
    }

    private static TransactWriteItem ReadTransactItem(ref PayloadReader r)
    {
        byte kind = r.ReadByte();
        var item = new TransactWriteItem();
        if ((kind & 0x7F) == 0)
        {
            if (kind != 0) throw new ProtocolFormatException($"bad transact action kind {kind}");
            return item;
        }
        string? table = r.ReadString();
        var itemOrKey = r.ReadItem();
        string? update = r.ReadString();
        string? condition = r.ReadString();
        var names = r.ReadNames();
        var values = r.ReadItem();
        var onFailure = (ReturnValuesOnConditionCheckFailure?)r.ReadEnum();
        switch (kind & 0x7F)
        {
            case 1: item.Put = new TransactPut { TableName = table, Item = itemOrKey, ConditionExpression = condition, ExpressionAttributeNames = names, ExpressionAttributeValues = values, ReturnValuesOnConditionCheckFailure = onFailure }; break;
            case 2: item.Update = new TransactUpdate { TableName = table, Key = itemOrKey, UpdateExpression = update, ConditionExpression = condition, ExpressionAttributeNames = names, ExpressionAttributeValues = values, ReturnValuesOnConditionCheckFailure = onFailure }; break;
            case 3: item.Delete = new TransactDelete { TableName = table, Key = itemOrKey, ConditionExpression = condition, ExpressionAttributeNames = names, ExpressionAttributeValues = values, ReturnValuesOnConditionCheckFailure = onFailure }; break;
            case 4: item.ConditionCheck = new TransactConditionCheck { TableName = table, Key = itemOrKey, ConditionExpression = condition, ExpressionAttributeNames = names, ExpressionAttributeValues = values, ReturnValuesOnConditionCheckFailure = onFailure }; break;
            default: throw new ProtocolFormatException($"bad transact action kind {kind}");
        }
        // Several members were given: the engine refuses that with its own message; give it a second member to see.
        if ((kind & 0x80) != 0)
        {
            if (item.ConditionCheck is null) item.ConditionCheck = new TransactConditionCheck();
            else item.Delete = new TransactDelete();
        }
        return item;
    }

    public static TransactWriteItemsRequest ReadTransactWriteItems(ref PayloadReader r) => new()
    {
        TransactItems = ReadList(ref r, ReadTransactItem),
        ClientRequestToken = r.ReadString(),
        ReturnConsumedCapacity = (ReturnConsumedCapacity?)r.ReadEnum(),
        ReturnItemCollectionMetrics = (ReturnItemCollectionMetrics?)r.ReadEnum(),
    };

    // TransactGetItem := [present: u8 0|1] then [TableName: str][Key: item][ProjectionExpression: str][ExpressionAttributeNames: map<str>]
    // TransactGetItems := [TransactItems: list<TransactGetItem>][ReturnConsumedCapacity: enum?]
    public static void Write(FrameBuffer b, TransactGetItemsRequest q)
    {
        WriteList(b, q.TransactItems, static (b1, t) =>
        {
            if (t?.Get is not { } g)
            {
                b1.WriteByte(0);
                return;
            }
            b1.WriteByte(1);
            Payload.WriteString(b1, g.TableName);
            Payload.WriteItem(b1, g.Key);
            Payload.WriteString(b1, g.ProjectionExpression);
            Payload.WriteNames(b1, g.ExpressionAttributeNames);
        });
        Payload.WriteEnum(b, (byte?)q.ReturnConsumedCapacity);
    }

    public static TransactGetItemsRequest ReadTransactGetItems(ref PayloadReader r) => new()
    {
        TransactItems = ReadList(ref r, static (ref PayloadReader r1) => r1.ReadByte() switch
        {
            0 => new TransactGetItem(),
            1 => new TransactGetItem
            {
                Get = new TransactGet
                {
                    TableName = r1.ReadString(),
                    Key = r1.ReadItem(),
                    ProjectionExpression = r1.ReadString(),
                    ExpressionAttributeNames = r1.ReadNames(),
                },
            },
            var k => throw new ProtocolFormatException($"bad presence byte {k}"),
        }),
        ReturnConsumedCapacity = (ReturnConsumedCapacity?)r.ReadEnum(),
    };
}
