using System.Text;

namespace Basalt.Engine.Model;

// A DynamoDB attribute value in managed form, for the embedded API and tests; the hot path reads and writes
// the encoded form (ItemReader, ItemWriter) instead. Immutable: factories copy what they are given.
// Equality follows DynamoDB: sets are unordered, maps compare by name, lists in order, numbers by their
// canonical text (N holds the canonical decimal text produced by DynamoNumber, not parsed or checked here).
// Validation (empty sets, duplicate members, nesting, size) happens when the value is encoded.
public sealed class AttributeValue : IEquatable<AttributeValue>
{
    private readonly object? _value;

    private AttributeValue(AttributeType type, object? value)
    {
        Type = type;
        _value = value;
    }

    public AttributeType Type { get; }

    public static AttributeValue Null { get; } = new(AttributeType.Null, null);
    private static readonly AttributeValue True = new(AttributeType.Bool, true);
    private static readonly AttributeValue False = new(AttributeType.Bool, false);

    public static AttributeValue String(string value) => new(AttributeType.S, value ?? throw new ArgumentNullException(nameof(value)));

    public static AttributeValue Number(string canonical) => new(AttributeType.N, canonical ?? throw new ArgumentNullException(nameof(canonical)));

    public static AttributeValue Binary(ReadOnlySpan<byte> value) => new(AttributeType.B, value.ToArray());

    public static AttributeValue Bool(bool value) => value ? True : False;

    public static AttributeValue Map(IEnumerable<KeyValuePair<string, AttributeValue>> entries)
    {
        var map = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (var (name, value) in entries) map[name] = value ?? throw new ArgumentNullException(nameof(entries));
        return new(AttributeType.M, map);
    }

    public static AttributeValue List(IEnumerable<AttributeValue> elements) => new(AttributeType.L, elements.ToArray());

    public static AttributeValue List(params AttributeValue[] elements) => List((IEnumerable<AttributeValue>)elements);

    public static AttributeValue StringSet(IEnumerable<string> members) => new(AttributeType.SS, members.ToArray());

    public static AttributeValue NumberSet(IEnumerable<string> canonicalMembers) => new(AttributeType.NS, canonicalMembers.ToArray());

    public static AttributeValue BinarySet(IEnumerable<byte[]> members) =>
        new(AttributeType.BS, members.Select(m => new ReadOnlyMemory<byte>(m.ToArray())).ToArray());

    public string AsString() => Type == AttributeType.S ? (string)_value! : throw WrongType("S");

    public string AsNumber() => Type == AttributeType.N ? (string)_value! : throw WrongType("N");

    public ReadOnlyMemory<byte> AsBinary() => Type == AttributeType.B ? (byte[])_value! : throw WrongType("B");

    public bool AsBool() => Type == AttributeType.Bool ? (bool)_value! : throw WrongType("BOOL");

    public IReadOnlyDictionary<string, AttributeValue> AsMap() =>
        Type == AttributeType.M ? (Dictionary<string, AttributeValue>)_value! : throw WrongType("M");

    public IReadOnlyList<AttributeValue> AsList() => Type == AttributeType.L ? (AttributeValue[])_value! : throw WrongType("L");

    public IReadOnlyList<string> AsStringSet() => Type == AttributeType.SS ? (string[])_value! : throw WrongType("SS");

    public IReadOnlyList<string> AsNumberSet() => Type == AttributeType.NS ? (string[])_value! : throw WrongType("NS");

    public IReadOnlyList<ReadOnlyMemory<byte>> AsBinarySet() =>
        Type == AttributeType.BS ? (ReadOnlyMemory<byte>[])_value! : throw WrongType("BS");

