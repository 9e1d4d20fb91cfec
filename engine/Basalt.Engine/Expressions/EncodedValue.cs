using System.Buffers;
using System.Text;
using Basalt.Engine.Model;

namespace Basalt.Engine.Expressions;

// Operations on encoded values (AttributeView) that the evaluators share: resolving a document path in an
// item, DynamoDB's equality and ordering, and copying a value into an ItemWriter. Stateless; nothing here
// allocates except for attribute names longer than NameStackBytesMax (rented, returned).
internal static class EncodedValue
{
    private const int NameStackBytesMax = 256;

    // The value at path in the item's attributes, or false when any step is missing or of the wrong kind
    // (a name step on a non-map, an index step on a non-list or past its end).
    public static bool TryResolve(MapView attributes, DocumentPath path, out AttributeView value)
    {
        var elements = path.Elements;
        if (!TryGet(attributes, elements[0].Name!, out value)) return false;
        for (int i = 1; i < elements.Length; i++)
        {
            var step = elements[i];
            if (step.IsIndex)
            {
                if (value.Type != AttributeType.L) return false;
                var list = value.AsList();
                if (step.Index >= list.Count) return false;
                value = list[step.Index];
            }
            else
            {
                if (value.Type != AttributeType.M) return false;
                if (!TryGet(value.AsMap(), step.Name!, out value)) return false;
            }
        }
        return true;
    }

    public static bool TryGet(MapView map, string name, out AttributeView value)
    {
        int index = IndexOf(map, name);
        value = index >= 0 ? map.ValueAt(index) : default;
        return index >= 0;
    }

    public static int IndexOf(MapView map, string name)
    {
        int max = Encoding.UTF8.GetMaxByteCount(name.Length);
        if (max <= NameStackBytesMax)
        {
            Span<byte> utf8 = stackalloc byte[NameStackBytesMax];
            int n = Encoding.UTF8.GetBytes(name, utf8);
            return map.IndexOf(utf8[..n]);
        }
        byte[] rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            int n = Encoding.UTF8.GetBytes(name, rented);
            return map.IndexOf(rented.AsSpan(0, n));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // DynamoDB equality: same type and same value; numbers by value (canonical text makes that byte
    // equality), sets regardless of order, maps by name, lists in order.
    public static bool AreEqual(AttributeView a, AttributeView b)
    {
        if (a.Type != b.Type) return false;
        switch (a.Type)
        {
            case AttributeType.S or AttributeType.N or AttributeType.B:
                return a.Bytes.SequenceEqual(b.Bytes);
            case AttributeType.Bool:
                return a.Bool == b.Bool;
            case AttributeType.Null:
                return true;
            case AttributeType.SS or AttributeType.NS or AttributeType.BS:
            {
                // Both tables are sorted by member bytes, members unique: equal sets have equal tables.
                var x = a.AsSet();
                var y = b.AsSet();
                if (x.Count != y.Count) return false;
                for (int i = 0; i < x.Count; i++)
                    if (!x[i].SequenceEqual(y[i])) return false;
                return true;
            }
            case AttributeType.L:
            {
                var x = a.AsList();
                var y = b.AsList();
                if (x.Count != y.Count) return false;
                for (int i = 0; i < x.Count; i++)
                    if (!AreEqual(x[i], y[i])) return false;
                return true;
            }
            case AttributeType.M:
            {
                var x = a.AsMap();
                var y = b.AsMap();
                if (x.Count != y.Count) return false;
                for (int i = 0; i < x.Count; i++)
                {
                    x.GetAt(i, out var xName, out var xValue);
                    y.GetAt(i, out var yName, out var yValue);
                    if (!xName.SequenceEqual(yName) || !AreEqual(xValue, yValue)) return false;
                }
                return true;
            }
            default:
                return false;
        }
    }

    // The order of two values of one orderable type (S, N, B): S and B by unsigned bytes (UTF-8 byte order is
    // code point order), N numerically.
    public static int CompareOrdered(AttributeView a, AttributeView b)
    {
        if (a.Type == AttributeType.N) return ParseNumber(a.Bytes).CompareTo(ParseNumber(b.Bytes));
        return a.Bytes.SequenceCompareTo(b.Bytes);
    }

    public static bool IsOrdered(AttributeType type) => type is AttributeType.S or AttributeType.N or AttributeType.B;

    public static DynamoNumber ParseNumber(ReadOnlySpan<byte> canonical) =>
        DynamoNumber.TryParse(canonical, out var n) ? n : throw new FormatException("item encoding: N is not a number");

    // Writes an encoded value where a value may go in the writer (after a name, in a list).
    public static void Copy(ItemWriter writer, AttributeView value)
    {
        switch (value.Type)
        {
            case AttributeType.S: writer.WriteString(value.Bytes); break;
            case AttributeType.N: writer.WriteNumber(value.Bytes); break;
            case AttributeType.B: writer.WriteBinary(value.Bytes); break;
            case AttributeType.Bool: writer.WriteBool(value.Bool); break;
            case AttributeType.Null: writer.WriteNull(); break;
            case AttributeType.SS or AttributeType.NS or AttributeType.BS:
            {
                var set = value.AsSet();
                writer.BeginSet(value.Type);
                for (int i = 0; i < set.Count; i++)
                {
                    if (value.Type == AttributeType.SS) writer.WriteString(set[i]);
                    else if (value.Type == AttributeType.NS) writer.WriteNumber(set[i]);
                    else writer.WriteBinary(set[i]);
                }
                writer.EndSet();
                break;
            }
            case AttributeType.L:
            {
                var list = value.AsList();
                writer.BeginList();
                for (int i = 0; i < list.Count; i++) Copy(writer, list[i]);
                writer.EndList();
                break;
            }
            case AttributeType.M:
            {
                var map = value.AsMap();
                writer.BeginMap();
                for (int i = 0; i < map.Count; i++)
                {
                    map.GetAt(i, out var name, out var member);
                    writer.WriteName(name);
                    Copy(writer, member);
                }
                writer.EndMap();
                break;
            }
            default:
                throw new FormatException($"item encoding: unknown type tag {(byte)value.Type}");
        }
    }
}
