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
    // DynamoDB's messages for an index key attribute of the wrong type, empty, or too large.
    public static ValidationException TypeMismatch(IndexDefinition index, TableDefinition.KeySlot slot, AttributeType actual) =>
        new($"One or more parameter values were invalid: Type mismatch for Index Key {slot.Name} Expected: {slot.Type.WireName()} Actual: {actual.WireName()} IndexName: {index.Name}");

    public static ValidationException EmptyKey(IndexDefinition index, TableDefinition.KeySlot slot) =>
        new($"One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {(slot.Type == AttributeType.S ? "string" : "binary")} value. IndexName: {index.Name}, IndexKey: {slot.Name}");

    public static ValidationException TooLarge(IndexDefinition index, TableDefinition.KeySlot slot, int size, int max) =>
        new($"One or more parameter values were invalid: Size limit exceeded for Index Key {slot.Name} Actual Size: {size} bytes Max Size: {max} bytes IndexName: {index.Name}");

    // Checks an item's index key attributes (of every index, local and global) before it is written: present ones
    // must have the defined type, be non-empty and within DynamoDB's key sizes (2048 bytes for a partition key, 1024
    // for a sort key). Absent ones are fine (the item is not indexed there).
    public static void Validate(TableDefinition table, ReadOnlySpan<byte> item)
    {
        if (!table.HasIndexes) return;
        var reader = new ItemReader(item);
        foreach (var index in table.Indexes)
        {
            foreach (var slot in index.KeySlots)
            {
                if (!reader.TryGet(slot.Utf8Name, out var value)) continue;
                if (value.Type != slot.Type) throw TypeMismatch(index, slot, value.Type);
                if (value.Type == AttributeType.N) continue;
                if (value.Bytes.IsEmpty) throw EmptyKey(index, slot);
                int max = ReferenceEquals(slot, index.PartitionKey) ? ItemKeys.PartitionKeyBytesMax : ItemKeys.SortKeyBytesMax;
                if (value.Bytes.Length > max) throw TooLarge(index, slot, value.Bytes.Length, max);
            }
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
    public static void Maintain(WriteBatch side, TableDefinition table, ReadOnlySpan<byte> oldItem, ReadOnlySpan<byte> newItem, ItemWriter writer, bool clear = true)
    {
        if (clear) side.Clear();
        var any = newItem.IsEmpty ? oldItem : newItem;
        if (!newItem.IsEmpty) Validate(table, newItem);
        if (table.LocalIndexes.Count == 0 || any.IsEmpty) return;
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
        if (!new ItemReader(item).TryGet(index.SortKey!.Utf8Name, out var value) || value.Type != index.SortKey!.Type) return null;
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

    // What changing an item from oldItem to newItem (either empty: no item) costs each index it touches, in write
    // units (CapacityUnits.IndexWrite): for ReturnConsumedCapacity, computed on the shard's writer with the images.
    public static List<IndexUnits> WriteUnits(TableDefinition table, ReadOnlySpan<byte> oldItem, ReadOnlySpan<byte> newItem, ItemWriter writer)
    {
        var units = new List<IndexUnits>();
        foreach (var index in table.Indexes)
        {
            if (index.Status == IndexStatus.Deleting) continue;
            var oldPlace = oldItem.IsEmpty ? null : EntryPlace(table, index, oldItem);
            var newPlace = newItem.IsEmpty ? null : EntryPlace(table, index, newItem);
            if (oldPlace is null && newPlace is null) continue;
            byte[]? oldValue = oldPlace is null ? null : Project(table, index, oldItem, writer).ToArray();
            byte[]? newValue = newPlace is null ? null : Project(table, index, newItem, writer).ToArray();
            bool sameKey = oldPlace is { } o && newPlace is { } n && o.Routing.AsSpan().SequenceEqual(n.Routing) && o.After.AsSpan().SequenceEqual(n.After);
            double cost = CapacityUnits.IndexWrite(oldValue is null ? -1 : ItemSize.Of(oldValue), newValue is null ? -1 : ItemSize.Of(newValue),
                sameKey, oldValue is not null && newValue is not null && oldValue.AsSpan().SequenceEqual(newValue));
            if (cost > 0) units.Add(new IndexUnits(index.Name, index.IsGlobal, cost));
        }
        return units;
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

    // Where an item's entry is in an index of either kind: its virtual partition, routing part and rest; null when the
    // item is not in the index (a start key is turned into a position this way).
    public static (int VPartition, byte[] Routing, byte[] After)? EntryPlace(TableDefinition table, IndexDefinition index, ReadOnlySpan<byte> item)
    {
        if (index.IsGlobal)
        {
            if (GlobalIndexes.EntryKey(table, index, item) is not { } key) return null;
            return (Partitioner.VirtualPartitionFor(key.Routing), key.Routing, key.After);
        }
        ItemKeys.FromItem(table, item, out var partitionKey, out var sortKey);
        var tableSort = new byte[ItemKeys.RestLength(sortKey)];
        ItemKeys.WriteRest(sortKey, tableSort);
        if (Rest(index, item, tableSort) is not { } rest) return null;
        var tableRouting = new byte[ItemKeys.RoutingLength(partitionKey)];
        ItemKeys.WriteRouting(table.Id, partitionKey, tableRouting);
        var routing = (byte[])tableRouting.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(routing, index.Id);
        return (Partitioner.VirtualPartitionFor(tableRouting), routing, rest);
    }

    // The item collection size record of a table with local indexes: beside the collection's items (their virtual
    // partition), under routing [0xFFFFFFFA][table id][partition key], empty rest; value [format u8 = 1][bytes i64 LE].
    private static readonly byte[] CollectionMarker = [0xFF, 0xFF, 0xFF, 0xFA];

    // The routing prefix of a table's item collection size records.
    public static byte[] CollectionPrefix(uint tableId)
    {
        var prefix = new byte[CollectionMarker.Length + ItemKeys.TableIdBytes];
        CollectionMarker.CopyTo(prefix, 0);
        BinaryPrimitives.WriteUInt32BigEndian(prefix.AsSpan(CollectionMarker.Length), tableId);
        return prefix;
    }

    // What the write of oldItem -> newItem does to its item collection's size (the items' DynamoDB sizes and their
    // local index entries'), read through the transform's context and rewritten as a side write. Throws
    // ItemCollectionSizeLimitExceededException when the write grows the collection past `limit`. Returns the new size.
    public static long UpdateCollectionSize(WriteBatch side, TableDefinition table, ITransformContext context, ReadOnlySpan<byte> oldItem,
        ReadOnlySpan<byte> newItem, long limit, ItemWriter writer)
    {
        var any = newItem.IsEmpty ? oldItem : newItem;
        if (any.IsEmpty) return 0;
        long delta = Size(table, newItem, writer) - Size(table, oldItem, writer);
        ItemKeys.FromItem(table, any, out var partitionKey, out _);
        var tableRouting = new byte[ItemKeys.RoutingLength(partitionKey)];
        ItemKeys.WriteRouting(table.Id, partitionKey, tableRouting);
        int vpartition = Partitioner.VirtualPartitionFor(tableRouting);
        var routing = new byte[CollectionMarker.Length + tableRouting.Length];
        CollectionMarker.CopyTo(routing, 0);
        tableRouting.CopyTo(routing, CollectionMarker.Length);
        var current = new System.Buffers.ArrayBufferWriter<byte>(9);
        long size = context.TryRead(vpartition, routing, default, current) && current.WrittenCount == 9 && current.WrittenSpan[0] == 1
            ? BinaryPrimitives.ReadInt64LittleEndian(current.WrittenSpan[1..]) : 0;
        long updated = Math.Max(0, size + delta);
        if (delta > 0 && updated > limit) throw new ItemCollectionSizeLimitExceededException(ItemCollectionSizeLimitExceededException.DefaultMessage);
        if (delta != 0)
        {
            var value = new byte[9];
            value[0] = 1;
            BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(1), updated);
            side.Put(vpartition, routing, default, value);
        }
        return updated;

        // An item's share of its collection: its own size and its local index entries'.
        static long Size(TableDefinition table, ReadOnlySpan<byte> item, ItemWriter writer)
        {
            if (item.IsEmpty) return 0;
            long bytes = ItemSize.Of(item);
            foreach (var index in table.LocalIndexes)
                if (new ItemReader(item).Contains(index.SortKey!.Utf8Name)) bytes += ItemSize.Of(Project(table, index, item, writer));
            return bytes;
        }
    }

    // The virtual partition and routing part of a partition key's entries in an index (Query reads them).
    public static (int VPartition, byte[] Routing) Collection(TableDefinition table, IndexDefinition index, byte[] partitionKeyBytes)
    {
        if (index.IsGlobal)
        {
            var own = new byte[ItemKeys.TableIdBytes + partitionKeyBytes.Length];
            BinaryPrimitives.WriteUInt32BigEndian(own, index.Id);
            partitionKeyBytes.CopyTo(own, ItemKeys.TableIdBytes);
            return (Partitioner.VirtualPartitionFor(own), own);
        }
        var tableRouting = new byte[ItemKeys.TableIdBytes + partitionKeyBytes.Length];
        ItemKeys.WriteTablePrefix(table.Id, tableRouting);
        partitionKeyBytes.CopyTo(tableRouting, ItemKeys.TableIdBytes);
        var routing = (byte[])tableRouting.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(routing, index.Id);
        return (Partitioner.VirtualPartitionFor(tableRouting), routing);
    }
}
