using Basalt.Engine.Model;
using static Basalt.Tests.Expressions.EvalKit;

namespace Basalt.Tests.Expressions;

public class ProjectionEvaluatorTests
{
    private static readonly byte[] Sample = Item(
        ("pk", S("p")),
        ("n", N("1")),
        ("arr", L(S("a"), S("b"), M(("x", N("1")), ("y", N("2"))), S("d"))),
        ("doc", M(("a", M(("b", N("1")), ("c", N("2")))), ("z", S("zz")))),
        ("tags", SS("t")));

    [Fact]
    public void Top_level_attributes_copy_whole_values()
    {
        var result = Project("pk, doc, tags", Sample);
        Assert.Equal(3, result.Count);
        Assert.Equal(S("p"), result["pk"]);
        Assert.Equal(M(("a", M(("b", N("1")), ("c", N("2")))), ("z", S("zz"))), result["doc"]);
        Assert.Equal(SS("t"), result["tags"]);
    }

    [Fact]
    public void Nested_paths_keep_their_structure_and_siblings_merge()
    {
        var result = Project("doc.a.b, doc.z", Sample);
        Assert.Single(result);
        Assert.Equal(M(("a", M(("b", N("1")))), ("z", S("zz"))), result["doc"]);
    }

    [Fact]
    public void List_indexes_project_elements_in_index_order()
    {
        var result = Project("arr[3], arr[1]", Sample);
        Assert.Equal(L(S("b"), S("d")), result["arr"]);
        Assert.Equal(L(M(("y", N("2")))), Project("arr[2].y", Sample)["arr"]);
        Assert.Equal(L(M(("x", N("1")))), Project("arr[2].x, arr[0].x", Sample)["arr"]);
    }

    [Fact]
    public void Paths_that_do_not_resolve_contribute_nothing()
    {
        Assert.Empty(Project("absent", Sample));
        Assert.Empty(Project("arr[9]", Sample));
        Assert.Empty(Project("doc.q.r", Sample));
        Assert.Empty(Project("pk.x", Sample));
        Assert.Empty(Project("doc[0]", Sample));
        Assert.Empty(Project("arr[0].x", Sample));
        var result = Project("n, doc.q, arr[7]", Sample);
        Assert.Equal(["n"], result.Keys);
    }

    [Fact]
    public void Projection_of_an_empty_item_is_empty()
    {
        Assert.Empty(Project("a, b.c", Item()));
    }

    [Fact]
    public void Projected_item_size_matches_its_content()
    {
        var (attributes, _) = Bind([]);
        var evaluator = new Engine.Expressions.ProjectionEvaluator(Engine.Expressions.ExpressionParser.ParseProjection("doc.a", attributes));
        using var writer = new ItemWriter();
        var projected = evaluator.Project(Sample, writer);
        Assert.Equal(ItemSize.Of(Decode(projected)), ItemSize.Of(projected));
    }
}
