using System.Text;

namespace Basalt.Engine.Expressions;

// The AST of ConditionExpression / FilterExpression (and of KeyConditionExpression before it is narrowed to
// KeyCondition). Immutable. ToString renders a canonical, fully parenthesised form, so tests can see
// precedence: "a = :x OR b = :y AND NOT c = :z" renders "((a = :x) OR ((b = :y) AND (NOT (c = :z))))".
public abstract class Condition
{
    private protected Condition() { }
}

public enum Comparator { Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual }

public static class ComparatorText
{
    public static string Symbol(this Comparator c) => c switch
    {
        Comparator.Equal => "=",
        Comparator.NotEqual => "<>",
        Comparator.Less => "<",
        Comparator.LessOrEqual => "<=",
        Comparator.Greater => ">",
        _ => ">=",
    };
}

public sealed class ComparisonCondition(Comparator op, Operand left, Operand right) : Condition
{
    public Comparator Operator { get; } = op;
    public Operand Left { get; } = left;
    public Operand Right { get; } = right;
    public override string ToString() => $"({Left} {Operator.Symbol()} {Right})";
}

public sealed class BetweenCondition(Operand subject, Operand lower, Operand upper) : Condition
{
    public Operand Subject { get; } = subject;
    public Operand Lower { get; } = lower;
    public Operand Upper { get; } = upper;
    public override string ToString() => $"({Subject} BETWEEN {Lower} AND {Upper})";
}

public sealed class InCondition(Operand subject, Operand[] candidates) : Condition
{
    private readonly Operand[] _candidates = candidates;
    public Operand Subject { get; } = subject;
    public IReadOnlyList<Operand> Candidates => _candidates;

    public override string ToString()
    {
        var sb = new StringBuilder("(").Append(Subject).Append(" IN (");
        for (int i = 0; i < _candidates.Length; i++) sb.Append(i > 0 ? ", " : "").Append(_candidates[i]);
        return sb.Append("))").ToString();
    }
}

public enum ConditionFunction { AttributeExists, AttributeNotExists, AttributeType, BeginsWith, Contains }

// attribute_exists(path), attribute_not_exists(path): one argument, a path.
// attribute_type(operand, :type), begins_with(operand, operand), contains(operand, operand): two arguments.
public sealed class FunctionCondition(ConditionFunction function, Operand[] arguments) : Condition
{
    private readonly Operand[] _arguments = arguments;
    public ConditionFunction Function { get; } = function;
    public IReadOnlyList<Operand> Arguments => _arguments;

    public static string NameOf(ConditionFunction f) => f switch
    {
        ConditionFunction.AttributeExists => "attribute_exists",
        ConditionFunction.AttributeNotExists => "attribute_not_exists",
        ConditionFunction.AttributeType => "attribute_type",
        ConditionFunction.BeginsWith => "begins_with",
        _ => "contains",
    };

    public override string ToString()
    {
        var sb = new StringBuilder(NameOf(Function)).Append('(');
        for (int i = 0; i < _arguments.Length; i++) sb.Append(i > 0 ? ", " : "").Append(_arguments[i]);
        return sb.Append(')').ToString();
    }
}

public sealed class AndCondition(Condition left, Condition right) : Condition
{
    public Condition Left { get; } = left;
    public Condition Right { get; } = right;
    public override string ToString() => $"({Left} AND {Right})";
}

public sealed class OrCondition(Condition left, Condition right) : Condition
{
    public Condition Left { get; } = left;
    public Condition Right { get; } = right;
    public override string ToString() => $"({Left} OR {Right})";
}

public sealed class NotCondition(Condition operand) : Condition
{
    public Condition Operand { get; } = operand;
    public override string ToString() => $"(NOT {Operand})";
}
