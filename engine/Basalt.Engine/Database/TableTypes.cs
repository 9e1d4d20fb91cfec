namespace Basalt.Engine.Database;

// The control-plane vocabulary of DynamoDB's API, as plain .NET types (no AWS SDK dependency). Enum names are
// DynamoDB's wire strings in .NET casing; WireName gives the exact wire text. The HTTP layer parses the wire strings
// and reports an unknown one as DynamoDB does ("Member must satisfy enum value set: [...]"), so the embedded API
// never sees an invalid enum value. Values are persisted in the catalog (Tables/CatalogFormat.cs): never reorder.
public enum KeyType : byte
{
    Hash = 0,
    Range = 1,
}

public enum ScalarAttributeType : byte
{
    // Same numbers as Model.AttributeType's S, N, B tags.
    S = 1,
    N = 2,
    B = 3,
}

public enum BillingMode : byte
{
    Provisioned = 0,
    PayPerRequest = 1,
}

public enum TableStatus : byte
{
    Creating = 0,
    Active = 1,
    Updating = 2,
    Deleting = 3,
}

public sealed record KeySchemaElement(string AttributeName, KeyType KeyType)
{
    // DynamoDB's Java model's toString, as its validation messages show the value.
    public override string ToString() => $"KeySchemaElement(attributeName={AttributeName}, keyType={KeyType.WireName()})";
}

public sealed record AttributeDefinition(string AttributeName, ScalarAttributeType AttributeType);

public sealed record ProvisionedThroughput(long ReadCapacityUnits, long WriteCapacityUnits);

public static class DatabaseEnums
{
    public static string WireName(this KeyType type) => type == KeyType.Hash ? "HASH" : "RANGE";

    public static string WireName(this BillingMode mode) => mode == BillingMode.Provisioned ? "PROVISIONED" : "PAY_PER_REQUEST";

    public static string WireName(this TableStatus status) => status switch
    {
        TableStatus.Creating => "CREATING",
        TableStatus.Active => "ACTIVE",
        TableStatus.Updating => "UPDATING",
        _ => "DELETING",
    };

    public static string WireName(this IndexStatus status) => status switch
    {
        IndexStatus.Creating => "CREATING",
        IndexStatus.Updating => "UPDATING",
        IndexStatus.Deleting => "DELETING",
        _ => "ACTIVE",
    };

    public static string WireName(this ProjectionType type) => type switch
    {
        ProjectionType.All => "ALL",
        ProjectionType.KeysOnly => "KEYS_ONLY",
        _ => "INCLUDE",
    };

    public static string WireName(this ReturnValue value) => value switch
    {
        ReturnValue.None => "NONE",
        ReturnValue.AllOld => "ALL_OLD",
        ReturnValue.UpdatedOld => "UPDATED_OLD",
        ReturnValue.AllNew => "ALL_NEW",
        _ => "UPDATED_NEW",
    };
}

// Which attributes a secondary index holds besides the keys (DynamoDB's ProjectionType).
public enum ProjectionType : byte
{
    All = 0,
    KeysOnly = 1,
    Include = 2,
}

// An index's projection as CreateTable takes it and DescribeTable shows it. NonKeyAttributes only with INCLUDE.
public sealed class Projection
{
    public ProjectionType? ProjectionType { get; set; }
    public List<string>? NonKeyAttributes { get; set; }
}

// A local secondary index as CreateTable defines it: the table's partition key and another sort key.
public sealed class LocalSecondaryIndex
{
    public string? IndexName { get; set; }
    public List<KeySchemaElement>? KeySchema { get; set; }
    public Projection? Projection { get; set; }
}

// DescribeTable's view of a local secondary index. IndexSizeBytes and ItemCount are as of the last statistics
// refresh (BasaltDatabase.RefreshTableStatisticsAsync), as the table's are.
public sealed record LocalSecondaryIndexDescription(string IndexName, IReadOnlyList<KeySchemaElement> KeySchema,
    ProjectionType ProjectionType, IReadOnlyList<string>? NonKeyAttributes, long IndexSizeBytes, long ItemCount, string IndexArn);

// A global secondary index as CreateTable defines it: its own partition key and optional sort key. ProvisionedThroughput
// is required on a PROVISIONED table and refused on a PAY_PER_REQUEST one, as DynamoDB's.
public sealed class GlobalSecondaryIndex
{
    public string? IndexName { get; set; }
    public List<KeySchemaElement>? KeySchema { get; set; }
    public Projection? Projection { get; set; }
    public ProvisionedThroughput? ProvisionedThroughput { get; set; }
}

public enum IndexStatus : byte
{
    Creating = 0,
    Updating = 1,
    Deleting = 2,
    Active = 3,
}

// DescribeTable's view of a global secondary index. Backfilling only while an index added by UpdateTable is being
// filled (null otherwise: DynamoDB then leaves the member out). ProvisionedThroughput is 0 and 0 on PAY_PER_REQUEST.
public sealed record GlobalSecondaryIndexDescription(string IndexName, IReadOnlyList<KeySchemaElement> KeySchema,
    ProjectionType ProjectionType, IReadOnlyList<string>? NonKeyAttributes, IndexStatus IndexStatus, bool? Backfilling,
    ProvisionedThroughputDescription ProvisionedThroughput, long IndexSizeBytes, long ItemCount, string IndexArn);
