namespace Basalt.Engine.Model;

// DynamoDB's ten attribute value types. The numeric values are the type tags of the item encoding
// (ItemFormat): persisted in every stored item, so never reorder or renumber; add at the end.
public enum AttributeType : byte
{
    S = 1,
    N = 2,
    B = 3,
    Bool = 4,
    Null = 5,
    M = 6,
    L = 7,
    SS = 8,
    NS = 9,
    BS = 10,
}

public static class AttributeTypes
{
    public static bool IsSet(this AttributeType type) => type is AttributeType.SS or AttributeType.NS or AttributeType.BS;

    public static bool IsContainer(this AttributeType type) => type is AttributeType.M or AttributeType.L || type.IsSet();

    // The type of a set's members.
    public static AttributeType MemberType(this AttributeType setType) => setType switch
    {
        AttributeType.SS => AttributeType.S,
        AttributeType.NS => AttributeType.N,
        AttributeType.BS => AttributeType.B,
        _ => throw new ArgumentOutOfRangeException(nameof(setType), setType, "not a set type"),
    };

    // DynamoDB's wire name of the type ("S", "BOOL", "NULL", ...).
    public static string WireName(this AttributeType type) => type switch
    {
        AttributeType.Bool => "BOOL",
        AttributeType.Null => "NULL",
        _ => type.ToString(),
    };
}
