using System.Text;

namespace Basalt.Engine.Expressions;

// Operands of conditions and SET actions. Immutable. ToString renders a canonical, fully parenthesised form
// used by tests and diagnostics (values as their :placeholder, paths resolved).
public abstract class Operand
{
    private protected Operand() { }
}

public sealed class PathOperand(DocumentPath path) : Operand
{
    public DocumentPath Path { get; } = path;
    public override string ToString() => Path.ToString();
}

// An ExpressionAttributeValues placeholder; the value itself is bound by the evaluator.
public sealed class ValueOperand(string placeholder) : Operand
{
    public string Placeholder { get; } = placeholder;
    public override string ToString() => Placeholder;
}

// size(path): only as an operand of a comparison, BETWEEN or IN.
public sealed class SizeOperand(Operand argument) : Operand
{
    public Operand Argument { get; } = argument;
    public override string ToString() => $"size({Argument})";
}

// if_not_exists(path, operand): SET only.
public sealed class IfNotExistsOperand(DocumentPath path, Operand fallback) : Operand
{
    public DocumentPath Path { get; } = path;
    public Operand Fallback { get; } = fallback;
    public override string ToString() => $"if_not_exists({Path}, {Fallback})";
}

// list_append(first, second): SET only.
public sealed class ListAppendOperand(Operand first, Operand second) : Operand
{
    public Operand First { get; } = first;
    public Operand Second { get; } = second;
    public override string ToString() => $"list_append({First}, {Second})";
}

public enum ArithmeticOperator { Plus, Minus }

// operand + operand, operand - operand: the right-hand side of a SET action only.
public sealed class ArithmeticOperand(ArithmeticOperator op, Operand left, Operand right) : Operand
{
    public ArithmeticOperator Operator { get; } = op;
    public Operand Left { get; } = left;
    public Operand Right { get; } = right;
    public override string ToString() => $"({Left} {(Operator == ArithmeticOperator.Plus ? '+' : '-')} {Right})";
}

// The parser's view of a call before it knows what the call is; never escapes the parser.
internal sealed class CallOperand(string name, Operand[] arguments) : Operand
{
    public string Name { get; } = name;
    public Operand[] Arguments { get; } = arguments;

    public override string ToString()
    {
        var sb = new StringBuilder(Name).Append('(');
        for (int i = 0; i < Arguments.Length; i++) sb.Append(i > 0 ? ", " : "").Append(Arguments[i]);
        return sb.Append(')').ToString();
    }
}