    public bool Equals(AttributeValue? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other.Type != Type) return false;
        switch (Type)
        {
            case AttributeType.S or AttributeType.N: return (string)_value! == (string)other._value!;
            case AttributeType.B: return ((byte[])_value!).AsSpan().SequenceEqual((byte[])other._value!);
            case AttributeType.Bool: return (bool)_value! == (bool)other._value!;
            case AttributeType.Null: return true;
            case AttributeType.L: return ((AttributeValue[])_value!).SequenceEqual((AttributeValue[])other._value!);
            case AttributeType.M:
            {
                var mine = (Dictionary<string, AttributeValue>)_value!;
                var theirs = (Dictionary<string, AttributeValue>)other._value!;
                if (mine.Count != theirs.Count) return false;
                foreach (var (name, value) in mine)
                    if (!theirs.TryGetValue(name, out var their) || !value.Equals(their)) return false;
                return true;
            }
            case AttributeType.SS or AttributeType.NS:
                return SortedStrings((string[])_value!).SequenceEqual(SortedStrings((string[])other._value!), StringComparer.Ordinal);
            case AttributeType.BS:
            {
                var mine = SortedBinaries((ReadOnlyMemory<byte>[])_value!);
                var theirs = SortedBinaries((ReadOnlyMemory<byte>[])other._value!);
                if (mine.Length != theirs.Length) return false;
                for (int i = 0; i < mine.Length; i++)
                    if (!mine[i].Span.SequenceEqual(theirs[i].Span)) return false;
                return true;
            }
            default:
                return false;
        }
    }

    public override bool Equals(object? obj) => obj is AttributeValue other && Equals(other);

    // Order-independent for maps and sets, like Equals.
    public override int GetHashCode()
    {
        switch (Type)
        {
            case AttributeType.S or AttributeType.N: return HashCode.Combine(Type, StringComparer.Ordinal.GetHashCode((string)_value!));
            case AttributeType.B: return HashCode.Combine(Type, BytesHash(((byte[])_value!)));
            case AttributeType.Bool: return HashCode.Combine(Type, (bool)_value!);
            case AttributeType.Null: return (int)Type;
            case AttributeType.L:
            {
                var hash = new HashCode();
                hash.Add(Type);
                foreach (var element in (AttributeValue[])_value!) hash.Add(element);
                return hash.ToHashCode();
            }
            case AttributeType.M:
            {
                int sum = 0;
                foreach (var (name, value) in (Dictionary<string, AttributeValue>)_value!)
                    sum += HashCode.Combine(StringComparer.Ordinal.GetHashCode(name), value);
                return HashCode.Combine(Type, sum);
            }
            case AttributeType.SS or AttributeType.NS:
                return HashCode.Combine(Type, ((string[])_value!).Sum(m => (long)StringComparer.Ordinal.GetHashCode(m)));
            default:
                return HashCode.Combine(Type, ((ReadOnlyMemory<byte>[])_value!).Sum(m => (long)BytesHash(m.Span)));
        }
    }

    public static bool operator ==(AttributeValue? a, AttributeValue? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(AttributeValue? a, AttributeValue? b) => !(a == b);

    // DynamoDB JSON, for messages and debugging: {"S":"x"}, {"M":{"a":{"N":"1"}}}.
    public override string ToString()
    {
        var text = new StringBuilder();
        Append(text);
        return text.ToString();
    }

    private void Append(StringBuilder text)
    {
        text.Append("{\"").Append(Type.WireName()).Append("\":");
        switch (Type)
        {
            case AttributeType.S or AttributeType.N: AppendQuoted(text, (string)_value!); break;
            case AttributeType.B: AppendQuoted(text, Convert.ToBase64String((byte[])_value!)); break;
            case AttributeType.Bool: text.Append((bool)_value! ? "true" : "false"); break;
            case AttributeType.Null: text.Append("true"); break;
            case AttributeType.L:
                text.Append('[');
                var list = (AttributeValue[])_value!;
                for (int i = 0; i < list.Length; i++)
                {
                    if (i > 0) text.Append(',');
                    list[i].Append(text);
                }
                text.Append(']');
                break;
            case AttributeType.M:
                text.Append('{');
                bool first = true;
                foreach (var (name, value) in (Dictionary<string, AttributeValue>)_value!)
                {
                    if (!first) text.Append(',');
                    first = false;
                    AppendQuoted(text, name);
                    text.Append(':');
                    value.Append(text);
                }
                text.Append('}');
                break;
            case AttributeType.SS or AttributeType.NS:
                text.Append('[').AppendJoin(',', ((string[])_value!).Select(Quoted)).Append(']');
                break;
            default:
                text.Append('[').AppendJoin(',', ((ReadOnlyMemory<byte>[])_value!).Select(m => Quoted(Convert.ToBase64String(m.Span)))).Append(']');
                break;
        }
        text.Append('}');
    }

    private static string Quoted(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    private static void AppendQuoted(StringBuilder text, string value) => text.Append(Quoted(value));

    private static string[] SortedStrings(string[] members)
    {
        var sorted = (string[])members.Clone();
        Array.Sort(sorted, StringComparer.Ordinal);
        return sorted;
    }

    private static ReadOnlyMemory<byte>[] SortedBinaries(ReadOnlyMemory<byte>[] members)
    {
        var sorted = (ReadOnlyMemory<byte>[])members.Clone();
        Array.Sort(sorted, (a, b) => a.Span.SequenceCompareTo(b.Span));
        return sorted;
    }

    private static int BytesHash(ReadOnlySpan<byte> bytes)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }

    private InvalidOperationException WrongType(string expected) => new($"attribute is {Type.WireName()}, not {expected}");
}
