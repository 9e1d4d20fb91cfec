using System.Buffers.Binary;
using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;
using Basalt.Engine.Storage.Wal;
using static Basalt.Tests.Storage.Wal.WalTestKit;

namespace Basalt.Tests.Storage.Wal;

public class WalReaderTests
{
    // A synced log of `count` records of 8..300 bytes; returns the records and each record's offset.
    private static (MemoryFileSystem Fs, string Path, List<(ulong Seq, byte[] Payload)> Records, List<long> Offsets, long End)
        SyncedLog(Random random, int count, uint logNumber = 1, long preallocateBytes = 64 << 10)
    {
        var fs = NewFs();
        using var writer = WalWriter.Create(fs, Dir, logNumber, preallocateBytes);
        var (records, offsets) = AppendFlushed(writer, random, count, _ => random.Next(8, 300));
        long end = writer.Sync();
        return (fs, writer.Path, records, offsets, end);
    }

    [Fact]
    public void A_crash_after_an_unsynced_flush_drops_the_tail() => WithSeed(random =>
    {
        var fs = NewFs();
        string path;
        List<(ulong Seq, byte[] Payload)> durable;
        long synced;
        using (var writer = WalWriter.Create(fs, Dir, logNumber: 2, preallocateBytes: 64 << 10))
        {
            path = writer.Path;
            (durable, _) = AppendFlushed(writer, random, 20, _ => random.Next(0, 500));
            synced = writer.Sync();
            AppendFlushed(writer, random, 10, _ => random.Next(0, 500), firstSeq: 210);
            Assert.Equal(30, ReadAll(fs, path, 2).Records.Count); // flushed: visible before the crash
        }
        fs.Crash();
        var (read, result) = ReadAll(fs, path, 2);
        AssertSame(durable, read);
        Assert.Equal(synced, result.EndOffset);
        // MemoryFileSystem's crash drops the unsynced write whole, leaving the synced end marker: nothing is torn.
        Assert.False(result.TornTailCut);
    });

    [Theory]
    [InlineData(5)]     // inside the header
    [InlineData(21)]    // the header whole, no payload
    [InlineData(-1)]    // in the middle of the payload
    public void A_record_truncated_in_the_middle_is_a_torn_tail(int cutAt) => WithSeed(random =>
    {
        var (fs, path, records, offsets, _) = SyncedLog(random, 20);
        long last = offsets[^1];
        long cut = last + (cutAt >= 0 ? cutAt : 21 + records[^1].Payload.Length / 2);
        using (var file = fs.Open(path, writable: true)) file.SetLength(cut);

        var (read, result) = ReadAll(fs, path, 1);
        AssertSame(records.Take(19).ToList(), read);
        Assert.True(result.TornTailCut);
        Assert.Equal(last, result.EndOffset);
    });

    [Fact]
    public void Garbage_after_the_last_record_is_a_torn_tail() => WithSeed(random =>
    {
        var (fs, path, records, _, end) = SyncedLog(random, 20);
        var garbage = Payload(random, 200);
        garbage[0] |= 1; // never an all-zero header
        fs.Poke(path, end, garbage);

        var (read, result) = ReadAll(fs, path, 1);
        AssertSame(records, read);
        Assert.True(result.TornTailCut);
        Assert.Equal(end, result.EndOffset);
    });

    [Fact]
    public void A_nonzero_partial_header_at_the_end_of_the_file_is_a_torn_tail_and_a_zero_one_is_not() => WithSeed(random =>
    {
        var (fs, path, records, _, end) = SyncedLog(random, 5);
        using (var file = fs.Open(path, writable: true)) file.SetLength(end + 10);
        var (read, result) = ReadAll(fs, path, 1);
        AssertSame(records, read);
        Assert.False(result.TornTailCut); // zero fill shorter than a header

        fs.Poke(path, end + 9, [0x5A]);
        (read, result) = ReadAll(fs, path, 1);
        AssertSame(records, read);
        Assert.True(result.TornTailCut);
        Assert.Equal(end, result.EndOffset);
    });

    // Each field of the record's header and its payload: one flipped bit followed by valid records is corruption.
    [Theory]
    [InlineData(0)]   // crc
    [InlineData(4)]   // length, low byte
    [InlineData(7)]   // length, high byte (far past the file)
    [InlineData(8)]   // log number
    [InlineData(12)]  // kind
    [InlineData(13)]  // seq
    [InlineData(21)]  // payload, first byte
    [InlineData(-1)]  // payload, last byte
    public void A_bit_flip_in_a_middle_record_is_corruption_at_that_record(int at) => WithSeed(random =>
    {
        var (fs, path, records, offsets, _) = SyncedLog(random, 40);
        int victim = 10 + random.Next(20);
        long offset = offsets[victim] + (at >= 0 ? at : 21 + records[victim].Payload.Length - 1);
        Flip(fs, path, offset, 0x10);

        int delivered = 0;
        var e = Assert.Throws<StorageException>(() => WalReader.Read(fs, path, 1, (_, _) => delivered++));
        Assert.Equal(StorageError.Corruption, e.Error);
        Assert.Equal(path, e.FilePath);
        Assert.Equal(offsets[victim], e.FileOffset);
        Assert.Equal(victim, delivered);
    });

