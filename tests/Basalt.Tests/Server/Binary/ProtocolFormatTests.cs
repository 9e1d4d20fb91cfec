using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Protocol;

namespace Basalt.Tests.Server.Binary;

// Golden bytes of the binary protocol (server/Basalt.Protocol/ProtocolFormat.cs, docs/protocol.md): the header, the
// handshake, a lean request and an error frame, byte for byte; and the persisted enums' values. A failure here means
// the wire format changed: bump ProtocolFormat.Version and document it instead of editing these bytes.
public class ProtocolFormatTests
{
    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    [Fact]
    public void PersistedEnumsKeepTheirValues()
    {
        Assert.Equal(
            "Hello=0 GetItem=1 PutItem=2 UpdateItem=3 DeleteItem=4 Query=5 Scan=6 BatchGetItem=7 BatchWriteItem=8 TransactWriteItems=9 TransactGetItems=10 GetItemEncoded=16 PutItemEncoded=17",
            string.Join(" ", Enum.GetValues<Op>().Select(o => $"{o}={(byte)o}")));
        Assert.Equal("None=0 Response=1 Error=2", string.Join(" ", Enum.GetValues<FrameFlags>().Select(o => $"{o}={(byte)o}")));
        Assert.Equal("None=0 Item=1 CancellationReasons=2", string.Join(" ", Enum.GetValues<ErrorDetail>().Select(o => $"{o}={(byte)o}")));
        Assert.Equal(12, ProtocolFormat.HeaderBytes);
        Assert.Equal(16_842_752, ProtocolFormat.FrameBytesMax);
    }

    [Fact]
    public void HelloFrameBytes()
    {
        Assert.Equal("10000000" + "00000000" + "00" + "00" + "0000" + "42534C54" + "0100" + "0000", Hex(RawConnection.Hello()));
    }

    [Fact]
    public void GetItemEncodedRequestBytes()
    {
        using var b = new FrameBuffer();
        int start = b.BeginFrame();
        Payload.WriteUtf8(b, "t"u8);
        Payload.WriteEncodedItem(b, ItemCodec.Encode(new Dictionary<string, AttributeValue> { ["pk"] = AttributeValue.String("a") }));
        b.EndFrame(start, 7, Op.GetItemEncoded, FrameFlags.None);
        Assert.Equal(
            "26000000" + "07000000" + "10" + "00" + "0000"     // length 38, request 7, GetItemEncoded, no flags
            + "01000000" + "74"                                 // table "t"
            + "15000000"                                        // key item, 21 bytes:
            + "01" + "02000000" + "706B" + "01" + "01000000" + "61" + "00000000" + "01000000",
            Hex(b.WrittenSpan));
    }

    [Fact]
    public void ManagedGetItemRequestBytes()
    {
        using var b = new FrameBuffer();
        MessageCodec.Write(b, new GetItemRequest
        {
            TableName = "t", Key = new() { ["pk"] = AttributeValue.String("a") }, ConsistentRead = true,
            ReturnConsumedCapacity = ReturnConsumedCapacity.Total,
        });
        Assert.Equal(
            "01000000" + "74"                                   // TableName
            + "15000000" + "01" + "02000000" + "706B" + "01" + "01000000" + "61" + "00000000" + "01000000" // Key
            + "02"                                              // ConsistentRead true
            + "FFFFFFFF"                                        // ProjectionExpression absent
            + "FFFFFFFF"                                        // ExpressionAttributeNames absent
            + "01",                                             // ReturnConsumedCapacity TOTAL
            Hex(b.WrittenSpan));
    }

    [Fact]
    public void ErrorFrameBytes()
    {
        using var b = new FrameBuffer();
        int start = b.BeginFrame();
        MessageCodec.WriteError(b, "UnknownOperationException", null);
        b.EndFrame(start, 5, (Op)99, FrameFlags.Response | FrameFlags.Error);
        Assert.Equal(
            "2A000000" + "05000000" + "63" + "03" + "0000"
            + "19000000" + Hex("UnknownOperationException"u8) + "FFFFFFFF" + "00",
            Hex(b.WrittenSpan));
    }
}
