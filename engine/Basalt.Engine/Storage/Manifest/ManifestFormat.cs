using System.Buffers.Binary;
using System.Text;

namespace Basalt.Engine.Storage.Manifest;

// The manifest of one shard: the set of live segments and the WAL replay point. It is small (tens of
// segments), so every change writes the whole state to `MANIFEST.tmp`, fsyncs it, renames it over `MANIFEST`
// and fsyncs the directory: rename(2) makes the switch atomic, and a crash leaves either the old or the new
// state, never a mix. (An edit log like LevelDB's would save rewriting a few KiB per flush; at one update per
// 64 MiB flushed the rewrite costs nothing measurable, and recovery stays a single read.)
//
// Byte layout, little-endian:
//   File   := [magic: u32 = 0x464D5342 "BSMF"][format version: u32 = 1][body length: u32][crc32c: u32][body]
//   The CRC covers the body only; header fields are checked by value.
//   Body   := [shard index: u32][shard count: u32][next file number: u64][log replay number: u64]
//             [last seq: u64][segment count: u32][Segment]*
//   Segment:= [id: u64][tier: u32][file bytes: u64][entry count: u64][min seq: u64][max seq: u64]
//             [smallest key length: u32][smallest internal key][largest key length: u32][largest internal key]
// Segments are listed newest first (by seq range): point reads probe them in this order.
// Versioning: readers reject any other magic or version with Corruption/IncompatibleDataFolder.
public static class ManifestFormat
{
    public const uint Magic = 0x464D5342;
    public const uint Version = 1;
    public const int HeaderBytes = 16;
    public const string FileName = "MANIFEST";
    public const string TempFileName = "MANIFEST.tmp";
}

public sealed record SegmentEntry(ulong Id, int Tier, long FileBytes, long EntryCount, ulong MinSeq, ulong MaxSeq, byte[] SmallestKey, byte[] LargestKey);

// One shard's durable state. Immutable: every change makes a new one.
public sealed record ManifestState(int ShardIndex, int ShardCount, ulong NextFileNumber, ulong LogReplayNumber, ulong LastSeq, IReadOnlyList<SegmentEntry> Segments)
{
    public byte[] Encode()
    {
        using var body = new MemoryStream();
        var b = new byte[8];
        void U32(uint v) { BinaryPrimitives.WriteUInt32LittleEndian(b, v); body.Write(b, 0, 4); }
        void U64(ulong v) { BinaryPrimitives.WriteUInt64LittleEndian(b, v); body.Write(b); }
        U32((uint)ShardIndex); U32((uint)ShardCount); U64(NextFileNumber); U64(LogReplayNumber); U64(LastSeq);
        U32((uint)Segments.Count);
        foreach (var s in Segments)
        {
            U64(s.Id); U32((uint)s.Tier); U64((ulong)s.FileBytes); U64((ulong)s.EntryCount); U64(s.MinSeq); U64(s.MaxSeq);
            U32((uint)s.SmallestKey.Length); body.Write(s.SmallestKey);
            U32((uint)s.LargestKey.Length); body.Write(s.LargestKey);
        }
        byte[] bodyBytes = body.ToArray();
        var file = new byte[ManifestFormat.HeaderBytes + bodyBytes.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(file, ManifestFormat.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), ManifestFormat.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), (uint)bodyBytes.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(12), Crc32C.Compute(bodyBytes));
        bodyBytes.CopyTo(file, ManifestFormat.HeaderBytes);
        return file;
    }

    // Decodes and validates; every failure names the file and the offset of the bad field.
    public static ManifestState Decode(ReadOnlySpan<byte> file, string path)
    {
        if (file.Length < ManifestFormat.HeaderBytes) throw StorageException.Corrupt("manifest shorter than its header", path, 0);
        if (BinaryPrimitives.ReadUInt32LittleEndian(file) != ManifestFormat.Magic) throw StorageException.Corrupt("manifest has a bad magic number", path, 0);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(file[4..]);
        if (version != ManifestFormat.Version)
            throw new StorageException(StorageError.IncompatibleDataFolder, $"manifest format version {version} is not supported (expected {ManifestFormat.Version})", path, 4);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(file[8..]);
        if (length != file.Length - ManifestFormat.HeaderBytes) throw StorageException.Corrupt($"manifest body length {length} does not match the file", path, 8);
        var body = file[ManifestFormat.HeaderBytes..];
        if (Crc32C.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(file[12..])) throw StorageException.Corrupt("manifest checksum mismatch", path, 12);

        var c = new Cursor(body, path);
        int shard = (int)c.U32(), shards = (int)c.U32();
        ulong nextFile = c.U64(), replay = c.U64(), lastSeq = c.U64();
        uint count = c.U32();
        if (count > 100_000) throw StorageException.Corrupt("manifest segment count out of bounds", path, ManifestFormat.HeaderBytes + c.Pos - 4);
        var segments = new List<SegmentEntry>((int)count);
        for (int i = 0; i < count; i++)
        {
            ulong id = c.U64(); int tier = (int)c.U32(); long bytes = (long)c.U64(); long entries = (long)c.U64(); ulong minSeq = c.U64(), maxSeq = c.U64();
            byte[] smallest = c.Bytes(), largest = c.Bytes();
            segments.Add(new SegmentEntry(id, tier, bytes, entries, minSeq, maxSeq, smallest, largest));
        }
        int pos = c.Pos;
        if (pos != body.Length) throw StorageException.Corrupt("manifest has bytes after its last segment", path, ManifestFormat.HeaderBytes + pos);
        return new ManifestState(shard, shards, nextFile, replay, lastSeq, segments);
    }

    private ref struct Cursor(ReadOnlySpan<byte> body, string path)
    {
        private readonly ReadOnlySpan<byte> _body = body;
        public int Pos;

        private void Need(int n)
        {
            if (Pos + n > _body.Length) throw StorageException.Corrupt("manifest truncated", path, ManifestFormat.HeaderBytes + Pos);
        }

        public uint U32() { Need(4); uint v = BinaryPrimitives.ReadUInt32LittleEndian(_body[Pos..]); Pos += 4; return v; }
        public ulong U64() { Need(8); ulong v = BinaryPrimitives.ReadUInt64LittleEndian(_body[Pos..]); Pos += 8; return v; }

        public byte[] Bytes()
        {
            uint n = U32();
            if (n > Limits.StoredKeyBytesMax + 64 || Pos + n > _body.Length)
                throw StorageException.Corrupt("manifest key length out of bounds", path, ManifestFormat.HeaderBytes + Pos - 4);
            var r = _body.Slice(Pos, (int)n).ToArray();
            Pos += (int)n;
            return r;
        }
    }

    public override string ToString()
    {
        var sb = new StringBuilder($"shard {ShardIndex}/{ShardCount} next file {NextFileNumber} replay {LogReplayNumber} last seq {LastSeq}:");
        foreach (var s in Segments) sb.Append($" [{s.Id} t{s.Tier} {s.FileBytes}B seq {s.MinSeq}-{s.MaxSeq}]");
        return sb.ToString();
    }
}
