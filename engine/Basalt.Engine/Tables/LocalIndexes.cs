using System.Buffers.Binary;
using Basalt.Engine.Database;
using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using Basalt.Engine.Shards;
using Basalt.Engine.Storage;

namespace Basalt.Engine.Tables;

// A table's local secondary index entries: their keys, their values, and keeping them in step with the items
// (docs/database.md, "Local secondary indexes"). Stateless; any thread.
//
//   vpartition := the item's own: VirtualPartitionFor([table id][partition key])   (a placed key: same shard)
//   routing    := [index id: u32 BE][partition key]                                 (as the item's, another id)
//   rest       := [index sort key, as a component][table sort key]
//   value      := the item projected onto the index: every attribute (ALL), or the table's and the index's key
//                 attributes plus INCLUDE's NonKeyAttributes
// where the index sort key's component form is a number key for N and the escaped, terminated form for S and B
// (KeyEncoding), so that entries order by the index sort key, then by the table's sort key, and an item collection's
// entries are one range. An item without the index sort key attribute has no entry (a sparse index).
internal static class LocalIndexes
{
    // DynamoDB's messages for an index key attribute of the wrong type, or empty.
    public static ValidationException TypeMismatch(IndexDefinition index, AttributeType actual) =>
        new($"One or more parameter values were invalid: Type mismatch for Index Key {index.SortKey.Name} Expected: {index.SortKey.Type.WireName()} Actual: {actual.WireName()} IndexName: {index.Name}");

    public static ValidationException EmptyKey(IndexDefinition index) =>
        new($"One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {(index.SortKey.Type == AttributeType.S ? "string" : "binary")} value. IndexName: {index.Name}, IndexKey: {index.SortKey.Name}");

    // Checks an item's index key attributes before it is written: present ones must have the defined type, be
    // non-empty and within the sort key's 1024 bytes. Absent ones are fine (the item is not indexed there).
    public static void Validate(TableDefinition table, ReadOnlySpan<byte> item)
    {
        if (table.LocalIndexes.Count == 0) return;
        var reader = new ItemReader(item);
        foreach (var index in table.LocalIndexes)
        {
            if (!reader.TryGet(index.SortKey.Utf8Name, out var value)) continue;
            if (value.Type != index.SortKey.Type) throw TypeMismatch(index, value.Type);
            if (value.Type == AttributeType.N) continue;
            if (value.Bytes.IsEmpty) throw EmptyKey(index);
            if (value.Bytes.Length > ItemKeys.SortKeyBytesMax) throw new ValidationException(ItemKeys.RangeKeyTooLargeMessage);
        }
    }

    // The index sort key's component form (see the header), from a key condition's or a start key's raw key bytes:
    // a number key as it is, S and B escaped and terminated.
    public static byte[] Component(AttributeType type, byte[] keyBytes)
    {
        if (type == AttributeType.N) return keyBytes;
        var component = new byte[KeyEncoding.TerminatedLength(keyBytes)];
        KeyEncoding.WriteTerminated(keyBytes, component);
        return component;
    }

    // Adds to `side` what changing an item from oldItem to newItem (either empty: no item) does to the table's index
    // entries: each old entry whose key changes or goes away is deleted, each new entry is put. Runs on the shard's
    // writer (ItemTransform.Apply), so it validates as Validate does and throws ValidationException.
    public static void Maintain(WriteBatch side, TableDefinition table, ReadOnlySpan<byte> oldItem, ReadOnlySpan<byte> newItem, ItemWriter writer)
    {
        side.Clear();
        var any = newItem.IsEmpty ? oldItem : newItem;
        if (table.LocalIndexes.Count == 0 || any.IsEmpty) return;
        if (!newItem.IsEmpty) Validate(table, newItem);
        ItemKeys.FromItem(table, any, out var partitionKey, out var sortKey);
        Span<byte> tableRouting = stackalloc byte[ItemKeys.RoutingBytesMax];
        int vpartition = Partitioner.VirtualPartitionFor(tableRouting[..ItemKeys.WriteRouting(table.Id, partitionKey, tableRouting)]);
        var tableSort = new byte[ItemKeys.RestLength(sortKey)];
        ItemKeys.WriteRest(sortKey, tableSort);
        var routing = new byte[ItemKeys.RoutingLength(partitionKey)];
        foreach (var index in table.LocalIndexes)
        {
            ItemKeys.WriteRouting(index.Id, partitionKey, routing);
            var oldRest = oldItem.IsEmpty ? null : Rest(index, oldItem, tableSort);
            var newRest = newItem.IsEmpty ? null : Rest(index, newItem, tableSort);
            if (oldRest is not null && (newRest is null || !oldRest.AsSpan().SequenceEqual(newRest))) side.Delete(vpartition, routing, oldRest);
            if (newRest is not null) side.Put(vpartition, routing, newRest, Project(table, index, newItem, writer));
        }
    }

    // The entry's rest for an item, or null when the item lacks the index sort key.
    private static byte[]? Rest(IndexDefinition index, ReadOnlySpan<byte> item, byte[] tableSort)
    {
        if (!new ItemReader(item).TryGet(index.SortKey.Utf8Name, out var value) || value.Type != index.SortKey.Type) return null;
        byte[] rest;
        int at;
        if (value.Type == AttributeType.N)
        {
            if (!DynamoNumber.TryParse(value.Bytes, out var number)) throw new FormatException("item encoding: an index key number is not a number");
            rest = new byte[KeyEncoding.NumberKeyLength(number) + tableSort.Length];
            at = KeyEncoding.WriteNumberKey(number, rest);
        }
        else
        {
            rest = new byte[KeyEncoding.TerminatedLength(value.Bytes) + tableSort.Length];
            at = KeyEncoding.WriteTerminated(value.Bytes, rest);
        }
        tableSort.CopyTo(rest, at);
        return rest;
    }

    // The item as the index holds it.
    public static ReadOnlySpan<byte> Project(TableDefinition table, IndexDefinition index, ReadOnlySpan<byte> item, ItemWriter writer)
    {
        if (index.ProjectionType == ProjectionType.All) return item;
        var reader = new ItemReader(item);
        writer.BeginItem();
        while (reader.TryReadAttribute(out var name, out var value))
        {
            if (!index.Projects(table, name)) continue;
            writer.WriteName(name);
            EncodedValue.Copy(writer, value);
        }
        return writer.EndItem();
    }

    // The virtual partition and routing part of a partition key's entries in an index (Query reads them).
    public static (int VPartition, byte[] Routing) Collection(TableDefinition table, IndexDefinition index, byte[] partitionKeyBytes)
    {
        var tableRouting = new byte[ItemKeys.TableIdBytes + partitionKeyBytes.Length];
        ItemKeys.WriteTablePrefix(table.Id, tableRouting);
        partitionKeyBytes.CopyTo(tableRouting, ItemKeys.TableIdBytes);
        var routing = (byte[])tableRouting.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(routing, index.Id);
        return (Partitioner.VirtualPartitionFor(tableRouting), routing);
    }
}
