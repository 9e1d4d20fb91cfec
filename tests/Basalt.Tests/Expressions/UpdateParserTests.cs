using Basalt.Engine.Expressions;
using static Basalt.Tests.Expressions.Ex;

namespace Basalt.Tests.Expressions;

public class UpdateParserTests
{
    [Theory]
    [InlineData("SET a = :a", "SET a = :a")]
    [InlineData("set a = :a, b = c", "SET a = :a, b = c")]
    [InlineData("SET a = :a + :b", "SET a = (:a + :b)")]
    [InlineData("SET a = a - :a", "SET a = (a - :a)")]
    [InlineData("SET a = (a - :a)", "SET a = (a - :a)")]
    [InlineData("SET a = (:a)", "SET a = :a")]
    [InlineData("SET a = (:a) + (b)", "SET a = (:a + b)")]
    [InlineData("SET a = if_not_exists(a, :a)", "SET a = if_not_exists(a, :a)")]
    [InlineData("SET a = if_not_exists(b.c, :a) + :b", "SET a = (if_not_exists(b.c, :a) + :b)")]
    [InlineData("SET l = list_append(l, :a)", "SET l = list_append(l, :a)")]
    [InlineData("SET l = list_append(:a, l)", "SET l = list_append(:a, l)")]
    [InlineData("SET l = list_append(if_not_exists(l, :a), :b)", "SET l = list_append(if_not_exists(l, :a), :b)")]
    [InlineData("SET a.b[2].c = :a", "SET a.b[2].c = :a")]
    [InlineData("SET #a = :a", "SET na = :a")]
    [InlineData("REMOVE a", "REMOVE a")]
    [InlineData("REMOVE a, b.c, l[1], l[2]", "REMOVE a, b.c, l[1], l[2]")]
    [InlineData("ADD n :a", "ADD n :a")]
    [InlineData("ADD n :a, s :b", "ADD n :a, s :b")]
    [InlineData("DELETE s :a", "DELETE s :a")]
    [InlineData("SET a = :a REMOVE b ADD c :b DELETE d :c", "SET a = :a REMOVE b ADD c :b DELETE d :c")]
    [InlineData("DELETE d :c ADD c :b REMOVE b SET a = :a", "SET a = :a REMOVE b ADD c :b DELETE d :c")]
    [InlineData("remove b set a = :a", "SET a = :a REMOVE b")]
    [InlineData("SET a=:a,b=:b", "SET a = :a, b = :b")]
    [InlineData("SET a.b = :a, a.c = :b", "SET a.b = :a, a.c = :b")]
    [InlineData("SET l[0].x = :a, l[0].y = :b, l[1] = :c", "SET l[0].x = :a, l[0].y = :b, l[1] = :c")]
    public void Parses_sections_and_actions(string text, string expected) => Assert.Equal(expected, Update(text));

    [Fact]
    public void Ast_exposes_typed_actions()
    {
        var u = ExpressionParser.ParseUpdate("SET a = if_not_exists(a, :a) + :b REMOVE r ADD n :c DELETE s :d", Loose());
        var set = Assert.Single(u.Set);
        var plus = Assert.IsType<ArithmeticOperand>(set.Value);
        Assert.Equal(ArithmeticOperator.Plus, plus.Operator);
        Assert.IsType<IfNotExistsOperand>(plus.Left);
        Assert.Equal("r", Assert.Single(u.Remove).TopLevelName);
        Assert.Equal(":c", Assert.Single(u.Add).ValuePlaceholder);
        Assert.Equal(":d", Assert.Single(u.Delete).ValuePlaceholder);
    }

    [Theory]
    [InlineData("SET", "Syntax error; token: \"<EOF>\", near: \"SET\"")]
    [InlineData("SET a", "Syntax error; token: \"<EOF>\", near: \"a\"")]
    [InlineData("SET a =", "Syntax error; token: \"<EOF>\", near: \"=\"")]
    [InlineData("SET a = :a,", "Syntax error; token: \"<EOF>\", near: \",\"")]
    [InlineData("SET a = :a +", "Syntax error; token: \"<EOF>\", near: \"+\"")]
    [InlineData("SET a = :a + :b + :c", "Syntax error; token: \"+\", near: \":b +\"")]
    [InlineData("SET a = :a * :b", "Syntax error; token: \"*\", near: \":a *\"")]
    [InlineData("SET a :a", "Syntax error; token: \":a\", near: \"a :a\"")]
    [InlineData("SET :a = a", "Syntax error; token: \":a\", near: \"SET :a\"")]
    [InlineData("UPDATE a = :a", "Syntax error; token: \"UPDATE\", near: \"UPDATE\"")]
    [InlineData("a = :a", "Syntax error; token: \"a\", near: \"a\"")]
    [InlineData("ADD a", "Syntax error; token: \"<EOF>\", near: \"a\"")]
    [InlineData("ADD a b", "Syntax error; token: \"b\", near: \"a b\"")]
    [InlineData("DELETE a = :a", "Syntax error; token: \"=\", near: \"a =\"")]
    [InlineData("REMOVE a = :a", "Syntax error; token: \"=\", near: \"a =\"")]
    [InlineData("REMOVE a, SET b = :a", "Syntax error; token: \"SET\", near: \", SET\"")]
    [InlineData("SET a = :a AND b = :b", "Syntax error; token: \"AND\", near: \":a AND\"")]
    public void Syntax_errors(string text, string error) => Assert.Equal("Invalid UpdateExpression: " + error, UpdateError(text));

