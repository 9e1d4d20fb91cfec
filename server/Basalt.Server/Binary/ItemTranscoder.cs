using Basalt.Engine.Model;
using Basalt.Protocol;

namespace Basalt.Server.Binary;

// Re-writes an encoded item from an untrusted peer through an ItemWriter, so it is checked exactly as an item built
// any other way: the reader refuses malformed bytes (FormatException, answered SerializationException), the writer
// refuses what DynamoDB refuses (ItemValidationException: empty or duplicate set members, empty names, nesting past
// 32 levels, 400 KB), strings and names must be UTF-8, and numbers are parsed and written canonical. Costs one copy of
// the item into the writer's (reused) buffer; a stored item must be trustworthy, and trusting the peer's offset
// tables and set order would put unchecked bytes on disk. Recursion is bounded by the writer's nesting check.
internal static class ItemTranscoder
{
    public static void Copy(ReadOnlySpan<byte> item, ItemWriter writer)
    {
        var reader = new ItemReader(item);
        writer.BeginItem();
        var map = reader.Attributes;
        for (int i = 0; i < map.Count; i++)
        {
            map.GetAt(i, out var name, out var value);
            WriteName(writer, name);
            CopyValue(value, writer);
        }
        writer.EndItem();
    }

    private static void WriteName(ItemWriter writer, ReadOnlySpan<byte> name)
    {
        if (!System.Text.Unicode.Utf8.IsValid(name)) throw new ProtocolFormatException("an attribute name is not valid UTF-8");
        writer.WriteName(name);
    }

    private static void CopyValue(AttributeView value, ItemWriter writer)
    {
        switch (value.Type)
        {
            case AttributeType.S:
                writer.WriteString(Utf8(value.Bytes));
                break;
            case AttributeType.N:
                WriteNumber(writer, value.Bytes);
                break;
            case AttributeType.B:
                writer.WriteBinary(value.Bytes);
                break;
            case AttributeType.Bool:
                writer.WriteBool(value.Bool);
                break;
            case AttributeType.Null:
                writer.WriteNull();
                break;
            case AttributeType.M:
            {
                var map = value.AsMap();
                writer.BeginMap();
                for (int i = 0; i < map.Count; i++)
                {
                    map.GetAt(i, out var name, out var member);
                    WriteName(writer, name);
                    CopyValue(member, writer);
                }
                writer.EndMap();
                break;
            }
            case AttributeType.L:
            {
                var list = value.AsList();
                writer.BeginList();
                for (int i = 0; i < list.Count; i++) CopyValue(list[i], writer);
                writer.EndList();
                break;
            }
            case AttributeType.SS or AttributeType.NS or AttributeType.BS:
            {
                var set = value.AsSet();
                writer.BeginSet(value.Type);
                for (int i = 0; i < set.Count; i++)
                {
                    if (value.Type == AttributeType.SS) writer.WriteString(Utf8(set[i]));
                    else if (value.Type == AttributeType.NS) WriteNumber(writer, set[i]);
                    else writer.WriteBinary(set[i]);
                }
                writer.EndSet();
                break;
            }
            default:
                throw new ProtocolFormatException($"item encoding: unknown attribute type {(byte)value.Type}");
        }
    }

    private static ReadOnlySpan<byte> Utf8(ReadOnlySpan<byte> text) =>
        System.Text.Unicode.Utf8.IsValid(text) ? text : throw new ProtocolFormatException("a string is not valid UTF-8");

    [System.Runtime.CompilerServices.SkipLocalsInit]
    private static void WriteNumber(ItemWriter writer, ReadOnlySpan<byte> text)
    {
        if (!DynamoNumber.TryParse(text, out var number, out string? error))
            throw new Basalt.Engine.Database.ValidationException(error ?? "The parameter cannot be converted to a numeric value");
        Span<byte> canonical = stackalloc byte[DynamoNumber.TextLengthMax];
        number.TryFormat(canonical, out int length);
        writer.WriteNumber(canonical[..length]);
    }
}
