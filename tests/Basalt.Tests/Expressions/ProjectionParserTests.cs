using Basalt.Engine.Expressions;
using static Basalt.Tests.Expressions.Ex;

namespace Basalt.Tests.Expressions;

public class ProjectionParserTests
{
    [Theory]
    [InlineData("a", "a")]
    [InlineData("a, b.c, l[0][1].x", "a, b.c, l[0][1].x")]
    [InlineData("#a,#b.#c", "na, nb.nc")]
    [InlineData("a.b, a.c, l[0].x, l[0].y, l[1]", "a.b, a.c, l[0].x, l[0].y, l[1]")]
    public void Parses_paths(string text, string expected) => Assert.Equal(expected, Projection(text));

    [Fact]
    public void Ast_lists_paths_in_order()
    {
        var p = ExpressionParser.ParseProjection("x.y, z", Loose());
        Assert.Equal(["x.y", "z"], p.Paths.Select(x => x.ToString()).ToArray());
        Assert.Equal(2, p.Paths[0].Depth);
    }

    [Theory]
    [InlineData("a,", "Syntax error; token: \"<EOF>\", near: \",\"")]
    [InlineData("a b", "Syntax error; token: \"b\", near: \"a b\"")]
    [InlineData(":a", "Syntax error; token: \":a\", near: \":a\"")]
    [InlineData("size(a)", "Syntax error; token: \"(\", near: \"size(\"")]
    [InlineData("my-attr", "Syntax error; token: \"-\", near: \"my-\"")]
    [InlineData("COMMENT", "Attribute name is a reserved keyword; reserved keyword: COMMENT")]
    [InlineData("a, name", "Attribute name is a reserved keyword; reserved keyword: name")]
    [InlineData("#zz", "An expression attribute name used in the document path is not defined; attribute name: #zz")]
    [InlineData("a, a", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]")]
    [InlineData("a, a.b", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]")]
    [InlineData("a[0], a.b", "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [0]], path two: [a, b]")]
    [InlineData("a, a, #zz", "An expression attribute name used in the document path is not defined; attribute name: #zz")]
    public void Errors(string text, string error) => Assert.Equal("Invalid ProjectionExpression: " + error, ProjectionError(text));
}
