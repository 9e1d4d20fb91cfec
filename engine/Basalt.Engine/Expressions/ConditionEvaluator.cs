using Basalt.Engine.Model;

namespace Basalt.Engine.Expressions;

// Evaluates a ConditionExpression or FilterExpression against items in the item encoding, in place: paths
// are resolved through ItemReader's views, :values are read from ExpressionValues' encoded form, so the
// common comparisons allocate nothing. Built once per request (the constructor checks the literal operands
// as DynamoDB does before it reads any item, and throws ExpressionException), then Evaluate runs once per
// item (a Query's filter) from the request's thread. Immutable after construction.
//
// DynamoDB's typing:
//   - =, <>: values of different types are not equal; M, L and sets compare structurally. A missing operand
//     makes = false and <> true (DynamoDB treats a missing attribute as different from any value).
//   - <, <=, >, >=, BETWEEN: only S (UTF-8 bytes, i.e. code point order), N (numerically, DynamoNumber) and
//     B (unsigned bytes) are ordered, and only against the same type; anything else, or a missing operand,
//     is false. A literal of another type is an error before evaluation.
//   - IN: true when the subject equals any candidate.
//   - size(path): S its UTF-8 length in bytes, B its bytes, sets, L and M their element count; any other type,
//     or a missing path, is a missing operand.
//   - begins_with: S on S, B on B; contains: S substring of S, B of B, set membership (member type must match),
//     list element equality.
// What it does not do: check that a FilterExpression avoids key attributes (the Query layer knows the keys).
public sealed class ConditionEvaluator
{
    private static readonly byte[] EmptyItem = [ItemFormat.Version, 0, 0, 0, 0];

    internal static readonly string[] TypeNames = ["B", "BOOL", "BS", "L", "M", "N", "NS", "NULL", "S", "SS"];

    private readonly Condition _condition;
    private readonly ExpressionValues _values;
    private readonly ExpressionKind _kind;

    public ConditionEvaluator(Condition condition, ExpressionValues values, ExpressionKind kind = ExpressionKind.Condition)
    {
        _condition = condition;
        _values = values;
        _kind = kind;
        Check(condition);
    }

    public Condition Condition => _condition;

    // item: an encoded item, or empty when there is no item (a conditional write of a new item): every path
    // is then missing.
    public bool Evaluate(ReadOnlySpan<byte> item)
    {
        var reader = new ItemReader(item.IsEmpty ? EmptyItem : item);
        return Evaluate(_condition, reader.Attributes);
    }

    private bool Evaluate(Condition condition, MapView item)
    {
        switch (condition)
        {
            case ComparisonCondition c:
            {
                var left = Resolve(c.Left, item);
                var right = Resolve(c.Right, item);
                return c.Operator switch
                {
                    Comparator.Equal => Equal(left, right),
                    Comparator.NotEqual => !Equal(left, right),
                    Comparator.Less => Compare(left, right, out int r) && r < 0,
                    Comparator.LessOrEqual => Compare(left, right, out int r) && r <= 0,
                    Comparator.Greater => Compare(left, right, out int r) && r > 0,
                    _ => Compare(left, right, out int r) && r >= 0,
                };
            }
            case BetweenCondition b:
            {
                var subject = Resolve(b.Subject, item);
                return Compare(subject, Resolve(b.Lower, item), out int low) && low >= 0
                    && Compare(subject, Resolve(b.Upper, item), out int high) && high <= 0;
            }
            case InCondition i:
            {
                var subject = Resolve(i.Subject, item);
                if (!subject.Found) return false;
                var candidates = i.Candidates;
                for (int k = 0; k < candidates.Count; k++)   // not foreach: an interface enumerator allocates
                    if (Equal(subject, Resolve(candidates[k], item))) return true;
                return false;
            }
            case FunctionCondition f:
                return EvaluateFunction(f, item);
            case AndCondition a:
                return Evaluate(a.Left, item) && Evaluate(a.Right, item);
            case OrCondition o:
                return Evaluate(o.Left, item) || Evaluate(o.Right, item);
            case NotCondition n:
                return !Evaluate(n.Operand, item);
            default:
                throw new InvalidOperationException($"unknown condition {condition.GetType().Name}");
        }
    }

