using System.Runtime.CompilerServices;
using Basalt.Engine.Database;
using Basalt.Engine;
using Basalt.Engine.Model;
using Basalt.Engine.Tables;

namespace Basalt.Tests.Tables;

// The catalog record: round trip, golden layout of the fixed header, and corruption detected at read.
public class CatalogFormatTests
{
    private static TableDefinition Sample() => new("Orders", 7, Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"),
        DateTimeOffset.FromUnixTimeMilliseconds(1_764_039_600_000),
        [new("pk", KeyType.Hash), new("sk", KeyType.Range)], [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.N)],
        BillingMode.Provisioned, new ProvisionedThroughput(5, 6), null, DateTimeOffset.FromUnixTimeMilliseconds(1000), null);

    [Fact]
    public void A_table_record_round_trips()
    {
        var bytes = CatalogFormat.EncodeTable(Sample());
        var back = CatalogFormat.DecodeTable("Orders", bytes);
        Assert.Equal(7u, back.Id);
        Assert.Equal(Sample().TableId, back.TableId);
        Assert.Equal(Sample().Created, back.Created);
        Assert.Equal(Sample().KeySchema, back.KeySchema);
        Assert.Equal(Sample().AttributeDefinitions, back.AttributeDefinitions);
        Assert.Equal(new ProvisionedThroughput(5, 6), back.Throughput);
        Assert.Null(back.LastUpdateToPayPerRequest);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1000), back.LastIncrease);
        Assert.Equal(AttributeType.N, back.SortKey!.Type);
    }

    [Fact]
    public void The_record_starts_with_version_and_table_id()
    {
        var bytes = CatalogFormat.EncodeTable(Sample());
        Assert.Equal(new byte[] { 1, 7, 0, 0, 0 }, bytes[..5]);
        Assert.Equal(new byte[] { 0, 0, 0, 0 }, CatalogFormat.Routing);
        Assert.Equal(new byte[] { 1, 0x2A, 0, 0, 0 }, CatalogFormat.EncodeNextId(42));
        Assert.Equal(42u, CatalogFormat.DecodeNextId(CatalogFormat.EncodeNextId(42)));
    }

    [Fact]
    public void Every_flipped_bit_and_every_truncation_is_corruption()
    {
        var bytes = CatalogFormat.EncodeTable(Sample());
        for (int i = 0; i < bytes.Length * 8; i++)
        {
            var bad = (byte[])bytes.Clone();
            bad[i / 8] ^= (byte)(1 << (i % 8));
            Assert.Equal(StorageError.Corruption, Assert.Throws<StorageException>(() => CatalogFormat.DecodeTable("Orders", bad)).Error);
        }
        for (int length = 0; length < bytes.Length; length++)
            Assert.Equal(StorageError.Corruption, Assert.Throws<StorageException>(() => CatalogFormat.DecodeTable("Orders", bytes[..length])).Error);
    }

    // ---- golden records: the encoder must reproduce them byte for byte and the decoder must keep reading them.
    // Regenerate only for a deliberate format change: BASALT_UPDATE_GOLDEN=1.

    private static string GoldenPath(string name, [CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "Testdata", name);

    private static byte[] Golden(string name, byte[] written)
    {
        string path = GoldenPath(name);
        if (Environment.GetEnvironmentVariable("BASALT_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, written);
        }
        return File.ReadAllBytes(path);
    }

    // Version 1 (written before tags existed, and still written for a table without tags, so an older Basalt can
    // read such a catalog).
    [Fact]
    public void Version_1_golden_record_is_reproduced_and_read()
    {
        var expected = Golden("catalog-table-v1.bin", CatalogFormat.EncodeTable(Sample()));
        Assert.Equal(expected, CatalogFormat.EncodeTable(Sample()));
        Assert.Equal(1, expected[0]);
        var back = CatalogFormat.DecodeTable("Orders", expected);
        Assert.Equal(7u, back.Id);
        Assert.Equal(Sample().KeySchema, back.KeySchema);
        Assert.Equal(new ProvisionedThroughput(5, 6), back.Throughput);
    }

    private static TableDefinition Tagged() => Sample().WithTags([new("env", "prod"), new("owner", "ключ 表"), new("empty", "")]);

    // Version 2: the same fields, then the tags, in order.
    [Fact]
    public void Version_2_golden_record_carries_the_tags()
    {
        var expected = Golden("catalog-table-v2.bin", CatalogFormat.EncodeTable(Tagged()));
        Assert.Equal(expected, CatalogFormat.EncodeTable(Tagged()));
        Assert.Equal(2, expected[0]);
        // Everything before the tags is format 1's layout: v1 without its CRC is a prefix of v2 (after the version).
        var v1 = CatalogFormat.EncodeTable(Sample());
        Assert.Equal(v1[1..^4], expected[1..(v1.Length - 4)]);
        Assert.Equal(3, expected[v1.Length - 4]); // the tag count
        var back = CatalogFormat.DecodeTable("Orders", expected);
        Assert.Equal(Tagged().Tags, back.Tags);
        Assert.Equal(Sample().AttributeDefinitions, back.AttributeDefinitions);
        Assert.Empty(CatalogFormat.DecodeTable("Orders", Golden("catalog-table-v1.bin", v1)).Tags);
    }

    // Version 3: a table with local secondary indexes (here without tags: a zero tag count, then the indexes).
    private static TableDefinition Indexed()
    {
        AttributeDefinition[] definitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.N), new("at", ScalarAttributeType.S)];
        return new TableDefinition("Orders", 7, Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), DateTimeOffset.FromUnixTimeMilliseconds(1_764_039_600_000),
            [new("pk", KeyType.Hash), new("sk", KeyType.Range)], definitions, BillingMode.Provisioned, new ProvisionedThroughput(5, 6), null, null, null, [],
            [
                new IndexDefinition("by-at", 8, false, [new("pk", KeyType.Hash), new("at", KeyType.Range)], definitions, ProjectionType.Include, ["x", "y"]),
                new IndexDefinition("keys", 9, false, [new("pk", KeyType.Hash), new("sk", KeyType.Range)], definitions, ProjectionType.KeysOnly, null),
            ]);
    }

    [Fact]
    public void Version_3_golden_record_carries_the_local_indexes()
    {
        var expected = Golden("catalog-table-v3.bin", CatalogFormat.EncodeTable(Indexed()));
        Assert.Equal(expected, CatalogFormat.EncodeTable(Indexed()));
        Assert.Equal(3, expected[0]);
        var back = CatalogFormat.DecodeTable("Orders", expected);
        Assert.Empty(back.Tags);
        Assert.Equal(["by-at", "keys"], back.LocalIndexes.Select(i => i.Name));
        Assert.Equal([8u, 9u], back.LocalIndexes.Select(i => i.Id));
        Assert.Equal(["x", "y"], back.LocalIndexes[0].NonKeyAttributes!);
        Assert.Equal(ProjectionType.KeysOnly, back.LocalIndexes[1].ProjectionType);
        Assert.Equal(AttributeType.S, back.LocalIndexes[0].SortKey!.Type);
        // with tags too
        var tagged = Indexed().WithTags([new Tag("env", "prod")]);
        var both = CatalogFormat.DecodeTable("Orders", CatalogFormat.EncodeTable(tagged));
        Assert.Equal(tagged.Tags, both.Tags);
        Assert.Equal(2, both.LocalIndexes.Count);
        // every flipped bit is corruption
        for (int i = 0; i < expected.Length * 8; i++)
        {
            var copy = (byte[])expected.Clone();
            copy[i / 8] ^= (byte)(1 << (i % 8));
            Assert.Equal(StorageError.Corruption, Assert.Throws<StorageException>(() => CatalogFormat.DecodeTable("Orders", copy)).Error);
        }
    }

    // Version 3 with global indexes after the local one: their status and throughput follow the common fields.
    [Fact]
    public void Version_3_golden_record_carries_global_indexes()
    {
        AttributeDefinition[] definitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.N), new("at", ScalarAttributeType.S), new("g", ScalarAttributeType.B)];
        var table = new TableDefinition("Orders", 7, Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), DateTimeOffset.FromUnixTimeMilliseconds(1_764_039_600_000),
            [new("pk", KeyType.Hash), new("sk", KeyType.Range)], definitions, BillingMode.Provisioned, new ProvisionedThroughput(5, 6), null, null, null, [],
            [new IndexDefinition("by-at", 8, false, [new("pk", KeyType.Hash), new("at", KeyType.Range)], definitions, ProjectionType.All, null)],
            [
                new IndexDefinition("by-g", 9, true, [new("g", KeyType.Hash)], definitions, ProjectionType.KeysOnly, null, IndexStatus.Active, new ProvisionedThroughput(3, 4)),
                new IndexDefinition("by-g-at", 10, true, [new("g", KeyType.Hash), new("at", KeyType.Range)], definitions, ProjectionType.Include, ["x"], IndexStatus.Creating, new ProvisionedThroughput(1, 2)),
            ]);
        var expected = Golden("catalog-table-v3-global.bin", CatalogFormat.EncodeTable(table));
        Assert.Equal(expected, CatalogFormat.EncodeTable(table));
        var back = CatalogFormat.DecodeTable("Orders", expected);
        Assert.Single(back.LocalIndexes);
        Assert.Equal(["by-g", "by-g-at"], back.GlobalIndexes.Select(i => i.Name));
        Assert.All(back.GlobalIndexes, i => Assert.True(i.IsGlobal));
        Assert.Null(back.GlobalIndexes[0].SortKey);
        Assert.Equal(AttributeType.B, back.GlobalIndexes[0].PartitionKey.Type);
        Assert.Equal(new ProvisionedThroughput(3, 4), back.GlobalIndexes[0].Throughput);
        Assert.Equal(IndexStatus.Creating, back.GlobalIndexes[1].Status);
        Assert.Equal(["x"], back.GlobalIndexes[1].NonKeyAttributes!);
        for (int i = 0; i < expected.Length * 8; i++)
        {
            var copy = (byte[])expected.Clone();
            copy[i / 8] ^= (byte)(1 << (i % 8));
            Assert.Equal(StorageError.Corruption, Assert.Throws<StorageException>(() => CatalogFormat.DecodeTable("Orders", copy)).Error);
        }
    }

    [Fact]
    public void A_tagged_record_round_trips_at_the_limits()
    {
        var tags = Enumerable.Range(0, 50).Select(i => new Tag(i.ToString("D2") + new string('k', 126), new string('v', 256))).ToList();
        var bytes = CatalogFormat.EncodeTable(Sample().WithTags(tags));
        Assert.Equal(tags, CatalogFormat.DecodeTable("Orders", bytes).Tags);
    }

    [Fact]
    public void Every_flipped_bit_and_every_truncation_of_a_tagged_record_is_corruption()
    {
        var bytes = CatalogFormat.EncodeTable(Tagged());
        for (int i = 0; i < bytes.Length * 8; i++)
        {
            var bad = (byte[])bytes.Clone();
            bad[i / 8] ^= (byte)(1 << (i % 8));
            Assert.Equal(StorageError.Corruption, Assert.Throws<StorageException>(() => CatalogFormat.DecodeTable("Orders", bad)).Error);
        }
        for (int length = 0; length < bytes.Length; length++)
            Assert.Equal(StorageError.Corruption, Assert.Throws<StorageException>(() => CatalogFormat.DecodeTable("Orders", bytes[..length])).Error);
    }
}
