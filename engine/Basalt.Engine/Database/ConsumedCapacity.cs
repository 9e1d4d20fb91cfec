namespace Basalt.Engine.Database;

// ReturnConsumedCapacity: NONE (the default) returns nothing; TOTAL the operation's units for its table, indexes
// included; INDEXES also the table's share and each index's that the operation touched.
public enum ReturnConsumedCapacity : byte
{
    None = 0,
    Total = 1,
    Indexes = 2,
}

// The units one part of an operation consumed (the table, or one index).
public sealed record Capacity(double CapacityUnits, double? ReadCapacityUnits = null, double? WriteCapacityUnits = null);

// DynamoDB's ConsumedCapacity: what an operation consumed on one table. Table and the index maps are set for INDEXES
// only; an index the operation did not touch has no entry, and a map with no entry is null (DynamoDB leaves it out).
// Index entries carry CapacityUnits only, as DynamoDB's.
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
// One index's share of an operation's units.
public readonly record struct IndexUnits(string Name, bool Global, double Units);

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
    internal static ConsumedCapacity? Report(ReturnConsumedCapacity? mode, string tableName, double units, bool isWrite,
        IReadOnlyList<IndexUnits>? indexes = null)
    {
        var m = mode ?? ReturnConsumedCapacity.None;
        if (m == ReturnConsumedCapacity.None) return null;
        if (m != ReturnConsumedCapacity.Total && m != ReturnConsumedCapacity.Indexes) throw Invalid(mode);
        double total = units;
        if (indexes is not null) foreach (var i in indexes) total += i.Units;
        double? read = isWrite ? null : total, write = isWrite ? total : null;
        if (m != ReturnConsumedCapacity.Indexes) return new ConsumedCapacity(tableName, total, read, write);
        Dictionary<string, Capacity>? local = null, global = null;
        if (indexes is not null)
            foreach (var i in indexes)
            {
                if (i.Units <= 0) continue;
                var map = i.Global ? (global ??= new(StringComparer.Ordinal)) : (local ??= new(StringComparer.Ordinal));
                map[i.Name] = new Capacity((map.TryGetValue(i.Name, out var sum) ? sum.CapacityUnits : 0) + i.Units);
            }
        return new ConsumedCapacity(tableName, total, read, write,
            new Capacity(units, isWrite ? null : units, isWrite ? units : null), local, global);
    }

    // The write units an item's change costs an index: a new entry its size in 1 KB units, a removed one one unit
    // each (DynamoDB: 1 per entry deleted), a moved one both, an unchanged one nothing (measured against DynamoDB:
    // docs/database.md, "Consumed capacity").
    internal static double IndexWrite(int oldEntryBytes, int newEntryBytes, bool sameKey, bool sameValue)
    {
        if (oldEntryBytes < 0 && newEntryBytes < 0) return 0;
        if (oldEntryBytes < 0) return Write(newEntryBytes);
        if (newEntryBytes < 0) return 1;
        if (!sameKey) return 1 + Write(newEntryBytes);
        return sameValue ? 0 : Write(newEntryBytes);
    }

    internal static void Validate(ReturnConsumedCapacity? mode)
    {
        if (mode is not null && !Enum.IsDefined(mode.Value)) throw Invalid(mode);
    }

    private static ValidationException Invalid(ReturnConsumedCapacity? mode) =>
        new($"1 validation error detected: Value '{mode}' at 'returnConsumedCapacity' failed to satisfy constraint: " +
            "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]");
}
