using System.Text;
using Basalt.Engine.Storage;

namespace Basalt.Tests.Storage;

public class Crc32CTests
{
    [Fact]
    public void Check_value_is_the_standard_one() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));

    [Fact]
    public void Empty_input_gives_zero() => Assert.Equal(0u, Crc32C.Compute([]));

    [Fact]
    public void Append_continues_a_finished_crc_at_every_split_point()
    {
        var data = Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog, 0123456789.");
        uint whole = Crc32C.Compute(data);
        for (int split = 0; split <= data.Length; split++)
            Assert.Equal(whole, Crc32C.Append(Crc32C.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
    }

    [Fact]
    public void Matches_a_bitwise_reference_for_every_length_up_to_64()
    {
        var data = new byte[64];
        new Random(7).NextBytes(data);
        for (int n = 0; n <= data.Length; n++)
            Assert.Equal(Reference(data.AsSpan(0, n)), Crc32C.Compute(data.AsSpan(0, n)));
    }

    private static uint Reference(ReadOnlySpan<byte> data)
    {
        uint c = ~0u;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        }
        return ~c;
    }
}
