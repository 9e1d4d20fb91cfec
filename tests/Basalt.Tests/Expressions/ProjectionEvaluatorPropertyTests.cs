using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using CsCheck;
using static Basalt.Tests.Expressions.EvalKit;

namespace Basalt.Tests.Expressions;

// The projection evaluator against a naive projection over the managed form, for random nested items and
// random sets of paths (overlapping sets, which the parser refuses, are skipped). CsCheck prints its seed.
public class ProjectionEvaluatorPropertyTests
{
    private static readonly string[] Names = ["a", "b", "c"];

    private static readonly Gen<AttributeValue> Value = Gen.Recursive<AttributeValue>((depth, value) =>
        depth >= 3
            ? Gen.OneOf(Gen.OneOfConst("x", "y").Select(AttributeValue.String), Gen.OneOfConst("1", "2").Select(AttributeValue.Number))
            : Gen.Frequency(
                (2, Gen.OneOfConst("x", "y").Select(AttributeValue.String)),
                (1, value.Array[0, 3].Select(AttributeValue.List)),
                (2, value.Array[3].Select(Gen.Bool.Array[3], (v, present) =>
                    AttributeValue.Map(Enumerable.Range(0, 3).Where(i => present[i]).Select(i => new KeyValuePair<string, AttributeValue>(Names[i], v[i])))))));

    private static readonly Gen<Dictionary<string, AttributeValue>> Items =
        Value.Array[3].Select(Gen.Bool.Array[3], (v, present) =>
            Enumerable.Range(0, 3).Where(i => present[i]).ToDictionary(i => Names[i], i => v[i], StringComparer.Ordinal));

    private static readonly Gen<string> Paths = Gen.OneOfConst("a", "b", "c", "a.a", "a.b", "b.c", "a[0]", "a[1]", "c[2]",
        "a[0].b", "a[1].a", "b.a[0]", "b.a.c", "c.b[1].a", "a.a.a");

    [Fact]
    public void Evaluator_agrees_with_a_naive_projection()
    {
        int projected = 0;
        Gen.Select(Items, Paths.Array[1, 4]).Sample((item, paths) =>
        {
            string text = string.Join(", ", paths);
            ProjectionExpression projection;
            try
            {
                projection = ExpressionParser.ParseProjection(text, ExpressionAttributes.None);
            }
            catch (ExpressionException)
            {
                return true;
            }
            Interlocked.Increment(ref projected);
            using var writer = new ItemWriter();
            var actual = Decode(new ProjectionEvaluator(projection).Project(ItemCodec.Encode(item), writer));
            var expected = Naive(AttributeValue.Map(item), projection.Paths.Select(p => p.Elements.ToArray()).ToList());
            var expectedMap = expected?.AsMap() ?? new Dictionary<string, AttributeValue>();
            return expectedMap.Count == actual.Count && expectedMap.All(kv => actual.TryGetValue(kv.Key, out var x) && x.Equals(kv.Value));
        }, iter: 2000);
        Assert.True(projected > 500, $"only {projected} of 2000 projections parsed");
    }

    private static AttributeValue? Naive(AttributeValue value, List<PathElement[]> suffixes)
    {
        if (suffixes.Any(s => s.Length == 0)) return value;
        if (value.Type == AttributeType.M && !suffixes[0][0].IsIndex)
        {
            var result = new List<KeyValuePair<string, AttributeValue>>();
            foreach (var group in suffixes.GroupBy(s => s[0].Name!))
                if (value.AsMap().TryGetValue(group.Key, out var child) && Naive(child, group.Select(s => s[1..]).ToList()) is { } r)
                    result.Add(new(group.Key, r));
            return result.Count > 0 ? AttributeValue.Map(result) : null;
        }
        if (value.Type == AttributeType.L && suffixes[0][0].IsIndex)
        {
            var result = new List<AttributeValue>();
            foreach (var group in suffixes.GroupBy(s => s[0].Index).OrderBy(g => g.Key))
                if (group.Key < value.AsList().Count && Naive(value.AsList()[group.Key], group.Select(s => s[1..]).ToList()) is { } r)
                    result.Add(r);
            return result.Count > 0 ? AttributeValue.List(result) : null;
        }
        return null;
    }
}
