using System.Buffers.Binary;
using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Engine.Tables;

// A table's global secondary index entries: their keys and values (docs/database.md, "Secondary indexes"). Stateless;
// any thread. The change log (Tables/ChangeLog.cs) keeps them up to date after the fact.
//
//   routing := [index id: u32 BE][index partition key]          a key of its own: hashed to any shard
//   rest    := [index sort key as a component]                  (when the index has one: LocalIndexes.Component)
//              [table partition key, self-delimiting]           (N: number key; S and B: [u16 length BE][bytes])
//              [table sort key]                                 (as the table's rest)
//   value   := the item projected onto the index (LocalIndexes.Project)
// The table's key makes the entry unique (many items may share the index's key); it needs no order among equal index
// keys, so the length-prefixed form serves. At most 4 + 2048 + 2050 + 2050 + 1024 bytes (Limits.KeyBytesMax).
// An item without the index's partition key or (when it has one) sort key has no entry: a sparse index.
internal static class GlobalIndexes
{
    // The entry key of an item in a global index, or null when the item is not in it.
    public static (byte[] Routing, byte[] After)? EntryKey(TableDefinition table, IndexDefinition index, ReadOnlySpan<byte> item)
    {
        var reader = new ItemReader(item);
        if (!reader.TryGet(index.PartitionKey.Utf8Name, out var partition) || partition.Type != index.PartitionKey.Type) return null;
        byte[]? sort = null;
        if (index.SortKey is { } sortSlot)
        {
            if (!reader.TryGet(sortSlot.Utf8Name, out var sortValue) || sortValue.Type != sortSlot.Type) return null;
            sort = LocalIndexes.Component(sortSlot.Type, RawKey(sortValue));
        }
        var partitionBytes = RawKey(partition);
        var routing = new byte[ItemKeys.TableIdBytes + partitionBytes.Length];
        BinaryPrimitives.WriteUInt32BigEndian(routing, index.Id);
        partitionBytes.CopyTo(routing, ItemKeys.TableIdBytes);

        ItemKeys.FromItem(table, item, out var tablePartition, out var tableSort);
        var tableRouting = new byte[ItemKeys.RoutingLength(tablePartition)];
        ItemKeys.WriteRouting(0, tablePartition, tableRouting);
        var tablePartitionBytes = tableRouting.AsSpan(ItemKeys.TableIdBytes);
        var tableSortBytes = new byte[ItemKeys.RestLength(tableSort)];
        ItemKeys.WriteRest(tableSort, tableSortBytes);
        bool prefixed = table.PartitionKey.Type != AttributeType.N;
        var rest = new byte[(sort?.Length ?? 0) + (prefixed ? KeyEncoding.LengthPrefixBytes : 0) + tablePartitionBytes.Length + tableSortBytes.Length];
        int at = 0;
        if (sort is not null)
        {
            sort.CopyTo(rest, 0);
            at = sort.Length;
        }
        if (prefixed)
        {
            BinaryPrimitives.WriteUInt16BigEndian(rest.AsSpan(at), (ushort)tablePartitionBytes.Length);
            at += KeyEncoding.LengthPrefixBytes;
        }
        tablePartitionBytes.CopyTo(rest.AsSpan(at));
        at += tablePartitionBytes.Length;
        tableSortBytes.CopyTo(rest, at);
        return (routing, rest);
    }

    // A key attribute's raw key form: a number key for N, the bytes for S and B.
    public static byte[] RawKey(AttributeView value)
    {
        if (value.Type != AttributeType.N) return value.Bytes.ToArray();
        if (!DynamoNumber.TryParse(value.Bytes, out var number)) throw new FormatException("item encoding: an index key number is not a number");
        var bytes = new byte[KeyEncoding.NumberKeyLength(number)];
        KeyEncoding.WriteNumberKey(number, bytes);
        return bytes;
    }

    // DynamoDB's refusals of a read of a global index: never strongly consistent, never ALL_ATTRIBUTES unless it
    // projects them, never an attribute it does not project.
    public const string ConsistentReadMessage = "Consistent reads are not supported on global secondary indexes";

    public static ValidationException AllAttributesRefused(IndexDefinition index) =>
        new($"One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index {index.Name} because its projection type is not ALL");

    public static ValidationException NotProjected(IndexDefinition index, IEnumerable<string> names) =>
        new($"One or more parameter values were invalid: Global secondary index {index.Name} does not project [{string.Join(", ", names)}]");
}
