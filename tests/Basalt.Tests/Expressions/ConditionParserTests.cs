using Basalt.Engine.Expressions;
using static Basalt.Tests.Expressions.Ex;

namespace Basalt.Tests.Expressions;

public class ConditionParserTests
{
    [Theory]
    [InlineData("a = :a", "(a = :a)")]
    [InlineData("a <> :a", "(a <> :a)")]
    [InlineData("a < :a", "(a < :a)")]
    [InlineData("a <= :a", "(a <= :a)")]
    [InlineData("a > :a", "(a > :a)")]
    [InlineData("a >= :a", "(a >= :a)")]
    [InlineData(":a = a", "(:a = a)")]
    [InlineData("a=:a", "(a = :a)")]
    [InlineData("  a\t=\r\n:a  ", "(a = :a)")]
    [InlineData("a = b", "(a = b)")]
    [InlineData("a BETWEEN :a AND :b", "(a BETWEEN :a AND :b)")]
    [InlineData("a between :a and :b", "(a BETWEEN :a AND :b)")]
    [InlineData("a IN (:a)", "(a IN (:a))")]
    [InlineData("a in (:a, :b, c)", "(a IN (:a, :b, c))")]
    [InlineData("a.b[1].c = :a", "(a.b[1].c = :a)")]
    [InlineData("a[0][12] = :a", "(a[0][12] = :a)")]
    [InlineData("#a.#b = :a", "(na.nb = :a)")]
    [InlineData("a . b [ 2 ] = :a", "(a.b[2] = :a)")]
    [InlineData("attribute_exists(a)", "attribute_exists(a)")]
    [InlineData("attribute_not_exists(#a)", "attribute_not_exists(na)")]
    [InlineData("attribute_type(a, :a)", "attribute_type(a, :a)")]
    [InlineData("begins_with(a, :a)", "begins_with(a, :a)")]
    [InlineData("contains(a.b, :a)", "contains(a.b, :a)")]
    [InlineData("contains(a, b)", "contains(a, b)")]
    [InlineData("size(a) > :a", "(size(a) > :a)")]
    [InlineData("size (a) > :a", "(size(a) > :a)")]
    [InlineData(":a < size(a)", "(:a < size(a))")]
    [InlineData("size(a) BETWEEN :a AND size(b)", "(size(a) BETWEEN :a AND size(b))")]
    [InlineData("a IN (size(b), :a)", "(a IN (size(b), :a))")]
    [InlineData("(a) = (:a)", "(a = :a)")]
    [InlineData("(size(a)) = :a", "(size(a) = :a)")]
    [InlineData("((a) = :a)", "(a = :a)")]
    [InlineData("((a) = (:a))", "(a = :a)")]
    [InlineData("((a = :a) AND (b = :b))", "((a = :a) AND (b = :b))")]
    [InlineData("(NOT (a = :a))", "(NOT (a = :a))")]
    [InlineData("(attribute_exists(a))", "attribute_exists(a)")]
    [InlineData("_x1 = :a", "(_x1 = :a)")]
    public void Parses_constructs(string text, string expected) => Assert.Equal(expected, Condition(text));

    [Theory]
    // NOT binds tighter than AND, AND tighter than OR; all are left-associative.
    [InlineData("a = :a OR b = :b AND c = :c", "((a = :a) OR ((b = :b) AND (c = :c)))")]
    [InlineData("a = :a AND b = :b OR c = :c", "(((a = :a) AND (b = :b)) OR (c = :c))")]
    [InlineData("NOT a = :a AND b = :b", "((NOT (a = :a)) AND (b = :b))")]
    [InlineData("NOT a = :a OR b = :b", "((NOT (a = :a)) OR (b = :b))")]
    [InlineData("NOT (a = :a OR b = :b)", "(NOT ((a = :a) OR (b = :b)))")]
    [InlineData("(a = :a OR b = :b) AND c = :c", "(((a = :a) OR (b = :b)) AND (c = :c))")]
    [InlineData("a = :a AND b = :b AND c = :c", "(((a = :a) AND (b = :b)) AND (c = :c))")]
    [InlineData("a = :a OR b = :b OR c = :c", "(((a = :a) OR (b = :b)) OR (c = :c))")]
    [InlineData("NOT NOT a = :a", "(NOT (NOT (a = :a)))")]
    [InlineData("not attribute_exists(a) and b between :a and :b or c in (:c)",
        "(((NOT attribute_exists(a)) AND (b BETWEEN :a AND :b)) OR (c IN (:c)))")]
    [InlineData("a BETWEEN :a AND :b AND c = :c", "((a BETWEEN :a AND :b) AND (c = :c))")]
    public void Precedence_is_NOT_then_AND_then_OR(string text, string expected) => Assert.Equal(expected, Condition(text));

