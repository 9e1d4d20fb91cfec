using System.Text;
using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using CsCheck;
using static Basalt.Tests.Expressions.EvalKit;

namespace Basalt.Tests.Expressions;

// The in-place evaluator against a naive interpreter over the managed form, for random items and random
// conditions drawn from a small pool of names and values (so that equal values, type clashes and missing
// paths all come up often). Conditions the evaluator refuses up front (literal type errors, BETWEEN bounds)
// are skipped; everything else must agree. CsCheck prints its seed on failure (CsCheck_Seed replays it).
public class ConditionEvaluatorPropertyTests
{
    private static readonly string[] Names = ["a", "b", "c", "d"];

    private static readonly Gen<AttributeValue> Scalar = Gen.OneOf(
        Gen.OneOfConst("", "x", "xy", "y", "\u00e9").Select(AttributeValue.String),
        Gen.OneOfConst("1", "2", "10", "-1", "0.5").Select(AttributeValue.Number),
        Gen.OneOfConst<byte[]>([], [1], [1, 2], [255]).Select(b => AttributeValue.Binary(b)),
        Gen.Bool.Select(AttributeValue.Bool),
        Gen.Const(AttributeValue.Null),
        Gen.OneOfConst<string[]>(["x"], ["x", "y"], ["y"]).Select(AttributeValue.StringSet),
        Gen.OneOfConst<string[]>(["1"], ["1", "2"], ["10"]).Select(AttributeValue.NumberSet),
        Gen.OneOfConst<byte[][]>([[1]], [[1], [2]]).Select(AttributeValue.BinarySet));

    private static readonly Gen<AttributeValue> Value = Gen.Frequency(
        (6, Scalar),
        (1, Scalar.Array[0, 3].Select(AttributeValue.List)),
        (1, Scalar.Array[2].Select(v => AttributeValue.Map([new("a", v[0]), new("b", v[1])]))));

    private static readonly Gen<Dictionary<string, AttributeValue>> Items =
        Value.Array[4].Select(Gen.Bool.Array[4], (values, present) =>
            Enumerable.Range(0, 4).Where(i => present[i]).ToDictionary(i => Names[i], i => values[i], StringComparer.Ordinal));

    private static readonly Gen<string> Path = Gen.OneOfConst("a", "b", "c", "d", "a.a", "b.b", "a[0]", "c[1]", "d.a");
    private static readonly Gen<string> Literal = Gen.OneOfConst(":v0", ":v1", ":v2", ":v3");
    private static readonly Gen<string> OperandText = Gen.Frequency((3, Path), (3, Literal), (1, Path.Select(p => $"size({p})")));

    private static readonly Gen<string> Conditions = Gen.Recursive<string>((depth, inner) =>
    {
        var leaf = Gen.OneOf(
            Gen.Select(OperandText, Gen.OneOfConst("=", "<>", "<", "<=", ">", ">="), OperandText, (l, op, r) => $"{l} {op} {r}"),
            Gen.Select(OperandText, Literal, Literal, (s, lo, hi) => $"{s} BETWEEN {lo} AND {hi}"),
            Gen.Select(OperandText, Literal, Literal, (s, x, y) => $"{s} IN ({x}, {y})"),
            Path.Select(p => $"attribute_exists({p})"),
            Path.Select(p => $"attribute_not_exists({p})"),
            Gen.Select(Path, Literal, (p, v) => $"begins_with({p}, {v})"),
            Gen.Select(Path, Literal, (p, v) => $"contains({p}, {v})"),
            Gen.Select(Path, Gen.OneOfConst("S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"), (p, t) => $"attribute_type({p}, :t{t})"));
        return depth >= 3
            ? leaf
            : Gen.Frequency(
                (4, leaf),
                (1, Gen.Select(inner, inner, (l, r) => $"({l}) AND ({r})")),
                (1, Gen.Select(inner, inner, (l, r) => $"({l}) OR ({r})")),
                (1, inner.Select(c => $"NOT ({c})")));
    });

    private static readonly string[] TypeNames = ["S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"];

    [Fact]
    public void Evaluator_agrees_with_a_naive_interpreter()
    {
        int evaluated = 0;
        Gen.Select(Items, Scalar.Array[4], Conditions).Sample((item, literals, text) =>
        {
            var values = new List<(string, AttributeValue)>();
            for (int i = 0; i < 4; i++) values.Add(($":v{i}", literals[i]));
            foreach (var t in TypeNames) values.Add(($":t{t}", AttributeValue.String(t)));
            var (attributes, bound) = Bind(values.ToArray());
            Condition condition;
            ConditionEvaluator evaluator;
            try
            {
                condition = ExpressionParser.ParseCondition(text, attributes);
                evaluator = new ConditionEvaluator(condition, bound);
            }
            catch (ExpressionException)
            {
                return true;
            }
            var encoded = ItemCodec.Encode(item);
            var managedValues = values.ToDictionary(v => v.Item1, v => v.Item2);
            Interlocked.Increment(ref evaluated);
            return evaluator.Evaluate(encoded) == new Naive(item, managedValues).Eval(condition);
        }, iter: 3000);
        // Most random conditions get past the up-front checks, so the comparison is not vacuous.
        Assert.True(evaluated > 1500, $"only {evaluated} of 3000 conditions evaluated");
    }

