using System.Numerics;
using System.Text;
using Basalt.Engine.Model;
using CsCheck;
using Xunit.Abstractions;

namespace Basalt.Tests.Model;

// Model tests against a BigInteger reference (value = coefficient * 10^exponent, exact): parsing and canonical text,
// order, exact arithmetic, size, and the key encoding (order equals numeric order, decode inverts encode).
// CsCheck shrinks a failure and prints its seed; the run's seed comes from TestSeed (BASALT_SEED replays it).
public class DynamoNumberPropertyTests(ITestOutputHelper output)
{
    private const long Iterations = 20_000;

    // A reference value: sign, significant digits (no leading or trailing zero) and the power of ten of the first.
    private sealed record Ref(bool Negative, string Digits, int Adjusted)
    {
        public bool IsZero => Digits.Length == 0;
        public BigInteger Coefficient => IsZero ? BigInteger.Zero : (Negative ? -1 : 1) * BigInteger.Parse(Digits);
        public int Exponent => Adjusted - Digits.Length + 1;

        // A spelling with an exponent and a misplaced point, so parsing has work to do.
        public string Scientific => IsZero ? (Negative ? "-0.00e7" : "0") : $"{(Negative ? "-" : "+")}{Digits[0]}.{Digits[1..]}00E{Adjusted}";

        public string Canonical
        {
            get
            {
                if (IsZero)
                    return "0";
                string sign = Negative ? "-" : "";
                if (Exponent >= 0)
                    return sign + Digits + new string('0', Exponent);
                int point = Digits.Length + Exponent;
                return point > 0
                    ? sign + Digits[..point] + "." + Digits[point..]
                    : sign + "0." + new string('0', -point) + Digits;
            }
        }

        public override string ToString() => Scientific;

        public static Ref FromExact(BigInteger coefficient, int exponent)
        {
            if (coefficient.IsZero)
                return new Ref(false, "", 0);
            string digits = BigInteger.Abs(coefficient).ToString();
            string trimmed = digits.TrimEnd('0');
            exponent += digits.Length - trimmed.Length;
            return new Ref(coefficient.Sign < 0, trimmed, exponent + trimmed.Length - 1);
        }
    }

    private static string DigitString(int[] digits)
    {
        var text = new StringBuilder(digits.Length);
        foreach (int d in digits)
            text.Append((char)('0' + d));
        text[0] = text[0] == '0' ? '7' : text[0];
        if (text[^1] == '0')
            text[^1] = '3';
        if (text.Length == 1 && text[0] == '0')
            text[0] = '5';
        return text.ToString();
    }

    // Mostly short numbers near 1 (where ties and carries happen), and the full range of digits and exponents.
    private static readonly Gen<Ref> GenRef = Gen.Frequency(
        (1, Gen.Bool.Select(negative => new Ref(negative, "", 0))),
        (10, Gen.Select(Gen.Bool, Gen.Int[1, 38].SelectMany(n => Gen.Int[0, 9].Array[n]), Gen.Int[-130, 125],
            (negative, digits, adjusted) => new Ref(negative, DigitString(digits), adjusted))),
        (10, Gen.Select(Gen.Bool, Gen.Int[1, 6].SelectMany(n => Gen.Int[0, 9].Array[n]), Gen.Int[-4, 4],
            (negative, digits, adjusted) => new Ref(negative, DigitString(digits), adjusted))),
        (3, Gen.Select(Gen.Bool, Gen.Int[30, 38].SelectMany(n => Gen.Int[8, 9].Array[n]), Gen.OneOf(Gen.Int[122, 125], Gen.Int[-130, -126]),
            (negative, digits, adjusted) => new Ref(negative, DigitString(digits), adjusted))));

    // Pairs: independent, or the second a near copy of the first (same leading digits, other tail, maybe other sign),
    // which is where cancellation and equal keys come from.
    private static readonly Gen<(Ref, Ref)> GenPair = Gen.Frequency(
        (1, Gen.Select(GenRef, GenRef)),
        (1, Gen.Select(GenRef, Gen.Int[0, 38], Gen.Int[1, 8].SelectMany(n => Gen.Int[0, 9].Array[n]), Gen.Bool, Gen.Int[-1, 1],
            (a, keep, tail, flip, shift) =>
            {
                if (a.IsZero)
                    return (a, a);
                string prefix = a.Digits[..Math.Min(keep, a.Digits.Length)];
                string digits = (prefix + DigitString(tail)).TrimEnd('0');
                if (digits.Length > 38)
                    digits = digits[..38].TrimEnd('0');
                if (digits.Length == 0 || digits[0] == '0')
                    digits = "1";
                int adjusted = Math.Clamp(a.Adjusted + shift, -130, 125);
                return (a, new Ref(a.Negative ^ flip, digits, adjusted));
            })));

