using Basalt.Engine.Storage;

namespace Basalt.Tests.Storage;

public class Crc32CTests
{
    [Fact]
    public void Standard_check_value() => Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));

    [Fact]
    public void Empty_input_is_zero() => Assert.Equal(0u, Crc32C.Compute([]));

    [Fact]
    public void Append_equals_compute_of_the_concatenation()
    {
        var rng = new Random(3);
        var data = new byte[300];
        rng.NextBytes(data);
        uint whole = Crc32C.Compute(data);
        for (int split = 0; split <= data.Length; split += 7)
            Assert.Equal(whole, Crc32C.Append(Crc32C.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
    }
}