    private bool EvaluateFunction(FunctionCondition f, MapView item)
    {
        var args = f.Arguments;
        switch (f.Function)
        {
            case ConditionFunction.AttributeExists:
                return Resolve(args[0], item).Found;
            case ConditionFunction.AttributeNotExists:
                return !Resolve(args[0], item).Found;
            case ConditionFunction.AttributeType:
            {
                var subject = Resolve(args[0], item);
                var type = Resolve(args[1], item);
                if (!subject.Found || subject.IsSize || !type.Found || type.IsSize || type.View.Type != AttributeType.S) return false;
                return type.View.Bytes.SequenceEqual(WireNameUtf8(subject.View.Type));
            }
            case ConditionFunction.BeginsWith:
            {
                var subject = Resolve(args[0], item);
                var prefix = Resolve(args[1], item);
                if (!subject.Found || subject.IsSize || !prefix.Found || prefix.IsSize) return false;
                if (subject.View.Type != prefix.View.Type || subject.View.Type is not (AttributeType.S or AttributeType.B)) return false;
                return subject.View.Bytes.StartsWith(prefix.View.Bytes);
            }
            default:
            {
                var container = Resolve(args[0], item);
                var element = Resolve(args[1], item);
                if (!container.Found || container.IsSize || !element.Found) return false;
                return Contains(container.View, element);
            }
        }
    }

    private static bool Contains(AttributeView container, Operand element)
    {
        var type = container.Type;
        if (type is AttributeType.S or AttributeType.B)
            return !element.IsSize && element.View.Type == type && container.Bytes.IndexOf(element.View.Bytes) >= 0;
        if (type.IsSet())
        {
            if (element.IsSize) return type == AttributeType.NS && container.AsSet().Contains(SizeText(element.Size, stackalloc byte[20]));
            return element.View.Type == type.MemberType() && container.AsSet().Contains(element.View.Bytes);
        }
        if (type == AttributeType.L)
        {
            var list = container.AsList();
            for (int i = 0; i < list.Count; i++)
                if (Equal(new Operand(list[i]), element)) return true;
        }
        return false;
    }

    private static ReadOnlySpan<byte> SizeText(long size, Span<byte> buffer)
    {
        System.Buffers.Text.Utf8Formatter.TryFormat(size, buffer, out int written);
        return buffer[..written];
    }

    private static bool Equal(Operand a, Operand b)
    {
        if (!a.Found || !b.Found) return false;
        if (a.IsSize || b.IsSize)
        {
            if (a.IsSize && b.IsSize) return a.Size == b.Size;
            return Compare(a, b, out int r) && r == 0;
        }
        return EncodedValue.AreEqual(a.View, b.View);
    }

    // False when the two are not both present and of one ordered type.
    private static bool Compare(Operand a, Operand b, out int result)
    {
        result = 0;
        if (!a.Found || !b.Found) return false;
        if (a.IsSize || b.IsSize)
        {
            if (a.IsSize && b.IsSize)
            {
                result = a.Size.CompareTo(b.Size);
                return true;
            }
            var other = a.IsSize ? b.View : a.View;
            if (other.Type != AttributeType.N) return false;
            var size = DynamoNumber.FromInt64(a.IsSize ? a.Size : b.Size);
            var number = EncodedValue.ParseNumber(other.Bytes);
            result = a.IsSize ? size.CompareTo(number) : number.CompareTo(size);
            return true;
        }
        if (a.View.Type != b.View.Type || !EncodedValue.IsOrdered(a.View.Type)) return false;
        result = EncodedValue.CompareOrdered(a.View, b.View);
        return true;
    }

    private Operand Resolve(Expressions.Operand operand, MapView item)
    {
        switch (operand)
        {
            case PathOperand p:
                return EncodedValue.TryResolve(item, p.Path, out var value) ? new Operand(value) : default;
            case ValueOperand v:
                return new Operand(_values.Get(v.Placeholder));
            case SizeOperand s:
            {
                var subject = Resolve(s.Argument, item);
                if (!subject.Found || subject.IsSize) return default;
                var view = subject.View;
                return view.Type switch
                {
                    AttributeType.S or AttributeType.B => Operand.OfSize(view.Bytes.Length),
                    AttributeType.M or AttributeType.L or AttributeType.SS or AttributeType.NS or AttributeType.BS => Operand.OfSize(view.Count),
                    _ => default,
                };
            }
            default:
                throw new InvalidOperationException($"operand {operand} not allowed in a condition");
        }
    }

