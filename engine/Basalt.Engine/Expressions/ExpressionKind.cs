namespace Basalt.Engine.Expressions;

// Which request parameter an expression came from: it names the expression in error messages
// ("Invalid ConditionExpression: ...") and selects the grammar.
public enum ExpressionKind
{
    Condition,
    Filter,
    KeyCondition,
    Update,
    Projection,
}

public static class ExpressionKindNames
{
    public static string ParameterName(this ExpressionKind kind) => kind switch
    {
        ExpressionKind.Condition => "ConditionExpression",
        ExpressionKind.Filter => "FilterExpression",
        ExpressionKind.KeyCondition => "KeyConditionExpression",
        ExpressionKind.Update => "UpdateExpression",
        _ => "ProjectionExpression",
    };
}
