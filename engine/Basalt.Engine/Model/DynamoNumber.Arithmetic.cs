namespace Basalt.Engine.Model;

// Exact + and - for UpdateExpression (SET a = b + c, SET a = b - c, ADD). DynamoDB never rounds: a result is
// either exact within the limits or a ValidationException. The messages:
//   result above 9.99..E+125                      OverflowMessage
//   result below 1E-130 (and not zero)            UnderflowMessage
//   result needing more than 38 digits            OverflowMessage, not PrecisionMessage: DynamoDB answers
//                                                 1E50 + 1 with "Number overflow" (observed by ScyllaDB's
//                                                 Alternator tests against DynamoDB, test_number.py)
//
// Why 128 bits are enough: write a = ca * 10^ea, b = cb * 10^eb and let s = |ea - eb|, m = min(ea, eb). If s > 0
// the result's lowest nonzero digit is at 10^m (the lower operand's last digit is nonzero and nothing below it
// can borrow), so an exact result needs |result| < 10^(m + 38). With the higher operand's coefficient scaled
// to 10^m, |result| >= scaled - 10^38, so scaled >= 2 * 10^38 (which covers every s > 38) already means more
// than 38 digits. Otherwise scaled < 2 * 10^38 and the sum is below 3 * 10^38 < 2^128: one exact 128-bit add or
// subtract, then strip trailing zeros (only possible when s = 0) and check digits and range.
public readonly partial struct DynamoNumber
{
    public static bool TryAdd(in DynamoNumber a, in DynamoNumber b, out DynamoNumber result, out string? error)
    {
        Status status = AddCore(a, b, out result);
        error = MessageOf(status);
        return status == Status.Ok;
    }

    public static bool TrySubtract(in DynamoNumber a, in DynamoNumber b, out DynamoNumber result, out string? error)
    {
        Status status = AddCore(a, b.Negate(), out result);
        error = MessageOf(status);
        return status == Status.Ok;
    }

    internal static Status AddCore(in DynamoNumber a, in DynamoNumber b, out DynamoNumber result)
    {
        result = default;
        if (a._digits == 0)
        {
            result = b;
            return Status.Ok;
        }
        if (b._digits == 0)
        {
            result = a;
            return Status.Ok;
        }

        bool aHigher = a._exponent >= b._exponent;
        ref readonly DynamoNumber high = ref aHigher ? ref a : ref b;
        ref readonly DynamoNumber low = ref aHigher ? ref b : ref a;
        int shift = high._exponent - low._exponent;
        int exponent = low._exponent;

        UInt128 scaled = high.Coefficient;
        if (shift > 0)
        {
            if (shift > SignificantDigitsMax || scaled >= ScaledLimit / Pow10[shift])
                return Status.Overflow; // more than 38 digits (see the header)
            scaled *= Pow10[shift];
        }

        UInt128 lowCoefficient = low.Coefficient;
        UInt128 magnitude;
        bool negative;
        if (high._negative == low._negative)
        {
            magnitude = scaled + lowCoefficient;
            negative = high._negative;
        }
        else if (scaled >= lowCoefficient)
        {
            magnitude = scaled - lowCoefficient;
            negative = high._negative;
        }
        else
        {
            magnitude = lowCoefficient - scaled;
            negative = low._negative;
        }
        if (magnitude == 0)
            return Status.Ok;

        exponent += StripTrailingZeros(ref magnitude);
        int digits = DigitsOf(magnitude);
        if (digits > SignificantDigitsMax)
            return Status.Overflow;
        int adjusted = exponent + digits - 1;
        if (adjusted > AdjustedExponentMax)
            return Status.Overflow;
        if (adjusted < AdjustedExponentMin)
            return Status.Underflow;
        result = new DynamoNumber(negative, magnitude, exponent, digits);
        return Status.Ok;
    }
}
