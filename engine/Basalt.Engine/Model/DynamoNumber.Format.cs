using System.Numerics;

namespace Basalt.Engine.Model;

// Canonical text: what DynamoDB returns for a stored number. Plain positional notation, never an exponent, no
// "+", no leading zeros except the one before a point, no trailing zeros after a point, no point without a
// fraction, "0" for zero:
//   1E2 -> "100"     1.50 -> "1.5"     -0 -> "0"     1E-3 -> "0.001"     1E125 -> "1" and 125 zeros
// DynamoDB expands even the extremes (1E125 is returned as 126 digits, 1E-130 as "0." and 129 zeros and "1"),
// so this does too; the longest text is 170 characters (sign, "0.", 129 zeros, 38 digits).
public readonly partial struct DynamoNumber
{
    public const int TextLengthMax = 170;

    // Length of the canonical text in bytes (= chars: it is ASCII).
    public int TextLength
    {
        get
        {
            if (_digits == 0)
                return 1;
            int sign = _negative ? 1 : 0;
            if (_exponent >= 0)
                return sign + _digits + _exponent;
            int point = _digits + _exponent; // digits before the point
            return point > 0 ? sign + _digits + 1 : sign + 2 - point + _digits;
        }
    }

    public bool TryFormat(Span<byte> utf8, out int bytesWritten) => TryFormatCore(utf8, out bytesWritten);

    public bool TryFormat(Span<char> destination, out int charsWritten) => TryFormatCore(destination, out charsWritten);

    public override string ToString()
    {
        Span<char> text = stackalloc char[TextLengthMax];
        TryFormatCore(text, out int length);
        return new string(text[..length]);
    }

    private bool TryFormatCore<T>(Span<T> destination, out int written) where T : unmanaged, IBinaryInteger<T>
    {
        int length = TextLength;
        written = 0;
        if (destination.Length < length)
            return false;
        if (_digits == 0)
        {
            destination[0] = T.CreateTruncating('0');
            written = 1;
            return true;
        }

        Span<byte> digits = stackalloc byte[SignificantDigitsMax];
        WriteDigits(digits);
        int at = 0;
        if (_negative)
            destination[at++] = T.CreateTruncating('-');
        int point = _digits + _exponent;
        if (point <= 0)
        {
            destination[at++] = T.CreateTruncating('0');
            destination[at++] = T.CreateTruncating('.');
            for (int z = 0; z < -point; z++)
                destination[at++] = T.CreateTruncating('0');
        }
        for (int d = 0; d < _digits; d++)
        {
            if (d == point && point > 0)
                destination[at++] = T.CreateTruncating('.');
            destination[at++] = T.CreateTruncating('0' + digits[d]);
        }
        for (int z = 0; z < _exponent; z++)
            destination[at++] = T.CreateTruncating('0');
        written = at;
        return true;
    }

    // The coefficient's decimal digits (values 0..9), most significant first, into digits[0.._digits).
    // At most one 128-bit division: split off the low 19 digits, then both halves are u64 work.
    internal void WriteDigits(Span<byte> digits)
    {
        int at = _digits;
        ulong rest = _lo;
        if (_hi != 0 || _lo >= Pow10U64[19])
        {
            (UInt128 high, UInt128 low) = UInt128.DivRem(Coefficient, Pow10U64[19]);
            ulong lowPart = (ulong)low;
            for (int k = 0; k < 19; k++)
            {
                digits[--at] = (byte)(lowPart % 10);
                lowPart /= 10;
            }
            rest = (ulong)high;
        }
        while (at > 0)
        {
            digits[--at] = (byte)(rest % 10);
            rest /= 10;
        }
    }
}
