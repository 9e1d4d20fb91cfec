using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Basalt.Engine.Storage.Segments;

// The segment file format, version 1. This header is the spec; docs/segment-format.md is a copy with the
// rationale. All integers are little-endian; "varint" is LevelDB's base-128 varint (7 bits per byte, low
// group first, high bit = more), at most 5 bytes for a u32 and 10 for a u64.
//
//   Segment := [data block]* [index block] [bloom block] [properties block] [footer]
//
// Every block (data and meta) is framed the same way:
//   Block       := [header: 16 bytes][stored bytes: stored length]
//   BlockHeader := [kind: u8][reserved: 3 bytes, zero][raw length: u32][stored length: u32][crc32c: u32]
// kind is BlockKind: Raw (stored bytes are the raw bytes) or Lz4 (an LZ4 block, K4os LZ4Codec format, that
// decodes to exactly raw length bytes). The CRC32C covers header bytes 0..11 (kind, reserved, both lengths)
// followed by the stored bytes, so a flipped kind or length is caught like a flipped payload byte.
// The writer stores a data block raw unless LZ4 saves at least 1/8 of it (decompression is not free, and a
// block that barely compresses is not worth it). Meta blocks are always Raw in version 1.
//
// Data block (raw bytes), LevelDB's block layout:
//   DataBlock := [entry]* [restart offset: u32]* [restart count: u32]
//   Entry     := [shared: varint32][unshared: varint32][value length: varint32][unshared key bytes][value]
// The key of an entry is an internal key (InternalKey: user key + u64 trailer). Its first `shared` bytes
// equal the previous entry's key; every 16th entry (a restart point) has shared = 0 and stores its key in
// full, so a reader binary-searches the restart array and scans at most 16 entries. Restart offsets are
// offsets of entries within the block, ascending; the first is 0. A block holds at least one entry and its
// raw size is at most the writer's target (SegmentWriterOptions.BlockBytes) unless it holds a single entry.
//
// Index block (raw bytes), one entry per data block in file order:
//   Index      := [block count: u32] [IndexEntry]*
//   IndexEntry := [key length: varint32][last internal key of the block][block offset: varint64]
//                 [stored length: varint32][raw length: varint32]
// block offset is the file offset of the block's header. Blocks are contiguous from offset 0: block i+1
// starts where block i ends, and the last one ends where the index block starts. Keys strictly ascend.
//
// Bloom block (raw bytes), over the distinct user keys of the segment:
//   Bloom := [probes: u8][reserved: 3 bytes, zero][bit count: u32][bits: bit count / 8 bytes]
// bit count is a multiple of 64. Probe i of key k: h = XxHash3_64(k, seed 0), delta = rotr(h, 21) | 1,
// h_i = h + i * delta (mod 2^64), bit = high 64 bits of (h_i * bit count) (Lemire's fast range); bit b is
// byte b / 8, mask 1 << (b % 8). probes = 0 (or bit count = 0) means "no filter": every key may be present.
//
// Properties block (raw bytes):
//   Properties := [entry count: u64][min seq: u64][max seq: u64][raw data bytes: u64][stored data bytes: u64]
//                 [data block count: u32][smallest key length: u32][largest key length: u32]
//                 [smallest internal key][largest internal key]
// raw/stored data bytes sum the data blocks' raw and stored lengths (headers excluded). An empty segment
// has entry count 0, seqs 0, empty keys and no data blocks.
//
// Footer, the last 64 bytes of the file:
//   Footer := [index offset: u64][index length: u64][bloom offset: u64][bloom length: u64]
//             [properties offset: u64][properties length: u64][format version: u32][crc32c: u32][magic: u64]
// Lengths are of the framed block (header included). The CRC32C covers footer bytes 0..51 (everything before
// it); the magic is checked on its own first, so a truncated or foreign file is reported as such. The
// index, bloom and properties blocks follow each other in that order, directly before the footer.
//
// Versioning: format version is 1. A reader rejects a version it does not know with
// StorageError.IncompatibleDataFolder rather than guess; a new version may add block kinds or meta blocks.
//
// Verification: footer, index, bloom and properties are verified when the segment is opened (and then kept in
// memory: the index decoded, the bloom copied; nothing of them is read from the map again); a data block's
// CRC is verified each time it is read from the map (before it enters the block cache), and its entries are
// walked once then, so a block in the cache is known to be well-formed. Any mismatch is
// StorageException.Corrupt(what, file, offset of the bad block or field).
internal static class SegmentFormat
{
    public const uint FormatVersion = 1;

