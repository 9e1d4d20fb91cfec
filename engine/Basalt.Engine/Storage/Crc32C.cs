using System.Buffers.Binary;
using System.Numerics;

namespace Basalt.Engine.Storage;

// CRC-32C (Castagnoli), the checksum of every record and block on disk. Standard parameters: initial value
// ~0, final complement, so Compute("123456789") == 0xE3069283. BitOperations.Crc32C uses the SSE4.2 / ARMv8
// instruction when present; the loop feeds it 8 bytes at a time, then the tail.
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    // Extends a finished CRC (as returned by Compute) with more bytes: Append(Compute(a), b) == Compute(a + b).
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint c = ~crc;
        while (data.Length >= 8)
        {
            c = BitOperations.Crc32C(c, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        if (data.Length >= 4)
        {
            c = BitOperations.Crc32C(c, BinaryPrimitives.ReadUInt32LittleEndian(data));
            data = data[4..];
        }
        foreach (byte b in data) c = BitOperations.Crc32C(c, b);
        return ~c;
    }
}
