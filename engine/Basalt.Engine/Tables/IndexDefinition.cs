using System.Text;
using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Engine.Tables;

// One secondary index of a table, as the catalog holds it: immutable, part of its TableDefinition. Id is a u32 from
// the catalog's table id sequence (never reused), the first 4 bytes of every index entry's routing part, so an
// index's entries never mix with any table's items or another index's. Local indexes only for now: the table's
// partition key and SortKey (docs/database.md, "Local secondary indexes").
internal sealed class IndexDefinition
{
    public IndexDefinition(string name, uint id, IReadOnlyList<KeySchemaElement> keySchema, TableDefinition.KeySlot sortKey,
        ProjectionType projectionType, IReadOnlyList<string>? nonKeyAttributes)
    {
        Name = name;
        Id = id;
        KeySchema = keySchema;
        SortKey = sortKey;
        ProjectionType = projectionType;
        NonKeyAttributes = nonKeyAttributes;
        _projected = nonKeyAttributes is null ? [] : nonKeyAttributes.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    private readonly byte[][] _projected;

    public string Name { get; }
    public uint Id { get; }
    public IReadOnlyList<KeySchemaElement> KeySchema { get; }
    public TableDefinition.KeySlot SortKey { get; }
    public ProjectionType ProjectionType { get; }
    // INCLUDE's attributes, in the order CreateTable gave them; null for ALL and KEYS_ONLY.
    public IReadOnlyList<string>? NonKeyAttributes { get; }

    // Statistics for DescribeTable, refreshed with the table's; not persisted.
    public long ItemCount;
    public long IndexSizeBytes;

    public string Arn(string tableArn) => $"{tableArn}/index/{Name}";

    // Whether an index entry holds the attribute (by its UTF-8 name): keys always, ALL everything, INCLUDE its list.
    public bool Projects(TableDefinition table, ReadOnlySpan<byte> utf8Name)
    {
        if (ProjectionType == ProjectionType.All) return true;
        if (utf8Name.SequenceEqual(table.PartitionKey.Utf8Name) || utf8Name.SequenceEqual(SortKey.Utf8Name)
            || (table.SortKey is { } sort && utf8Name.SequenceEqual(sort.Utf8Name))) return true;
        foreach (var name in _projected)
            if (utf8Name.SequenceEqual(name)) return true;
        return false;
    }

    public LocalSecondaryIndexDescription Describe(string tableArn) =>
        new(Name, KeySchema, ProjectionType, NonKeyAttributes, Volatile.Read(ref IndexSizeBytes), Volatile.Read(ref ItemCount), Arn(tableArn));
}
