using Basalt.Engine.Model;
using static Basalt.Tests.Model.ItemTestData;

namespace Basalt.Tests.Model;

public class ItemSizeTests
{
    // Sizes by DynamoDB's rules (developer guide, "Item sizes and formats"); numbers by the base-100 rule.
    [Theory]
    [InlineData("0", 1)]
    [InlineData("1", 2)]
    [InlineData("9", 2)]
    [InlineData("12", 2)]        // one centesimal digit
    [InlineData("123", 3)]
    [InlineData("1.2", 3)]       // 01.20: two
    [InlineData("120", 3)]       // 01 20: two
    [InlineData("100", 2)]       // one significant digit
    [InlineData("0.12", 2)]
    [InlineData("0.012", 3)]
    [InlineData("2099", 3)]
    [InlineData("-1", 3)]        // a negative number takes one byte more
    [InlineData("-12.5", 4)]
    [InlineData("1E+2", 2)]
    [InlineData("1.5E-7", 2)]       // 0.000000 15: one
    [InlineData("1.5E-6", 3)]       // 0.00000 15: two
    [InlineData("1E-130", 2)]
    [InlineData("12345678901234567890123456789012345678", 20)]
    [InlineData("9.9999999999999999999999999999999999999E+125", 20)]
    [InlineData("-9.9999999999999999999999999999999999999E+125", 21)]
    [InlineData("1234567890123456789012345678901234567.8", 21)]
    public void NumberSize(string canonical, int bytes) => Assert.Equal(bytes, ItemSize.NumberBytes(canonical));

    [Fact]
    public void NumberSizeMatchesTheFittedFormula()
    {
        // dynalite's formula, fitted against DynamoDB: 1 + ceil(d/2) + (d even and exponent even ? 1 : 0) + (negative ? 1 : 0).
        var random = new Random(TestSeed.Get());
        for (int i = 0; i < 5000; i++)
        {
            int digits = random.Next(1, 39);
            var mantissa = new char[digits];
            for (int d = 0; d < digits; d++) mantissa[d] = (char)('0' + random.Next(d == 0 || d == digits - 1 ? 1 : 0, 10));
            int exponent = random.Next(-130, 126);
            bool negative = random.Next(2) == 0;
            string text = $"{(negative ? "-" : "")}{mantissa[0]}.{new string(mantissa, 1, digits - 1)}E{exponent}";
            int expected = 1 + (digits + 1) / 2 + (digits % 2 == 0 && exponent % 2 == 0 ? 1 : 0) + (negative ? 1 : 0);
            Assert.Equal(expected, ItemSize.NumberBytes(text));
        }
    }

    [Fact]
    public void WorkedExamples()
    {
        // The example of the ddbitemsizer tool, which follows the AWS item-size calculator: 141 bytes.
        var slot = Item(
            A("itemType", S("SLOT")), A("id", S("abc1231")), A("hostName", S("Harry Mason")),
            A("timeSlot", S("February 23, 1999")), A("slotStatus", S("OPEN")), A("createdAt", S("February 1, 1999")),
            A("updatedAt", S("February 1, 1999")), A("expiresAt", N("2099")));
        AssertSize(141, slot);

        // dyno-item-size's example: string, number 27, 6-byte buffer: 32 bytes.
        AssertSize(32, Item(A("string", S("string")), A("number", N("27")), A("buffer", B(U("buffer")))));

        // By hand from the rules:
        AssertSize(1 + 3, Item(A("m", M())));                                   // empty map: 3 bytes
        AssertSize(1 + 3, Item(A("l", L())));
        AssertSize(1 + 3 + (1 + 1 + 2), Item(A("m", M(A("a", S("xy"))))));     // name + 1 per element + value
        AssertSize(1 + 3 + (1 + 1) + (1 + 1), Item(A("l", L(AttributeValue.Null, AttributeValue.Bool(true)))));
        AssertSize(1 + 2 + 1, Item(A("s", AttributeValue.StringSet(["ab", "c"]))));
        AssertSize(2 + 2 + 3, Item(A("ns", AttributeValue.NumberSet(["1", "123"]))));
        AssertSize(2 + 3 + 0, Item(A("bs", AttributeValue.BinarySet([[1, 2, 3], []]))));
        AssertSize(3 + 9, Item(A("日", S("日本語"))));                          // UTF-8 bytes, not characters
        AssertSize(1 + 3 + (1 + 1 + 3 + (1 + 1)), Item(A("a", M(A("b", L(AttributeValue.Null))))));
    }

    [Fact]
    public void EncodedAndManagedFormsAgree()
    {
        var item = EveryType();
        Assert.Equal(ItemSize.Of(item), ItemSize.Of(ItemCodec.Encode(item)));
        foreach (var (name, value) in item)
        {
            Assert.True(new ItemReader(ItemCodec.Encode(item)).TryGet(U(name), out var view));
            Assert.Equal(ItemSize.OfValue(value), ItemSize.OfValue(view));
        }
    }

    [Fact]
    public void WriterReportsTheSize()
    {
        using var writer = new ItemWriter();
        writer.WriteItem(EveryType());
        Assert.Equal(ItemSize.Of(EveryType()), writer.LastItemSize);
    }

    private static void AssertSize(int expected, Dictionary<string, AttributeValue> item)
    {
        Assert.Equal(expected, ItemSize.Of(item));
        Assert.Equal(expected, ItemSize.Of(ItemCodec.Encode(item)));
    }
}
