using System.Text;
using Basalt.Engine.Expressions;
using static Basalt.Tests.Expressions.Ex;

namespace Basalt.Tests.Expressions;

public class ExpressionLimitsTests
{
    private static string PathOfDepth(int depth) =>
        "a" + string.Concat(Enumerable.Range(1, depth - 1).Select(i => i % 2 == 0 ? "[0]" : ".b"));

    [Fact]
    public void Path_depth_32_is_accepted_33_is_not()
    {
        Assert.Equal(32, ExpressionParser.ParseProjection(PathOfDepth(32), Loose()).Paths[0].Depth);
        Assert.Equal("Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 33",
            ProjectionError(PathOfDepth(33)));
        Assert.Equal("Invalid ConditionExpression: The document path has too many nesting levels; nesting levels: 40",
            ConditionError(PathOfDepth(40) + " = :a"));
        Assert.Equal("Invalid UpdateExpression: The document path has too many nesting levels; nesting levels: 33",
            UpdateError("SET " + PathOfDepth(33) + " = :a"));
    }

    [Fact]
    public void IN_takes_100_operands_not_101()
    {
        string List(int n) => string.Join(", ", Enumerable.Range(0, n).Select(i => ":v" + i));
        var ok = Assert.IsType<InCondition>(ExpressionParser.ParseCondition($"a IN ({List(100)})", Loose()));
        Assert.Equal(100, ok.Candidates.Count);
        Assert.Equal("Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101",
            ConditionError($"a IN ({List(101)})"));
    }

    [Fact]
    public void Expression_of_4096_bytes_is_accepted_4097_is_not()
    {
        string Padded(int bytes) => "a = :a" + new string(' ', bytes - 6);
        Assert.Equal("(a = :a)", Condition(Padded(4096)));
        Assert.Equal("Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 4097",
            ConditionError(Padded(4097)));
        // Counted in UTF-8 bytes, not characters: 2048 two-byte characters are 4096 bytes.
        string wide = "a = :a " + new string('é', 2045);
        Assert.Equal(4097, Encoding.UTF8.GetByteCount(wide));
        Assert.StartsWith("Invalid ConditionExpression: Expression size has exceeded", ConditionError(wide));
    }

    [Fact]
    public void Long_placeholders_and_names_parse()
    {
        string name = "#" + new string('n', 254);
        string value = ":" + new string('v', 254);
        var attrs = new ExpressionAttributes([new(name, "x")], [value]);
        Assert.Equal("(x = " + value + ")", ExpressionParser.ParseCondition($"{name} = {value}", attrs).ToString());
        attrs.CheckAllUsed();
    }

    [Fact]
    public void Deep_nesting_is_a_syntax_error_not_a_stack_overflow()
    {
        int depth = ExpressionLimits.NestingDepthMax;
        string nested = string.Concat(Enumerable.Repeat("(a = :a AND ", depth)) + "b = :b" + new string(')', depth);
        Assert.StartsWith("((a = :a) AND ((a = :a) AND", Condition(nested));
        string tooDeep = new string('(', 2000) + "a = :a" + new string(')', 2000);
        Assert.StartsWith("Invalid ConditionExpression: Syntax error; token: \"(\"", ConditionError(tooDeep));
        Assert.StartsWith("Invalid ConditionExpression: Syntax error; token: \"NOT\"", ConditionError(string.Concat(Enumerable.Repeat("NOT ", 1000)) + "a = :a"));
        Assert.StartsWith("Invalid UpdateExpression: Syntax error; token: \"(\"", UpdateError("SET a = " + new string('(', 2000) + ":a" + new string(')', 2000)));
    }
}
