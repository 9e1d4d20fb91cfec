using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Basalt.Engine.Storage.Segments;

// Reading one decompressed data block (layout in SegmentFormat): restart-point binary search and entry
// decoding, shared by Segment.TryGet and SegmentIterator. Stateless; callers own the key buffer into which
// prefix-compressed keys are rebuilt. Validate runs once when a block is loaded from the file, so the
// decoding functions may trust the block's structure (spans still bounds-check, so a bug throws instead of
// reading outside the block).
internal static class DataBlock
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RestartCount(ReadOnlySpan<byte> block) =>
        (int)BinaryPrimitives.ReadUInt32LittleEndian(block[^4..]);

    // Offset where the restart array begins: the end of the entries.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int EntriesEnd(ReadOnlySpan<byte> block) => block.Length - 4 - 4 * RestartCount(block);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int RestartOffset(ReadOnlySpan<byte> block, int entriesEnd, int restart) =>
        (int)BinaryPrimitives.ReadUInt32LittleEndian(block[(entriesEnd + 4 * restart)..]);

    // Decodes the entry at offset into keyBuffer (whose first `shared` bytes hold the previous key) and
    // returns the offset of the next entry.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int DecodeEntry(ReadOnlySpan<byte> block, int offset, Span<byte> keyBuffer, out int keyLength, out int valueOffset, out int valueLength)
    {
        int p = offset;
        if (!SegmentFormat.TryReadVarint32(block, ref p, out uint shared)
            | !SegmentFormat.TryReadVarint32(block, ref p, out uint unshared)
            | !SegmentFormat.TryReadVarint32(block, ref p, out uint vlen))
            ThrowMalformed();
        block.Slice(p, (int)unshared).CopyTo(keyBuffer[(int)shared..]);
        keyLength = (int)(shared + unshared);
        valueOffset = p + (int)unshared;
        valueLength = (int)vlen;
        return valueOffset + valueLength;
    }

    // The index of the last restart point whose key is < (userKey, trailer), or 0 when none is: the scan
    // for the first entry >= target starts there.
    public static int SeekRestart(ReadOnlySpan<byte> block, int entriesEnd, int restarts, ReadOnlySpan<byte> userKey, ulong trailer)
    {
        int lo = 0, hi = restarts - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >>> 1;
            int p = RestartOffset(block, entriesEnd, mid);
            // A restart entry stores its key whole (shared = 0), so it is compared in place.
            if (!SegmentFormat.TryReadVarint32(block, ref p, out _)
                | !SegmentFormat.TryReadVarint32(block, ref p, out uint unshared)
                | !SegmentFormat.TryReadVarint32(block, ref p, out _))
                ThrowMalformed();
            var key = block.Slice(p, (int)unshared);
            if (InternalKey.Compare(InternalKey.UserKey(key), InternalKey.TrailerOf(key), userKey, trailer) < 0) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    // Checks the structure of a block just loaded from the file: restart array in range and pointing at
    // entries with shared = 0, every entry's lengths inside the block, keys at least a trailer long and at
    // most InternalKeyBytesMax. Returns false on any violation (the caller reports Corrupt).
    public static bool Validate(ReadOnlySpan<byte> block)
    {
        if (block.Length < 4) return false;
        uint restarts = BinaryPrimitives.ReadUInt32LittleEndian(block[^4..]);
        if (restarts == 0 || restarts > (uint)(block.Length - 4) / 4) return false;
        int end = block.Length - 4 - 4 * (int)restarts;
        if (end <= 0) return false;
        int p = 0, previousKeyLength = 0, nextRestart = 0;
        while (p < end)
        {
            bool atRestart = nextRestart < restarts && RestartOffset(block, end, nextRestart) == p;
            if (nextRestart < restarts && RestartOffset(block, end, nextRestart) < p) return false;
            if (!SegmentFormat.TryReadVarint32(block[..end], ref p, out uint shared)
                || !SegmentFormat.TryReadVarint32(block[..end], ref p, out uint unshared)
                || !SegmentFormat.TryReadVarint32(block[..end], ref p, out uint vlen))
                return false;
            if (atRestart ? shared != 0 : shared > (uint)previousKeyLength) return false;
            if (nextRestart == 0 && !atRestart) return false; // the first entry is a restart point
            ulong keyLength = (ulong)shared + unshared;
            if (keyLength < InternalKey.TrailerBytes || keyLength > SegmentFormat.InternalKeyBytesMax) return false;
            if ((ulong)p + unshared + vlen > (ulong)end) return false;
            p += (int)(unshared + vlen);
            previousKeyLength = (int)keyLength;
            if (atRestart) nextRestart++;
        }
        return p == end && nextRestart == restarts;
    }

    private static void ThrowMalformed() =>
        throw new InvalidOperationException("a validated data block failed to decode (a bug: the block was checked when loaded)");
}
