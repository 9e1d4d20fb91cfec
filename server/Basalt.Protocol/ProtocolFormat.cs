using System.Buffers.Binary;

namespace Basalt.Protocol;

// Basalt's binary protocol: the header is the spec (docs/protocol.md copies it and gives the reasons).
//
// A connection is a byte stream of frames in both directions. All integers are little-endian.
//
//   Frame   := [length: u32][requestId: u32][op: u8][flags: u8][reserved: u16 = 0] payload
//              length counts the bytes after itself (8 + payload); 8 <= length <= FrameBytesMax - 4.
//   flags   := bit 0 Response (set on every server frame), bit 1 Error (the payload is an Error); other bits 0.
//   op      := Op below; a response carries its request's op and requestId.
//
// The client picks request ids (any u32; the .NET client never reuses one while it is in flight); the server echoes
// them and may answer in any order: many requests are in flight on one connection (pipelined), and a slow one does
// not hold back a fast one behind it.
//
// The first frame of a connection must be Hello:
//   Hello request   := [magic: "BSLT"][version: u16][reserved: u16 = 0]
//   Hello response  := [magic: "BSLT"][version: u16][reserved: u16 = 0][frameBytesMax: u32]
// A version the server does not speak, a bad magic or any other first frame gets an Error frame
// (SerializationException) and the connection is closed.
//
// Payloads (Payload.cs has the primitives):
//   str     := [byteLength: u32][UTF-8]            absent (null): byteLength = 0xFFFFFFFF
//   item    := [byteLength: u32][ItemFormat bytes]  the engine's item encoding (docs/item-format.md); absent: 0xFFFFFFFF.
//              Every map of attribute values (Item, Key, ExclusiveStartKey, ExpressionAttributeValues, ...) is one.
//   bool?   := u8: 0 absent, 1 false, 2 true
//   enum?   := u8: the engine enum's value, 0xFF absent
//   int?    := [present: u8][value: i32]           value only when present = 1
//   double? := [present: u8][value: f64]
//   list<T> := [count: u32] T*                     absent: count = 0xFFFFFFFF
//   map<T>  := [count: u32] ([key: str] T)*        absent: count = 0xFFFFFFFF
// Each operation's request and response is a fixed sequence of these (MessageCodec.cs; docs/protocol.md lists them).
// Nothing is JSON. The legacy parameters (Expected, AttributeUpdates, KeyConditions, QueryFilter, ScanFilter,
// ConditionalOperator, AttributesToGet) are not carried: the client refuses them with a ValidationException.
//
//   Error   := [errorType: str][message: str][detail: u8] detail-specific
//              detail 0: nothing; 1: [item]  (ConditionalCheckFailedException's Item, ReturnValuesOnConditionCheckFailure)
//              detail 2: list<[code: str][message: str][item]>  (TransactionCanceledException's CancellationReasons)
//   errorType is DynamoDB's (ValidationException, ResourceNotFoundException, ...); a frame the server cannot read is
//   SerializationException, an unknown op UnknownOperationException, too many requests in flight on a connection
//   ThrottlingException. A frame whose length is out of bounds cannot be skipped safely: the server answers it with an
//   Error (requestId 0) and closes the connection.
//
// The lean item operations (GetItemEncoded, PutItemEncoded) carry only bytes:
//   GetItemEncoded request  := [table: str][key: item]   response := [item]  (absent when there is no such item)
//   PutItemEncoded request  := [table: str][item: item]  response := (empty)
//
// Versioning: a change of layout bumps Version; the server speaks only the versions it lists.
public static class ProtocolFormat
{
    public const ushort Version = 1;
    public const int HeaderBytes = 12;      // length, requestId, op, flags, reserved
    public const int LengthBytes = 4;
    // DynamoDB's request limit is 16 MB (BatchGetItem's response is capped there too); 64 KiB on top for the frame
    // and its names. A bound on what one connection can make the server buffer.
    public const int FrameBytesMax = (16 << 20) + (64 << 10);
    public const uint Absent = 0xFFFF_FFFF;
    public const byte AbsentEnum = 0xFF;
    public const int HelloBytes = 8;
    public const int HelloResponseBytes = 12;
    public static ReadOnlySpan<byte> Magic => "BSLT"u8;

    public static void WriteHeader(Span<byte> destination, int payloadBytes, uint requestId, Op op, FrameFlags flags)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)(HeaderBytes - LengthBytes + payloadBytes));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], requestId);
        destination[8] = (byte)op;
        destination[9] = (byte)flags;
        destination[10] = 0;
        destination[11] = 0;
    }

    // The header at the start of `source` (at least HeaderBytes). The length is not checked here: see FrameReader.
    public static FrameHeader ReadHeader(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(source),
        BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
        (Op)source[8],
        (FrameFlags)source[9],
        BinaryPrimitives.ReadUInt16LittleEndian(source[10..]));

    public static bool IsKnown(Op op) => op is >= Op.Hello and <= Op.TransactGetItems or Op.GetItemEncoded or Op.PutItemEncoded;
}

// One frame's header as read. Length counts the bytes after the length field.
public readonly record struct FrameHeader(uint Length, uint RequestId, Op Op, FrameFlags Flags, ushort Reserved)
{
    public int PayloadBytes => (int)Length - (ProtocolFormat.HeaderBytes - ProtocolFormat.LengthBytes);
    public int FrameBytes => (int)Length + ProtocolFormat.LengthBytes;
}

// Persisted on the wire: explicit values, never reorder or reuse one.
public enum Op : byte
{
    Hello = 0,
    GetItem = 1,
    PutItem = 2,
    UpdateItem = 3,
    DeleteItem = 4,
    Query = 5,
    Scan = 6,
    BatchGetItem = 7,
    BatchWriteItem = 8,
    TransactWriteItems = 9,
    TransactGetItems = 10,
    GetItemEncoded = 16,
    PutItemEncoded = 17,
}

// Persisted on the wire: explicit values, never reorder or reuse one.
[Flags]
public enum FrameFlags : byte
{
    None = 0,
    Response = 1,
    Error = 2,
}

// Persisted on the wire (Error's detail byte): explicit values, never reorder or reuse one.
public enum ErrorDetail : byte
{
    None = 0,
    Item = 1,
    CancellationReasons = 2,
}
