using System.Buffers.Binary;

namespace Basalt.Engine.Model;

// Order-preserving encodings of key attribute values: byte strings whose unsigned lexicographic order
// (memcmp, then shorter first) is DynamoDB's sort order for the type. Persisted inside every stored key: the
// formats below never change for an existing data folder. Stateless; any thread. docs/model-numbers.md is a copy
// with the rationale.
//
// An engine key is routing part (partition key) + rest (sort key). The sort key is the last component, so it needs
// no terminator; a component followed by another must be self-delimiting (prefix-free), so that one partition's
// items are contiguous and the sort key starts at a known offset.
//
// N, in any position (self-delimiting by construction):
//   zero      [0x02]
//   positive  [0x03][adjusted exponent + 130: u8][pair byte]*
//   negative  [0x01][125 - adjusted exponent: u8][255 - pair byte]*
// The coefficient's decimal digits, leading digit first, are cut into pairs (the last padded with a 0 digit when
// the count is odd); pair p (0..99) is written as 2p+1 if another pair follows and 2p if it is the last, so a
// reader finds the end without a length, and a number whose digits are a prefix of another's sorts first (its last
// byte 2p is below the other's 2p+1). Negatives invert the exponent and every pair byte, reversing the order of
// magnitudes. 1 to 21 bytes. Examples: 0 -> 02; 1 -> 03 82 14; 1.5 -> 03 82 1E; 100 -> 03 84 14; -1 -> 01 7D EB;
// 1E-130 -> 03 00 14; 9.99..E+125 (38 nines) -> 03 FF C7 x18 C6.
//
// S and B: DynamoDB orders strings by their UTF-8 bytes and binaries by unsigned bytes, so the value's own bytes
// are the order-preserving form. As the last component they are written as they are. Before another component they
// are length-prefixed: [length: u16 big-endian][bytes]. That is prefix-free, and cheaper to write and read than an
// escaped, terminated form (FoundationDB's 0x00 -> 0x00 0xFF), but orders by length first; that is acceptable
// because only the last component (the sort key) must sort: DynamoDB gives no order between partition keys, and a
// partition key is only ever matched for equality. DynamoDB's key limits (2048 / 1024 bytes) fit a u16.
//
// S and B followed by another component that must still sort (a local secondary index's sort key, followed by the
// table's sort key): escaped and terminated, FoundationDB's tuple-layer form: each 0x00 byte is written as 0x00 0xFF
// and the value ends with 0x00 0x00. Order-preserving and prefix-free: a value that is a prefix of another ends with
// 0x00 0x00 where the other continues with a byte above 0x00 or with 0x00 0xFF. At most 2n + 2 bytes.
public static class KeyEncoding
{
    public const byte NumberNegativeTag = 0x01;
    public const byte NumberZeroTag = 0x02;
    public const byte NumberPositiveTag = 0x03;

    public const int NumberKeyBytesMax = 2 + DynamoNumber.SignificantDigitsMax / 2;
    public const int LengthPrefixBytes = 2;

    public static int TerminatedLength(ReadOnlySpan<byte> value) => value.Length + value.Count((byte)0) + 2;

    // Writes the escaped, terminated form of an S or B value (above) and returns its length (TerminatedLength).
    public static int WriteTerminated(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        int at = 0;
        foreach (byte b in value)
        {
            destination[at++] = b;
            if (b == 0) destination[at++] = 0xFF;
        }
        destination[at++] = 0;
        destination[at++] = 0;
        return at;
    }

    // The escaped form without its terminator: every value that starts with `prefix` has a terminated form that
    // starts with this (begins_with on an index sort key).
    public static byte[] EscapedPrefix(ReadOnlySpan<byte> prefix)
    {
        var bytes = new byte[TerminatedLength(prefix) - 2];
        int at = 0;
        foreach (byte b in prefix)
        {
            bytes[at++] = b;
            if (b == 0) bytes[at++] = 0xFF;
        }
        return bytes;
    }

    public static int NumberKeyLength(in DynamoNumber value) => value.IsZero ? 1 : 2 + (value.DigitCount + 1) / 2;

