using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Basalt.Engine.Storage;

// CRC-32C (Castagnoli), the checksum of every record Basalt writes. Standard parameters: initial value ~0,
// reflected, final complement, so Compute("123456789") == 0xE3069283. BitOperations.Crc32C uses the SSE4.2 /
// ARMv8 instruction when present and a table otherwise.
// Append follows zlib's crc32(crc, buf) convention: it continues a finished CRC, so
// Append(Compute(a), b) == Compute(a ++ b) and Compute(x) == Append(0, x).
// Stateless and thread-safe. Allocates nothing.
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        ref byte p = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint i = 0;
        // One 8-byte step per instruction: the crc32 instruction has a 3-cycle latency, so this runs near
        // 8 bytes / 3 cycles. Interleaving three streams and combining them would triple that; not needed
        // while WAL records are a few hundred bytes (revisit if a benchmark shows checksums on top).
        for (; i + 8 <= length; i += 8)
            c = BitOperations.Crc32C(c, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
        if (i + 4 <= length)
        {
            c = BitOperations.Crc32C(c, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, i)));
            i += 4;
        }
        for (; i < length; i++)
            c = BitOperations.Crc32C(c, Unsafe.Add(ref p, i));
        return ~c;
    }
}
