using Basalt.Engine.Model;

namespace Basalt.Engine.Database;

// One key attribute's value for the allocation-free item API (BasaltDatabase.TryGetItem): a span over the caller's
// bytes (S: UTF-8, B: raw) or a DynamoNumber (N). default is "absent" (a table without a sort key takes
// KeyAttribute.None). A ref struct, so it never outlives the bytes it points at.
public readonly ref struct KeyAttribute
{
    private KeyAttribute(AttributeType type, ReadOnlySpan<byte> bytes, DynamoNumber number)
    {
        Type = type;
        Bytes = bytes;
        Number = number;
    }

    // 0 (no AttributeType) when absent.
    public AttributeType Type { get; }
    public ReadOnlySpan<byte> Bytes { get; }
    public DynamoNumber Number { get; }
    public bool IsAbsent => Type == 0;

    public static KeyAttribute None => default;

    public static KeyAttribute String(ReadOnlySpan<byte> utf8) => new(AttributeType.S, utf8, default);

    public static KeyAttribute Binary(ReadOnlySpan<byte> bytes) => new(AttributeType.B, bytes, default);

    public static KeyAttribute FromNumber(DynamoNumber number) => new(AttributeType.N, default, number);
}