    // Writes the key form of value at the start of destination and returns its length. destination must hold
    // NumberKeyLength(value) bytes (NumberKeyBytesMax always suffices).
    public static int WriteNumberKey(in DynamoNumber value, Span<byte> destination)
    {
        int length = NumberKeyLength(value);
        if (destination.Length < length)
            throw new ArgumentException($"a number key needs {length} bytes, the destination has {destination.Length}", nameof(destination));
        if (value.IsZero)
        {
            destination[0] = NumberZeroTag;
            return 1;
        }

        Span<byte> digits = stackalloc byte[DynamoNumber.SignificantDigitsMax + 1];
        int count = value.DigitCount;
        value.WriteDigits(digits);
        digits[count] = 0; // pad an odd count
        int pairs = (count + 1) / 2;
        byte flip = value.IsNegative ? (byte)0xFF : (byte)0x00;
        destination[0] = value.IsNegative ? NumberNegativeTag : NumberPositiveTag;
        destination[1] = (byte)((value.AdjustedExponent - DynamoNumber.AdjustedExponentMin) ^ flip);
        for (int p = 0; p < pairs; p++)
        {
            int pair = digits[2 * p] * 10 + digits[2 * p + 1];
            int encoded = 2 * pair + (p + 1 < pairs ? 1 : 0);
            destination[2 + p] = (byte)(encoded ^ flip);
        }
        return length;
    }

    // Reads a number key from the start of source. False if source does not start with a well-formed, canonical
    // number key (unknown tag, truncated, a pair byte out of range, a leading zero digit, trailing zero pairs, more
    // than 38 digits): keys are asserted at read as at write.
    public static bool TryReadNumberKey(ReadOnlySpan<byte> source, out DynamoNumber value, out int consumed)
    {
        value = default;
        consumed = 0;
        if (source.IsEmpty)
            return false;
        byte tag = source[0];
        if (tag == NumberZeroTag)
        {
            consumed = 1;
            return true;
        }
        if ((tag != NumberPositiveTag && tag != NumberNegativeTag) || source.Length < 3)
            return false;
        bool negative = tag == NumberNegativeTag;
        byte flip = negative ? (byte)0xFF : (byte)0x00;
        int adjusted = (source[1] ^ flip) + DynamoNumber.AdjustedExponentMin;

        UInt128 coefficient = 0;
        int pairs = 0;
        int last = -1;
        for (int at = 2; at < source.Length && pairs < DynamoNumber.SignificantDigitsMax / 2; at++)
        {
            int encoded = source[at] ^ flip;
            int pair = encoded >> 1;
            if (pair > 99 || (pairs == 0 && pair < 10))
                return false;
            coefficient = coefficient * 100 + (uint)pair;
            pairs++;
            if ((encoded & 1) == 0)
            {
                last = pair;
                consumed = at + 1;
                break;
            }
        }
        if (last <= 0)
            return Fail(out consumed); // truncated, longer than 19 pairs, or a trailing 00 pair
        int digits = 2 * pairs;
        if (last % 10 == 0)
        {
            coefficient /= 10;
            digits--;
        }
        return DynamoNumber.TryCreate(negative, coefficient, adjusted - digits + 1, digits, out value) || Fail(out consumed);
    }

    public static int LengthPrefixedKeyLength(int valueLength) => LengthPrefixBytes + valueLength;

    // A non-last S or B component: [length: u16 BE][bytes]. Returns the bytes written.
    public static int WriteLengthPrefixedKey(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        if (value.Length > ushort.MaxValue)
            throw new ArgumentException($"a key component is at most {ushort.MaxValue} bytes, got {value.Length}", nameof(value));
        int length = LengthPrefixBytes + value.Length;
        if (destination.Length < length)
            throw new ArgumentException($"the component needs {length} bytes, the destination has {destination.Length}", nameof(destination));
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)value.Length);
        value.CopyTo(destination[LengthPrefixBytes..]);
        return length;
    }

    public static bool TryReadLengthPrefixedKey(ReadOnlySpan<byte> source, out ReadOnlySpan<byte> value, out int consumed)
    {
        value = default;
        consumed = 0;
        if (source.Length < LengthPrefixBytes)
            return false;
        int length = BinaryPrimitives.ReadUInt16BigEndian(source);
        if (source.Length < LengthPrefixBytes + length)
            return false;
        value = source.Slice(LengthPrefixBytes, length);
        consumed = LengthPrefixBytes + length;
        return true;
    }

    private static bool Fail(out int consumed)
    {
        consumed = 0;
        return false;
    }
}
