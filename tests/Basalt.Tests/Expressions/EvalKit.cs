using Basalt.Engine.Expressions;
using Basalt.Engine.Model;

namespace Basalt.Tests.Expressions;

// Shorthands for the evaluator tests: managed values, items, and one-call evaluation of an expression with
// its :values.
internal static class EvalKit
{
    public static AttributeValue S(string s) => AttributeValue.String(s);
    public static AttributeValue N(string n) => AttributeValue.Number(DynamoNumber.Parse(n).ToString());
    public static AttributeValue B(params byte[] b) => AttributeValue.Binary(b);
    public static AttributeValue Bool(bool b) => AttributeValue.Bool(b);
    public static AttributeValue Null => AttributeValue.Null;
    public static AttributeValue L(params AttributeValue[] e) => AttributeValue.List(e);
    public static AttributeValue M(params (string Name, AttributeValue Value)[] e) =>
        AttributeValue.Map(e.Select(x => new KeyValuePair<string, AttributeValue>(x.Name, x.Value)));
    public static AttributeValue SS(params string[] m) => AttributeValue.StringSet(m);
    public static AttributeValue NS(params string[] m) => AttributeValue.NumberSet(m.Select(x => DynamoNumber.Parse(x).ToString()));
    public static AttributeValue BS(params byte[][] m) => AttributeValue.BinarySet(m);

    public static byte[] Item(params (string Name, AttributeValue Value)[] attributes) =>
        ItemCodec.Encode(attributes.Select(a => new KeyValuePair<string, AttributeValue>(a.Name, a.Value)));

    public static Dictionary<string, AttributeValue> Decode(ReadOnlySpan<byte> item) => ItemCodec.Decode(item);

    public static (ExpressionAttributes Attributes, ExpressionValues Values) Bind((string Name, AttributeValue Value)[] values, string? names = null)
    {
        var nameList = names?.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p =>
        {
            int eq = p.IndexOf('=');
            return new KeyValuePair<string, string>(p[..eq], p[(eq + 1)..]);
        }).ToArray();
        var attributes = new ExpressionAttributes(nameList, values.Length == 0 ? null : values.Select(v => v.Name).ToArray());
        return (attributes, new ExpressionValues(values.Select(v => new KeyValuePair<string, AttributeValue>(v.Name, v.Value))));
    }

    public static ConditionEvaluator Condition(string text, params (string Name, AttributeValue Value)[] values)
    {
        var (attributes, bound) = Bind(values, "#a=a #b=b #v=version #s=status");
        return new ConditionEvaluator(ExpressionParser.ParseCondition(text, attributes), bound);
    }

    public static bool Eval(string condition, byte[] item, params (string Name, AttributeValue Value)[] values) =>
        Condition(condition, values).Evaluate(item);

    public static string ConditionError(string condition, params (string Name, AttributeValue Value)[] values) =>
        Assert.Throws<ExpressionException>(() => Condition(condition, values)).Message;

    public static Dictionary<string, AttributeValue> Project(string projection, byte[] item)
    {
        var (attributes, _) = Bind([], "#a=a #b=b");
        var evaluator = new ProjectionEvaluator(ExpressionParser.ParseProjection(projection, attributes));
        using var writer = new ItemWriter();
        return Decode(evaluator.Project(item, writer));
    }

    public static UpdateEvaluator Updater(string update, (string Name, AttributeValue Value)[] values, params string[] keys)
    {
        var (attributes, bound) = Bind(values, "#a=a #b=b");
        return new UpdateEvaluator(ExpressionParser.ParseUpdate(update, attributes), bound, keys);
    }

    public static Dictionary<string, AttributeValue> Update(string update, byte[] item, params (string Name, AttributeValue Value)[] values)
    {
        using var writer = new ItemWriter();
        return Decode(Updater(update, values).Apply(item, writer));
    }

    public static string UpdateError(string update, byte[] item, params (string Name, AttributeValue Value)[] values)
    {
        using var writer = new ItemWriter();
        var e = Assert.ThrowsAny<Exception>(() => Updater(update, values).Apply(item, writer));
        Assert.True(e is ExpressionException or ItemValidationException, e.ToString());
        return e.Message;
    }
}