    // A payload that passed its CRC but that the caller cannot parse (recovery's write batch reader throws
    // FormatException) is corruption at that record, with the file and offset, not a bare FormatException.
    [Fact]
    public void A_payload_the_caller_cannot_parse_is_corruption_at_that_record() => WithSeed(random =>
    {
        var (fs, path, _, offsets, _) = SyncedLog(random, 10);
        int seen = 0;
        var e = Assert.Throws<StorageException>(() => WalReader.Read(fs, path, 1, (_, _) =>
        {
            if (++seen == 4) throw new FormatException("write batch entry lengths out of bounds");
        }));
        Assert.Equal(StorageError.Corruption, e.Error);
        Assert.Equal(path, e.FilePath);
        Assert.Equal(offsets[3], e.FileOffset);
        Assert.IsType<FormatException>(e.InnerException);
    });

    [Fact]
    public void A_length_flipped_to_zero_is_corruption_not_the_end_of_the_log() => WithSeed(random =>
    {
        var (fs, path, _, offsets, _) = SyncedLog(random, 10);
        var zeroLength = new byte[4];
        fs.Poke(path, offsets[4] + 4, zeroLength);
        var e = Assert.Throws<StorageException>(() => WalReader.Read(fs, path, 1, (_, _) => { }));
        Assert.Equal(StorageError.Corruption, e.Error);
        Assert.Equal(offsets[4], e.FileOffset);
    });

    [Fact]
    public void A_bit_flip_in_the_last_record_is_indistinguishable_from_a_torn_tail() => WithSeed(random =>
    {
        var (fs, path, records, offsets, _) = SyncedLog(random, 10);
        Flip(fs, path, offsets[^1] + 21, 0x01);
        var (read, result) = ReadAll(fs, path, 1);
        AssertSame(records.Take(9).ToList(), read);
        Assert.True(result.TornTailCut);
        Assert.Equal(offsets[^1], result.EndOffset);
    });

    [Fact]
    public void The_forward_scan_finds_a_valid_record_megabytes_past_the_bad_one() => WithSeed(random =>
    {
        var fs = NewFs();
        var offsets = new List<long>();
        string path;
        using (var writer = WalWriter.Create(fs, Dir, logNumber: 3, preallocateBytes: 1 << 20))
        {
            path = writer.Path;
            // A 3 MiB record after the bad one: the next valid record starts beyond the scan's 1 MiB chunks.
            (_, offsets) = AppendFlushed(writer, random, 3, i => i == 1 ? 3 << 20 : 100);
            writer.Sync();
        }
        // Break the big record's payload only: its header still claims 3 MiB, the record after it stays valid.
        Flip(fs, path, offsets[1] + 21 + (2 << 20), 0x04);
        var e = Assert.Throws<StorageException>(() => WalReader.Read(fs, path, 3, (_, _) => { }));
        Assert.Equal(offsets[1], e.FileOffset);
    });

    [Fact]
    public void A_valid_record_of_an_unknown_kind_is_an_error_not_the_end() => WithSeed(random =>
    {
        var (fs, path, _, offsets, _) = SyncedLog(random, 6);
        var bytes = fs.ReadAll(path);
        int start = (int)offsets[3];
        int length = 21 + (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(start + 4));
        var record = bytes.AsSpan(start, length).ToArray();
        record[12] = 2;
        BinaryPrimitives.WriteUInt32LittleEndian(record, Crc32C.Compute(record.AsSpan(8)));
        fs.Poke(path, start, record);

        var e = Assert.Throws<StorageException>(() => WalReader.Read(fs, path, 1, (_, _) => { }));
        Assert.Equal(StorageError.Corruption, e.Error);
        Assert.Equal(offsets[3], e.FileOffset);
    });

    [Fact]
    public void Reading_as_another_log_number_finds_no_records() => WithSeed(random =>
    {
        var (fs, path, _, _, _) = SyncedLog(random, 6, logNumber: 4);
        var (read, result) = ReadAll(fs, path, 5);
        Assert.Empty(read);
        Assert.Equal(new WalReadResult(0, false, 0), result);
    });

    [Fact]
    public void Reading_a_missing_file_is_an_io_error()
    {
        var fs = NewFs();
        Assert.Equal(StorageError.IoError,
            Assert.Throws<StorageException>(() => WalReader.Read(fs, "/wal/wal-00000001.log", 1, (_, _) => { })).Error);
    }

    private static void Flip(MemoryFileSystem fs, string path, long offset, byte mask)
    {
        byte b = fs.ReadAll(path)[offset];
        fs.Poke(path, offset, [(byte)(b ^ mask)]);
    }
}
