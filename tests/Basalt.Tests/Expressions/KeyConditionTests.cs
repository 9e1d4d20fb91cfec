using Basalt.Engine.Expressions;
using static Basalt.Tests.Expressions.Ex;

namespace Basalt.Tests.Expressions;

public class KeyConditionTests
{
    private static KeyCondition Parse(string text) => ExpressionParser.ParseKeyCondition(text, Loose());

    private static string Error(string text) =>
        Assert.Throws<ExpressionException>(() => ExpressionParser.ParseKeyCondition(text, Loose())).Message;

    [Theory]
    [InlineData("pk = :a", "pk = :a")]
    [InlineData("#a = :a", "na = :a")]
    [InlineData(":a = pk", "pk = :a")]
    [InlineData("pk = :a AND sk = :b", "pk = :a|sk = :b")]
    [InlineData("pk = :a AND sk < :b", "pk = :a|sk < :b")]
    [InlineData("pk = :a AND sk <= :b", "pk = :a|sk <= :b")]
    [InlineData("pk = :a AND sk > :b", "pk = :a|sk > :b")]
    [InlineData("pk = :a AND sk >= :b", "pk = :a|sk >= :b")]
    [InlineData("pk = :a AND :b < sk", "pk = :a|sk > :b")]
    [InlineData("pk = :a AND sk BETWEEN :b AND :c", "pk = :a|sk BETWEEN :b AND :c")]
    [InlineData("pk = :a AND begins_with(sk, :b)", "pk = :a|begins_with(sk, :b)")]
    [InlineData("begins_with(sk, :b) AND pk = :a", "begins_with(sk, :b)|pk = :a")]
    [InlineData("(pk = :a) AND (sk = :b)", "pk = :a|sk = :b")]
    public void Parses_the_restricted_form(string text, string expected) =>
        Assert.Equal(expected, string.Join("|", Parse(text).Parts.Select(p => p.ToString())));

    [Theory]
    [InlineData("pk = :a OR sk = :b", "Invalid operator used in KeyConditionExpression: OR")]
    [InlineData("NOT pk = :a", "Invalid operator used in KeyConditionExpression: NOT")]
    [InlineData("pk IN (:a, :b)", "Invalid operator used in KeyConditionExpression: IN")]
    [InlineData("pk <> :a", "Invalid operator used in KeyConditionExpression: <>")]
    [InlineData("pk = :a AND contains(sk, :b)", "Invalid operator used in KeyConditionExpression: contains")]
    [InlineData("pk = :a AND attribute_exists(sk)", "Invalid operator used in KeyConditionExpression: attribute_exists")]
    [InlineData("size(pk) = :a", "Invalid operator used in KeyConditionExpression: size")]
    [InlineData("pk = :a AND sk = :b AND x = :c", "Conditions can be of length 1 or 2 only")]
    [InlineData("pk = :a AND pk = :b", "KeyConditionExpressions must only contain one condition per key")]
    [InlineData("pk = sk", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition")]
    [InlineData(":a = :b", "Invalid condition in KeyConditionExpression: No key attribute specified")]
    [InlineData("pk.x = :a", "KeyConditionExpressions cannot have conditions on nested attributes")]
    [InlineData("pk = :a AND sk BETWEEN x AND :c", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition")]
    [InlineData("pk = ", "Invalid KeyConditionExpression: Syntax error; token: \"<EOF>\", near: \"= \"")]
    [InlineData("pk = :zz", "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :zz")]
    [InlineData("data = :a", "Invalid KeyConditionExpression: Attribute name is a reserved keyword; reserved keyword: data")]
    public void Rejects_what_DynamoDB_rejects(string text, string message) => Assert.Equal(message, Error(text));

    [Fact]
    public void Binds_partition_and_sort_keys_of_a_schema()
    {
        var b = Parse("begins_with(#a, :b) AND pk = :a").Bind("pk", "na");
        Assert.Equal("pk", b.Partition.AttributeName);
        Assert.Equal(KeyOperator.Equal, b.Partition.Operator);
        Assert.Equal(":a", b.Partition.Value);
        Assert.Equal(KeyOperator.BeginsWith, b.Sort!.Operator);
        Assert.Equal(":b", b.Sort.Value);

        var hashOnly = Parse("pk = :a").Bind("pk", "sk");
        Assert.Null(hashOnly.Sort);
        Assert.Equal(":a", Parse("pk = :a").Bind("pk", null).Partition.Value);
    }

    [Theory]
    [InlineData("sk = :a", "pk", "sk", "Query condition missed key schema element: pk")]
    [InlineData("pk < :a", "pk", "sk", "Query key condition not supported")]
    [InlineData("pk = :a AND oth = :b", "pk", "sk", "Query condition missed key schema element: sk")]
    [InlineData("pk = :a AND oth = :b", "pk", null, "Query key condition not supported")]
    [InlineData("pk = :a AND sk = :b", "pk", null, "Query key condition not supported")]
    public void Binding_errors(string text, string pk, string? sk, string message) =>
        Assert.Equal(message, Assert.Throws<ExpressionException>(() => Parse(text).Bind(pk, sk)).Message);
}
