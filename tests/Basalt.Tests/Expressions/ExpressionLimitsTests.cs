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
        // 149 levels of "(a = :a AND" are 299 operators: as deep as the operator limit lets a condition nest.
        int depth = (ExpressionLimits.OperatorsMax - 1) / 2;
        string nested = string.Concat(Enumerable.Repeat("(a = :a AND ", depth)) + "b = :b" + new string(')', depth);
        Assert.StartsWith("((a = :a) AND ((a = :a) AND", Condition(nested));
        string tooDeep = new string('(', 2000) + "a = :a" + new string(')', 2000);
        Assert.StartsWith("Invalid ConditionExpression: Syntax error; token: \"(\"", ConditionError(tooDeep));
        Assert.StartsWith("Invalid ConditionExpression: Syntax error; token: \"NOT\"", ConditionError(string.Concat(Enumerable.Repeat("NOT ", 1000)) + "a = :a"));
        Assert.StartsWith("Invalid UpdateExpression: Syntax error; token: \"(\"", UpdateError("SET a = " + new string('(', 2000) + ":a" + new string(')', 2000)));
    }

    // The 300-operator limit: AND, OR, NOT, comparators, BETWEEN, IN, functions and SET's + and - count;
    // parentheses, commas and SET's '=' do not.
    [Fact]
    public void A_condition_takes_300_operators_not_301()
    {
        // DynamoDB's own case (recorded by a public conformance test): a<b or (a<b or (...)), 2 operators a level.
        string Chain(int levels) => "a < b " + string.Concat(Enumerable.Repeat("OR (a < b ", levels)) + new string(')', levels);
        Assert.StartsWith("((a < b) OR", Condition(Chain(149)));   // 299 operators
        Assert.Equal("Invalid ConditionExpression: The expression contains too many operators; operator count: 301",
            ConditionError(Chain(150)));
        Assert.Equal("Invalid FilterExpression: The expression contains too many operators; operator count: 301",
            Assert.Throws<ExpressionException>(() => ExpressionParser.ParseFilter(Chain(150), Loose())).Message);

        // Exactly 300 with every kind of operator: 150 function calls joined by 149 ORs, then NOT.
        string calls = string.Join(" OR ", Enumerable.Range(0, 150).Select(i => $"attribute_exists(a{i})"));
        Assert.IsType<NotCondition>(ExpressionParser.ParseCondition($"NOT ({calls})", Loose()));
        Assert.Equal("Invalid ConditionExpression: The expression contains too many operators; operator count: 301",
            ConditionError($"NOT ({calls}) AND size(b) > :a"));

        string mixed = string.Join(" AND ", Enumerable.Range(0, 60).Select(i => $"(a{i} BETWEEN :a AND :b OR c IN (:a, :b))"));
        // 60 × (BETWEEN, OR, IN) + 59 ANDs = 239; 20 × "size(d) <> :a" joined adds 20 × 3 = 60: 299, then 301.
        string sizes(int n) => string.Concat(Enumerable.Range(0, n).Select(i => $" AND size(d{i}) <> :a"));
        Assert.NotNull(ExpressionParser.ParseCondition(mixed + sizes(20), Loose()));
        Assert.EndsWith("operator count: 301", ConditionError(mixed + sizes(21)));
    }

    [Fact]
    public void An_update_takes_300_operators_not_301()
    {
        string Plus(int n) => "SET " + string.Join(",", Enumerable.Range(0, n).Select(i => $"a{i}=:a+:b"));
        Assert.Equal(300, ExpressionParser.ParseUpdate(Plus(300), Loose()).Set.Count);
        Assert.Equal("Invalid UpdateExpression: The expression contains too many operators; operator count: 301",
            UpdateError(Plus(300) + ",b=if_not_exists(c,:a)"));
        // Functions count as operators; '=', the section keywords and their actions do not.
        Assert.Equal(300, ExpressionParser.ParseUpdate(Plus(299) + ",b=if_not_exists(c,:a) REMOVE x ADD y :a DELETE z :b", Loose()).Set.Count);
        Assert.EndsWith("operator count: 301", UpdateError(Plus(299) + ",b=list_append(c,:a)+:b"));
    }
}
