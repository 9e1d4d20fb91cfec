using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Protocol;

namespace Basalt.Fuzz.Targets;

// Seeds of the frame-reader target: every op's request frame, made with the protocol's own codec (so they follow the
// format when it changes), against FrameReaderTarget's tables. Each seed starts with the target's selector byte:
// 0 (a Hello is sent first) or 1 (the bytes as they are).
public static class BinaryFrames
{
    private static AttributeValue S(string s) => AttributeValue.String(s);
    private static AttributeValue N(string n) => AttributeValue.Number(n);

    private static byte[] Frame(uint id, Op op, Action<FrameBuffer> write)
    {
        using var b = new FrameBuffer();
        int start = b.BeginFrame();
        write(b);
        b.EndFrame(start, id, op, FrameFlags.None);
        return b.WrittenSpan.ToArray();
    }

    private static (string, byte[]) Seed(string name, params byte[][] frames) => ($"{name}.bin", [0, .. frames.SelectMany(f => f)]);

    public static IEnumerable<(string Name, byte[] Bytes)> Seeds()
    {
        var key = new Dictionary<string, AttributeValue> { ["pk"] = S("a") };
        var sortedKey = new Dictionary<string, AttributeValue> { ["pk"] = S("a"), ["sk"] = N("1") };
        var item = new Dictionary<string, AttributeValue>
        {
            ["pk"] = S("a"), ["sk"] = N("2"), ["b"] = AttributeValue.Binary([1, 2]), ["t"] = AttributeValue.Bool(true), ["z"] = AttributeValue.Null,
            ["m"] = AttributeValue.Map(new Dictionary<string, AttributeValue> { ["l"] = AttributeValue.List(S("x"), N("3")) }),
            ["ss"] = AttributeValue.StringSet(["a", "b"]), ["ns"] = AttributeValue.NumberSet(["1", "-2.5"]), ["bs"] = AttributeValue.BinarySet([[1], [2]]),
        };
        var getEncoded = Frame(1, Op.GetItemEncoded, b => { Payload.WriteString(b, "Tab"); Payload.WriteItem(b, key); });
        var putEncoded = Frame(2, Op.PutItemEncoded, b => { Payload.WriteString(b, "TabS"); Payload.WriteItem(b, item); });
        yield return Seed("get-encoded", getEncoded);
        yield return Seed("put-encoded", putEncoded);
        yield return Seed("pipelined", putEncoded, getEncoded, Frame(3, Op.GetItemEncoded, b => { Payload.WriteString(b, "TabS"); Payload.WriteItem(b, sortedKey); }));
        yield return Seed("get", Frame(4, Op.GetItem, b => MessageCodec.Write(b, new GetItemRequest
        {
            TableName = "Tab", Key = key, ProjectionExpression = "#v, pk", ExpressionAttributeNames = new() { ["#v"] = "v" }, ReturnConsumedCapacity = ReturnConsumedCapacity.Total,
        })));
        yield return Seed("put", Frame(5, Op.PutItem, b => MessageCodec.Write(b, new PutItemRequest
        {
            TableName = "TabS", Item = item, ConditionExpression = "attribute_not_exists(pk) OR #t = :t", ExpressionAttributeNames = new() { ["#t"] = "t" },
            ExpressionAttributeValues = new() { [":t"] = AttributeValue.Bool(true) }, ReturnValues = ReturnValue.AllOld,
        })));
        yield return Seed("update", Frame(6, Op.UpdateItem, b => MessageCodec.Write(b, new UpdateItemRequest
        {
            TableName = "Tab", Key = key, UpdateExpression = "ADD v :one SET s = :s", ExpressionAttributeValues = new() { [":one"] = N("1"), [":s"] = S("x") }, ReturnValues = ReturnValue.AllNew,
        })));
        yield return Seed("delete", Frame(7, Op.DeleteItem, b => MessageCodec.Write(b, new DeleteItemRequest { TableName = "TabS", Key = sortedKey, ReturnValues = ReturnValue.AllOld })));
        yield return Seed("query", Frame(8, Op.Query, b => MessageCodec.Write(b, new QueryRequest
        {
            TableName = "TabS", KeyConditionExpression = "pk = :p AND sk > :z", FilterExpression = "attribute_exists(t)",
            ExpressionAttributeValues = new() { [":p"] = S("a"), [":z"] = N("0") }, Limit = 5, ScanIndexForward = false,
        })));
        yield return Seed("scan", Frame(9, Op.Scan, b => MessageCodec.Write(b, new ScanRequest { TableName = "Tab", Segment = 0, TotalSegments = 2, Select = Select.Count })));
        yield return Seed("batch-get", Frame(10, Op.BatchGetItem, b => MessageCodec.Write(b, new BatchGetItemRequest
        {
            RequestItems = new() { ["Tab"] = new KeysAndAttributes { Keys = [key] }, ["TabS"] = new KeysAndAttributes { Keys = [sortedKey], ProjectionExpression = "sk" } },
        })));
        yield return Seed("batch-write", Frame(11, Op.BatchWriteItem, b => MessageCodec.Write(b, new BatchWriteItemRequest
        {
            RequestItems = new() { ["TabS"] = [new WriteRequest { PutRequest = new PutRequest { Item = item } }, new WriteRequest { DeleteRequest = new DeleteRequest { Key = sortedKey } }] },
        })));
        yield return Seed("transact-write", Frame(12, Op.TransactWriteItems, b => MessageCodec.Write(b, new TransactWriteItemsRequest
        {
            TransactItems =
            [
                new TransactWriteItem { Put = new TransactPut { TableName = "TabS", Item = item } },
                new TransactWriteItem { Update = new TransactUpdate { TableName = "Tab", Key = key, UpdateExpression = "SET w = :w", ExpressionAttributeValues = new() { [":w"] = N("9") } } },
                new TransactWriteItem { ConditionCheck = new TransactConditionCheck { TableName = "TabS", Key = sortedKey, ConditionExpression = "attribute_not_exists(pk)" } },
            ],
            ClientRequestToken = "token",
        })));
        yield return Seed("transact-get", Frame(13, Op.TransactGetItems, b => MessageCodec.Write(b, new TransactGetItemsRequest
        {
            TransactItems = [new TransactGetItem { Get = new TransactGet { TableName = "Tab", Key = key } }, new TransactGetItem { Get = new TransactGet { TableName = "TabS", Key = sortedKey } }],
        })));
        yield return Seed("unknown-op", Frame(14, (Op)99, b => b.WriteByte(1)), getEncoded);
        yield return ("no-hello.bin", [1, .. getEncoded]);
        yield return ("other-version.bin", [1, .. FrameReaderTarget.Hello[..16], 2, 0, 0, 0]);
    }
}
