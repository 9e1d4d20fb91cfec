using System.Buffers.Binary;
using System.Text;
using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Engine.Tables;

// An item's primary key as the storage engine keys it, and DynamoDB's key validation. Stateless; any thread.
//
//   routing := [table id: u32 BE][partition key]      (decides the shard; one item collection per routing part)
//   rest    := [sort key] | empty when the table has no sort key
// where a key value is written in KeyEncoding's order-preserving form: S and B as their bytes (each is the last
// component of its part, so it needs no length prefix), N as a number key (so "1.0" and "1" are one key). The key
// types are fixed by the table's schema, so no type tag is needed. Bounds: DynamoDB's 2048-byte partition key and
// 1024-byte sort key (a number key is at most 21 bytes), so routing <= 2052 <= Limits.RoutingBytesMax.
internal static class ItemKeys
{
    public const int TableIdBytes = 4;
    public const int PartitionKeyBytesMax = 2048;
    public const int SortKeyBytesMax = 1024;
    public const int RoutingBytesMax = TableIdBytes + PartitionKeyBytesMax;
    public const int RestBytesMax = SortKeyBytesMax;

    public const string KeyMismatchMessage = "The provided key element does not match the schema";
    public const string HashKeyTooLargeMessage = "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes";
    public const string RangeKeyTooLargeMessage = "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes";

    // Reads the key attributes out of an encoded item (PutItem) and validates them.
    public static void FromItem(TableDefinition table, ReadOnlySpan<byte> item, out KeyAttribute partitionKey, out KeyAttribute sortKey)
    {
        partitionKey = FromItem(item, table.PartitionKey, isPartition: true);
        sortKey = table.SortKey is { } sort ? FromItem(item, sort, isPartition: false) : KeyAttribute.None;
    }

    private static KeyAttribute FromItem(ReadOnlySpan<byte> item, TableDefinition.KeySlot slot, bool isPartition)
    {
        var reader = new ItemReader(item);
        if (!reader.TryGet(slot.Utf8Name, out var value))
            throw new ValidationException($"One or more parameter values were invalid: Missing the key {slot.Name} in the item");
        if (value.Type != slot.Type)
            throw new ValidationException($"One or more parameter values were invalid: Type mismatch for key {slot.Name} expected: {slot.Type.WireName()} actual: {value.Type.WireName()}");
        KeyAttribute key;
        if (value.Type == AttributeType.N)
        {
            // The encoding holds canonical text (validated when the item was written); parse it back for the key form.
            if (!DynamoNumber.TryParse(value.Bytes, out var number)) throw new FormatException("item encoding: a key number is not a number");
            key = KeyAttribute.FromNumber(number);
        }
        else key = value.Type == AttributeType.S ? KeyAttribute.String(value.Bytes) : KeyAttribute.Binary(value.Bytes);
        CheckValue(slot, key, isPartition);
        return key;
    }

    // A key given on its own (GetItem, DeleteItem, the allocation-free API): exactly the schema's attributes.
    public static void Check(TableDefinition table, in KeyAttribute partitionKey, in KeyAttribute sortKey)
    {
        if (partitionKey.Type != table.PartitionKey.Type || (table.SortKey is { } s ? s.Type : (AttributeType)0) != sortKey.Type)
            throw new ValidationException(KeyMismatchMessage);
        CheckValue(table.PartitionKey, partitionKey, isPartition: true);
        if (table.SortKey is { } sort) CheckValue(sort, sortKey, isPartition: false);
    }

    private static void CheckValue(TableDefinition.KeySlot slot, in KeyAttribute key, bool isPartition)
    {
        if (key.Type == AttributeType.N) return;
        if (key.Bytes.IsEmpty)
            throw new ValidationException("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty " +
                (key.Type == AttributeType.S ? "string" : "binary") + $" value. Key: {slot.Name}");
        if (isPartition && key.Bytes.Length > PartitionKeyBytesMax) throw new ValidationException(HashKeyTooLargeMessage);
        if (!isPartition && key.Bytes.Length > SortKeyBytesMax) throw new ValidationException(RangeKeyTooLargeMessage);
    }

    // The managed key of GetItem / DeleteItem: must name exactly the key attributes, with the schema's types.
    // Returned spans point into byte arrays the call allocates (the managed path allocates anyway).
    public static void FromManaged(TableDefinition table, Dictionary<string, AttributeValue>? key, out KeyAttribute partitionKey, out KeyAttribute sortKey)
    {
        int expected = table.SortKey is null ? 1 : 2;
        if (key is null) throw new ValidationException("1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null");
        if (key.Count != expected) throw new ValidationException(KeyMismatchMessage);
        partitionKey = FromManaged(key, table.PartitionKey);
        sortKey = table.SortKey is { } sort ? FromManaged(key, sort) : KeyAttribute.None;
        Check(table, partitionKey, sortKey);
    }

    private static KeyAttribute FromManaged(Dictionary<string, AttributeValue> key, TableDefinition.KeySlot slot)
    {
        if (!key.TryGetValue(slot.Name, out var value) || value is null || value.Type != slot.Type)
            throw new ValidationException(KeyMismatchMessage);
        switch (value.Type)
        {
            case AttributeType.S: return KeyAttribute.String(Encoding.UTF8.GetBytes(value.AsString()));
            case AttributeType.B: return KeyAttribute.Binary(value.AsBinary().Span);
            default:
                if (!DynamoNumber.TryParse(value.AsNumber(), out var number, out var error)) throw new ValidationException(error!);
                return KeyAttribute.FromNumber(number);
        }
    }

    public static int RoutingLength(in KeyAttribute partitionKey) => TableIdBytes + ValueLength(partitionKey);

    public static int RestLength(in KeyAttribute sortKey) => sortKey.IsAbsent ? 0 : ValueLength(sortKey);

    public static int WriteRouting(uint tableId, in KeyAttribute partitionKey, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, tableId);
        return TableIdBytes + WriteValue(partitionKey, destination[TableIdBytes..]);
    }

    public static int WriteRest(in KeyAttribute sortKey, Span<byte> destination) => sortKey.IsAbsent ? 0 : WriteValue(sortKey, destination);

    public static void WriteTablePrefix(uint tableId, Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, tableId);

    private static int ValueLength(in KeyAttribute key) => key.Type == AttributeType.N ? KeyEncoding.NumberKeyLength(key.Number) : key.Bytes.Length;

    private static int WriteValue(in KeyAttribute key, Span<byte> destination)
    {
        if (key.Type == AttributeType.N) return KeyEncoding.WriteNumberKey(key.Number, destination);
        key.Bytes.CopyTo(destination);
        return key.Bytes.Length;
    }
}
