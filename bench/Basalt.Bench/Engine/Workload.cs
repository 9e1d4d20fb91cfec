using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Basalt.Bench.Engine;

// The data every target sees: key i and its value are pure functions of (seed, i), so two targets, two runs, and the
// verifying reader all agree without storing expected values.
// - Keys: all --keys keys are generated once into one shared read-only table (keys x keyBytes bytes), so the measured
//   loop only slices it. The first 8 bytes are Mix(seed ^ i), a bijection on u64, so distinct indexes give distinct
//   keys by construction (a hash such as XxHash3 would only make collisions unlikely); the remaining bytes extend the
//   stream with Mix(seed + i * K + chunk).
// - Values: valueBytes pseudo-random bytes from a SplitMix64 stream seeded by (seed, i), written into a caller's
//   buffer. They are incompressible, so neither engine gains from LZ4; the report says so.
// - Random indexes: each benchmark thread has its own SplitMix64 generator seeded by (seed, case, thread), so the
//   same case replays the same index sequence for both targets.
// Owned by EngineBench; immutable after construction and shared by all benchmark threads.
public sealed class Workload
{
    public const int KeyBytesMin = 8;
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    // Separates the value stream of index i from its key stream, which starts from a related state.
    private const ulong ValueStream = 0x5EED0F7A1E5UL;

    private readonly byte[] _keyTable;

    public Workload(long keyCount, int keyBytes, int valueBytes, ulong seed)
    {
        if (keyCount < 1) throw new ArgumentOutOfRangeException(nameof(keyCount), "need at least one key");
        if (keyBytes < KeyBytesMin) throw new ArgumentOutOfRangeException(nameof(keyBytes), $"keys need at least {KeyBytesMin} bytes to be distinct by construction");
        if (valueBytes < 0) throw new ArgumentOutOfRangeException(nameof(valueBytes));
        if (keyCount * keyBytes > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(keyCount), $"the key table ({keyCount} x {keyBytes} bytes) exceeds one array");
        KeyCount = keyCount;
        KeyBytes = keyBytes;
        ValueBytes = valueBytes;
        Seed = seed;
        _keyTable = GC.AllocateUninitializedArray<byte>(checked((int)(keyCount * keyBytes)));
        for (long i = 0; i < keyCount; i++) WriteKey(i, _keyTable.AsSpan((int)(i * keyBytes), keyBytes));
    }

    public long KeyCount { get; }
    public int KeyBytes { get; }
    public int ValueBytes { get; }
    public ulong Seed { get; }

    public ReadOnlyMemory<byte> Key(long index) => _keyTable.AsMemory((int)(index * KeyBytes), KeyBytes);

    public void WriteValue(long index, Span<byte> destination)
    {
        ulong state = Mix(Seed ^ ((ulong)index * Golden) ^ ValueStream);
        Span<byte> value = destination[..ValueBytes];
        int i = 0;
        for (; i + 8 <= value.Length; i += 8) BinaryPrimitives.WriteUInt64LittleEndian(value[i..], Next(ref state));
        if (i < value.Length)
        {
            Span<byte> tail = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(tail, Next(ref state));
            tail[..(value.Length - i)].CopyTo(value[i..]);
        }
    }

    // A thread's generator for case number caseIndex; distinct threads and cases get unrelated sequences.
    public IndexGenerator Indexes(int caseIndex, int thread) =>
        new(KeyCount, Mix(Mix(Seed ^ ((ulong)caseIndex * Golden)) + (ulong)thread + 1));

    private void WriteKey(long index, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, Mix(Seed ^ (ulong)index));
        ulong state = Seed + (ulong)index * Golden;
        int i = 8;
        for (; i + 8 <= destination.Length; i += 8) BinaryPrimitives.WriteUInt64BigEndian(destination[i..], Next(ref state));
        if (i < destination.Length)
        {
            Span<byte> tail = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(tail, Next(ref state));
            tail[..(destination.Length - i)].CopyTo(destination[i..]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Next(ref ulong state)
    {
        state += Golden;
        return Mix(state);
    }

    // SplitMix64's finalizer: a bijection on u64 with good avalanche.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

// Uniform random key indexes in [0, keyCount). A struct owned by one benchmark thread.
public struct IndexGenerator(long keyCount, ulong state)
{
    private ulong _state = state;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Next()
    {
        // Lemire's multiply-shift: unbiased enough for a benchmark (bias < keyCount / 2^64) and no division.
        ulong r = Workload.Next(ref _state);
        return (long)Math.BigMul(r, (ulong)keyCount, out _);
    }
}
