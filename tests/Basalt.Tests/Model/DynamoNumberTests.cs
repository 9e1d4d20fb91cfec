using System.Text;
using Basalt.Engine.Model;

namespace Basalt.Tests.Model;

// DynamoDB behaviour of N values: what parses, what it normalises to, what is refused and with which message.
// Expected texts and messages are DynamoDB's (see docs/model-numbers.md for the sources).
public class DynamoNumberTests
{
    private const string Nines38 = "99999999999999999999999999999999999999";

    private static DynamoNumber N(string text) => DynamoNumber.Parse(text);

    private static string? ErrorOf(string text)
    {
        bool okChars = DynamoNumber.TryParse(text.AsSpan(), out DynamoNumber fromChars, out string? charsError);
        bool okBytes = DynamoNumber.TryParse(Encoding.UTF8.GetBytes(text), out DynamoNumber fromBytes, out string? bytesError);
        Assert.Equal(okChars, okBytes);
        Assert.Equal(charsError, bytesError);
        Assert.Equal(fromChars, fromBytes);
        Assert.Equal(okChars, charsError is null);
        return charsError;
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("-0", "0")]
    [InlineData("+0", "0")]
    [InlineData("0.000", "0")]
    [InlineData("0e1000", "0")]
    [InlineData("-0E-99999999999", "0")]
    [InlineData("00000", "0")]
    [InlineData(".0", "0")]
    [InlineData("1", "1")]
    [InlineData("+5", "5")]
    [InlineData("-7", "-7")]
    [InlineData("0042", "42")]
    [InlineData("1.0", "1")]
    [InlineData("1.", "1")]
    [InlineData(".5", "0.5")]
    [InlineData("-.5", "-0.5")]
    [InlineData("1.200", "1.2")]
    [InlineData("100", "100")]
    [InlineData("1E2", "100")]
    [InlineData("1e+2", "100")]
    [InlineData("+1e2", "100")]
    [InlineData("1.5E+3", "1500")]
    [InlineData("1.5E2", "150")]
    [InlineData("-17e5", "-1700000")]
    [InlineData("-17.4E37", "-174000000000000000000000000000000000000")]
    [InlineData("0001.23", "1.23")]
    [InlineData("1e-3", "0.001")]
    [InlineData("0.001", "0.001")]
    [InlineData("123.456e-2", "1.23456")]
    [InlineData("123.456e-5", "0.00123456")]
    [InlineData("-7.1234", "-7.1234")]
    [InlineData("1010", "1010")]
    [InlineData("100.5", "100.5")]
    [InlineData("1.01E1", "10.1")]
    public void Accepted_numbers_come_back_in_canonical_text(string input, string canonical)
    {
        Assert.Null(ErrorOf(input));
        DynamoNumber n = N(input);
        Assert.Equal(canonical, n.ToString());
        Assert.Equal(canonical.Length, n.TextLength);
        Span<byte> utf8 = stackalloc byte[DynamoNumber.TextLengthMax];
        Assert.True(n.TryFormat(utf8, out int written));
        Assert.Equal(canonical, Encoding.UTF8.GetString(utf8[..written]));
        Assert.False(n.TryFormat(utf8[..(written - 1)], out _));
        Assert.Equal(n, N(canonical)); // the canonical text is a fixed point
    }

    [Theory]
    [InlineData("1.0", "1")]
    [InlineData("-0", "0")]
    [InlineData("1E2", "100")]
    [InlineData("0.5e1", "5")]
    [InlineData("50e-1", "5")]
    [InlineData("12345678901234567890123456789012345678e-37", "1.2345678901234567890123456789012345678")]
    [InlineData("1000000000000000000000000000000000000000000", "1e42")]
    public void Equal_values_parse_to_equal_numbers(string a, string b)
    {
        Assert.Equal(N(a), N(b));
        Assert.True(N(a) == N(b));
        Assert.Equal(N(a).GetHashCode(), N(b).GetHashCode());
        Assert.Equal(0, N(a).CompareTo(N(b)));
    }

    [Fact]
    public void A_number_is_24_bytes()
    {
        Assert.Equal(24, System.Runtime.CompilerServices.Unsafe.SizeOf<DynamoNumber>());
    }