    // "BasaltSg" as bytes in file order.
    public const ulong Magic = 0x6753746C61736142UL;

    public const int BlockHeaderBytes = 16;
    public const int BlockCrcCoveredHeaderBytes = 12;
    public const int FooterBytes = 64;
    public const int FooterCrcCoveredBytes = 52;
    public const int RestartInterval = 16;
    public const int PropertiesFixedBytes = 52;
    public const int BloomHeaderBytes = 8;

    // The largest raw block a reader accepts: one entry with the largest key and value, plus framing. A
    // larger length in a header can only be corruption.
    public const int BlockRawBytesMax = Limits.ValueBytesMax + Limits.StoredKeyBytesMax + InternalKey.TrailerBytes + 64;

    // Writer options bounds. Below 128 bytes a block holds too few entries to mean anything; above 1 MiB
    // a point read decompresses too much to find one key.
    public const int BlockBytesMin = 128;
    public const int BlockBytesMax = 1 << 20;
    public const int BloomBitsPerKeyMax = 64;

    // Largest encoded internal key: a buffer this big reconstructs any key of a valid block.
    public const int InternalKeyBytesMax = Limits.StoredKeyBytesMax + InternalKey.TrailerBytes;

    public static void WriteBlockHeader(Span<byte> header, BlockKind kind, int rawLength, ReadOnlySpan<byte> stored)
    {
        header[0] = (byte)kind;
        header[1] = 0;
        header[2] = 0;
        header[3] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)rawLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)stored.Length);
        uint crc = Crc32C.Append(Crc32C.Compute(header[..BlockCrcCoveredHeaderBytes]), stored);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], crc);
    }

    public static uint BlockCrc(ReadOnlySpan<byte> header, ReadOnlySpan<byte> stored) =>
        Crc32C.Append(Crc32C.Compute(header[..BlockCrcCoveredHeaderBytes]), stored);

    // The same encoding as WriteVarint64: a u32 varint is a u64 varint of a smaller value.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteVarint32(Span<byte> destination, uint value) => WriteVarint64(destination, value);

    public static int WriteVarint64(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    public static int Varint32Length(uint value)
    {
        int n = 1;
        while (value >= 0x80) { value >>= 7; n++; }
        return n;
    }

    // Reads a varint32 at pos and advances pos. Returns false when it runs past the span or exceeds 5 bytes:
    // callers turn that into Corrupt with their own file and offset.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryReadVarint32(ReadOnlySpan<byte> source, ref int pos, out uint value)
    {
        // Fast path: one byte (small lengths, the common case for shared/unshared/value length of small items).
        if ((uint)pos < (uint)source.Length && source[pos] < 0x80)
        {
            value = source[pos++];
            return true;
        }
        value = 0;
        for (int shift = 0; shift <= 28; shift += 7)
        {
            if ((uint)pos >= (uint)source.Length) return false;
            uint b = source[pos++];
            value |= (b & 0x7F) << shift;
            if (b < 0x80) return true;
        }
        return false;
    }

    public static bool TryReadVarint64(ReadOnlySpan<byte> source, ref int pos, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift <= 63; shift += 7)
        {
            if ((uint)pos >= (uint)source.Length) return false;
            ulong b = source[pos++];
            value |= (b & 0x7F) << shift;
            if (b < 0x80) return true;
        }
        return false;
    }
}

// How a block's stored bytes relate to its raw bytes. Persisted in every block header: explicit values,
// never reorder.
public enum BlockKind : byte
{
    Raw = 0,
    Lz4 = 1,
}
