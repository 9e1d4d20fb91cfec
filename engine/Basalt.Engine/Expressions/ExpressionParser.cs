namespace Basalt.Engine.Expressions;

// The entry points: parse one expression of a request against that request's ExpressionAttributes.
// Each either returns an immutable AST or throws ExpressionException with DynamoDB's ValidationException
// message; no other exception escapes, whatever the text. Thread-safe (no shared mutable state); the
// ExpressionAttributes instance belongs to one request.
//
//   var attributes = new ExpressionAttributes(request.Names, request.Values?.Keys);
//   var update = ExpressionParser.ParseUpdate(request.UpdateExpression, attributes);
//   var condition = ExpressionParser.ParseCondition(request.ConditionExpression, attributes);
//   attributes.CheckAllUsed();
public static class ExpressionParser
{
    public static Condition ParseCondition(ReadOnlySpan<char> text, ExpressionAttributes attributes) =>
        Condition(text, ExpressionKind.Condition, attributes);

    public static Condition ParseFilter(ReadOnlySpan<char> text, ExpressionAttributes attributes) =>
        Condition(text, ExpressionKind.Filter, attributes);

    public static KeyCondition ParseKeyCondition(ReadOnlySpan<char> text, ExpressionAttributes attributes) =>
        KeyCondition.From(Condition(text, ExpressionKind.KeyCondition, attributes));

    public static UpdateExpression ParseUpdate(ReadOnlySpan<char> text, ExpressionAttributes attributes)
    {
        attributes.NoteExpressionParsed();
        return new Parser(text, ExpressionKind.Update, attributes).ParseUpdate();
    }

    public static ProjectionExpression ParseProjection(ReadOnlySpan<char> text, ExpressionAttributes attributes)
    {
        attributes.NoteExpressionParsed();
        return new Parser(text, ExpressionKind.Projection, attributes).ParseProjection();
    }

    private static Condition Condition(ReadOnlySpan<char> text, ExpressionKind kind, ExpressionAttributes attributes)
    {
        attributes.NoteExpressionParsed();
        return new Parser(text, kind, attributes).ParseCondition();
    }
}