    [Fact]
    public void Ast_exposes_typed_nodes()
    {
        var c = ExpressionParser.ParseCondition("#a.b[3] >= :a AND begins_with(c, :b)", Loose());
        var and = Assert.IsType<AndCondition>(c);
        var cmp = Assert.IsType<ComparisonCondition>(and.Left);
        Assert.Equal(Comparator.GreaterOrEqual, cmp.Operator);
        var path = Assert.IsType<PathOperand>(cmp.Left).Path;
        Assert.Equal([PathElement.Attribute("na"), PathElement.Attribute("b"), PathElement.ListIndex(3)], path.Elements.ToArray());
        Assert.Equal(":a", Assert.IsType<ValueOperand>(cmp.Right).Placeholder);
        var f = Assert.IsType<FunctionCondition>(and.Right);
        Assert.Equal(ConditionFunction.BeginsWith, f.Function);
    }

    [Fact]
    public void Filter_expressions_name_themselves_in_errors()
    {
        var e = Assert.Throws<ExpressionException>(() => ExpressionParser.ParseFilter("a =", Loose()));
        Assert.Equal("Invalid FilterExpression: Syntax error; token: \"<EOF>\", near: \"=\"", e.Message);
    }

    [Theory]
    [InlineData("a", "Syntax error; token: \"<EOF>\", near: \"a\"")]
    [InlineData("a =", "Syntax error; token: \"<EOF>\", near: \"=\"")]
    [InlineData("a = ", "Syntax error; token: \"<EOF>\", near: \"= \"")]
    [InlineData("a b", "Syntax error; token: \"b\", near: \"a b\"")]
    [InlineData("a = = :a", "Syntax error; token: \"=\", near: \"= =\"")]
    [InlineData("a = :a AND", "Syntax error; token: \"<EOF>\", near: \"AND\"")]
    [InlineData("a = :a b = :b", "Syntax error; token: \"b\", near: \":a b\"")]
    [InlineData("(a = :a", "Syntax error; token: \"<EOF>\", near: \":a\"")]
    [InlineData("a = :a)", "Syntax error; token: \")\", near: \":a)\"")]
    [InlineData("a == :a", "Syntax error; token: \"=\", near: \"==\"")]
    [InlineData("a = :a;", "Syntax error; token: \";\", near: \":a;\"")]
    [InlineData("a BETWEEN :a", "Syntax error; token: \"<EOF>\", near: \":a\"")]
    [InlineData("a BETWEEN :a OR :b", "Syntax error; token: \"OR\", near: \":a OR\"")]
    [InlineData("a IN :a", "Syntax error; token: \":a\", near: \"IN :a\"")]
    [InlineData("a IN ()", "Syntax error; token: \")\", near: \"()\"")]
    [InlineData("a[x] = :a", "Syntax error; token: \"x\", near: \"[x\"")]
    [InlineData("a[-1] = :a", "Syntax error; token: \"-\", near: \"[-\"")]
    [InlineData("a[99999999999] = :a", "Syntax error; token: \"99999999999\", near: \"[99999999999\"")]
    [InlineData("a. = :a", "Syntax error; token: \"=\", near: \". =\"")]
    [InlineData("1a = :a", "Syntax error; token: \"1\", near: \"1\"")]
    [InlineData("# = :a", "Syntax error; token: \"#\", near: \"#\"")]
    [InlineData("a = :", "Syntax error; token: \":\", near: \"= :\"")]
    [InlineData("AND = :a", "Syntax error; token: \"AND\", near: \"AND\"")]
    [InlineData("a = :a AND NOT", "Syntax error; token: \"<EOF>\", near: \"NOT\"")]
    [InlineData("(a = :a) = :b", "Syntax error; token: \"=\", near: \") =\"")]
    [InlineData("a + :a = :b", "Syntax error; token: \"+\", near: \"a +\"")]
    [InlineData("a = :a OR :b", "Syntax error; token: \"<EOF>\", near: \":b\"")]
    [InlineData("NOT a", "Syntax error; token: \"<EOF>\", near: \"a\"")]
    [InlineData("a = ä", "Syntax error; token: \"ä\", near: \"= ä\"")]
    public void Syntax_errors_name_the_token_and_what_is_near(string text, string error) =>
        Assert.Equal("Invalid ConditionExpression: " + error, ConditionError(text));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\r\n")]
    public void Empty_expression_is_rejected(string text) =>
        Assert.Equal("Invalid ConditionExpression: The expression can not be empty;", ConditionError(text));

