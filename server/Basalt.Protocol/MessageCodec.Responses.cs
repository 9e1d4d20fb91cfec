using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Protocol;

// Responses and errors (see MessageCodec.cs).
//   Capacity          := [present: u8] then [CapacityUnits: f64][ReadCapacityUnits: double?][WriteCapacityUnits: double?]
//   ConsumedCapacity  := [present: u8] then [TableName: str][CapacityUnits: f64][ReadCapacityUnits: double?]
//                        [WriteCapacityUnits: double?][Table: Capacity][LocalSecondaryIndexes: map<Capacity>]
//                        [GlobalSecondaryIndexes: map<Capacity>]
//   ItemCollectionMetrics := [present: u8] then [ItemCollectionKey: item][SizeEstimateRangeGB: list<f64>]
public static partial class MessageCodec
{
    private static void WriteCapacity(FrameBuffer b, Capacity? c)
    {
        b.WriteByte(c is null ? (byte)0 : (byte)1);
        if (c is null) return;
        Payload.WriteDouble(b, c.CapacityUnits);
        Payload.WriteDouble(b, c.ReadCapacityUnits);
        Payload.WriteDouble(b, c.WriteCapacityUnits);
    }

    private static Capacity? ReadCapacity(ref PayloadReader r) => !ReadPresent(ref r) ? null
        : new Capacity(r.ReadDouble() ?? throw PayloadReader.Absent(), r.ReadDouble(), r.ReadDouble());

    private static bool ReadPresent(ref PayloadReader r) => r.ReadByte() switch
    {
        0 => false,
        1 => true,
        var k => throw new ProtocolFormatException($"bad presence byte {k}"),
    };

    private static void WriteConsumed(FrameBuffer b, ConsumedCapacity? c)
    {
        b.WriteByte(c is null ? (byte)0 : (byte)1);
        if (c is null) return;
        Payload.WriteString(b, c.TableName);
        Payload.WriteDouble(b, c.CapacityUnits);
        Payload.WriteDouble(b, c.ReadCapacityUnits);
        Payload.WriteDouble(b, c.WriteCapacityUnits);
        WriteCapacity(b, c.Table);
        WriteMap(b, c.LocalSecondaryIndexes, WriteCapacity);
        WriteMap(b, c.GlobalSecondaryIndexes, WriteCapacity);
    }

    private static ConsumedCapacity? ReadConsumed(ref PayloadReader r)
    {
        if (!ReadPresent(ref r)) return null;
        string table = r.ReadString() ?? throw PayloadReader.Absent();
        double units = r.ReadDouble() ?? throw PayloadReader.Absent();
        var read = r.ReadDouble();
        var write = r.ReadDouble();
        var tableCapacity = ReadCapacity(ref r);
        var local = ReadMap(ref r, (ref PayloadReader r1) => ReadCapacity(ref r1)!);
        var global = ReadMap(ref r, (ref PayloadReader r1) => ReadCapacity(ref r1)!);
        return new ConsumedCapacity(table, units, read, write, tableCapacity, local, global);
    }

    private static void WriteMetrics(FrameBuffer b, ItemCollectionMetrics? m)
    {
        b.WriteByte(m is null ? (byte)0 : (byte)1);
        if (m is null) return;
        Payload.WriteItem(b, m.ItemCollectionKey);
        WriteList(b, m.SizeEstimateRangeGB, static (b1, d) => Payload.WriteDouble(b1, d));
    }

    private static ItemCollectionMetrics? ReadMetrics(ref PayloadReader r) => !ReadPresent(ref r) ? null
        : new ItemCollectionMetrics(RequiredItem(ref r),
            ReadList(ref r, static (ref PayloadReader r1) => r1.ReadDouble() ?? throw PayloadReader.Absent())?.ToArray() ?? throw PayloadReader.Absent());

    // GetItem response := [Item: item][ConsumedCapacity]
    public static void Write(FrameBuffer b, GetItemResponse s)
    {
        Payload.WriteItem(b, s.Item);
        WriteConsumed(b, s.ConsumedCapacity);
    }

    public static GetItemResponse ReadGetItemResponse(ref PayloadReader r) => new(r.ReadItem(), ReadConsumed(ref r));

    // PutItem, UpdateItem, DeleteItem responses := [Attributes: item][ConsumedCapacity][ItemCollectionMetrics]
    public static void Write(FrameBuffer b, PutItemResponse s) => WriteWriteResponse(b, s.Attributes, s.ConsumedCapacity, s.ItemCollectionMetrics);
    public static void Write(FrameBuffer b, UpdateItemResponse s) => WriteWriteResponse(b, s.Attributes, s.ConsumedCapacity, s.ItemCollectionMetrics);
    public static void Write(FrameBuffer b, DeleteItemResponse s) => WriteWriteResponse(b, s.Attributes, s.ConsumedCapacity, s.ItemCollectionMetrics);

