using Basalt.Engine.Model;

namespace Basalt.Tests.Model;

// SET a = b + c, SET a = b - c and ADD: exact results, or DynamoDB's errors.
public class DynamoNumberArithmeticTests
{
    private static DynamoNumber N(string text) => DynamoNumber.Parse(text);

    // The result's canonical text, or the error; expected values are compared in canonical text too, so a test can
    // write them in exponent form.
    private static string Add(string a, string b) =>
        DynamoNumber.TryAdd(N(a), N(b), out DynamoNumber sum, out string? error) ? sum.ToString() : "error: " + error;

    private static string Subtract(string a, string b) =>
        DynamoNumber.TrySubtract(N(a), N(b), out DynamoNumber difference, out string? error) ? difference.ToString() : "error: " + error;

    private static string Canonical(string text) => N(text).ToString();

    [Theory]
    [InlineData("1", "1", "2")]
    [InlineData("0", "0", "0")]
    [InlineData("0", "-5.5", "-5.5")]
    [InlineData("-5.5", "0", "-5.5")]
    [InlineData("5", "-5", "0")]
    [InlineData("0.1", "0.2", "0.3")]
    [InlineData("1.5", "1.5", "3")]
    [InlineData("-1.25", "0.25", "-1")]
    [InlineData("1", "10000000000000000000000", "10000000000000000000001")]
    [InlineData("99999999999999999999999999999999999999", "1", "100000000000000000000000000000000000000")]
    [InlineData("1E125", "1E125", "2E125")]
    [InlineData("1E-130", "1E-130", "2E-130")]
    [InlineData("1E100", "1E100", "2E100")]
    [InlineData("1234567890123456789012345678901234567.8", "0.2", "1234567890123456789012345678901234568")]
    [InlineData("1E40", "-9.9999999999999999999999999999999999999E39", "100")]
    [InlineData("100000", "-99999.9", "0.1")]
    [InlineData("-3", "2", "-1")]
    [InlineData("2", "-3", "-1")]
    [InlineData("12345678901234567890123456789012345678", "-12345678901234567890123456789012345677", "1")]
    [InlineData("5E-130", "-4E-130", "1E-130")]
    public void Exact_sums(string a, string b, string sum)
    {
        Assert.Equal(Canonical(sum), Add(a, b));
        Assert.Equal(Canonical(sum), Add(b, a));
        Assert.Equal(Canonical(sum), Subtract(a, N(b).Negate().ToString()));
    }

    [Theory]
    [InlineData("10000000000000000000000", "1", "9999999999999999999999")]
    [InlineData("1", "1", "0")]
    [InlineData("0", "1", "-1")]
    [InlineData("0", "0", "0")]
    [InlineData("1.1", "0.1", "1")]
    [InlineData("-1E125", "-1E125", "0")]
    public void Exact_differences(string a, string b, string difference)
    {
        Assert.Equal(Canonical(difference), Subtract(a, b));
    }

    [Theory]
    // Past the magnitude limit.
    [InlineData("9e125", "9e125", DynamoNumber.OverflowMessage)]
    [InlineData("-9e125", "-9e125", DynamoNumber.OverflowMessage)]
    [InlineData("9.9999999999999999999999999999999999999E+125", "1E+125", DynamoNumber.OverflowMessage)]
    [InlineData("9.9999999999999999999999999999999999999E+125", "0.0000000000000000000000000000000000001E+125", DynamoNumber.OverflowMessage)]
    // Below the smallest magnitude.
    [InlineData("1.5E-130", "-1.4E-130", DynamoNumber.UnderflowMessage)]
    [InlineData("-1.0000000000000000000000000000000000001E-130", "1E-130", DynamoNumber.UnderflowMessage)]
    // More than 38 digits: DynamoDB rounds nothing, and words the refusal as an overflow.
    [InlineData("1e50", "1", DynamoNumber.OverflowMessage)]
    [InlineData("1e50", "-1", DynamoNumber.OverflowMessage)]
    [InlineData("99999999999999999999999999999999999999", "0.1", DynamoNumber.OverflowMessage)]
    [InlineData("12345678901234567890123456789012345678", "0.5", DynamoNumber.OverflowMessage)]
    [InlineData("1E125", "1E-130", DynamoNumber.OverflowMessage)]
    [InlineData("1E38", "1", DynamoNumber.OverflowMessage)]
    [InlineData("1E39", "-1", DynamoNumber.OverflowMessage)]
    [InlineData("99999999999999999999999999999999999999", "99999999999999999999999999999999999999e-38", DynamoNumber.OverflowMessage)]
    public void Inexact_or_out_of_range_sums_are_refused(string a, string b, string error)
    {
        Assert.Equal("error: " + error, Add(a, b));
        Assert.Equal("error: " + error, Add(b, a));
    }

    [Fact]
    public void A_refused_sum_leaves_a_zero_result()
    {
        Assert.False(DynamoNumber.TryAdd(N("1e50"), N("1"), out DynamoNumber result, out string? error));
        Assert.Equal(DynamoNumber.Zero, result);
        Assert.Equal(DynamoNumber.OverflowMessage, error);
    }
}
