using Basalt.Engine.Model;

namespace Basalt.Tests.Model;

public class KeyEncodingTests
{
    private static DynamoNumber N(string text) => DynamoNumber.Parse(text);

    private static string Key(string text)
    {
        DynamoNumber n = N(text);
        var buffer = new byte[KeyEncoding.NumberKeyBytesMax];
        int length = KeyEncoding.WriteNumberKey(n, buffer);
        Assert.Equal(KeyEncoding.NumberKeyLength(n), length);
        return Convert.ToHexString(buffer, 0, length);
    }

    // A persisted format: these bytes must never change, or stored keys no longer sort or decode.
    [Theory]
    [InlineData("0", "02")]
    [InlineData("-0", "02")]
    [InlineData("1", "038214")]
    [InlineData("1.5", "03821E")]
    [InlineData("15", "03831E")]
    [InlineData("100", "038414")]
    [InlineData("-1", "017DEB")]
    [InlineData("12.34", "03831944")]
    [InlineData("-12.34", "017CE6BB")]
    [InlineData("123", "0384193C")]
    [InlineData("1E-130", "030014")]
    [InlineData("-1E-130", "01FFEB")]
    [InlineData("9.9999999999999999999999999999999999999E+125", "03FF" + "C7C7C7C7C7C7C7C7C7C7C7C7C7C7C7C7C7C7" + "C6")]
    [InlineData("-9.9999999999999999999999999999999999999E+125", "0100" + "383838383838383838383838383838383838" + "39")]
    public void Number_keys_of_known_values_never_change(string text, string hex)
    {
        Assert.Equal(hex, Key(text));
        Assert.True(KeyEncoding.TryReadNumberKey(Convert.FromHexString(hex), out DynamoNumber back, out int consumed));
        Assert.Equal(N(text), back);
        Assert.Equal(hex.Length / 2, consumed);
    }

    [Fact]
    public void Number_keys_are_self_delimiting()
    {
        byte[] key = Convert.FromHexString(Key("-12.34") + "FF00FF" + Key("7"));
        Assert.True(KeyEncoding.TryReadNumberKey(key, out DynamoNumber first, out int consumed));
        Assert.Equal(N("-12.34"), first);
        Assert.Equal(4, consumed);
        Assert.True(KeyEncoding.TryReadNumberKey(key.AsSpan(consumed + 3), out DynamoNumber second, out _));
        Assert.Equal(N("7"), second);
    }

    [Theory]
    [InlineData("")]
    [InlineData("00")] // unknown tag
    [InlineData("04")]
    [InlineData("03")] // truncated
    [InlineData("0382")]
    [InlineData("038215")] // the only pair says another follows
    [InlineData("038200")] // trailing 00 pair
    [InlineData("03821500")] // 1.0: trailing zero pair
    [InlineData("038208")] // leading digit 0
    [InlineData("0382C8")] // pair 100
    [InlineData("0382FF")]
    [InlineData("03FFC7C7C7C7C7C7C7C7C7C7C7C7C7C7C7C7C7C7C7C6")] // 40 digits
    [InlineData("017DEA")] // negative whose only pair says another follows
    public void Malformed_number_keys_are_refused(string hex)
    {
        Assert.False(KeyEncoding.TryReadNumberKey(Convert.FromHexString(hex), out DynamoNumber value, out int consumed));
        Assert.Equal(default, value);
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void Write_refuses_a_destination_that_is_too_small()
    {
        var buffer = new byte[2];
        Assert.Throws<ArgumentException>(() => KeyEncoding.WriteNumberKey(N("1.5"), buffer));
        Assert.Equal(1, KeyEncoding.WriteNumberKey(N("0"), buffer.AsSpan(0, 1)));
    }

    [Fact]
    public void Length_prefixed_components_round_trip_and_are_prefix_free()
    {
        byte[] a = "ab"u8.ToArray(), b = "abc"u8.ToArray();
        var buffer = new byte[16];
        int length = KeyEncoding.WriteLengthPrefixedKey(a, buffer);
        Assert.Equal(KeyEncoding.LengthPrefixedKeyLength(a.Length), length);
        Assert.Equal("00026162", Convert.ToHexString(buffer, 0, length));
        "tail"u8.CopyTo(buffer.AsSpan(length));
        Assert.True(KeyEncoding.TryReadLengthPrefixedKey(buffer.AsSpan(0, length + 4), out ReadOnlySpan<byte> value, out int consumed));
        Assert.True(value.SequenceEqual(a));
        Assert.Equal(4, consumed);

        // Neither encoded component is a prefix of the other, though "ab" is a prefix of "abc".
        var other = new byte[16];
        int otherLength = KeyEncoding.WriteLengthPrefixedKey(b, other);
        Assert.False(other.AsSpan(0, otherLength).StartsWith(buffer.AsSpan(0, length)));

        Assert.True(KeyEncoding.TryReadLengthPrefixedKey(new byte[] { 0, 0 }, out value, out consumed));
        Assert.Equal(0, value.Length);
        Assert.Equal(2, consumed);
        Assert.False(KeyEncoding.TryReadLengthPrefixedKey(new byte[] { 0, 3, 1, 2 }, out _, out _));
        Assert.False(KeyEncoding.TryReadLengthPrefixedKey(new byte[] { 0 }, out _, out _));
        Assert.Throws<ArgumentException>(() => KeyEncoding.WriteLengthPrefixedKey(new byte[70_000], new byte[70_010]));
    }
}
