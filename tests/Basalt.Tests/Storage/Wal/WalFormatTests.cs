using Basalt.Engine.Storage.Wal;

namespace Basalt.Tests.Storage.Wal;

// Golden tests: the bytes below were computed by an independent bitwise CRC-32C (Python), not by the engine. If
// one fails, the on-disk format changed: that needs a format version, not a new expected value.
public class WalFormatTests
{
    private const string GoldenAbc = "a968d340" + "03000000" + "07000000" + "01" + "0807060504030201" + "616263";
    private const string GoldenEmpty = "9a411807" + "00000000" + "07000000" + "01" + "2a00000000000000";

    [Fact]
    public void Persisted_values_never_change()
    {
        Assert.Equal(1, (int)WalRecordKind.Batch);
        Assert.Equal(21, WalFormat.HeaderBytes);
        Assert.Equal(Basalt.Engine.Limits.WriteBatchBytesMax, WalFormat.PayloadBytesMax);
    }

    [Fact]
    public void Record_layout_matches_the_golden_bytes()
    {
        var record = new byte[WalFormat.HeaderBytes + 3];
        "abc"u8.CopyTo(record.AsSpan(WalFormat.HeaderBytes));
        WalFormat.WriteHeader(record, logNumber: 7, WalRecordKind.Batch, seq: 0x0102030405060708);
        Assert.Equal(GoldenAbc, Convert.ToHexStringLower(record));

        var empty = new byte[WalFormat.HeaderBytes];
        WalFormat.WriteHeader(empty, logNumber: 7, WalRecordKind.Batch, seq: 42);
        Assert.Equal(GoldenEmpty, Convert.ToHexStringLower(empty));
    }

    [Fact]
    public void Writer_output_is_the_golden_record_then_the_end_marker_then_zero_fill()
    {
        var fs = WalTestKit.NewFs();
        using (var writer = WalWriter.Create(fs, WalTestKit.Dir, logNumber: 7, preallocateBytes: 4096))
        {
            writer.Append(0x0102030405060708, "abc"u8);
            writer.Append(42, []);
            Assert.Equal(24 + 21, writer.Flush());
        }
        var bytes = fs.ReadAll("/wal/wal-00000007.log");
        Assert.Equal(4096, bytes.Length);
        Assert.Equal(GoldenAbc + GoldenEmpty, Convert.ToHexStringLower(bytes.AsSpan(0, 45)));
        Assert.False(bytes.AsSpan(45).ContainsAnyExcept((byte)0));
    }

    [Fact]
    public void File_names_round_trip()
    {
        Assert.Equal("wal-00000007.log", WalFormat.FileName(7));
        Assert.Equal("wal-4294967295.log", WalFormat.FileName(uint.MaxValue));
        Assert.True(WalFormat.TryParseFileName("wal-00000007.log", out uint n) && n == 7);
        Assert.True(WalFormat.TryParseFileName("wal-4294967295.log", out n) && n == uint.MaxValue);
        foreach (var bad in new[] { "wal-7.log", "wal-0000000x.log", "wal-00000007.txt", "xal-00000007.log", "wal-+0000007.log", "wal-99999999999.log", "wal-.log" })
            Assert.False(WalFormat.TryParseFileName(bad, out _), bad);
    }
}
