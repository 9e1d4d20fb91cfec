using Basalt.Engine.Expressions;
using static Basalt.Tests.Expressions.Ex;

namespace Basalt.Tests.Expressions;

public class ExpressionAttributesTests
{
    [Fact]
    public void All_used_across_several_expressions_passes()
    {
        var attrs = Attrs("#s=status #n=name", ":v :w");
        ExpressionParser.ParseUpdate("SET #s = :v", attrs);
        ExpressionParser.ParseCondition("#n <> :w", attrs);
        attrs.CheckAllUsed();
    }

    [Fact]
    public void Placeholders_resolve_through_the_map()
    {
        var attrs = Attrs("#s=status", ":v");
        var c = Assert.IsType<ComparisonCondition>(ExpressionParser.ParseCondition("#s = :v", attrs));
        Assert.Equal("status", Assert.IsType<PathOperand>(c.Left).Path.TopLevelName);
    }

    [Fact]
    public void Unused_value_is_reported()
    {
        var attrs = Attrs(null, ":v :w");
        ExpressionParser.ParseCondition("a = :v", attrs);
        Assert.Equal("Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}",
            Assert.Throws<ExpressionException>(attrs.CheckAllUsed).Message);
    }

    [Fact]
    public void Unused_names_are_reported_before_unused_values_all_keys_listed()
    {
        var attrs = Attrs("#a=x #n=y #m=z", ":v :w");
        ExpressionParser.ParseProjection("#a", attrs);
        Assert.Equal("Value provided in ExpressionAttributeNames unused in expressions: keys: {#n, #m}",
            Assert.Throws<ExpressionException>(attrs.CheckAllUsed).Message);
    }

    [Fact]
    public void A_placeholder_used_in_any_expression_of_the_request_counts_as_used()
    {
        var attrs = Attrs("#n=n", ":v :w");
        ExpressionParser.ParseUpdate("SET #n = :v", attrs);
        ExpressionParser.ParseCondition("attribute_exists(#n) AND b = :w", attrs);
        attrs.CheckAllUsed();
    }

    [Fact]
    public void Maps_without_any_expression_are_rejected()
    {
        Assert.Equal("ExpressionAttributeNames can only be specified when using expressions",
            Assert.Throws<ExpressionException>(Attrs("#n=n", ":v").CheckAllUsed).Message);
        Assert.Equal("ExpressionAttributeValues can only be specified when using expressions",
            Assert.Throws<ExpressionException>(Attrs(null, ":v").CheckAllUsed).Message);
        ExpressionAttributes.None.CheckAllUsed();
    }

    [Theory]
    [InlineData("", null, "ExpressionAttributeNames must not be empty")]
    [InlineData(null, "", "ExpressionAttributeValues must not be empty")]
    [InlineData("n=x", null, "ExpressionAttributeNames contains invalid key: Syntax error; key: \"n\"")]
    [InlineData("#=x", null, "ExpressionAttributeNames contains invalid key: Syntax error; key: \"#\"")]
    [InlineData("#a-b=x", null, "ExpressionAttributeNames contains invalid key: Syntax error; key: \"#a-b\"")]
    [InlineData(null, "v", "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\"")]
    [InlineData(null, ":v.w", "ExpressionAttributeValues contains invalid key: Syntax error; key: \":v.w\"")]
    [InlineData("n=x", "v", "ExpressionAttributeNames contains invalid key: Syntax error; key: \"n\"")]
    public void Malformed_maps_are_rejected(string? names, string? values, string message) =>
        Assert.Equal(message, Assert.Throws<ExpressionException>(() => Attrs(names, values)).Message);

    [Fact]
    public void Undefined_placeholders_are_reported_with_the_expression_name()
    {
        Assert.Equal("Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v",
            ConditionError("a = :v", ExpressionAttributes.None));
        Assert.Equal("Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #n",
            UpdateError("SET #n = :v", Attrs(null, ":v")));
        Assert.Equal("Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #N",
            ProjectionError("#N", Attrs("#n=n")));
    }

    [Fact]
    public void Placeholders_are_case_sensitive() =>
        Assert.Equal("Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :V",
            ConditionError("a = :V", Attrs(null, ":v")));

    [Fact]
    public void Reserved_words_need_a_placeholder_any_case()
    {
        foreach (var word in new[] { "STATUS", "status", "Name", "data", "TTL", "timestamp", "user", "count", "value", "key", "size", "date", "year", "comment" })
            Assert.Equal($"Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: {word}",
                ConditionError($"{word} = :a"));
    }

    [Fact]
    public void Reserved_word_list_is_DynamoDBs()
    {
        Assert.Equal(ReservedWords.Count, ReservedWords.All.Count());
        Assert.True(ReservedWords.Contains("ABORT"));
        Assert.True(ReservedWords.Contains("zone"));
        Assert.True(ReservedWords.Contains("Between"));
        Assert.False(ReservedWords.Contains("pk"));
        Assert.False(ReservedWords.Contains("abortx"));
        Assert.Equal("(pk = :a)", Condition("pk = :a"));
    }
}