    // The specification, written out directly over AttributeValue.
    private sealed class Naive(Dictionary<string, AttributeValue> item, Dictionary<string, AttributeValue> values)
    {
        public bool Eval(Condition c) => c switch
        {
            AndCondition a => Eval(a.Left) && Eval(a.Right),
            OrCondition o => Eval(o.Left) || Eval(o.Right),
            NotCondition n => !Eval(n.Operand),
            ComparisonCondition x => Compare(x.Operator, Get(x.Left), Get(x.Right)),
            BetweenCondition b => Compare(Comparator.GreaterOrEqual, Get(b.Subject), Get(b.Lower))
                                  && Compare(Comparator.LessOrEqual, Get(b.Subject), Get(b.Upper)),
            InCondition i => Get(i.Subject) is { } s && i.Candidates.Any(k => Get(k) is { } v && s.Equals(v)),
            FunctionCondition f => Function(f),
            _ => throw new InvalidOperationException(),
        };

        private bool Function(FunctionCondition f)
        {
            var a = Get(f.Arguments[0]);
            var b = f.Arguments.Count > 1 ? Get(f.Arguments[1]) : null;
            switch (f.Function)
            {
                case ConditionFunction.AttributeExists: return a is not null;
                case ConditionFunction.AttributeNotExists: return a is null;
                case ConditionFunction.AttributeType: return a is not null && a.Type.WireName() == b!.AsString();
                case ConditionFunction.BeginsWith:
                    if (a is null || b is null || a.Type != b.Type) return false;
                    if (a.Type == AttributeType.S) return Encoding.UTF8.GetBytes(a.AsString()).AsSpan().StartsWith(Encoding.UTF8.GetBytes(b.AsString()));
                    return a.Type == AttributeType.B && a.AsBinary().Span.StartsWith(b.AsBinary().Span);
                default:
                    if (a is null || b is null) return false;
                    return a.Type switch
                    {
                        AttributeType.S => b.Type == AttributeType.S && a.AsString().Contains(b.AsString(), StringComparison.Ordinal),
                        AttributeType.B => b.Type == AttributeType.B && a.AsBinary().Span.IndexOf(b.AsBinary().Span) >= 0,
                        AttributeType.SS => b.Type == AttributeType.S && a.AsStringSet().Contains(b.AsString()),
                        AttributeType.NS => b.Type == AttributeType.N && a.AsNumberSet().Contains(b.AsNumber()),
                        AttributeType.BS => b.Type == AttributeType.B && a.AsBinarySet().Any(m => m.Span.SequenceEqual(b.AsBinary().Span)),
                        AttributeType.L => a.AsList().Contains(b),
                        _ => false,
                    };
            }
        }

        private static bool Compare(Comparator op, AttributeValue? a, AttributeValue? b)
        {
            if (op == Comparator.Equal) return a is not null && b is not null && a.Equals(b);
            if (op == Comparator.NotEqual) return !(a is not null && b is not null && a.Equals(b));
            if (a is null || b is null || a.Type != b.Type) return false;
            int c;
            switch (a.Type)
            {
                case AttributeType.N: c = DynamoNumber.Parse(a.AsNumber()).CompareTo(DynamoNumber.Parse(b.AsNumber())); break;
                case AttributeType.S: c = Encoding.UTF8.GetBytes(a.AsString()).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b.AsString())); break;
                case AttributeType.B: c = a.AsBinary().Span.SequenceCompareTo(b.AsBinary().Span); break;
                default: return false;
            }
            return op switch
            {
                Comparator.Less => c < 0,
                Comparator.LessOrEqual => c <= 0,
                Comparator.Greater => c > 0,
                _ => c >= 0,
            };
        }

        private AttributeValue? Get(Operand operand)
        {
            switch (operand)
            {
                case ValueOperand v: return values[v.Placeholder];
                case SizeOperand s:
                {
                    var x = Get(s.Argument);
                    int? size = x?.Type switch
                    {
                        AttributeType.S => Encoding.UTF8.GetByteCount(x.AsString()),
                        AttributeType.B => x.AsBinary().Length,
                        AttributeType.SS => x.AsStringSet().Count,
                        AttributeType.NS => x.AsNumberSet().Count,
                        AttributeType.BS => x.AsBinarySet().Count,
                        AttributeType.L => x.AsList().Count,
                        AttributeType.M => x.AsMap().Count,
                        _ => null,
                    };
                    return size is null ? null : AttributeValue.Number(size.Value.ToString());
                }
                case PathOperand p:
                {
                    var elements = p.Path.Elements;
                    if (!item.TryGetValue(elements[0].Name!, out var current)) return null;
                    for (int i = 1; i < elements.Length; i++)
                    {
                        var step = elements[i];
                        if (step.IsIndex)
                        {
                            if (current.Type != AttributeType.L || step.Index >= current.AsList().Count) return null;
                            current = current.AsList()[step.Index];
                        }
                        else if (current.Type != AttributeType.M || !current.AsMap().TryGetValue(step.Name!, out current)) return null;
                    }
                    return current;
                }
                default: throw new InvalidOperationException();
            }
        }
    }
}