    private static DynamoNumber Parse(Ref r)
    {
        Assert.True(DynamoNumber.TryParse(r.Scientific, out DynamoNumber n, out string? error), error);
        return n;
    }

    private static int CompareExact(Ref a, Ref b)
    {
        int low = Math.Min(a.Exponent, b.Exponent);
        BigInteger x = a.Coefficient * BigInteger.Pow(10, a.Exponent - low);
        BigInteger y = b.Coefficient * BigInteger.Pow(10, b.Exponent - low);
        return x.CompareTo(y);
    }

    private void Run<T>(Gen<T> gen, Action<T> property) =>
        TestSeed.Run(output, seed => gen.Sample(property, seed: new PCG(1, (ulong)seed).ToString(), iter: Iterations, threads: 1));

    [Fact]
    public void Parse_gives_the_reference_value_and_canonical_text()
    {
        Run(GenRef, r =>
        {
            DynamoNumber n = Parse(r);
            Assert.Equal(r.Canonical, n.ToString());
            Assert.Equal(r.Canonical.Length, n.TextLength);
            Assert.Equal(n, DynamoNumber.Parse(n.ToString()));
            Assert.Equal(r.IsZero ? 0 : r.Digits.Length, n.DigitCount);
            Assert.Equal(r.Coefficient, (r.Negative && !r.IsZero ? -1 : 1) * (BigInteger)n.Coefficient);
            if (!r.IsZero)
                Assert.Equal(r.Exponent, n.Exponent);
            Span<byte> utf8 = stackalloc byte[DynamoNumber.TextLengthMax];
            Assert.True(n.TryFormat(utf8, out int written));
            Assert.True(DynamoNumber.TryParse(utf8[..written], out DynamoNumber back));
            Assert.Equal(n, back);
        });
    }

    [Fact]
    public void Compare_matches_exact_comparison()
    {
        Run(GenPair, pair =>
        {
            (Ref a, Ref b) = pair;
            int expected = Math.Sign(CompareExact(a, b));
            Assert.Equal(expected, Math.Sign(Parse(a).CompareTo(Parse(b))));
            Assert.Equal(expected == 0, Parse(a).Equals(Parse(b)));
        });
    }

    [Fact]
    public void Key_order_is_numeric_order_and_keys_decode_to_the_same_number()
    {
        Run(GenPair, pair =>
        {
            (Ref a, Ref b) = pair;
            DynamoNumber x = Parse(a), y = Parse(b);
            Span<byte> kx = stackalloc byte[KeyEncoding.NumberKeyBytesMax + 3];
            Span<byte> ky = stackalloc byte[KeyEncoding.NumberKeyBytesMax];
            int lx = KeyEncoding.WriteNumberKey(x, kx);
            int ly = KeyEncoding.WriteNumberKey(y, ky);
            Assert.Equal(Math.Sign(CompareExact(a, b)), Math.Sign(kx[..lx].SequenceCompareTo(ky[..ly])));

            kx[lx] = 0xFF; // whatever follows is not read
            kx[lx + 1] = 0x00;
            Assert.True(KeyEncoding.TryReadNumberKey(kx[..(lx + 2)], out DynamoNumber decoded, out int consumed));
            Assert.Equal(x, decoded);
            Assert.Equal(lx, consumed);
            for (int cut = 0; cut < lx; cut++)
                Assert.False(KeyEncoding.TryReadNumberKey(kx[..cut], out _, out _));
        });
    }

