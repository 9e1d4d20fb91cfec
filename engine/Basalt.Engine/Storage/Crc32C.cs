using System.Buffers.Binary;
using System.Numerics;

namespace Basalt.Engine.Storage;

// CRC-32C (Castagnoli), hardware-accelerated through BitOperations.Crc32C (SSE4.2 / ARMv8 CRC).
// Standard parameters: initial value ~0, final complement; Compute("123456789") == 0xE3069283.
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(~0u, data);

    // Continues a CRC returned by Compute or Append over more bytes.
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => ~Update(~crc, data);

    private static uint Update(uint state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        if (data.Length >= 4)
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt32LittleEndian(data));
            data = data[4..];
        }
        foreach (byte b in data) state = BitOperations.Crc32C(state, b);
        return state;
    }
}
