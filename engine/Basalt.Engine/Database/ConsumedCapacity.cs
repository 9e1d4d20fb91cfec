namespace Basalt.Engine.Database;

// ReturnConsumedCapacity: NONE (the default) returns nothing; TOTAL the operation's units for its table; INDEXES
// also the table's share (and each index's, once tables have indexes).
public enum ReturnConsumedCapacity : byte
{
    None = 0,
    Total = 1,
    Indexes = 2,
}

// The units one part of an operation consumed (the table, or one index).
public sealed record Capacity(double CapacityUnits, double? ReadCapacityUnits = null, double? WriteCapacityUnits = null);

// DynamoDB's ConsumedCapacity: what an operation consumed on one table. Table is set for INDEXES only; the index
// maps stay null until tables have secondary indexes.
public sealed record ConsumedCapacity(
    string TableName,
    double CapacityUnits,
    double? ReadCapacityUnits = null,
    double? WriteCapacityUnits = null,
    Capacity? Table = null,
    Dictionary<string, Capacity>? LocalSecondaryIndexes = null,
    Dictionary<string, Capacity>? GlobalSecondaryIndexes = null);

// DynamoDB's capacity arithmetic (developer guide, "Read/write capacity mode"): a read unit covers 4 KB read with
// strong consistency, half a unit with eventual consistency; a write unit covers 1 KB. Sizes are DynamoDB's item
// sizes (ItemSize) and round up per item; an absent item still costs one unit, a Query or Scan rounds the total
// it read once. Transactional operations (a later issue) cost twice.
public static class CapacityUnits
{
    public const int ReadUnitBytes = 4096;
    public const int WriteUnitBytes = 1024;

    public static double Read(long bytes, bool consistentRead)
    {
        long units = Math.Max(1, (bytes + ReadUnitBytes - 1) / ReadUnitBytes);
        return consistentRead ? units : units / 2.0;
    }

    public static double Write(long bytes) => Math.Max(1, (bytes + WriteUnitBytes - 1) / WriteUnitBytes);

    // Null for NONE; validates the mode (an undefined value is DynamoDB's ValidationException).
    internal static ConsumedCapacity? Report(ReturnConsumedCapacity? mode, string tableName, double units, bool isWrite)
    {
        var m = mode ?? ReturnConsumedCapacity.None;
        if (m == ReturnConsumedCapacity.None) return null;
        if (m != ReturnConsumedCapacity.Total && m != ReturnConsumedCapacity.Indexes) throw Invalid(mode);
        double? read = isWrite ? null : units, write = isWrite ? units : null;
        return new ConsumedCapacity(tableName, units, read, write,
            Table: m == ReturnConsumedCapacity.Indexes ? new Capacity(units, read, write) : null);
    }

    internal static void Validate(ReturnConsumedCapacity? mode)
    {
        if (mode is not null && !Enum.IsDefined(mode.Value)) throw Invalid(mode);
    }

    private static ValidationException Invalid(ReturnConsumedCapacity? mode) =>
        new($"1 validation error detected: Value '{mode}' at 'returnConsumedCapacity' failed to satisfy constraint: " +
            "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]");
}
