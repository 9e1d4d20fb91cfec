using System.Text;

namespace Basalt.Engine.Model;

// An item's size as DynamoDB computes it (the 400 KB limit, capacity units, Query/Scan's 1 MB pages):
//   item      = sum over attributes of (UTF-8 name bytes + value size)
//   S         = UTF-8 bytes; B = raw bytes; BOOL, NULL = 1
//   N         = 1 + centesimal digits + (1 if negative): DynamoDB stores a number as base-100 digits aligned on
//               the decimal point, so 1 byte per two significant digits, plus one when the digits straddle a
//               pair boundary. Equal to dynalite's empirically fitted 1 + ceil(d/2) + (d even and exponent
//               even ? 1 : 0) + (negative ? 1 : 0); zero is 1.
//   M         = 3 + sum over entries of (UTF-8 name bytes + 1 + value size)
//   L         = 3 + sum over elements of (1 + value size)
//   SS/NS/BS  = sum of member sizes
// Both forms, encoded and managed, give the same answer (tests check it). Stateless; any thread.
public static class ItemSize
{
    private const int ContainerOverheadBytes = 3;
    private const int ElementOverheadBytes = 1;

    public static int Of(ReadOnlySpan<byte> encodedItem)
    {
        var reader = new ItemReader(encodedItem);
        long size = 0;
        var attributes = reader.Attributes;
        for (int i = 0; i < attributes.Count; i++)
        {
            attributes.GetAt(i, out var name, out var value);
            size += name.Length + OfValue(value, 1);
        }
        return Clamp(size);
    }

    public static int Of(IEnumerable<KeyValuePair<string, AttributeValue>> item)
    {
        long size = 0;
        foreach (var (name, value) in item) size += Encoding.UTF8.GetByteCount(name) + OfValue(value);
        return Clamp(size);
    }

    public static int OfValue(AttributeView value) => Clamp(OfValue(value, 1));

    public static int OfValue(AttributeValue value)
    {
        switch (value.Type)
        {
            case AttributeType.S: return Encoding.UTF8.GetByteCount(value.AsString());
            case AttributeType.N: return NumberBytes(value.AsNumber());
            case AttributeType.B: return value.AsBinary().Length;
            case AttributeType.Bool or AttributeType.Null: return 1;
            case AttributeType.SS: return value.AsStringSet().Sum(Encoding.UTF8.GetByteCount);
            case AttributeType.NS: return value.AsNumberSet().Sum(NumberBytes);
            case AttributeType.BS: return value.AsBinarySet().Sum(b => b.Length);
            case AttributeType.L:
                return ContainerOverheadBytes + value.AsList().Sum(e => ElementOverheadBytes + OfValue(e));
            case AttributeType.M:
                return ContainerOverheadBytes +
                       value.AsMap().Sum(e => Encoding.UTF8.GetByteCount(e.Key) + ElementOverheadBytes + OfValue(e.Value));
            default:
                throw new ArgumentOutOfRangeException(nameof(value), value.Type, "unknown attribute type");
        }
    }

    // Walks nested values; the level bound keeps a malformed encoding from recursing without end.
    private static long OfValue(AttributeView value, int level)
    {
        switch (value.Type)
        {
            case AttributeType.S or AttributeType.B: return value.Bytes.Length;
            case AttributeType.N: return NumberBytes(value.Bytes);
            case AttributeType.Bool or AttributeType.Null: return 1;
            case AttributeType.SS or AttributeType.BS:
            {
                var set = value.AsSet();
                long size = 0;
                for (int i = 0; i < set.Count; i++) size += set[i].Length;
                return size;
            }
            case AttributeType.NS:
            {
                var set = value.AsSet();
                long size = 0;
                for (int i = 0; i < set.Count; i++) size += NumberBytes(set[i]);
                return size;
            }
            case AttributeType.L:
            {
                if (level >= ItemFormat.NestingLevelsMax) throw new FormatException("item encoding: nested deeper than allowed");
                var list = value.AsList();
                long size = ContainerOverheadBytes;
                for (int i = 0; i < list.Count; i++) size += ElementOverheadBytes + OfValue(list[i], level + 1);
                return size;
            }
            case AttributeType.M:
            {
                if (level >= ItemFormat.NestingLevelsMax) throw new FormatException("item encoding: nested deeper than allowed");
                var map = value.AsMap();
                long size = ContainerOverheadBytes;
                for (int i = 0; i < map.Count; i++)
                {
                    map.GetAt(i, out var name, out var member);
                    size += name.Length + ElementOverheadBytes + OfValue(member, level + 1);
                }
                return size;
            }
            default:
                throw new FormatException($"item encoding: unknown type tag {(byte)value.Type}");
        }
    }

    public static int NumberBytes(string canonical)
    {
        Span<byte> utf8 = stackalloc byte[128];
        int bytes = Encoding.UTF8.GetByteCount(canonical);
        if (bytes > utf8.Length) utf8 = new byte[bytes];
        return NumberBytes(utf8[..Encoding.UTF8.GetBytes(canonical, utf8)]);
    }

    // The size of a number from its decimal text ([-]digits[.digits][E[+|-]digits]; leading and trailing zeros
    // allowed). The text is the caller's canonical form, already validated: this only counts.
    public static int NumberBytes(ReadOnlySpan<byte> text)
    {
        int i = 0;
        bool negative = false;
        if (i < text.Length && (text[i] == '-' || text[i] == '+'))
        {
            negative = text[i] == '-';
            i++;
        }
        int digits = 0, pointAt = -1, firstNonZero = -1, lastNonZero = -1;
        for (; i < text.Length; i++)
        {
            byte c = text[i];
            if (c is >= (byte)'0' and <= (byte)'9')
            {
                if (c != '0')
                {
                    if (firstNonZero < 0) firstNonZero = digits;
                    lastNonZero = digits;
                }
                digits++;
            }
            else if (c == '.' && pointAt < 0) pointAt = digits;
            else if (c is (byte)'e' or (byte)'E') break;
            else throw new FormatException($"not a decimal number: '{Encoding.UTF8.GetString(text)}'");
        }
        if (firstNonZero < 0) return 1;   // zero
        if (pointAt < 0) pointAt = digits;

        int exponent = 0;
        if (i < text.Length)
        {
            i++;
            bool exponentNegative = false;
            if (i < text.Length && (text[i] == '-' || text[i] == '+'))
            {
                exponentNegative = text[i] == '-';
                i++;
            }
            for (; i < text.Length; i++)
            {
                byte c = text[i];
                if (c is < (byte)'0' or > (byte)'9') throw new FormatException($"not a decimal number: '{Encoding.UTF8.GetString(text)}'");
                exponent = Math.Min(exponent * 10 + (c - '0'), 1_000_000);
            }
            if (exponentNegative) exponent = -exponent;
        }

        int significant = lastNonZero - firstNonZero + 1;
        int leading = pointAt - firstNonZero - 1 + exponent;      // power of ten of the first significant digit
        int trailing = leading - significant + 1;                  // power of ten of the last
        int centesimal = FloorHalf(leading) - FloorHalf(trailing) + 1;
        return 1 + centesimal + (negative ? 1 : 0);
    }

    private static int FloorHalf(int value) => value >> 1;   // arithmetic shift: floor(value / 2) for negatives too

    private static int Clamp(long size) => size > int.MaxValue ? int.MaxValue : (int)size;
}
