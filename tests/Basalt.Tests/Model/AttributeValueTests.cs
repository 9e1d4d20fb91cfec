using Basalt.Engine.Model;
using static Basalt.Tests.Model.ItemTestData;

namespace Basalt.Tests.Model;

public class AttributeValueTests
{
    [Fact]
    public void SetsAreUnordered()
    {
        Assert.Equal(AttributeValue.StringSet(["a", "b", "c"]), AttributeValue.StringSet(["c", "a", "b"]));
        Assert.Equal(AttributeValue.NumberSet(["1", "2"]), AttributeValue.NumberSet(["2", "1"]));
        Assert.Equal(AttributeValue.BinarySet([[1], [2, 3]]), AttributeValue.BinarySet([[2, 3], [1]]));
        Assert.Equal(AttributeValue.StringSet(["a", "b"]).GetHashCode(), AttributeValue.StringSet(["b", "a"]).GetHashCode());
        Assert.NotEqual(AttributeValue.StringSet(["a", "b"]), AttributeValue.StringSet(["a", "c"]));
    }

    [Fact]
    public void ListsAreOrderedAndMapsCompareByName()
    {
        Assert.NotEqual(L(S("a"), S("b")), L(S("b"), S("a")));
        Assert.Equal(M(A("x", N("1")), A("y", N("2"))), M(A("y", N("2")), A("x", N("1"))));
        Assert.Equal(M(A("x", N("1")), A("y", N("2"))).GetHashCode(), M(A("y", N("2")), A("x", N("1"))).GetHashCode());
        Assert.NotEqual(M(A("x", N("1"))), M(A("x", N("2"))));
    }

    [Fact]
    public void TypesDifferEvenWithTheSameText()
    {
        Assert.NotEqual(S("1"), N("1"));
        Assert.NotEqual(AttributeValue.StringSet(["1"]), AttributeValue.NumberSet(["1"]));
        Assert.NotEqual(B(), S(""));
        Assert.Equal(B(1, 2), B(1, 2));
    }

    [Fact]
    public void FactoriesCopyTheirInput()
    {
        var bytes = new byte[] { 1, 2 };
        var value = AttributeValue.Binary(bytes);
        bytes[0] = 9;
        Assert.Equal(1, value.AsBinary().Span[0]);

        var members = new List<string> { "a" };
        var set = AttributeValue.StringSet(members);
        members.Add("b");
        Assert.Single(set.AsStringSet());
    }

    [Fact]
    public void AccessorsRefuseTheWrongType()
    {
        Assert.Throws<InvalidOperationException>(() => S("x").AsNumber());
        Assert.Throws<InvalidOperationException>(() => AttributeValue.Null.AsMap());
    }

    [Fact]
    public void PrintsDynamoDbJson()
    {
        Assert.Equal("{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"L\":[{\"NULL\":true},{\"BOOL\":false}]}}}",
            M(A("a", N("1")), A("b", L(AttributeValue.Null, AttributeValue.Bool(false)))).ToString());
    }
}