    private static ReadOnlySpan<byte> WireNameUtf8(AttributeType type) => type switch
    {
        AttributeType.S => "S"u8,
        AttributeType.N => "N"u8,
        AttributeType.B => "B"u8,
        AttributeType.Bool => "BOOL"u8,
        AttributeType.Null => "NULL"u8,
        AttributeType.M => "M"u8,
        AttributeType.L => "L"u8,
        AttributeType.SS => "SS"u8,
        AttributeType.NS => "NS"u8,
        _ => "BS"u8,
    };

    // A resolved operand: an encoded value, a size() result, or missing (default).
    private readonly ref struct Operand
    {
        public readonly AttributeView View;
        public readonly long Size;
        public readonly bool Found;
        public readonly bool IsSize;

        public Operand(AttributeView view)
        {
            View = view;
            Found = true;
        }

        private Operand(long size)
        {
            Size = size;
            Found = true;
            IsSize = true;
        }

        public static Operand OfSize(long size) => new(size);
    }

    // --- Checks of literal operands, made once before any item is read (DynamoDB's order: depth first, left
    // to right).

    private void Check(Condition condition)
    {
        switch (condition)
        {
            case ComparisonCondition c:
                if (c.Operator is not (Comparator.Equal or Comparator.NotEqual))
                {
                    CheckOrdered(c.Operator.Symbol(), c.Left);
                    CheckOrdered(c.Operator.Symbol(), c.Right);
                }
                break;
            case BetweenCondition b:
                CheckOrdered("BETWEEN", b.Subject);
                CheckOrdered("BETWEEN", b.Lower);
                CheckOrdered("BETWEEN", b.Upper);
                if (b.Lower is ValueOperand lo && b.Upper is ValueOperand hi)
                {
                    var low = _values.Get(lo.Placeholder);
                    var high = _values.Get(hi.Placeholder);
                    if (low.Type != high.Type)
                        throw Error("The BETWEEN operator requires same data type for lower and upper bounds; " +
                                    $"lower bound operand: {ExpressionValues.Render(low)}, upper bound operand: {ExpressionValues.Render(high)}");
                    if (EncodedValue.CompareOrdered(low, high) > 0)
                        throw Error("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; " +
                                    $"lower bound operand: {ExpressionValues.Render(low)}, upper bound operand: {ExpressionValues.Render(high)}");
                }
                break;
            case FunctionCondition f:
                if (f.Function == ConditionFunction.BeginsWith)
                {
                    foreach (var argument in f.Arguments)
                        if (argument is ValueOperand v && _values.Get(v.Placeholder).Type is not (AttributeType.S or AttributeType.B))
                            throw IncorrectOperand("begins_with", _values.Get(v.Placeholder).Type);
                }
                else if (f.Function == ConditionFunction.AttributeType && f.Arguments[1] is ValueOperand t)
                {
                    var type = _values.Get(t.Placeholder);
                    if (type.Type != AttributeType.S) throw IncorrectOperand("attribute_type", type.Type);
                    string name = System.Text.Encoding.UTF8.GetString(type.Bytes);
                    if (Array.IndexOf(TypeNames, name) < 0)
                        throw Error($"Invalid attribute type name found; type: {name}, valid types: {{ B; BOOL; BS; L; M; N; NS; NULL; S; SS }}");
                }
                break;
            case AndCondition a:
                Check(a.Left);
                Check(a.Right);
                break;
            case OrCondition o:
                Check(o.Left);
                Check(o.Right);
                break;
            case NotCondition n:
                Check(n.Operand);
                break;
        }
    }

    private void CheckOrdered(string op, Expressions.Operand operand)
    {
        if (operand is ValueOperand v)
        {
            var type = _values.Get(v.Placeholder).Type;
            if (!EncodedValue.IsOrdered(type)) throw IncorrectOperand(op, type);
        }
    }

    private ExpressionException IncorrectOperand(string op, AttributeType type) =>
        Error($"Incorrect operand type for operator or function; operator or function: {op}, operand type: {type.WireName()}");

    private ExpressionException Error(string message) => new($"Invalid {_kind.ParameterName()}: {message}");
}
