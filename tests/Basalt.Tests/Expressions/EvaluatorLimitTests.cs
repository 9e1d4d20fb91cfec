using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using static Basalt.Tests.Expressions.EvalKit;

namespace Basalt.Tests.Expressions;

// The evaluators at the edges of DynamoDB's limits, and inputs DynamoDB refuses.
public class EvaluatorLimitTests
{
    private static AttributeValue Nest(int levels) => levels == 0 ? S("leaf") : M(("m", Nest(levels - 1)));

    [Fact]
    public void Update_may_nest_to_32_levels_and_not_33()
    {
        var item = Item(("pk", S("p")), ("x", M()));
        // The item is level 1; x is level 2; a value of 30 maps under x.y reaches 32.
        var ok = Update("SET x.y = :v", item, (":v", Nest(30)));
        Assert.Equal(Nest(30), ok["x"].AsMap()["y"]);
        Assert.Equal(ItemFormat.NestingTooDeepMessage, UpdateError("SET x.y = :v", item, (":v", Nest(31))));
    }

    [Fact]
    public void In_with_a_hundred_candidates()
    {
        var values = Enumerable.Range(0, ExpressionLimits.InOperandsMax).Select(i => ($":v{i}", N(i.ToString()))).ToArray();
        string list = string.Join(", ", values.Select(v => v.Item1));
        Assert.True(Eval($"n IN ({list})", Item(("n", N("99"))), values));
        Assert.False(Eval($"n IN ({list})", Item(("n", N("100"))), values));
    }

    [Fact]
    public void Invalid_values_are_refused_when_bound()
    {
        var e = Assert.Throws<ExpressionException>(() => new ExpressionValues([new(":ok", N("1")), new(":v", SS())]));
        Assert.Equal("ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: " +
                     "An string set  may not be empty for key :v", e.Message);
        e = Assert.Throws<ExpressionException>(() => new ExpressionValues([new(":w", NS("1", "1.0"))]));
        Assert.Equal("ExpressionAttributeValues contains invalid value: Input collection contains duplicates for key :w", e.Message);
    }

    [Fact]
    public void Between_with_path_bounds_out_of_order_is_false_not_an_error()
    {
        var item = Item(("n", N("5")), ("lo", N("9")), ("hi", N("1")));
        Assert.False(Eval("n BETWEEN lo AND hi", item));
        Assert.True(Eval("n BETWEEN hi AND lo", item));
    }

    [Fact]
    public void Numbers_at_the_edges_of_the_range_compare()
    {
        var item = Item(("big", N("9.9999999999999999999999999999999999999E+125")), ("tiny", N("1E-130")), ("neg", N("-1E-130")));
        Assert.True(Eval("big > :v", item, (":v", N("9.9999999999999999999999999999999999998E+125"))));
        Assert.True(Eval("tiny > :z AND neg < :z", item, (":z", N("0"))));
        Assert.True(Eval("tiny > neg", item));
    }

    [Fact]
    public void Updates_mixing_list_index_sets_and_removes()
    {
        var item = Item(("l", L(S("a"), S("b"), S("c"), M(("x", N("1"))))));
        var result = Update("SET l[0] = :z, l[3].y = :y REMOVE l[1], l[2]", item, (":z", S("A")), (":y", N("2")));
        Assert.Equal(L(S("A"), M(("x", N("1")), ("y", N("2")))), result["l"]);
    }

    [Fact]
    public void A_failed_update_leaves_the_writer_usable()
    {
        var item = Item(("s", S("x")), ("n", N("1")));
        using var writer = new ItemWriter();
        var bad = Updater("SET n = s + :one", [(":one", N("1"))]);
        Assert.Throws<ExpressionException>(() => bad.Apply(item, writer));
        var good = Updater("SET n = n + :one", [(":one", N("1"))]);
        Assert.Equal(N("2"), Decode(good.Apply(item, writer))["n"]);
    }

    [Fact]
    public void Update_keeps_the_item_size_in_step_with_its_content()
    {
        var item = Item(("pk", S("p")), ("l", L(N("1"), N("2"))), ("m", M(("a", SS("x")))));
        using var writer = new ItemWriter();
        var updated = Updater("SET l[5] = :v, m.b = :v ADD m.a :s", [(":v", N("123.45")), (":s", SS("y"))]).Apply(item, writer);
        Assert.Equal(ItemSize.Of(Decode(updated)), ItemSize.Of(updated));
        Assert.Equal(ItemSize.Of(updated), writer.LastItemSize);
    }
}
