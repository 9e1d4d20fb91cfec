using Basalt.Engine.Expressions;

namespace Basalt.Tests.Expressions;

// Shorthands for the expression tests: placeholder maps written as "#n=name" and ":v".
internal static class Ex
{
    public static ExpressionAttributes Attrs(string? names = null, string? values = null) => new(
        names?.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p =>
        {
            int eq = p.IndexOf('=');
            return new KeyValuePair<string, string>(p[..eq], p[(eq + 1)..]);
        }),
        values?.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    // Placeholders :a .. :z and #a .. #z all defined, so a test can use any of them; unused ones are not checked.
    public static ExpressionAttributes Loose() => new(
        Enumerable.Range('a', 26).Select(c => new KeyValuePair<string, string>("#" + (char)c, "n" + (char)c)),
        Enumerable.Range('a', 26).Select(c => ":" + (char)c).Concat(Enumerable.Range(0, 200).Select(i => ":v" + i)));

    public static string Condition(string text) => ExpressionParser.ParseCondition(text, Loose()).ToString()!;
    public static string Update(string text) => ExpressionParser.ParseUpdate(text, Loose()).ToString();
    public static string Projection(string text) => ExpressionParser.ParseProjection(text, Loose()).ToString();

    public static string ConditionError(string text, ExpressionAttributes? attributes = null) =>
        Assert.Throws<ExpressionException>(() => ExpressionParser.ParseCondition(text, attributes ?? Loose())).Message;

    public static string UpdateError(string text, ExpressionAttributes? attributes = null) =>
        Assert.Throws<ExpressionException>(() => ExpressionParser.ParseUpdate(text, attributes ?? Loose())).Message;

    public static string ProjectionError(string text, ExpressionAttributes? attributes = null) =>
        Assert.Throws<ExpressionException>(() => ExpressionParser.ParseProjection(text, attributes ?? Loose())).Message;
}