    [Fact]
    public void Add_and_subtract_are_exact_or_refused_as_DynamoDB_refuses()
    {
        Run(GenPair, pair =>
        {
            (Ref a, Ref b) = pair;
            foreach (bool subtract in new[] { false, true })
            {
                int low = Math.Min(a.Exponent, b.Exponent);
                BigInteger x = a.Coefficient * BigInteger.Pow(10, a.Exponent - low);
                BigInteger y = b.Coefficient * BigInteger.Pow(10, b.Exponent - low);
                Ref exact = Ref.FromExact(subtract ? x - y : x + y, low);
                string? expectedError =
                    exact.IsZero ? null
                    : exact.Digits.Length > 38 || exact.Adjusted > 125 ? DynamoNumber.OverflowMessage
                    : exact.Adjusted < -130 ? DynamoNumber.UnderflowMessage
                    : null;

                bool ok = subtract
                    ? DynamoNumber.TrySubtract(Parse(a), Parse(b), out DynamoNumber result, out string? error)
                    : DynamoNumber.TryAdd(Parse(a), Parse(b), out result, out error);
                Assert.Equal(expectedError, error);
                Assert.Equal(expectedError is null, ok);
                if (ok)
                    Assert.Equal(exact.Canonical, result.ToString());
            }
        });
    }

    // Text from number-ish characters: never throws; what parses is a fixed point of canonical text, and what is
    // refused gets one of the four messages.
    [Fact]
    public void Arbitrary_text_parses_or_is_refused_without_throwing()
    {
        Run(Gen.Char["0123456789.eE+- x0001"].Array[0, 24], chars =>
        {
            string text = new(chars);
            if (DynamoNumber.TryParse(text, out DynamoNumber n, out string? error))
            {
                Assert.Null(error);
                Assert.Equal(n, DynamoNumber.Parse(n.ToString()));
                Assert.True(decimal.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)
                    || text.Contains("e", StringComparison.OrdinalIgnoreCase), text); // decimal only fails on exponent range
            }
            else
            {
                Assert.True(error == DynamoNumber.NotNumericMessagePrefix + text || error == DynamoNumber.OverflowMessage
                    || error == DynamoNumber.UnderflowMessage || error == DynamoNumber.PrecisionMessage, error);
            }
        });
    }

    // Arbitrary bytes: the key reader never throws, and what it accepts re-encodes to exactly the bytes it consumed.
    [Fact]
    public void Arbitrary_bytes_decode_only_as_canonical_number_keys()
    {
        var tail = Gen.Byte.Array[0, 22];
        Run(Gen.Select(Gen.Int[0, 3].Select(t => (byte)t), Gen.Byte, tail), parts =>
        {
            (byte tag, byte exponent, byte[] rest) = parts;
            byte[] source = [tag, exponent, .. rest];
            if (KeyEncoding.TryReadNumberKey(source, out DynamoNumber n, out int consumed))
            {
                var again = new byte[KeyEncoding.NumberKeyBytesMax];
                int length = KeyEncoding.WriteNumberKey(n, again);
                Assert.Equal(consumed, length);
                Assert.True(again.AsSpan(0, length).SequenceEqual(source.AsSpan(0, consumed)));
            }
        });
    }

    // dynalite's fitted rule, which the base-100 rule must equal everywhere.
    [Fact]
    public void Size_matches_the_fitted_formula()
    {
        Run(GenRef, r =>
        {
            int expected = r.IsZero ? 1
                : 1 + (r.Digits.Length + 1) / 2 + (r.Digits.Length % 2 == 0 && r.Adjusted % 2 == 0 ? 1 : 0) + (r.Negative ? 1 : 0);
            Assert.Equal(expected, Parse(r).SizeBytes);
        });
    }

    [Fact]
    public void Parse_compare_add_format_and_key_writes_do_not_allocate()
    {
        byte[] text = "-12345678901234567890.123456789012345678e-3"u8.ToArray();
        byte[] other = "98765.4321"u8.ToArray();
        var key = new byte[KeyEncoding.NumberKeyBytesMax];
        var formatted = new byte[DynamoNumber.TextLengthMax];
        long sink = 0;
        void Work()
        {
            DynamoNumber.TryParse(text, out DynamoNumber a, out string? _);
            DynamoNumber.TryParse(other, out DynamoNumber b);
            sink += a.CompareTo(b);
            DynamoNumber.TryAdd(a, b, out DynamoNumber sum, out _);
            sum.TryFormat(formatted, out int written);
            sink += written + KeyEncoding.WriteNumberKey(sum, key) + sum.SizeBytes;
            KeyEncoding.TryReadNumberKey(key, out DynamoNumber back, out _);
            sink += back.Sign;
        }
        for (int i = 0; i < 1000; i++)
            Work();
        const int operations = 100_000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < operations; i++)
            Work();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < operations, $"{allocated} bytes allocated over {operations} operations (sink {sink})");
    }
}
