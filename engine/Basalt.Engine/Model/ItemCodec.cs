using System.Text;

namespace Basalt.Engine.Model;

// Between the managed form (AttributeValue) and the encoding (ItemFormat): for the embedded API, tests and
// tools. Allocates by nature; the hot path stays on ItemReader and ItemWriter. Any thread.
public static class ItemCodec
{
    public static byte[] Encode(IEnumerable<KeyValuePair<string, AttributeValue>> item)
    {
        using var writer = new ItemWriter();
        return writer.WriteItem(item).ToArray();
    }

    // Attributes come back in name order (the encoding's order).
    public static Dictionary<string, AttributeValue> Decode(ReadOnlySpan<byte> encodedItem)
    {
        var reader = new ItemReader(encodedItem);
        var item = new Dictionary<string, AttributeValue>(reader.Count, StringComparer.Ordinal);
        while (reader.TryReadAttribute(out var name, out var value)) item[Encoding.UTF8.GetString(name)] = DecodeValue(value, 1);
        return item;
    }

    public static AttributeValue DecodeValue(AttributeView value) => DecodeValue(value, 1);

    private static AttributeValue DecodeValue(AttributeView value, int level)
    {
        switch (value.Type)
        {
            case AttributeType.S: return AttributeValue.String(Encoding.UTF8.GetString(value.Bytes));
            case AttributeType.N: return AttributeValue.Number(Encoding.UTF8.GetString(value.Bytes));
            case AttributeType.B: return AttributeValue.Binary(value.Bytes);
            case AttributeType.Bool: return AttributeValue.Bool(value.Bool);
            case AttributeType.Null: return AttributeValue.Null;
            case AttributeType.SS or AttributeType.NS:
            {
                var set = value.AsSet();
                var members = new string[set.Count];
                for (int i = 0; i < members.Length; i++) members[i] = Encoding.UTF8.GetString(set[i]);
                return value.Type == AttributeType.SS ? AttributeValue.StringSet(members) : AttributeValue.NumberSet(members);
            }
            case AttributeType.BS:
            {
                var set = value.AsSet();
                var members = new byte[set.Count][];
                for (int i = 0; i < members.Length; i++) members[i] = set[i].ToArray();
                return AttributeValue.BinarySet(members);
            }
            case AttributeType.L:
            {
                if (level >= ItemFormat.NestingLevelsMax) throw new FormatException("item encoding: nested deeper than allowed");
                var list = value.AsList();
                var elements = new AttributeValue[list.Count];
                for (int i = 0; i < elements.Length; i++) elements[i] = DecodeValue(list[i], level + 1);
                return AttributeValue.List(elements);
            }
            case AttributeType.M:
            {
                if (level >= ItemFormat.NestingLevelsMax) throw new FormatException("item encoding: nested deeper than allowed");
                var map = value.AsMap();
                var entries = new KeyValuePair<string, AttributeValue>[map.Count];
                for (int i = 0; i < entries.Length; i++)
                {
                    map.GetAt(i, out var name, out var member);
                    entries[i] = new(Encoding.UTF8.GetString(name), DecodeValue(member, level + 1));
                }
                return AttributeValue.Map(entries);
            }
            default:
                throw new FormatException($"item encoding: unknown type tag {(byte)value.Type}");
        }
    }
}