    [Fact]
    public void Empty_update_is_rejected() =>
        Assert.Equal("Invalid UpdateExpression: The expression can not be empty;", UpdateError(" "));

    [Theory]
    [InlineData("SET a = :a SET b = :b", "The \"SET\" section can only be used once in an update expression;")]
    [InlineData("REMOVE a REMOVE b", "The \"REMOVE\" section can only be used once in an update expression;")]
    [InlineData("ADD a :a add b :b", "The \"ADD\" section can only be used once in an update expression;")]
    [InlineData("DELETE a :a SET c = :c DELETE b :b", "The \"DELETE\" section can only be used once in an update expression;")]
    [InlineData("SET a = size(b)", "Invalid function name; function: size")]
    [InlineData("SET a = foo(b)", "Invalid function name; function: foo")]
    [InlineData("SET a = if_not_exists(:a, b)", "Operator or function requires a document path; operator or function: if_not_exists")]
    [InlineData("SET a = if_not_exists(b)", "Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1")]
    [InlineData("SET a = list_append(:a, :b, :c)", "Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 3")]
    [InlineData("SET #zz = :a", "An expression attribute name used in the document path is not defined; attribute name: #zz")]
    [InlineData("SET a = :zz", "An expression attribute value used in expression is not defined; attribute value: :zz")]
    [InlineData("ADD a :zz", "An expression attribute value used in expression is not defined; attribute value: :zz")]
    [InlineData("SET year = :a", "Attribute name is a reserved keyword; reserved keyword: year")]
    [InlineData("REMOVE a.TTL", "Attribute name is a reserved keyword; reserved keyword: TTL")]
    public void Semantic_errors(string text, string error) => Assert.Equal("Invalid UpdateExpression: " + error, UpdateError(text));

    [Theory]
    [InlineData("SET a = :a REMOVE a", "overlap", "[a]", "[a]")]
    [InlineData("SET a = :a, a.b = :b", "overlap", "[a]", "[a, b]")]
    [InlineData("SET a.b = :b, a = :a", "overlap", "[a, b]", "[a]")]
    [InlineData("SET #a = :a ADD na.x :b", "overlap", "[na]", "[na, x]")]
    [InlineData("REMOVE l[1], l[1]", "overlap", "[l, [1]]", "[l, [1]]")]
    [InlineData("SET l[0] = :a DELETE l[0].s :b", "overlap", "[l, [0]]", "[l, [0], s]")]
    [InlineData("SET a.b = :a, a[0] = :b", "conflict", "[a, b]", "[a, [0]]")]
    [InlineData("SET a[0].x = :a REMOVE a.x", "conflict", "[a, [0], x]", "[a, x]")]
    public void Overlapping_and_conflicting_paths(string text, string kind, string one, string two) =>
        Assert.Equal($"Invalid UpdateExpression: Two document paths {kind} with each other; must remove or rewrite one of these paths; path one: {one}, path two: {two}",
            UpdateError(text));

    [Fact]
    public void Right_hand_paths_never_overlap_targets() =>
        Assert.Equal("SET a = a, b = a.b", Update("SET a = a, b = a.b"));

    [Theory]
    // DynamoDB's order for updates: reserved word, unknown function, repeated section, undefined name,
    // undefined value, overlapping paths, operand count, path operands.
    [InlineData("SET a = foo(:zz) SET status = :a", "Attribute name is a reserved keyword; reserved keyword: status")]
    [InlineData("SET a = foo(:zz) SET b = :a", "Invalid function name; function: foo")]
    [InlineData("SET a = :zz, #zz = :a SET b = :a", "The \"SET\" section can only be used once in an update expression;")]
    [InlineData("SET a = :zz, #zz = :a", "An expression attribute name used in the document path is not defined; attribute name: #zz")]
    [InlineData("SET a = :zz, a = :a", "An expression attribute value used in expression is not defined; attribute value: :zz")]
    [InlineData("SET a = list_append(:a), a = :a", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]")]
    [InlineData("SET a = if_not_exists(:a, :b), b = list_append(:a)", "Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1")]
    public void Errors_are_reported_in_DynamoDB_order(string text, string error) =>
        Assert.Equal("Invalid UpdateExpression: " + error, UpdateError(text));
}
