using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using CsCheck;
using static Basalt.Tests.Expressions.EvalKit;

namespace Basalt.Tests.Expressions;

// The update evaluator against a naive model over the managed form: random items of five attributes (some
// lists, numbers, sets), random updates of up to four actions on distinct attributes (so paths never overlap):
// SET a whole attribute or a list element, REMOVE an attribute or a list element, ADD a number or a set,
// DELETE from a set. Either both fail or both give the same item (about a quarter of the updates succeed: one
// failing action fails them all). CsCheck prints its seed on failure.
public class UpdateEvaluatorPropertyTests
{
    private static readonly string[] Names = ["a", "b", "c", "d", "e"];

    private static readonly Gen<AttributeValue> Scalar = Gen.OneOf(
        Gen.OneOfConst("x", "y").Select(AttributeValue.String),
        Gen.OneOfConst("1", "-2", "0.5").Select(AttributeValue.Number),
        Gen.OneOfConst<string[]>(["x"], ["x", "y"]).Select(AttributeValue.StringSet),
        Gen.OneOfConst<string[]>(["1"], ["1", "2"]).Select(AttributeValue.NumberSet));

    private static readonly Gen<AttributeValue> Value = Gen.Frequency((3, Scalar), (2, Scalar.Array[0, 4].Select(AttributeValue.List)));

    private static readonly Gen<Dictionary<string, AttributeValue>> Items =
        Value.Array[5].Select(Gen.Bool.Array[5], (values, present) =>
            Enumerable.Range(0, 5).Where(i => present[i]).ToDictionary(i => Names[i], i => values[i], StringComparer.Ordinal));

    private record Action(int Kind, string Name, int Index, AttributeValue Operand);

    private static readonly Gen<Action> Actions = Gen.Select(Gen.Int[0, 5], Gen.Int[0, 4], Gen.Int[0, 5], Value, (kind, name, index, operand) =>
        new Action(kind, Names[name], index, operand));

    [Fact]
    public void Evaluator_agrees_with_a_naive_model()
    {
        int applied = 0;
        Gen.Select(Items, Actions.Array[1, 4]).Sample((item, drawn) =>
        {
            var actions = drawn.DistinctBy(a => a.Name).ToArray();
            var sets = new List<string>();
            var removes = new List<string>();
            var adds = new List<string>();
            var deletes = new List<string>();
            var values = new List<(string, AttributeValue)>();
            for (int i = 0; i < actions.Length; i++)
            {
                var a = actions[i];
                string v = $":v{i}";
                switch (a.Kind)
                {
                    case 0: sets.Add($"{a.Name} = {v}"); values.Add((v, a.Operand)); break;
                    case 1: sets.Add($"{a.Name}[{a.Index}] = {v}"); values.Add((v, a.Operand)); break;
                    case 2: removes.Add(a.Name); break;
                    case 3: removes.Add($"{a.Name}[{a.Index}]"); break;
                    case 4: adds.Add($"{a.Name} {v}"); values.Add((v, a.Operand)); break;
                    default: deletes.Add($"{a.Name} {v}"); values.Add((v, a.Operand)); break;
                }
            }
            string text = string.Join(" ", new[] { ("SET", sets), ("REMOVE", removes), ("ADD", adds), ("DELETE", deletes) }
                .Where(s => s.Item2.Count > 0).Select(s => s.Item1 + " " + string.Join(", ", s.Item2)));

            Dictionary<string, AttributeValue>? actual;
            try
            {
                using var writer = new ItemWriter();
                actual = Decode(Updater(text, values.ToArray()).Apply(ItemCodec.Encode(item), writer));
            }
            catch (ExpressionException)
            {
                actual = null;
            }
            var expected = Model(item, actions);
            if (expected is null || actual is null) return expected is null && actual is null;
            Interlocked.Increment(ref applied);
            return expected.Count == actual.Count && expected.All(kv => actual.TryGetValue(kv.Key, out var x) && x.Equals(kv.Value));
        }, iter: 2000);
        Assert.True(applied > 300, $"only {applied} of 2000 updates applied");
    }

    // null: DynamoDB refuses the update.
    private static Dictionary<string, AttributeValue>? Model(Dictionary<string, AttributeValue> item, Action[] actions)
    {
        var result = new Dictionary<string, AttributeValue>(item, StringComparer.Ordinal);
        foreach (var a in actions)
        {
            result.TryGetValue(a.Name, out var old);
            switch (a.Kind)
            {
                case 0:
                    result[a.Name] = a.Operand;
                    break;
                case 1:
                {
                    if (old is null || old.Type != AttributeType.L) return null;
                    var list = old.AsList().ToList();
                    if (a.Index < list.Count) list[a.Index] = a.Operand;
                    else list.Add(a.Operand);
                    result[a.Name] = AttributeValue.List(list);
                    break;
                }
                case 2:
                    result.Remove(a.Name);
                    break;
                case 3:
                {
                    if (old is null || old.Type != AttributeType.L) return null;
                    var list = old.AsList().ToList();
                    if (a.Index < list.Count) list.RemoveAt(a.Index);
                    result[a.Name] = AttributeValue.List(list);
                    break;
                }
                case 4:
                {
                    var t = a.Operand.Type;
                    if (t is not (AttributeType.N or AttributeType.SS or AttributeType.NS)) return null;
                    if (old is null) { result[a.Name] = a.Operand; break; }
                    if (old.Type != t) return null;
                    result[a.Name] = t switch
                    {
                        AttributeType.N => AttributeValue.Number(DynamoNumber.TryAdd(DynamoNumber.Parse(old.AsNumber()), DynamoNumber.Parse(a.Operand.AsNumber()), out var sum, out _) ? sum.ToString() : throw new InvalidOperationException()),
                        AttributeType.SS => AttributeValue.StringSet(old.AsStringSet().Union(a.Operand.AsStringSet())),
                        _ => AttributeValue.NumberSet(old.AsNumberSet().Union(a.Operand.AsNumberSet())),
                    };
                    break;
                }
                default:
                {
                    var t = a.Operand.Type;
                    if (!t.IsSet()) return null;
                    if (old is null) break;
                    if (old.Type != t) return null;
                    var rest = t == AttributeType.SS
                        ? old.AsStringSet().Except(a.Operand.AsStringSet()).ToArray()
                        : old.AsNumberSet().Except(a.Operand.AsNumberSet()).ToArray();
                    if (rest.Length == 0) result.Remove(a.Name);
                    else result[a.Name] = t == AttributeType.SS ? AttributeValue.StringSet(rest) : AttributeValue.NumberSet(rest);
                    break;
                }
            }
        }
        return result;
    }
}
