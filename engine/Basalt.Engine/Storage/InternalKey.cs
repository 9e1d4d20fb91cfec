using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Basalt.Engine.Storage;

// What an entry records about its key. Persisted in the WAL, memtable and segments: explicit values,
// never reorder.
public enum EntryKind : byte
{
    Delete = 0,
    Put = 1,
}

// The internal key, shared by the memtable and segments:
//   InternalKey := [user key: n bytes][trailer: u64 LE]   trailer = (seq << 8) | kind
// Order: user key bytewise ascending, then trailer descending, so the newest version of a key comes
// first. A point read for (key, snapshot seq) seeks to (key, Trailer(seq, KindSeek)): the first entry at
// or after it with the same user key is the newest version visible at that snapshot.
// Sequence numbers are per shard and use the low 56 bits; 0 is never assigned to a write.
public static class InternalKey
{
    public const int TrailerBytes = 8;
    public const ulong SeqMax = (1UL << 56) - 1;
    // The largest kind value: seeking with it lands before every entry of that seq.
    public const byte KindSeek = 0xFF;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Trailer(ulong seq, EntryKind kind) => (seq << 8) | (byte)kind;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SeekTrailer(ulong seq) => (seq << 8) | KindSeek;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SeqOf(ulong trailer) => trailer >> 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static EntryKind KindOf(ulong trailer) => (EntryKind)(byte)trailer;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> UserKey(ReadOnlySpan<byte> internalKey) =>
        internalKey[..^TrailerBytes];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong TrailerOf(ReadOnlySpan<byte> internalKey) =>
        BinaryPrimitives.ReadUInt64LittleEndian(internalKey[^TrailerBytes..]);

    public static void Write(Span<byte> destination, ReadOnlySpan<byte> userKey, ulong trailer)
    {
        userKey.CopyTo(destination);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[userKey.Length..], trailer);
    }

    public static byte[] Make(ReadOnlySpan<byte> userKey, ulong trailer)
    {
        var key = new byte[userKey.Length + TrailerBytes];
        Write(key, userKey, trailer);
        return key;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Compare(ReadOnlySpan<byte> userKeyA, ulong trailerA, ReadOnlySpan<byte> userKeyB, ulong trailerB)
    {
        int c = userKeyA.SequenceCompareTo(userKeyB);
        if (c != 0) return c;
        // Descending trailer: the newer (larger) trailer sorts first.
        return trailerB.CompareTo(trailerA);
    }

    // Compares two full internal keys.
    public static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        Compare(UserKey(a), TrailerOf(a), UserKey(b), TrailerOf(b));
}
