namespace Basalt.Engine.Expressions;

public enum KeyOperator { Equal, Less, LessOrEqual, Greater, GreaterOrEqual, Between, BeginsWith }

// One condition of a KeyConditionExpression: attribute OP :value (BETWEEN: :value AND :upperValue).
// AttributeName is resolved (#placeholders replaced); values are their :placeholders.
public sealed class KeyConditionPart(string attributeName, KeyOperator op, string value, string? upperValue = null)
{
    public string AttributeName { get; } = attributeName;
    public KeyOperator Operator { get; } = op;
    public string Value { get; } = value;
    public string? UpperValue { get; } = upperValue;

    public override string ToString() => Operator switch
    {
        KeyOperator.Between => $"{AttributeName} BETWEEN {Value} AND {UpperValue}",
        KeyOperator.BeginsWith => $"begins_with({AttributeName}, {Value})",
        KeyOperator.Equal => $"{AttributeName} = {Value}",
        KeyOperator.Less => $"{AttributeName} < {Value}",
        KeyOperator.LessOrEqual => $"{AttributeName} <= {Value}",
        KeyOperator.Greater => $"{AttributeName} > {Value}",
        _ => $"{AttributeName} >= {Value}",
    };
}

// A KeyConditionExpression narrowed to DynamoDB's form: one or two conditions on distinct top-level
// attributes, joined by AND, each `attr = :v`, `attr < :v` (<=, >, >=), `attr BETWEEN :a AND :b` or
// `begins_with(attr, :v)`. Which attribute is the partition key is decided by Bind, which takes the key
// schema (the Query layer knows it; the parser does not). Immutable.
public sealed class KeyCondition
{
    private readonly KeyConditionPart[] _parts;

    internal KeyCondition(Condition ast, KeyConditionPart[] parts)
    {
        Ast = ast;
        _parts = parts;
    }

    public Condition Ast { get; }
    public IReadOnlyList<KeyConditionPart> Parts => _parts;

    // Narrows a parsed condition to the key-condition form, or throws DynamoDB's message.
    internal static KeyCondition From(Condition ast)
    {
        var parts = new List<KeyConditionPart>(2);
        Collect(ast, parts);
        if (parts.Count > 2) throw new ExpressionException("Conditions can be of length 1 or 2 only");
        if (parts.Count == 2 && parts[0].AttributeName == parts[1].AttributeName)
            throw new ExpressionException("KeyConditionExpressions must only contain one condition per key");
        return new KeyCondition(ast, parts.ToArray());
    }

    private static void Collect(Condition condition, List<KeyConditionPart> parts)
    {
        switch (condition)
        {
            case AndCondition and:
                Collect(and.Left, parts);
                Collect(and.Right, parts);
                return;
            case OrCondition:
                throw InvalidOperator("OR");
            case NotCondition:
                throw InvalidOperator("NOT");
            case InCondition:
                throw InvalidOperator("IN");
            case ComparisonCondition c:
            {
                if (c.Operator == Comparator.NotEqual) throw InvalidOperator("<>");
                var op = c.Operator switch
                {
                    Comparator.Equal => KeyOperator.Equal,
                    Comparator.Less => KeyOperator.Less,
                    Comparator.LessOrEqual => KeyOperator.LessOrEqual,
                    Comparator.Greater => KeyOperator.Greater,
                    _ => KeyOperator.GreaterOrEqual,
                };
                if (c.Left is PathOperand && c.Right is PathOperand)
                    throw new ExpressionException("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition");
                if (c.Left is ValueOperand leftValue && c.Right is PathOperand)
                {
                    // :v < sk reads as sk > :v.
                    op = op switch
                    {
                        KeyOperator.Less => KeyOperator.Greater,
                        KeyOperator.LessOrEqual => KeyOperator.GreaterOrEqual,
                        KeyOperator.Greater => KeyOperator.Less,
                        KeyOperator.GreaterOrEqual => KeyOperator.LessOrEqual,
                        _ => op,
                    };
                    parts.Add(new KeyConditionPart(KeyName(c.Right), op, leftValue.Placeholder));
                    return;
                }
                parts.Add(new KeyConditionPart(KeyName(c.Left), op, ValueOf(c.Right)));
                return;
            }
            case BetweenCondition b:
                parts.Add(new KeyConditionPart(KeyName(b.Subject), KeyOperator.Between, ValueOf(b.Lower), ValueOf(b.Upper)));
                return;
            case FunctionCondition f when f.Function == ConditionFunction.BeginsWith:
                parts.Add(new KeyConditionPart(KeyName(f.Arguments[0]), KeyOperator.BeginsWith, ValueOf(f.Arguments[1])));
                return;
            case FunctionCondition f:
                throw InvalidOperator(FunctionCondition.NameOf(f.Function));
            default:
                throw new ExpressionException("Query key condition not supported");
        }
    }

    private static string KeyName(Operand operand) => operand switch
    {
        PathOperand { Path.IsTopLevel: true } p => p.Path.TopLevelName,
        PathOperand => throw new ExpressionException("KeyConditionExpressions cannot have conditions on nested attributes"),
        SizeOperand => throw InvalidOperator("size"),
        _ => throw new ExpressionException("Invalid condition in KeyConditionExpression: No key attribute specified"),
    };

    private static string ValueOf(Operand operand) => operand switch
    {
        ValueOperand v => v.Placeholder,
        PathOperand => throw new ExpressionException("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
        SizeOperand => throw InvalidOperator("size"),
        _ => throw new ExpressionException("Query key condition not supported"),
    };

    private static ExpressionException InvalidOperator(string op) => new($"Invalid operator used in KeyConditionExpression: {op}");

    // Binds the parts to a table's or index's key schema: the partition key by equality, the sort key (if the
    // schema has one and the expression names it) by any key operator. Throws DynamoDB's Query messages.
    public KeyConditionBinding Bind(string partitionKeyName, string? sortKeyName)
    {
        KeyConditionPart? partition = null, sort = null;
        bool unknown = false;
        foreach (var part in _parts)
        {
            if (part.AttributeName == partitionKeyName) partition = part;
            else if (sortKeyName is not null && part.AttributeName == sortKeyName) sort = part;
            else unknown = true;
        }
        if (partition is null) throw new ExpressionException($"Query condition missed key schema element: {partitionKeyName}");
        if (unknown)
        {
            if (sortKeyName is not null && sort is null)
                throw new ExpressionException($"Query condition missed key schema element: {sortKeyName}");
            throw new ExpressionException("Query key condition not supported");
        }
        if (partition.Operator != KeyOperator.Equal) throw new ExpressionException("Query key condition not supported");
        return new KeyConditionBinding(partition, sort);
    }
}

// A key condition bound to a key schema: the partition key's equality and the optional sort-key condition.
public sealed record KeyConditionBinding(KeyConditionPart Partition, KeyConditionPart? Sort);