    private static void WriteWriteResponse(FrameBuffer b, Dictionary<string, AttributeValue>? attributes, ConsumedCapacity? c, ItemCollectionMetrics? m)
    {
        Payload.WriteItem(b, attributes);
        WriteConsumed(b, c);
        WriteMetrics(b, m);
    }

    public static PutItemResponse ReadPutItemResponse(ref PayloadReader r) => new(r.ReadItem(), ReadConsumed(ref r), ReadMetrics(ref r));
    public static UpdateItemResponse ReadUpdateItemResponse(ref PayloadReader r) => new(r.ReadItem(), ReadConsumed(ref r), ReadMetrics(ref r));
    public static DeleteItemResponse ReadDeleteItemResponse(ref PayloadReader r) => new(r.ReadItem(), ReadConsumed(ref r), ReadMetrics(ref r));

    // Query and Scan responses := [Items: list<item>][Count: u32][ScannedCount: u32][LastEvaluatedKey: item][ConsumedCapacity]
    public static void Write(FrameBuffer b, QueryResponse s) => WritePage(b, s.Items, s.Count, s.ScannedCount, s.LastEvaluatedKey, s.ConsumedCapacity);
    public static void Write(FrameBuffer b, ScanResponse s) => WritePage(b, s.Items, s.Count, s.ScannedCount, s.LastEvaluatedKey, s.ConsumedCapacity);

    private static void WritePage(FrameBuffer b, List<Dictionary<string, AttributeValue>> items, int count, int scanned,
        Dictionary<string, AttributeValue>? last, ConsumedCapacity? c)
    {
        WriteList(b, items, WriteRequiredItem);
        b.WriteUInt32((uint)count);
        b.WriteUInt32((uint)scanned);
        Payload.WriteItem(b, last);
        WriteConsumed(b, c);
    }

    public static QueryResponse ReadQueryResponse(ref PayloadReader r) =>
        new(ReadList(ref r, RequiredItem) ?? throw PayloadReader.Absent(), (int)r.ReadUInt32(), (int)r.ReadUInt32(), r.ReadItem(), ReadConsumed(ref r));

    public static ScanResponse ReadScanResponse(ref PayloadReader r) =>
        new(ReadList(ref r, RequiredItem) ?? throw PayloadReader.Absent(), (int)r.ReadUInt32(), (int)r.ReadUInt32(), r.ReadItem(), ReadConsumed(ref r));

    // BatchGetItem response := [Responses: map<list<item>>][UnprocessedKeys: map<KeysAndAttributes>][ConsumedCapacity: list<ConsumedCapacity>]
    public static void Write(FrameBuffer b, BatchGetItemResponse s)
    {
        WriteMap(b, s.Responses, static (b1, items) => WriteList(b1, items, WriteRequiredItem));
        WriteMap(b, s.UnprocessedKeys, WriteKeysAndAttributes);
        WriteList(b, s.ConsumedCapacity, WriteConsumed);
    }

    public static BatchGetItemResponse ReadBatchGetItemResponse(ref PayloadReader r) => new(
        ReadMap(ref r, static (ref PayloadReader r1) => ReadList(ref r1, RequiredItem)!) ?? throw PayloadReader.Absent(),
        ReadMap(ref r, ReadKeysAndAttributes) ?? throw PayloadReader.Absent(),
        ReadList(ref r, static (ref PayloadReader r1) => ReadConsumed(ref r1)!));

    // BatchWriteItem response := [UnprocessedItems: map<list<WriteRequest>>][ConsumedCapacity: list<ConsumedCapacity>]
    //                            [ItemCollectionMetrics: map<list<ItemCollectionMetrics>>]
    public static void Write(FrameBuffer b, BatchWriteItemResponse s)
    {
        WriteMap(b, s.UnprocessedItems, static (b1, list) => WriteList(b1, list, WriteWriteRequest));
        WriteList(b, s.ConsumedCapacity, WriteConsumed);
        WriteMap(b, s.ItemCollectionMetrics, static (b1, list) => WriteList(b1, list, WriteMetrics));
    }

    public static BatchWriteItemResponse ReadBatchWriteItemResponse(ref PayloadReader r) => new(
        ReadMap(ref r, static (ref PayloadReader r1) => ReadList(ref r1, ReadWriteRequest)!) ?? throw PayloadReader.Absent(),
        ReadList(ref r, static (ref PayloadReader r1) => ReadConsumed(ref r1)!),
        ReadMap(ref r, static (ref PayloadReader r1) => ReadList(ref r1, static (ref PayloadReader r2) => ReadMetrics(ref r2)!)!));

