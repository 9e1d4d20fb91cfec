using System.Text;
using Basalt.Engine;
using Basalt.Engine.Shards;

namespace Basalt.Tests.Shards;

public class PartitionerTests
{
    // A persisted mapping: these must never change. If this test fails, routing changed and every existing data
    // folder would put keys on the wrong partition. Values are XXH3-64 with seed 0 (the empty input's hash is the
    // reference implementation's 0x2D06800538D394C2), reduced mod 4096.
    [Theory]
    [InlineData("", 1218)]
    [InlineData("a", 3615)]
    [InlineData("user#1", 3527)]
    [InlineData("orders\0customer-42", 919)]
    [InlineData("Basalt", 71)]
    public void Virtual_partitions_of_known_keys_never_change(string routing, int vpartition)
    {
        var partitioner = new Partitioner(4);
        Assert.Equal(vpartition, partitioner.VirtualPartitionOf(Encoding.UTF8.GetBytes(routing)));
        Assert.Equal(vpartition % 4, partitioner.ShardOfRouting(Encoding.UTF8.GetBytes(routing)));
    }

    [Fact]
    public void Virtual_partition_of_all_byte_values_never_changes()
    {
        byte[] routing = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        Assert.Equal(3441, new Partitioner(1).VirtualPartitionOf(routing));
        Assert.Equal(4096, Limits.VirtualPartitions); // the reduction above assumes it; persisted folders do too
    }

    [Fact]
    public void A_million_random_keys_spread_evenly_over_the_virtual_partitions()
    {
        TestSeed.Run(seed =>
        {
            const int keys = 1_000_000;
            var rng = new Random(seed);
            var partitioner = new Partitioner(3);
            var counts = new int[Limits.VirtualPartitions];
            Span<byte> key = stackalloc byte[24];
            for (int i = 0; i < keys; i++)
            {
                // At least 8 bytes: shorter lengths have too few distinct keys, and duplicates pile up.
                int length = 8 + rng.Next(key.Length - 7);
                rng.NextBytes(key[..length]);
                counts[partitioner.VirtualPartitionOf(key[..length])]++;
            }
            double expected = (double)keys / Limits.VirtualPartitions; // 244.1, standard deviation 15.6
            Assert.True(counts.Min() > expected * 0.6, $"emptiest partition has {counts.Min()} keys (expected ~{expected:F0})");
            Assert.True(counts.Max() < expected * 1.4, $"fullest partition has {counts.Max()} keys (expected ~{expected:F0})");
            // Chi-square with 4095 degrees of freedom: mean 4095, standard deviation 90.5; allow 6 of them.
            double chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
            Assert.True(chiSquare < 4095 + 6 * 90.5, $"chi-square {chiSquare:F0}");
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(256)]
    public void The_default_map_gives_each_partition_one_shard_and_balances_them(int shardCount)
    {
        var partitioner = new Partitioner(shardCount);
        Assert.Equal(shardCount, partitioner.ShardCount);
        var owner = new int[Limits.VirtualPartitions];
        Array.Fill(owner, -1);
        for (int shard = 0; shard < shardCount; shard++)
        {
            int[] owned = partitioner.VirtualPartitionsOf(shard).ToArray();
            Assert.Equal(owned.Order(), owned);
            // Balanced within one partition.
            Assert.InRange(owned.Length, Limits.VirtualPartitions / shardCount, Limits.VirtualPartitions / shardCount + 1);
            foreach (int v in owned)
            {
                Assert.Equal(-1, owner[v]); // no partition is owned twice
                owner[v] = shard;
                Assert.Equal(shard, partitioner.ShardOf(v));
                Assert.Equal(v % shardCount, shard);
            }
        }
        Assert.DoesNotContain(-1, owner); // every partition is owned
        Assert.Equal(owner, partitioner.ToMap());
    }

    [Fact]
    public void An_explicit_map_is_honoured_and_validated()
    {
        var map = new int[Limits.VirtualPartitions];
        map[17] = 2;
        map[4095] = 1;
        var partitioner = new Partitioner(3, map);
        map[17] = 0; // the partitioner kept a copy
        Assert.Equal(2, partitioner.ShardOf(17));
        Assert.Equal(1, partitioner.ShardOf(4095));
        Assert.Equal(new[] { 17 }, partitioner.VirtualPartitionsOf(2));
        Assert.Equal(Limits.VirtualPartitions - 2, partitioner.VirtualPartitionsOf(0).Count());

        Assert.Throws<ArgumentException>(() => new Partitioner(3, new int[10]));
        map[5] = 3;
        Assert.Throws<ArgumentOutOfRangeException>(() => new Partitioner(3, map));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Partitioner(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Partitioner(Limits.ShardsMax + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => partitioner.VirtualPartitionsOf(3));
        Assert.Throws<IndexOutOfRangeException>(() => partitioner.ShardOf(Limits.VirtualPartitions));
    }
}
