using System.Buffers.Binary;
using System.Globalization;

namespace Basalt.Engine.Storage.Wal;

// The write-ahead log format (version 1). This header is the spec; docs/wal-format.md carries the same text plus
// the rationale.
//
// A shard's log is a sequence of files `wal-{logNumber:D8}.log` (at least 8 decimal digits, more once log numbers
// pass 99,999,999: order logs by the parsed number, not by name). Each file holds records laid end to end from
// offset 0, with no block structure and no padding between records:
//
//   Record := [crc32c: u32 LE][length: u32 LE][logNumber: u32 LE][kind: u8][seq: u64 LE][payload: length bytes]
//   offset     0               4               8                  12         13           21
//
// - crc32c covers logNumber, kind, seq and payload, i.e. bytes [8, 21 + length) of the record, which are
//   contiguous. CRC-32C (Castagnoli) with the standard parameters (Basalt.Engine.Storage.Crc32C).
// - length is the payload's byte count, 0 to Limits.WriteBatchBytesMax (an empty payload is a valid record: its
//   kind is never 0, so its header is never all zero). length is not under the CRC, but a wrong length makes the
//   CRC run over the wrong bytes, so the record fails the check all the same.
// - logNumber is the number of the log the record was written to. Files are recycled (an obsolete log is renamed
//   to the new log's name and overwritten in place, its old records left behind the new ones); a record whose
//   logNumber is not the file's belongs to the previous life and ends the log.
// - kind is a persisted enum (WalRecordKind): 1 = Batch, an engine-encoded write batch. 0 is never a valid kind,
//   so zero-filled bytes never form a record.
// - seq is the engine's sequence number of the batch's first write; the WAL carries it, never interprets it.
//
// Files are pre-allocated: created at a fixed size (zero-filled) and extended by that size again when a log
// outgrows it. After each flush the writer also writes one all-zero header right after its last record (the end
// marker), which the next flush overwrites; so the end of the data is always marked by a zero header, even in a
// recycled file whose old bytes follow.
//
// Reading log N from offset 0, at each offset:
//   1. a record with a good CRC and logNumber N           -> a record; continue after it
//      (a good CRC, logNumber N and an unknown kind is an error: a newer format, or a bug; never skipped)
//   2. a record with a good CRC and another logNumber     -> end of data (the file's previous life)
//   3. 21 zero bytes (zero fill, the end marker)          -> end of data
//   4. fewer than 21 bytes left, all zero                 -> end of data
//   5. anything else (bad CRC, length past the file or above the maximum, a partial header that is not all zero,
//      a zero length with other bytes set: one flipped bit must not be able to end a log quietly)
//      is a bad record. Scan forward byte by byte to the end of the file for a record as in rule 1 (a good CRC
//      and logNumber N).
//      None found: a torn tail (the write in flight at a crash); the log ends at the bad record.
//      One found:  corruption in the middle of the log; reading fails, reporting the bad record's offset.
// Readers never skip a bad record and never guess past it.
internal static class WalFormat
{
    public const int CrcOffset = 0;
    public const int LengthOffset = 4;
    public const int LogNumberOffset = 8;
    public const int KindOffset = 12;
    public const int SeqOffset = 13;
    public const int HeaderBytes = 21;

    // The CRC starts at logNumber and runs to the end of the payload.
    public const int CrcStart = LogNumberOffset;

    public const int PayloadBytesMax = Limits.WriteBatchBytesMax;
    public const int RecordBytesMax = HeaderBytes + PayloadBytesMax;

    private const string FilePrefix = "wal-";
    private const string FileSuffix = ".log";

    public static string FileName(uint logNumber) =>
        FilePrefix + logNumber.ToString("D8", CultureInfo.InvariantCulture) + FileSuffix;

    // Recognises `wal-{digits}.log` (at least 8 digits), the names FileName makes.
    public static bool TryParseFileName(string name, out uint logNumber)
    {
        logNumber = 0;
        if (!name.StartsWith(FilePrefix, StringComparison.Ordinal) || !name.EndsWith(FileSuffix, StringComparison.Ordinal))
            return false;
        var digits = name.AsSpan(FilePrefix.Length, name.Length - FilePrefix.Length - FileSuffix.Length);
        if (digits.Length < 8) return false;
        foreach (char c in digits)
            if (c is < '0' or > '9') return false;
        return uint.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out logNumber);
    }

    // Fills in the header of a record whose payload is already in place at record[HeaderBytes..], CRC last.
    public static void WriteHeader(Span<byte> record, uint logNumber, WalRecordKind kind, ulong seq)
    {
        int payloadBytes = record.Length - HeaderBytes;
        BinaryPrimitives.WriteUInt32LittleEndian(record[LengthOffset..], (uint)payloadBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(record[LogNumberOffset..], logNumber);
        record[KindOffset] = (byte)kind;
        BinaryPrimitives.WriteUInt64LittleEndian(record[SeqOffset..], seq);
        BinaryPrimitives.WriteUInt32LittleEndian(record[CrcOffset..], Crc32C.Compute(record[CrcStart..]));
    }

    public static uint ReadLength(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt32LittleEndian(header[LengthOffset..]);
    public static uint ReadLogNumber(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt32LittleEndian(header[LogNumberOffset..]);
    public static ulong ReadSeq(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt64LittleEndian(header[SeqOffset..]);

    // True when the stored CRC matches the record's bytes. `record` is exactly one record (header + payload).
    public static bool CrcMatches(ReadOnlySpan<byte> record) =>
        BinaryPrimitives.ReadUInt32LittleEndian(record) == Crc32C.Compute(record[CrcStart..]);
}

// Persisted in every WAL record: explicit values, never reorder, never reuse a value. 0 is reserved (zero fill).
internal enum WalRecordKind : byte
{
    Batch = 1,
}
