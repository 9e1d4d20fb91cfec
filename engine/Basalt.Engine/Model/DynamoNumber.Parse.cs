using System.Numerics;
using System.Text;

namespace Basalt.Engine.Model;

// Parsing the text of an N value (the string inside {"N": "..."}), from UTF-8 bytes or chars.
//
// Grammar (Java's BigDecimal, which is what DynamoDB accepts: "+5", ".5", "5.", "1e+5", "0e1000" are numbers):
//   number   := [sign] mantissa [exponent]
//   mantissa := digits ["." [digits]] | "." digits
//   exponent := ("e" | "E") [sign] digits
//   sign     := "+" | "-"          digits := ("0".."9")+   (ASCII only; no spaces, no NaN/Infinity, no hex)
// Leading and trailing zeros are not significant. An exponent too large for any integer saturates, so
// "1e99999999999" is an overflow and "1e-99999999999" an underflow, as DynamoDB answers them.
//
// Errors, in DynamoDB's order (range first, then precision) and wording (ValidationException messages; the
// "1 validation error detected: " envelope some operations add is the caller's business):
//   not a number  "The parameter cannot be converted to a numeric value: <text>"  (the empty text keeps ": ")
//   too large     "Number overflow. Attempting to store a number with magnitude larger than supported range"
//   too small     "Number underflow. Attempting to store a number with magnitude smaller than supported range"
//   > 38 digits   "Attempting to store more than 38 significant digits in a Number"
public readonly partial struct DynamoNumber
{
    public const string NotNumericMessagePrefix = "The parameter cannot be converted to a numeric value: ";
    public const string OverflowMessage = "Number overflow. Attempting to store a number with magnitude larger than supported range";
    public const string UnderflowMessage = "Number underflow. Attempting to store a number with magnitude smaller than supported range";
    public const string PrecisionMessage = "Attempting to store more than 38 significant digits in a Number";

    // Exponents beyond this are all equally out of range; saturating keeps the arithmetic in a long.
    private const long ExponentSaturation = 1_000_000_000_000;

    internal enum Status : byte
    {
        Ok,
        NotNumeric,
        Overflow,
        Underflow,
        Precision,
    }

    public static bool TryParse(ReadOnlySpan<byte> utf8, out DynamoNumber value, out string? error)
    {
        Status status = ParseCore(utf8, out value);
        error = status == Status.NotNumeric ? NotNumericMessagePrefix + Encoding.UTF8.GetString(utf8) : MessageOf(status);
        return status == Status.Ok;
    }

    public static bool TryParse(ReadOnlySpan<char> text, out DynamoNumber value, out string? error)
    {
        Status status = ParseCore(text, out value);
        error = status == Status.NotNumeric ? NotNumericMessagePrefix + new string(text) : MessageOf(status);
        return status == Status.Ok;
    }

    // Without the message: for hot paths that only need to know (the message is built on demand by TryParse).
    public static bool TryParse(ReadOnlySpan<byte> utf8, out DynamoNumber value) => ParseCore(utf8, out value) == Status.Ok;

    public static bool TryParse(ReadOnlySpan<char> text, out DynamoNumber value) => ParseCore(text, out value) == Status.Ok;

    // For constants and tests: throws FormatException carrying DynamoDB's message.
    public static DynamoNumber Parse(ReadOnlySpan<char> text) =>
        TryParse(text, out DynamoNumber value, out string? error) ? value : throw new FormatException(error);

    internal static string? MessageOf(Status status) => status switch
    {
        Status.Ok => null,
        Status.NotNumeric => NotNumericMessagePrefix,
        Status.Overflow => OverflowMessage,
        Status.Underflow => UnderflowMessage,
        _ => PrecisionMessage,
    };

    // One pass over the text. Digits are numbered from 0 across the whole mantissa (point excluded); the value is
    // the digits firstNonZero..lastNonZero times a power of ten fixed by where the point and exponent put them.
    // Significant digits accumulate in a u64 while they fit (19 digits) and in a UInt128 after; zeros after the
    // last nonzero digit are held back (pendingZeros) so that trailing zeros never count or multiply.
    internal static Status ParseCore<T>(ReadOnlySpan<T> s, out DynamoNumber value) where T : unmanaged, IBinaryInteger<T>
    {
        value = default;
        int i = 0, n = s.Length;
        bool negative = false;
        if (n > 0)
        {
            uint first = uint.CreateTruncating(s[0]);
            if (first == '+' || first == '-')
            {
                negative = first == '-';
                i = 1;
            }
        }

        long integerDigits = 0, index = 0, firstNonZero = -1, lastNonZero = -1, pendingZeros = 0;
        int significant = 0;
        bool sawDigit = false, sawPoint = false, wide = false, tooMany = false;
        ulong narrow = 0;
        UInt128 wideValue = 0;
        for (; i < n; i++)
        {
            uint c = uint.CreateTruncating(s[i]);
            uint digit = c - '0';
            if (digit <= 9)
            {
                sawDigit = true;
                if (digit == 0)
                {
                    if (firstNonZero >= 0)
                        pendingZeros++;
                }
                else
                {
                    if (firstNonZero < 0)
                        firstNonZero = index;
                    lastNonZero = index;
                    if (!tooMany)
                    {
                        long grown = significant + pendingZeros + 1;
                        if (grown > SignificantDigitsMax)
                        {
                            tooMany = true;
                        }
                        else
                        {
                            int shift = (int)(pendingZeros + 1);
                            if (!wide && grown <= 19)
                            {
                                narrow = narrow * Pow10U64[shift] + digit;
                            }
                            else
                            {
                                wideValue = (wide ? wideValue : narrow) * Pow10[shift] + digit;
                                wide = true;
                            }
                            significant = (int)grown;
                        }
                    }
                    pendingZeros = 0;
                }
                if (!sawPoint)
                    integerDigits++;
                index++;
            }
            else if (c == '.' && !sawPoint)
            {
                sawPoint = true;
            }
            else
            {
                break;
            }
        }
        if (!sawDigit)
            return Status.NotNumeric;

        long exponent = 0;
        if (i < n)
        {
            uint c = uint.CreateTruncating(s[i]);
            if (c != 'e' && c != 'E')
                return Status.NotNumeric;
            i++;
            bool exponentNegative = false;
            if (i < n)
            {
                c = uint.CreateTruncating(s[i]);
                if (c == '+' || c == '-')
                {
                    exponentNegative = c == '-';
                    i++;
                }
            }
            if (i == n)
                return Status.NotNumeric;
            for (; i < n; i++)
            {
                uint digit = uint.CreateTruncating(s[i]) - '0';
                if (digit > 9)
                    return Status.NotNumeric;
                if (exponent < ExponentSaturation)
                    exponent = exponent * 10 + digit;
            }
            if (exponentNegative)
                exponent = -exponent;
        }

        if (firstNonZero < 0)
            return Status.Ok; // zero, whatever its sign and exponent

        long adjusted = integerDigits - 1 - firstNonZero + exponent;
        if (adjusted > AdjustedExponentMax)
            return Status.Overflow;
        if (adjusted < AdjustedExponentMin)
            return Status.Underflow;
        if (tooMany)
            return Status.Precision;

        long lowest = integerDigits - 1 - lastNonZero + exponent;
        value = new DynamoNumber(negative, wide ? wideValue : narrow, (int)lowest, significant);
        return Status.Ok;
    }
}