    [Fact]
    public void Default_is_zero_and_zero_has_no_sign()
    {
        Assert.Equal(DynamoNumber.Zero, default);
        Assert.Equal(N("-0"), default);
        Assert.True(N("-0.000e5").IsZero);
        Assert.False(N("-0").IsNegative);
        Assert.Equal(0, N("-0").Sign);
        Assert.Equal("0", default(DynamoNumber).ToString());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("dog")]
    [InlineData("-dog")]
    [InlineData("NaN")]
    [InlineData("-NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("1.2.3")]
    [InlineData("0x10")]
    [InlineData("1e")]
    [InlineData("1e+")]
    [InlineData("1e-")]
    [InlineData("e5")]
    [InlineData(".")]
    [InlineData("-")]
    [InlineData("+")]
    [InlineData("--1")]
    [InlineData("+-1")]
    [InlineData("1_000")]
    [InlineData("1,5")]
    [InlineData("1e5.0")]
    [InlineData("1ee5")]
    [InlineData("١")] // ARABIC-INDIC DIGIT ONE: ASCII digits only
    [InlineData("")]
    public void Non_numbers_are_refused_with_the_text_quoted(string input)
    {
        Assert.Equal(DynamoNumber.NotNumericMessagePrefix + input, ErrorOf(input));
        Assert.Equal("The parameter cannot be converted to a numeric value: " + input, ErrorOf(input));
    }

    [Theory]
    // The magnitude limits, exactly at and just past each edge.
    [InlineData("9.9999999999999999999999999999999999999E+125", null)]
    [InlineData("-9.9999999999999999999999999999999999999E+125", null)]
    [InlineData("1E+126", DynamoNumber.OverflowMessage)]
    [InlineData("-1E+126", DynamoNumber.OverflowMessage)]
    [InlineData("11e125", DynamoNumber.OverflowMessage)]
    [InlineData("1E125", null)]
    [InlineData("1E-130", null)]
    [InlineData("-1E-130", null)]
    [InlineData("1E-131", DynamoNumber.UnderflowMessage)]
    [InlineData("-1E-131", DynamoNumber.UnderflowMessage)]
    [InlineData("0.9e-130", DynamoNumber.UnderflowMessage)]
    [InlineData("9.9999999999999999999999999999999999999E-130", null)]
    [InlineData("1e99999999999", DynamoNumber.OverflowMessage)]
    [InlineData("-1e99999999999", DynamoNumber.OverflowMessage)]
    [InlineData("1e-99999999999", DynamoNumber.UnderflowMessage)]
    [InlineData("1e2147483648", DynamoNumber.OverflowMessage)]
    [InlineData("1e2147483647", DynamoNumber.OverflowMessage)]
    [InlineData("1e-2147483648", DynamoNumber.UnderflowMessage)]
    [InlineData("1e999999999999999999999999999999", DynamoNumber.OverflowMessage)]
    // 38 significant digits pass, 39 do not, wherever the point is.
    [InlineData("12345678901234567890123456789012345678", null)]
    [InlineData("123456789012345678901234567890123456789", DynamoNumber.PrecisionMessage)]
    [InlineData("1234567890123456789012345678901234567890", DynamoNumber.PrecisionMessage)]
    [InlineData("-1.23456789012345678901234567890123456789", DynamoNumber.PrecisionMessage)]
    [InlineData("3.1415926535897932384626433832795028841", null)]
    [InlineData("3.14159265358979323846264338327950288419", DynamoNumber.PrecisionMessage)]
    [InlineData("314159265358979323846.26433832795028841", null)]
    [InlineData("314159265358979323846.264338327950288419", DynamoNumber.PrecisionMessage)]
    [InlineData("31415926535897932384626433832795028841e30", null)]
    [InlineData("314159265358979323846264338327950288419e30", DynamoNumber.PrecisionMessage)]
    [InlineData("100000000000000000000000000000000000001", DynamoNumber.PrecisionMessage)]
    // Leading and trailing zeros are not significant digits.
    [InlineData("000000000012345678901234567890123456789012345678", null)]
    [InlineData("1.2345678901234567890123456789012345678000000000", null)]
    [InlineData("0.000000000000000000000000000000000000000000012345678901234567890123456789012345678", null)]
    [InlineData("1000000000000000000000000000000000000000000000000000", null)]
    // Range is checked before precision.
    [InlineData("1234567890123456789012345678901234567890e100", DynamoNumber.OverflowMessage)]
    [InlineData("1234567890123456789012345678901234567890e-200", DynamoNumber.UnderflowMessage)]
    public void Limits_at_and_past_each_edge(string input, string? error)
    {
        Assert.Equal(error, ErrorOf(input));
    }

    [Fact]
    public void Extremes_format_without_an_exponent()
    {
        Assert.Equal("1" + new string('0', 125), N("1E125").ToString());
        Assert.Equal("-" + Nines38 + new string('0', 88), N("-9.9999999999999999999999999999999999999E+125").ToString());
        Assert.Equal("0." + new string('0', 129) + "1", N("1E-130").ToString());
        string smallest38 = "-0." + new string('0', 129) + "12345678901234567890123456789012345678";
        Assert.Equal(DynamoNumber.TextLengthMax, smallest38.Length);
        Assert.Equal(smallest38, N("-1.2345678901234567890123456789012345678E-130").ToString());
        Assert.Equal(DynamoNumber.TextLengthMax, N(smallest38).TextLength);
    }

    [Fact]
    public void Parts_describe_the_normalised_value()
    {
        DynamoNumber n = N("-123.4500");
        Assert.True(n.IsNegative);
        Assert.Equal((UInt128)12345, n.Coefficient);
        Assert.Equal(-2, n.Exponent);
        Assert.Equal(5, n.DigitCount);
        Assert.Equal(2, n.AdjustedExponent);
        Assert.Equal(N("1.5e3"), N("15e2"));
        Assert.Equal(2, N("100").AdjustedExponent);
        Assert.Equal(0, N("100").DigitCount - 1);
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(1L, "1")]
    [InlineData(-1L, "-1")]
    [InlineData(1000L, "1000")]
    [InlineData(long.MaxValue, "9223372036854775807")]
    [InlineData(long.MinValue, "-9223372036854775808")]
    public void From_int64(long value, string text)
    {
        Assert.Equal(N(text), DynamoNumber.FromInt64(value));
        Assert.Equal(text, DynamoNumber.FromInt64(value).ToString());
    }

    [Theory]
    [InlineData("-1E125", "-1")]
    [InlineData("-1", "-0.5")]
    [InlineData("-0.5", "-1E-130")]
    [InlineData("-1E-130", "0")]
    [InlineData("0", "1E-130")]
    [InlineData("1E-130", "1.0000000000000000000000000000000000001E-130")]
    [InlineData("0.5", "1")]
    [InlineData("1", "1.0000000000000000000000000000000000001")]
    [InlineData("9.9999999999999999999999999999999999999", "10")]
    [InlineData("10", "11")]
    [InlineData("99", "100")]
    [InlineData("1E124", "9.9999999999999999999999999999999999999E+125")]
    [InlineData("-9.9999999999999999999999999999999999999E+125", "-1E125")]
    [InlineData("-12", "-11.9")]
    [InlineData("1.2", "1.25")]
    public void Order_is_numeric(string lower, string higher)
    {
        Assert.True(N(lower) < N(higher));
        Assert.True(N(higher) > N(lower));
        Assert.Equal(-1, N(lower).CompareTo(N(higher)));
        Assert.Equal(1, N(higher).CompareTo(N(lower)));
        Assert.NotEqual(N(lower), N(higher));
    }

    // The figures measured against DynamoDB (eu-west-2, 2026-08-18) by nubo-db/dynoxide by bisecting the 400 KB
    // item limit, plus cases where only the base-100 rule decides (110, 11000, 1.1E124).
    [Theory]
    [InlineData("0", 1)]
    [InlineData("1", 2)]
    [InlineData("12", 2)]
    [InlineData("123", 3)]
    [InlineData("1234", 3)]
    [InlineData("12345678901234567890123456789012345678", 20)]
    [InlineData("0042", 2)]
    [InlineData("100", 2)]
    [InlineData("1010", 3)]
    [InlineData("0.0000001", 2)]
    [InlineData("1E125", 2)]
    [InlineData("1E-100", 2)]
    [InlineData("1.5", 3)]
    [InlineData("15", 2)]
    [InlineData("1.2", 3)]
    [InlineData("1.200", 3)]
    [InlineData("1.234", 4)]
    [InlineData("3.14159", 5)]
    [InlineData("123456", 4)]
    [InlineData("100.5", 4)]
    [InlineData("0.15", 2)]
    [InlineData("-42", 3)]
    [InlineData("-0", 1)]
    [InlineData("27", 2)]
    [InlineData("-27", 3)]
    [InlineData("461", 3)]
    [InlineData("110", 3)]
    [InlineData("11000", 3)]
    [InlineData("1.1E124", 3)]
    [InlineData("1.1E125", 2)]
    [InlineData("1E-130", 2)]
    [InlineData("1.2345678901234567890123456789012345678", 21)]
    [InlineData("-1.2345678901234567890123456789012345678", 22)]
    public void Size_in_bytes(string input, int bytes)
    {
        Assert.Equal(bytes, N(input).SizeBytes);
    }
}