    // TransactWriteItems response := [ConsumedCapacity: list<ConsumedCapacity>][ItemCollectionMetrics: map<list<ItemCollectionMetrics>>]
    public static void Write(FrameBuffer b, TransactWriteItemsResponse s)
    {
        WriteList(b, s.ConsumedCapacity, WriteConsumed);
        WriteMap(b, s.ItemCollectionMetrics, static (b1, list) => WriteList(b1, list, WriteMetrics));
    }

    public static TransactWriteItemsResponse ReadTransactWriteItemsResponse(ref PayloadReader r) => new(
        ReadList(ref r, static (ref PayloadReader r1) => ReadConsumed(ref r1)!),
        ReadMap(ref r, static (ref PayloadReader r1) => ReadList(ref r1, static (ref PayloadReader r2) => ReadMetrics(ref r2)!)!));

    // TransactGetItems response := [Responses: list<item>][ConsumedCapacity: list<ConsumedCapacity>]
    public static void Write(FrameBuffer b, TransactGetItemsResponse s)
    {
        WriteList(b, s.Responses, static (b1, x) => Payload.WriteItem(b1, x.Item));
        WriteList(b, s.ConsumedCapacity, WriteConsumed);
    }

    public static TransactGetItemsResponse ReadTransactGetItemsResponse(ref PayloadReader r) => new(
        ReadList(ref r, static (ref PayloadReader r1) => new ItemResponse(r1.ReadItem())) ?? throw PayloadReader.Absent(),
        ReadList(ref r, static (ref PayloadReader r1) => ReadConsumed(ref r1)!));

    // ---- Errors ---------------------------------------------------------------------------------------------------

    public static void WriteError(FrameBuffer b, string errorType, string? message) 
    {
        Payload.WriteString(b, errorType);
        Payload.WriteString(b, message);
        b.WriteByte((byte)ErrorDetail.None);
    }

    public static void WriteError(FrameBuffer b, DynamoDbException e)
    {
        Payload.WriteString(b, e.ErrorType);
        Payload.WriteString(b, e.Message);
        switch (e)
        {
            case ConditionalCheckFailedException { Item: { } item }:
                b.WriteByte((byte)ErrorDetail.Item);
                Payload.WriteItem(b, item);
                break;
            case TransactionCanceledException t:
                b.WriteByte((byte)ErrorDetail.CancellationReasons);
                WriteList(b, t.CancellationReasons, static (b1, reason) =>
                {
                    Payload.WriteString(b1, reason.Code);
                    Payload.WriteString(b1, reason.Message);
                    Payload.WriteItem(b1, reason.Item);
                });
                break;
            default:
                b.WriteByte((byte)ErrorDetail.None);
                break;
        }
    }

    // The error as the exception the embedded API would have thrown: the engine's own types where it has one for the
    // error type, RemoteDynamoDbException (same ErrorType and message) for the rest.
    public static DynamoDbException ReadError(ref PayloadReader r)
    {
        string type = r.ReadString() ?? throw PayloadReader.Absent();
        string message = r.ReadString() ?? "";
        var detail = (ErrorDetail)r.ReadByte();
        Dictionary<string, AttributeValue>? item = null;
        List<CancellationReason>? reasons = null;
        switch (detail)
        {
            case ErrorDetail.None: break;
            case ErrorDetail.Item: item = r.ReadItem(); break;
            case ErrorDetail.CancellationReasons:
                reasons = ReadList(ref r, static (ref PayloadReader r1) => new CancellationReason(
                    r1.ReadString() ?? throw PayloadReader.Absent(), r1.ReadString(), r1.ReadItem())) ?? throw PayloadReader.Absent();
                break;
            default: throw new ProtocolFormatException($"bad error detail {(byte)detail}");
        }
        return type switch
        {
            "ValidationException" => new ValidationException(message),
            "ResourceNotFoundException" => new ResourceNotFoundException(message),
            "ResourceInUseException" => new ResourceInUseException(message),
            "LimitExceededException" => new LimitExceededException(message),
            "ConditionalCheckFailedException" => new ConditionalCheckFailedException(message, item),
            "TransactionConflictException" => new TransactionConflictException(message),
            "TransactionCanceledException" => new TransactionCanceledException(message, reasons ?? []),
            "ItemCollectionSizeLimitExceededException" => new ItemCollectionSizeLimitExceededException(message),
            "TransactionInProgressException" => new TransactionInProgressException(message),
            "IdempotentParameterMismatchException" => new IdempotentParameterMismatchException(message),
            "AccessDeniedException" => new AccessDeniedException(message),
            _ => new RemoteDynamoDbException(type, message),
        };
    }
}

// An error the server answered whose type the engine has no class for (SerializationException,
// UnknownOperationException, ThrottlingException, InternalServerError, ...): DynamoDB's type and message.
public sealed class RemoteDynamoDbException(string errorType, string message) : DynamoDbException(errorType, message);
