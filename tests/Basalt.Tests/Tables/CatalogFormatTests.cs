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
}
