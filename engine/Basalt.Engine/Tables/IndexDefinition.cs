using System.Text;
using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Engine.Tables;

// One secondary index of a table, as the catalog holds it: immutable, part of its TableDefinition (a status change
// publishes a new TableDefinition). Id is a u32 from the catalog's table id sequence (never reused), the first 4
// bytes of every index entry's routing part, so an index's entries never mix with any table's items or another
// index's. A local index (IsGlobal false) is keyed by the table's partition key and SortKey and its entries sit
// with their items (Tables/LocalIndexes); a global index has its own PartitionKey and optional SortKey, its entries
// are spread over the shards by their own partition key, and it is kept up to date asynchronously
// (Tables/GlobalIndexes). docs/database.md, "Secondary indexes".
internal sealed class IndexDefinition
{
    public IndexDefinition(string name, uint id, bool isGlobal, IReadOnlyList<KeySchemaElement> keySchema, IReadOnlyList<AttributeDefinition> definitions,
        ProjectionType projectionType, IReadOnlyList<string>? nonKeyAttributes, IndexStatus status = IndexStatus.Active,
        ProvisionedThroughput? throughput = null)
    {
        Name = name;
        Id = id;
        IsGlobal = isGlobal;
        KeySchema = keySchema;
        PartitionKey = TableDefinition.Slot(keySchema[0].AttributeName, definitions);
        if (keySchema.Count > 1) SortKey = TableDefinition.Slot(keySchema[1].AttributeName, definitions);
        ProjectionType = projectionType;
        NonKeyAttributes = nonKeyAttributes;
        Status = status;
        Throughput = throughput ?? new ProvisionedThroughput(0, 0);
        _projected = nonKeyAttributes is null ? [] : nonKeyAttributes.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    private readonly byte[][] _projected;

    public string Name { get; }
    public uint Id { get; }
    public bool IsGlobal { get; }
    public IReadOnlyList<KeySchemaElement> KeySchema { get; }
    public TableDefinition.KeySlot PartitionKey { get; }
    // Always set for a local index; optional for a global one.
    public TableDefinition.KeySlot? SortKey { get; }
    public ProjectionType ProjectionType { get; }
    // INCLUDE's attributes, in the order CreateTable gave them; null for ALL and KEYS_ONLY.
    public IReadOnlyList<string>? NonKeyAttributes { get; }
    public IndexStatus Status { get; }
    public ProvisionedThroughput Throughput { get; }

    // The index's key attributes: partition key, then the sort key when there is one.
    public IEnumerable<TableDefinition.KeySlot> KeySlots => SortKey is { } sort ? [PartitionKey, sort] : [PartitionKey];

    // Statistics for DescribeTable, refreshed with the table's; not persisted.
    public long ItemCount;
    public long IndexSizeBytes;

    public string Arn(string tableArn) => $"{tableArn}/index/{Name}";

    // Whether an index entry holds the attribute (by its UTF-8 name): the table's and the index's keys always, ALL
    // everything, INCLUDE its list.
    public bool Projects(TableDefinition table, ReadOnlySpan<byte> utf8Name)
    {
        if (ProjectionType == ProjectionType.All) return true;
        if (utf8Name.SequenceEqual(table.PartitionKey.Utf8Name) || utf8Name.SequenceEqual(PartitionKey.Utf8Name)
            || (SortKey is { } own && utf8Name.SequenceEqual(own.Utf8Name))
            || (table.SortKey is { } sort && utf8Name.SequenceEqual(sort.Utf8Name))) return true;
        foreach (var name in _projected)
            if (utf8Name.SequenceEqual(name)) return true;
        return false;
    }

    public IndexDefinition With(IndexStatus status, ProvisionedThroughput throughput, IReadOnlyList<AttributeDefinition> definitions) =>
        new(Name, Id, IsGlobal, KeySchema, definitions, ProjectionType, NonKeyAttributes, status, throughput)
        {
            ItemCount = ItemCount,
            IndexSizeBytes = IndexSizeBytes,
        };

    public LocalSecondaryIndexDescription DescribeLocal(string tableArn) =>
        new(Name, KeySchema, ProjectionType, NonKeyAttributes, Volatile.Read(ref IndexSizeBytes), Volatile.Read(ref ItemCount), Arn(tableArn));

    public GlobalSecondaryIndexDescription DescribeGlobal(string tableArn) =>
        // Backfilling shows only while an index added to a table is being filled (one made with its table is ACTIVE at once).
        new(Name, KeySchema, ProjectionType, NonKeyAttributes, Status, Status == IndexStatus.Creating ? true : null,
            new ProvisionedThroughputDescription(Throughput.ReadCapacityUnits, Throughput.WriteCapacityUnits, 0, null, null),
            Volatile.Read(ref IndexSizeBytes), Volatile.Read(ref ItemCount), Arn(tableArn));
}
