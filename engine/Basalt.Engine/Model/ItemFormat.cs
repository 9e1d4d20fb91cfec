using System.Buffers.Binary;

namespace Basalt.Engine.Model;

// The binary encoding of one DynamoDB item: one byte buffer that is read in place (ItemReader) and never
// decoded on the hot path. docs/item-format.md is a copy of this spec with the reasons.
//
//   Item      := [version: u8 = 1] Body
//   Value     := [tag: u8 = AttributeType] payload
//     S, N, B := [tag][length: u32 LE][bytes]         S: UTF-8; N: canonical decimal text, UTF-8; B: raw bytes
//     BOOL    := [tag][0 | 1]
//     NULL    := [tag]
//     M, L    := [tag][bodyLength: u32 LE] Body
//     SS,NS,BS:= [tag][bodyLength: u32 LE] Body
//   Body      := [element]*count [offset: u32 LE]*count [count: u32 LE]
//     element of an item or M := [nameLength: u32 LE][name: UTF-8][Value]
//     element of an L         := [Value]
//     element of a set        := [length: u32 LE][member bytes]
//   The offset table sits at the end of its body (count last, table before it) so a writer appends it after
//   the elements without moving them. Offsets are relative to the body's first byte.
//   Table order: item and M by name (ordinal byte order of the UTF-8 names, unique), so lookup by name is a
//   binary search; L in list order; sets by member bytes (unique), so membership is a binary search.
//   Element bytes are in arrival order (the writer's); only the table is sorted.
//
// All integers little-endian. Lengths bound by ItemBytesMax. Persisted (the value of every stored item):
// a change of layout needs a new version byte, and readers keep reading version 1.
public static class ItemFormat
{
    public const byte Version = 1;

    // DynamoDB's limits, enforced by ItemWriter.
    public const int ItemBytesMax = 409_600;           // 400 KB, DynamoDB's item size (ItemSize), names included
    public const int NestingLevelsMax = 32;            // the item is level 1; each M or L inside adds one
    public const int AttributeNameBytesMax = 65_535;   // "1 byte to 64 KB"; 65,535 as the emulators measure it

    public const int LengthBytes = 4;
    public const int CountBytes = 4;
    public const int OffsetBytes = 4;
    public const int ContainerHeaderBytes = 1 + LengthBytes;

    // DynamoDB's messages (ValidationException), as DynamoDB returns them.
    public const string ItemTooLargeMessage = "Item size has exceeded the maximum allowed size";
    public const string NestingTooDeepMessage =
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit";
    public const string EmptyStringSetMessage = "One or more parameter values were invalid: An string set  may not be empty";
    public const string EmptyNumberSetMessage = "One or more parameter values were invalid: An number set  may not be empty";
    public const string EmptyBinarySetMessage = "One or more parameter values were invalid: Binary sets should not be empty";
    public const string DuplicateNumberSetMessage = "Input collection contains duplicates";
    // Not verified against DynamoDB (no captured response found); the wording follows its other messages.
    public const string EmptyAttributeNameMessage = "One or more parameter values were invalid: An attribute name may not be empty";
    public const string AttributeNameTooLongMessage =
        "One or more parameter values were invalid: An attribute name exceeds the maximum length of 65535 bytes";

    public static string EmptySetMessage(AttributeType setType) => setType switch
    {
        AttributeType.SS => EmptyStringSetMessage,
        AttributeType.NS => EmptyNumberSetMessage,
        _ => EmptyBinarySetMessage,
    };

    // DynamoDB lists the members as sent: strings plainly, binary members in base64, numbers not at all.
    public static string DuplicateSetMessage(AttributeType setType, IEnumerable<string> membersAsSent) => setType switch
    {
        AttributeType.SS => $"One or more parameter values were invalid: Input collection [{string.Join(", ", membersAsSent)}] contains duplicates.",
        AttributeType.BS => $"One or more parameter values were invalid: Input collection [{string.Join(", ", membersAsSent)}]of type BS contains duplicates.",
        _ => DuplicateNumberSetMessage,
    };

    internal static int ReadInt(ReadOnlySpan<byte> source, int at)
    {
        if (at < 0 || source.Length - at < LengthBytes) throw new FormatException($"item encoding: length at {at} past the end");
        uint value = BinaryPrimitives.ReadUInt32LittleEndian(source[at..]);
        if (value > int.MaxValue) throw new FormatException($"item encoding: length {value} at {at} out of range");
        return (int)value;
    }

    // source[at, at + length), or FormatException when a length read from the bytes points past them.
    internal static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> source, int at, int length)
    {
        if ((uint)at > (uint)source.Length || (uint)length > (uint)(source.Length - at))
            throw new FormatException($"item encoding: {length} bytes at {at} run past the end");
        return source.Slice(at, length);
    }

    internal static void WriteInt(Span<byte> destination, int at, int value) =>
        BinaryPrimitives.WriteUInt32LittleEndian(destination[at..], (uint)value);

    // The length of the encoded value that starts at value[0] (its tag).
    // value may run past the value's end (the rest of its body); a value that does not fit is a FormatException.
    public static int ValueLength(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty) throw new FormatException("item encoding: value missing");
        switch ((AttributeType)value[0])
        {
            case AttributeType.S or AttributeType.N or AttributeType.B:
            case AttributeType.M or AttributeType.L or AttributeType.SS or AttributeType.NS or AttributeType.BS:
            {
                if (value.Length < ContainerHeaderBytes) throw new FormatException("item encoding: value header truncated");
                int length = ContainerHeaderBytes + ReadInt(value, 1);
                if (length < 0 || length > value.Length) throw new FormatException("item encoding: value longer than its body");
                return length;
            }
            case AttributeType.Bool:
                if (value.Length < 2) throw new FormatException("item encoding: BOOL truncated");
                return 2;
            case AttributeType.Null:
                return 1;
            default:
                throw new FormatException($"item encoding: unknown type tag {value[0]}");
        }
    }
}
