using System.IO.Hashing;

namespace Basalt.Engine.Shards;

// Routes a routing part (table id + partition key, as the model layer encodes it) to a virtual partition, and a
// virtual partition to the shard that owns it.
//
//   vpartition = XxHash3_64(routing, seed 0) mod Limits.VirtualPartitions   (low 12 bits of the hash)
//   shard      = _shardOfVpartition[vpartition]                             (default: vpartition mod shardCount)
//
// Persisted contract: the first line decides where every key lives, and data folders record it, so the hash function,
// seed and reduction must never change (golden values in PartitionerTests). XxHash3 is used instead of GetHashCode,
// which is randomised per process. The second line is only a table: re-sharding rewrites entries of it and moves
// whole virtual partitions, never individual keys.
//
// Threads: immutable after construction; any thread may route.
public sealed class Partitioner
{
    private readonly int[] _shardOfVpartition;

    // The default map: virtual partition v belongs to shard v mod shardCount.
    public Partitioner(int shardCount)
    {
        ValidateShardCount(shardCount);
        ShardCount = shardCount;
        _shardOfVpartition = new int[Limits.VirtualPartitions];
        for (int v = 0; v < _shardOfVpartition.Length; v++)
            _shardOfVpartition[v] = v % shardCount;
    }

    // An explicit map (one restored from a data folder, or one after moving partitions): entry v is the shard of
    // virtual partition v. Every shard in [0, shardCount) need not own a partition.
    public Partitioner(int shardCount, ReadOnlySpan<int> shardOfVpartition)
    {
        ValidateShardCount(shardCount);
        if (shardOfVpartition.Length != Limits.VirtualPartitions)
            throw new ArgumentException($"The map has {shardOfVpartition.Length} entries; it needs one per virtual partition ({Limits.VirtualPartitions}).", nameof(shardOfVpartition));
        foreach (int shard in shardOfVpartition)
        {
            if ((uint)shard >= (uint)shardCount)
                throw new ArgumentOutOfRangeException(nameof(shardOfVpartition), shard, $"Shard indexes are in [0, {shardCount}).");
        }
        ShardCount = shardCount;
        _shardOfVpartition = shardOfVpartition.ToArray();
    }

    public int ShardCount { get; }

    public int VirtualPartitionOf(ReadOnlySpan<byte> routing) => VirtualPartitionFor(routing);

    // The one definition of the routing hash: it does not depend on the shard count, so keys can be encoded
    // (StoredKey carries the vpartition) before a partitioner is at hand.
    public static int VirtualPartitionFor(ReadOnlySpan<byte> routing)
    {
        // VirtualPartitions is a power of two, so this is a mask of the hash's low bits.
        return (int)(XxHash3.HashToUInt64(routing) % Limits.VirtualPartitions);
    }

    public int ShardOf(int vpartition) => _shardOfVpartition[vpartition]; // the array bounds-check is the range check

    public int ShardOfRouting(ReadOnlySpan<byte> routing) => _shardOfVpartition[VirtualPartitionOf(routing)];

    // Ascending. Allocates: for startup and re-sharding, not per request.
    public IEnumerable<int> VirtualPartitionsOf(int shard)
    {
        if ((uint)shard >= (uint)ShardCount)
            throw new ArgumentOutOfRangeException(nameof(shard), shard, $"Shard indexes are in [0, {ShardCount}).");
        return Iterate(shard);

        IEnumerable<int> Iterate(int owner)
        {
            for (int v = 0; v < _shardOfVpartition.Length; v++)
            {
                if (_shardOfVpartition[v] == owner)
                    yield return v;
            }
        }
    }

    // A copy of the map, to persist it.
    public int[] ToMap() => (int[])_shardOfVpartition.Clone();

    private static void ValidateShardCount(int shardCount)
    {
        if (shardCount < 1 || shardCount > Limits.ShardsMax)
            throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, $"Shard count is in [1, {Limits.ShardsMax}].");
    }
}