    [Theory]
    [InlineData("foo(a)", "Invalid function name; function: foo")]
    [InlineData("if_not_exists(a, :a) = :b", "Invalid function name; function: if_not_exists")]
    [InlineData("Attribute_Exists(a)", "Invalid function name; function: Attribute_Exists")]
    [InlineData("size(a)", "The function is not allowed to be used this way in an expression; function: size")]
    [InlineData("attribute_exists(a) = :a", "The function is not allowed to be used this way in an expression; function: attribute_exists")]
    [InlineData("a IN (contains(a, :a))", "The function is not allowed to be used this way in an expression; function: contains")]
    [InlineData("size(begins_with(a, :a)) = :b", "The function is not allowed to be used this way in an expression; function: begins_with")]
    [InlineData("attribute_exists(a, b)", "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2")]
    [InlineData("begins_with(a)", "Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1")]
    [InlineData("size(a, b) = :a", "Incorrect number of operands for operator or function; operator or function: size, number of operands: 2")]
    [InlineData("attribute_exists(:a)", "Operator or function requires a document path; operator or function: attribute_exists")]
    [InlineData("attribute_not_exists(:a)", "Operator or function requires a document path; operator or function: attribute_not_exists")]
    [InlineData("contains(a, a)", "The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a]")]
    [InlineData("a.b[1] = a.b[1]", "The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a, b, [1]]")]
    [InlineData("#a = na", "The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [na]")]
    [InlineData("status = :a", "Attribute name is a reserved keyword; reserved keyword: status")]
    [InlineData("((a = :a))", "The expression has redundant parentheses;")]
    [InlineData("(((attribute_exists(a))))", "The expression has redundant parentheses;")]
    [InlineData("((a)) = :a", "The expression has redundant parentheses;")]
    [InlineData("a = ((:a))", "The expression has redundant parentheses;")]
    [InlineData("b = :b AND NOT ((a = :a))", "The expression has redundant parentheses;")]
    [InlineData("a IN (:a, ((:b)))", "The expression has redundant parentheses;")]
    [InlineData("a.Name = :a", "Attribute name is a reserved keyword; reserved keyword: Name")]
    public void Semantic_errors(string text, string error) =>
        Assert.Equal("Invalid ConditionExpression: " + error, ConditionError(text));

    [Theory]
    // Reported in DynamoDB's order, whatever the order in the text.
    [InlineData("status = :zz AND foo(a) AND ((a = :a))", "The expression has redundant parentheses;")]
    [InlineData("status = :zz AND foo(a)", "Invalid function name; function: foo")]
    [InlineData("#zz = :a AND size(a)", "The function is not allowed to be used this way in an expression; function: size")]
    [InlineData("#zz = :a AND status = :a", "Attribute name is a reserved keyword; reserved keyword: status")]
    [InlineData("a = :zz AND #zz = :a", "An expression attribute value used in expression is not defined; attribute value: :zz")]
    [InlineData("contains(a, a) AND attribute_exists(a, b) AND #zz = :a", "An expression attribute name used in the document path is not defined; attribute name: #zz")]
    [InlineData("contains(a, a) AND attribute_exists(a, b)", "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2")]
    [InlineData("attribute_exists(:a) AND contains(a, a)", "The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a]")]
    public void Semantic_errors_are_reported_in_DynamoDB_order(string text, string error) =>
        Assert.Equal("Invalid ConditionExpression: " + error, ConditionError(text));

    [Fact]
    public void Syntax_errors_win_over_semantic_errors() =>
        Assert.Equal("Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\"", ConditionError("status = :zz AND a ="));

    [Fact]
    public void Keywords_are_case_insensitive_function_names_are_not()
    {
        Assert.Equal("((a = :a) AND (NOT (b = :b)))", Condition("a = :a aNd nOt b = :b"));
        Assert.StartsWith("Invalid ConditionExpression: Invalid function name; function: SIZE", ConditionError("SIZE(a) = :a"));
    }
}
