using System.Buffers.Binary;

namespace Basalt.Engine.Storage;

// The encoding of an atomic write batch. It is also the payload of a WAL Batch record, byte for byte, so a
// batch goes from the caller to the log with one copy and no re-encoding.
//   Batch := [count: u32 LE][entry]*count
//   Entry := [kind: u8][key length: u16 LE][value length: u32 LE][key: StoredKey bytes][value bytes]
// A Delete entry has value length 0. Keys are StoredKeys (vpartition, routing, rest). The sequence number of
// entry i is the record's seq + i (the WAL record carries the first one).
// Persisted (in the WAL): never change it without a format version in the WAL.
public static class WriteBatchFormat
{
    public const int HeaderBytes = 4;
    public const int EntryHeaderBytes = 7;

    public static int Count(ReadOnlySpan<byte> batch) => (int)BinaryPrimitives.ReadUInt32LittleEndian(batch);

    public static int EntryBytes(int routingBytes, int restBytes, int valueBytes) =>
        EntryHeaderBytes + StoredKey.Length(routingBytes, restBytes) + valueBytes;

    // Encodes one entry, building its StoredKey in place. Returns the bytes written (EntryBytes).
    public static int WriteEntry(Span<byte> destination, EntryKind kind, int vpartition,
        ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> value)
    {
        int keyBytes = StoredKey.Length(routing.Length, rest.Length);
        destination[0] = (byte)kind;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[1..], (ushort)keyBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[3..], (uint)value.Length);
        StoredKey.Write(destination[EntryHeaderBytes..], vpartition, routing, rest);
        value.CopyTo(destination[(EntryHeaderBytes + keyBytes)..]);
        return EntryHeaderBytes + keyBytes + value.Length;
    }

    // Walks the entries of a batch, validating every length against the batch's bounds: a WAL payload that
    // passed its CRC but does not parse is corruption, reported by the caller with file and offset.
    public ref struct Reader
    {
        private ReadOnlySpan<byte> _rest;
        private int _remaining;

        public Reader(ReadOnlySpan<byte> batch)
        {
            if (batch.Length < HeaderBytes) throw new FormatException("write batch shorter than its header");
            _remaining = Count(batch);
            _rest = batch[HeaderBytes..];
        }

        public int Remaining => _remaining;

        public bool TryRead(out EntryKind kind, out ReadOnlySpan<byte> storedKey, out ReadOnlySpan<byte> value)
        {
            if (_remaining == 0)
            {
                if (!_rest.IsEmpty) throw new FormatException("write batch has bytes after its last entry");
                kind = default; storedKey = default; value = default;
                return false;
            }
            if (_rest.Length < EntryHeaderBytes) throw new FormatException("write batch entry header truncated");
            kind = (EntryKind)_rest[0];
            if (kind is not (EntryKind.Put or EntryKind.Delete)) throw new FormatException($"write batch entry of unknown kind {(byte)kind}");
            int keyBytes = BinaryPrimitives.ReadUInt16LittleEndian(_rest[1..]);
            uint valueBytes = BinaryPrimitives.ReadUInt32LittleEndian(_rest[3..]);
            if (keyBytes < StoredKey.HeaderBytes || valueBytes > Limits.ValueBytesMax
                || (long)EntryHeaderBytes + keyBytes + valueBytes > _rest.Length
                || (kind == EntryKind.Delete && valueBytes != 0))
                throw new FormatException("write batch entry lengths out of bounds");
            storedKey = _rest.Slice(EntryHeaderBytes, keyBytes);
            value = _rest.Slice(EntryHeaderBytes + keyBytes, (int)valueBytes);
            _rest = _rest[(EntryHeaderBytes + keyBytes + (int)valueBytes)..];
            _remaining--;
            return true;
        }
    }
}
