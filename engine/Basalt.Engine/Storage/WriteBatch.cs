using System.Buffers;
using System.Buffers.Binary;
using Basalt.Engine.Shards;

namespace Basalt.Engine.Storage;

// An atomic group of puts and deletes, applied all or nothing with consecutive sequence numbers.
// All keys of one batch must live on one shard (cross-shard atomicity is the transaction layer's job);
// StorageEngine.WriteAsync rejects a batch that spans shards with StorageError.CrossShardBatch.
// Not thread-safe; reusable after Clear. The bytes are WriteBatchFormat, ready to be logged.
public sealed class WriteBatch : IDisposable
{
    private byte[] _buffer;
    private int _length;
    private int _count;
    private int _firstVPartition = -1;

    public WriteBatch(int initialBytes = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialBytes, WriteBatchFormat.HeaderBytes));
        _length = WriteBatchFormat.HeaderBytes;
    }

    public int Count => _count;
    public int ByteLength => _length;

    // The virtual partitions of the batch's keys, for routing; -1 when empty.
    internal int FirstVPartition => _firstVPartition;

    public void Put(ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> value) =>
        Add(EntryKind.Put, Partitioner.VirtualPartitionFor(routing), routing, rest, value);

    public void Delete(ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest) =>
        Add(EntryKind.Delete, Partitioner.VirtualPartitionFor(routing), routing, rest, default);

    // Placed forms: the key lives in the given virtual partition instead of its routing part's own, so that it stays
    // with another item collection (a local secondary index's entries stay with their base items: same shard, same
    // atomic batch, and a partition move takes both). Reads must name the same partition (StorageEngine.Iterate).
    public void Put(int vpartition, ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> value) =>
        Add(EntryKind.Put, CheckVPartition(vpartition), routing, rest, value);

    public void Delete(int vpartition, ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest) =>
        Add(EntryKind.Delete, CheckVPartition(vpartition), routing, rest, default);

    internal static int CheckVPartition(int vpartition) => (uint)vpartition < Limits.VirtualPartitions ? vpartition
        : throw new StorageException(StorageError.InvalidArgument, $"virtual partition {vpartition} is outside [0, {Limits.VirtualPartitions})");

    public void Clear()
    {
        _length = WriteBatchFormat.HeaderBytes;
        _count = 0;
        _firstVPartition = -1;
    }

    internal ReadOnlySpan<byte> Encoded()
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)_count);
        return _buffer.AsSpan(0, _length);
    }

    // Visits the virtual partition of every key; used to check that a batch stays on one shard.
    internal WriteBatchFormat.Reader Entries() => new(Encoded());

    internal static void Validate(ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> value)
    {
        if (routing.Length > Limits.RoutingBytesMax)
            throw new StorageException(StorageError.KeyTooLarge, $"routing part of {routing.Length} bytes exceeds the limit of {Limits.RoutingBytesMax} bytes");
        if (routing.Length + rest.Length > Limits.KeyBytesMax)
            throw new StorageException(StorageError.KeyTooLarge, $"key of {routing.Length + rest.Length} bytes exceeds the limit of {Limits.KeyBytesMax} bytes");
        if (value.Length > Limits.ValueBytesMax)
            throw new StorageException(StorageError.ValueTooLarge, $"value of {value.Length} bytes exceeds the limit of {Limits.ValueBytesMax} bytes");
    }

    private void Add(EntryKind kind, int vpartition, ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> value)
    {
        Validate(routing, rest, value);
        if (_count + 1 > Limits.WriteBatchEntriesMax)
            throw new StorageException(StorageError.BatchTooLarge, $"a write batch holds at most {Limits.WriteBatchEntriesMax} entries");
        int entryBytes = WriteBatchFormat.EntryBytes(routing.Length, rest.Length, value.Length);
        if ((long)_length + entryBytes > Limits.WriteBatchBytesMax)
            throw new StorageException(StorageError.BatchTooLarge, $"a write batch holds at most {Limits.WriteBatchBytesMax} bytes");
        Reserve(entryBytes);
        if (_firstVPartition < 0) _firstVPartition = vpartition;
        _length += WriteBatchFormat.WriteEntry(_buffer.AsSpan(_length, entryBytes), kind, vpartition, routing, rest, value);
        _count++;
    }

    private void Reserve(int bytes)
    {
        if (_length + bytes <= _buffer.Length) return;
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + bytes));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        var b = _buffer;
        _buffer = [];
        if (b.Length > 0) ArrayPool<byte>.Shared.Return(b);
    }
}
