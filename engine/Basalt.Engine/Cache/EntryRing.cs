using System.Runtime.CompilerServices;

namespace Basalt.Engine.Cache;

// One FIFO queue of a stripe (S3-FIFO's small or main queue) as a ring of entries (CacheEntryFormat) in native
// memory that the stripe owns: new entries are written at Head, the oldest sits at Tail, and Used bytes lie between
// them. The stripe mutates it under its lock; readers on any thread read through it without the lock (the stripe's
// sequence number tells them afterwards whether what they read was stable), so every read method stays inside the
// ring for any offset below Capacity and any length up to Capacity, however torn the values that led to them.
// Offsets are below Capacity; a length may wrap around the end once.
internal sealed unsafe class EntryRing(byte* memory, long capacity)
{
    public readonly long Capacity = capacity;
    private readonly byte* _memory = memory;
    public long Head;
    public long Tail;
    public long Used;

    public long Free => Capacity - Used;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Wrap(long offset) => offset >= Capacity ? offset - Capacity : offset;

    // The first 8 bytes of an entry (never wrapped: see CacheEntryFormat), for in-place state changes.
    public byte* At(long offset) => _memory + offset;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReadHeader(long offset, out CacheEntryHeader header)
    {
        if (offset + CacheEntryHeader.HeaderBytes <= Capacity) header = Unsafe.ReadUnaligned<CacheEntryHeader>(_memory + offset);
        else
        {
            header = default;
            Read(offset, new Span<byte>(Unsafe.AsPointer(ref header), CacheEntryHeader.HeaderBytes));
        }
    }

    public void Read(long offset, Span<byte> destination)
    {
        long first = Math.Min(destination.Length, Capacity - offset);
        new ReadOnlySpan<byte>(_memory + offset, (int)first).CopyTo(destination);
        if (first < destination.Length) new ReadOnlySpan<byte>(_memory, destination.Length - (int)first).CopyTo(destination[(int)first..]);
    }

    public void Write(long offset, ReadOnlySpan<byte> source)
    {
        long first = Math.Min(source.Length, Capacity - offset);
        source[..(int)first].CopyTo(new Span<byte>(_memory + offset, (int)first));
        if (first < source.Length) source[(int)first..].CopyTo(new Span<byte>(_memory, source.Length - (int)first));
    }

    public bool Equals(long offset, ReadOnlySpan<byte> bytes)
    {
        long first = Math.Min(bytes.Length, Capacity - offset);
        return bytes[..(int)first].SequenceEqual(new ReadOnlySpan<byte>(_memory + offset, (int)first))
            && (first == bytes.Length || bytes[(int)first..].SequenceEqual(new ReadOnlySpan<byte>(_memory, bytes.Length - (int)first)));
    }

    // Takes length bytes at Head (the caller made room), returning their offset.
    public long Append(long length)
    {
        CacheAssert.That(length <= Free && (length & 7) == 0, "an append fits the free space");
        long offset = Head;
        Head = Wrap(Head + length);
        Used += length;
        return offset;
    }

    public void DropTail(long length)
    {
        CacheAssert.That(length <= Used && (length & 7) == 0, "the tail drops a whole entry");
        Tail = Wrap(Tail + length);
        Used -= length;
    }

    public void Reset()
    {
        Head = Tail = Used = 0;
    }

    // Copies length bytes forward, in pieces that wrap neither ring, each a memmove. Correct for two rings, and
    // within one ring when the destination lies before the source in ring order (a main-queue entry moved from the
    // tail to the head: the head is Free bytes behind the tail), since a forward copy then only overwrites source
    // bytes it has already copied.
    public static void Copy(EntryRing from, long fromOffset, EntryRing to, long toOffset, long length)
    {
        while (length > 0)
        {
            long piece = Math.Min(length, Math.Min(from.Capacity - fromOffset, to.Capacity - toOffset));
            Buffer.MemoryCopy(from._memory + fromOffset, to._memory + toOffset, piece, piece);
            fromOffset = from.Wrap(fromOffset + piece);
            toOffset = to.Wrap(toOffset + piece);
            length -= piece;
        }
    }
}
