using System.Buffers.Binary;

namespace Basalt.Engine.Storage;

// The engine's user key, as the memtable, WAL and segments see it:
//   StoredKey := [vpartition: u16 BE][routing length: u16 BE][routing: n bytes][rest: m bytes]
// The virtual partition comes first so that a partition's keys are one contiguous range of its shard
// (moving or splitting a partition later moves a key range). The length-prefixed routing part groups an
// item collection (one DynamoDB partition key) together, ordered by the rest (the sort key) bytewise.
// Big-endian so that byte order is numeric order.
public static class StoredKey
{
    public const int HeaderBytes = 4;

    public static int Length(int routingBytes, int restBytes) => HeaderBytes + routingBytes + restBytes;

    public static int Write(Span<byte> destination, int vpartition, ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)vpartition);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)routing.Length);
        routing.CopyTo(destination[HeaderBytes..]);
        rest.CopyTo(destination[(HeaderBytes + routing.Length)..]);
        return HeaderBytes + routing.Length + rest.Length;
    }

    public static int VPartitionOf(ReadOnlySpan<byte> storedKey) => BinaryPrimitives.ReadUInt16BigEndian(storedKey);

    public static ReadOnlySpan<byte> RoutingOf(ReadOnlySpan<byte> storedKey) =>
        storedKey.Slice(HeaderBytes, BinaryPrimitives.ReadUInt16BigEndian(storedKey[2..]));

    public static ReadOnlySpan<byte> RestOf(ReadOnlySpan<byte> storedKey) =>
        storedKey[(HeaderBytes + BinaryPrimitives.ReadUInt16BigEndian(storedKey[2..]))..];

    // Length of the prefix shared by every key of one routing part (the item collection).
    public static int CollectionPrefixLength(int routingBytes) => HeaderBytes + routingBytes;
}
