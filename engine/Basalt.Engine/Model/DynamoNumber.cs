using System.Numerics;
using System.Runtime.CompilerServices;

namespace Basalt.Engine.Model;

// DynamoDB's Number (N): an exact decimal of at most 38 significant digits whose magnitude lies in
// [1E-130, 9.9999999999999999999999999999999999999E+125], or zero. A plain value type, immutable, safe on
// any thread; parsing, comparing, formatting and arithmetic never allocate (only an error message does).
//
// Representation: value = (-1)^negative * coefficient * 10^exponent, with
//   - coefficient < 10^38 held as two u64 halves (a UInt128), no trailing decimal zeros (normalised), so
//     "1.0", "1" and "1E0" are the same struct and field equality is value equality;
//   - digits = number of decimal digits of the coefficient (1..38);
//   - adjusted exponent = exponent + digits - 1 (the power of ten of the leading digit), in [-130, 125];
//   - zero is coefficient 0, exponent 0, digits 0, never negative ("-0" parses to zero).
// default(DynamoNumber) is zero.
//
// What it deliberately does not do: multiply, divide or round. DynamoDB's only arithmetic is + and - (SET a = b + c,
// ADD), and those are exact or an error (DynamoNumber.Arithmetic.cs). Canonical text is DynamoNumber.Format.cs,
// the grammar and error messages DynamoNumber.Parse.cs, the order-preserving key form KeyEncoding.cs.
// docs/model-numbers.md has the rationale and sources.
public readonly partial struct DynamoNumber : IEquatable<DynamoNumber>, IComparable<DynamoNumber>
{
    // DynamoDB's limits (developer guide, "Naming rules and data types": Number).
    public const int SignificantDigitsMax = 38;
    public const int AdjustedExponentMax = 125;
    public const int AdjustedExponentMin = -130;

    // The lowest exponent a coefficient can have: a 38-digit number whose leading digit is at 10^-130.
    internal const int ExponentMin = AdjustedExponentMin - (SignificantDigitsMax - 1);

    private readonly ulong _lo;
    private readonly ulong _hi;
    private readonly short _exponent;
    private readonly byte _digits;
    private readonly bool _negative;

    public static DynamoNumber Zero => default;

    // Trusted constructor: callers have normalised and range-checked. Asserted in Debug/CI builds.
    private DynamoNumber(bool negative, UInt128 coefficient, int exponent, int digits)
    {
#if BASALT_ASSERT
        if (coefficient == 0 ? (negative || exponent != 0 || digits != 0)
            : (coefficient % 10 == 0 || digits != DigitsOf(coefficient) || digits > SignificantDigitsMax
               || exponent + digits - 1 > AdjustedExponentMax || exponent + digits - 1 < AdjustedExponentMin))
            throw new InvalidOperationException($"DynamoNumber invariant broken: {negative} {coefficient} e{exponent} d{digits}");
#endif
        _lo = (ulong)coefficient;
        _hi = (ulong)(coefficient >> 64);
        _exponent = (short)exponent;
        _digits = (byte)digits;
        _negative = negative;
    }

    // Checked construction from parts (decoders): false unless the parts are normalised and within DynamoDB's limits.
    internal static bool TryCreate(bool negative, UInt128 coefficient, int exponent, int digits, out DynamoNumber value)
    {
        value = default;
        if (coefficient == 0)
            return !negative && exponent == 0 && digits == 0;
        if (coefficient % 10 == 0 || digits != DigitsOf(coefficient) || digits > SignificantDigitsMax)
            return false;
        int adjusted = exponent + digits - 1;
        if (adjusted > AdjustedExponentMax || adjusted < AdjustedExponentMin)
            return false;
        value = new DynamoNumber(negative, coefficient, exponent, digits);
        return true;
    }

    public UInt128 Coefficient => new(_hi, _lo);
    public int Exponent => _exponent;
    public int DigitCount => _digits;
    public bool IsZero => _digits == 0;
    public bool IsNegative => _negative;
    public int Sign => _digits == 0 ? 0 : _negative ? -1 : 1;

    // The power of ten of the leading digit (scientific-notation exponent). Zero has none; 0 is returned.
    public int AdjustedExponent => _digits == 0 ? 0 : _exponent + _digits - 1;

    public DynamoNumber Negate() => _digits == 0 ? this : new DynamoNumber(!_negative, Coefficient, _exponent, _digits);

    public static DynamoNumber FromInt64(long value)
    {
        if (value == 0)
            return default;
        bool negative = value < 0;
        UInt128 magnitude = negative ? (UInt128)(ulong)(-(value + 1)) + 1 : (ulong)value;
        int exponent = StripTrailingZeros(ref magnitude);
        return new DynamoNumber(negative, magnitude, exponent, DigitsOf(magnitude));
    }

    // The bytes DynamoDB charges for this number in an item (attribute name excluded):
    //   1 + (base-100 digits of the value, aligned to the decimal point, leading and trailing zero pairs dropped)
    //     + 1 if negative; zero costs 1.
    // This is the storage of Oracle's NUMBER, whose limits (38 digits, 1E-130 .. <1E126) DynamoDB shares: one
    // exponent byte, one byte per base-100 digit, a terminator byte for negatives. It reproduces every figure
    // measured against DynamoDB that we could find (e.g. "1.5" = 3, "15" = 2, "3.14159" = 5, "123456" = 4,
    // "100.5" = 4, "1E125" = 2, "-42" = 3, a 38-digit integer = 20) and equals dynalite's fitted formula
    // 1 + ceil(digits/2) + (digits even && exponent even ? 1 : 0) + (negative ? 1 : 0). See docs/model-numbers.md.
    public int SizeBytes
    {
        get
        {
            if (_digits == 0)
                return 1;
            int adjusted = _exponent + _digits - 1;
            // Base-100 digit i holds the decimal positions 2i and 2i+1; floor division for negative positions.
            int pairs = (adjusted >> 1) - (_exponent >> 1) + 1;
            return 1 + pairs + (_negative ? 1 : 0);
        }
    }

    public bool Equals(DynamoNumber other) =>
        _lo == other._lo && _hi == other._hi && _exponent == other._exponent && _negative == other._negative;

    public override bool Equals(object? obj) => obj is DynamoNumber other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_lo, _hi, _exponent, _negative);

    public int CompareTo(DynamoNumber other)
    {
        int sign = Sign, otherSign = other.Sign;
        if (sign != otherSign)
            return sign < otherSign ? -1 : 1;
        if (sign == 0)
            return 0;
        int magnitude = CompareMagnitude(this, other);
        return sign > 0 ? magnitude : -magnitude;
    }

    public static bool operator ==(DynamoNumber left, DynamoNumber right) => left.Equals(right);
    public static bool operator !=(DynamoNumber left, DynamoNumber right) => !left.Equals(right);
    public static bool operator <(DynamoNumber left, DynamoNumber right) => left.CompareTo(right) < 0;
    public static bool operator >(DynamoNumber left, DynamoNumber right) => left.CompareTo(right) > 0;
    public static bool operator <=(DynamoNumber left, DynamoNumber right) => left.CompareTo(right) <= 0;
    public static bool operator >=(DynamoNumber left, DynamoNumber right) => left.CompareTo(right) >= 0;

    // Both nonzero. Same leading power of ten: align both coefficients to the same digit count (at most 38 digits,
    // so the scaled one still fits in 128 bits) and compare them as integers.
    private static int CompareMagnitude(in DynamoNumber a, in DynamoNumber b)
    {
        int ea = a._exponent + a._digits, eb = b._exponent + b._digits;
        if (ea != eb)
            return ea < eb ? -1 : 1;
        if (a._digits == b._digits)
        {
            if (a._hi != b._hi)
                return a._hi < b._hi ? -1 : 1;
            return a._lo.CompareTo(b._lo);
        }
        return a._digits < b._digits
            ? (a.Coefficient * Pow10[b._digits - a._digits]).CompareTo(b.Coefficient)
            : a.Coefficient.CompareTo(b.Coefficient * Pow10[a._digits - b._digits]);
    }

    // 10^0 .. 10^38 (10^38 < 2^128 < 10^39).
    internal static readonly UInt128[] Pow10 = BuildPow10();

    // 2 * 10^38: a scaled addend at or above it makes an exact sum need more than 38 digits (Arithmetic.cs).
    // Declared after Pow10 in the same file: static initialisers run in textual order.
    internal static readonly UInt128 ScaledLimit = Pow10[SignificantDigitsMax] * 2;

    private static UInt128[] BuildPow10()
    {
        var table = new UInt128[SignificantDigitsMax + 1];
        table[0] = 1;
        for (int i = 1; i < table.Length; i++)
            table[i] = table[i - 1] * 10;
        return table;
    }

    internal static readonly ulong[] Pow10U64 =
    [
        1UL, 10UL, 100UL, 1_000UL, 10_000UL, 100_000UL, 1_000_000UL, 10_000_000UL, 100_000_000UL, 1_000_000_000UL,
        10_000_000_000UL, 100_000_000_000UL, 1_000_000_000_000UL, 10_000_000_000_000UL, 100_000_000_000_000UL,
        1_000_000_000_000_000UL, 10_000_000_000_000_000UL, 100_000_000_000_000_000UL, 1_000_000_000_000_000_000UL,
        10_000_000_000_000_000_000UL,
    ];

    // Decimal digits of a nonzero value below 2^128 (1..39); 0 for zero. log10(2) ~ 1233/4096 gives the count or
    // one less; one table compare settles it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int DigitsOf(UInt128 value)
    {
        if (value == 0)
            return 0;
        int bits = 128 - (int)UInt128.LeadingZeroCount(value);
        int estimate = (bits * 1233) >> 12;
        return estimate + (value >= Pow10[estimate] ? 1 : 0);
    }

    // Divides out trailing decimal zeros of a nonzero value; returns how many.
    internal static int StripTrailingZeros(ref UInt128 value)
    {
        int zeros = 0;
        if (value == 0)
            return 0;
        while (value > ulong.MaxValue)
        {
            UInt128 quotient = value / 10;
            if (quotient * 10 != value)
                return zeros;
            value = quotient;
            zeros++;
        }
        ulong small = (ulong)value;
        while (small % 10 == 0)
        {
            small /= 10;
            zeros++;
        }
        value = small;
        return zeros;
    }
}
