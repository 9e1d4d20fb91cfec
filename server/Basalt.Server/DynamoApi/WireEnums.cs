using Basalt.Engine.Database;

namespace Basalt.Server.DynamoApi;

// One DynamoDB enum shape: its wire strings and the engine value each maps to. Parsing compares the JSON token's
// UTF-8 bytes with each name (at most 13), so a valid value allocates nothing. `Allowed` is the value set as
// DynamoDB prints it in "Member must satisfy enum value set: [...]", in DynamoDB's order (not alphabetical, not the
// engine's), taken from dynalite's validations/*.js, which records DynamoDB's answers.
internal sealed class WireEnum<T> where T : struct, Enum
{
    private readonly byte[][] _names;
    private readonly T[] _values;

    public WireEnum(params (string Name, T Value)[] members)
    {
        _names = new byte[members.Length][];
        _values = new T[members.Length];
        for (int i = 0; i < members.Length; i++)
        {
            _names[i] = System.Text.Encoding.UTF8.GetBytes(members[i].Name);
            _values[i] = members[i].Value;
        }
        Allowed = "[" + string.Join(", ", members.Select(m => m.Name)) + "]";
    }

    public string Allowed { get; }

    public int Count => _names.Length;

    public ReadOnlySpan<byte> Name(int index) => _names[index];

    public T Value(int index) => _values[index];
}

internal static class WireEnums
{
    public static readonly WireEnum<ReturnValue> ReturnValues = new(
        ("ALL_NEW", ReturnValue.AllNew), ("UPDATED_OLD", ReturnValue.UpdatedOld), ("ALL_OLD", ReturnValue.AllOld),
        ("NONE", ReturnValue.None), ("UPDATED_NEW", ReturnValue.UpdatedNew));

    public static readonly WireEnum<ReturnConsumedCapacity> ReturnConsumedCapacity = new(
        ("INDEXES", Engine.Database.ReturnConsumedCapacity.Indexes), ("TOTAL", Engine.Database.ReturnConsumedCapacity.Total),
        ("NONE", Engine.Database.ReturnConsumedCapacity.None));

    public static readonly WireEnum<Basalt.Engine.Database.ReturnItemCollectionMetrics> ReturnItemCollectionMetrics = new(
        ("SIZE", Basalt.Engine.Database.ReturnItemCollectionMetrics.Size), ("NONE", Basalt.Engine.Database.ReturnItemCollectionMetrics.None));

    // Not in dynalite (the member is from 2023); the order is the API reference's. Not verified against DynamoDB.
    public static readonly WireEnum<ReturnValuesOnConditionCheckFailure> ReturnValuesOnConditionCheckFailure = new(
        ("ALL_OLD", Engine.Database.ReturnValuesOnConditionCheckFailure.AllOld), ("NONE", Engine.Database.ReturnValuesOnConditionCheckFailure.None));

    public static readonly WireEnum<Select> Select = new(
        ("SPECIFIC_ATTRIBUTES", Engine.Database.Select.SpecificAttributes), ("COUNT", Engine.Database.Select.Count),
        ("ALL_ATTRIBUTES", Engine.Database.Select.AllAttributes), ("ALL_PROJECTED_ATTRIBUTES", Engine.Database.Select.AllProjectedAttributes));

    public static readonly WireEnum<ConditionalOperator> ConditionalOperator = new(
        ("OR", Engine.Database.ConditionalOperator.Or), ("AND", Engine.Database.ConditionalOperator.And));

    public static readonly WireEnum<ComparisonOperator> ComparisonOperator = new(
        ("IN", Engine.Database.ComparisonOperator.In), ("NULL", Engine.Database.ComparisonOperator.Null),
        ("BETWEEN", Engine.Database.ComparisonOperator.Between), ("LT", Engine.Database.ComparisonOperator.Lt),
        ("NOT_CONTAINS", Engine.Database.ComparisonOperator.NotContains), ("EQ", Engine.Database.ComparisonOperator.Eq),
        ("GT", Engine.Database.ComparisonOperator.Gt), ("NOT_NULL", Engine.Database.ComparisonOperator.NotNull),
        ("NE", Engine.Database.ComparisonOperator.Ne), ("LE", Engine.Database.ComparisonOperator.Le),
        ("BEGINS_WITH", Engine.Database.ComparisonOperator.BeginsWith), ("GE", Engine.Database.ComparisonOperator.Ge),
        ("CONTAINS", Engine.Database.ComparisonOperator.Contains));

    public static readonly WireEnum<AttributeAction> AttributeAction = new(
        ("ADD", Engine.Database.AttributeAction.Add), ("PUT", Engine.Database.AttributeAction.Put), ("DELETE", Engine.Database.AttributeAction.Delete));

    public static readonly WireEnum<BillingMode> BillingMode = new(
        ("PROVISIONED", Engine.Database.BillingMode.Provisioned), ("PAY_PER_REQUEST", Engine.Database.BillingMode.PayPerRequest));

    public static readonly WireEnum<KeyType> KeyType = new(("HASH", Engine.Database.KeyType.Hash), ("RANGE", Engine.Database.KeyType.Range));

    public static readonly WireEnum<ProjectionType> ProjectionType = new(
        ("ALL", Engine.Database.ProjectionType.All), ("INCLUDE", Engine.Database.ProjectionType.Include),
        ("KEYS_ONLY", Engine.Database.ProjectionType.KeysOnly));

    public static readonly WireEnum<ScalarAttributeType> AttributeType = new(
        ("B", ScalarAttributeType.B), ("N", ScalarAttributeType.N), ("S", ScalarAttributeType.S));

    public static string WireName(this ScalarAttributeType type) => type switch
    {
        ScalarAttributeType.S => "S",
        ScalarAttributeType.N => "N",
        _ => "B",
    };
}
