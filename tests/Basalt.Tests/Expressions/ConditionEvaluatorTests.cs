using Basalt.Engine.Expressions;
using static Basalt.Tests.Expressions.EvalKit;

namespace Basalt.Tests.Expressions;

public class ConditionEvaluatorTests
{
    private static readonly byte[] Sample = Item(
        ("pk", S("user#1")),
        ("n", N("10")),
        ("neg", N("-2.5")),
        ("s", S("hello world")),
        ("u", S("h\u00e9llo")),
        ("bin", B(1, 2, 255)),
        ("flag", Bool(true)),
        ("nothing", Null),
        ("tags", SS("red", "blue")),
        ("nums", NS("1", "2.5", "100")),
        ("blobs", BS([1], [2, 3])),
        ("arr", L(S("a"), N("2"), M(("x", N("1"))))),
        ("doc", M(("child", M(("deep", S("v")))), ("cnt", N("3")), ("elems", L(N("7"), N("8"))))),
        ("#weird", S("w")));

    [Theory]
    [InlineData("n = :v", "10", true)]
    [InlineData("n = :v", "10.0", true)]
    [InlineData("n = :v", "1E1", true)]
    [InlineData("n <> :v", "10", false)]
    [InlineData("n < :v", "9", false)]
    [InlineData("n < :v", "11", true)]
    [InlineData("n <= :v", "10", true)]
    [InlineData("n > :v", "9.99", true)]
    [InlineData("n >= :v", "10", true)]
    [InlineData("n > :v", "100", false)]
    [InlineData("neg < :v", "-2", true)]
    [InlineData("neg > :v", "-3", true)]
    [InlineData("neg < :v", "-3", false)]
    public void Numbers_compare_numerically(string condition, string value, bool expected) =>
        Assert.Equal(expected, Eval(condition, Sample, (":v", N(value))));

    [Theory]
    [InlineData("s = :v", "hello world", true)]
    [InlineData("s < :v", "hello worle", true)]
    [InlineData("s > :v", "hello", true)]
    [InlineData("s < :v", "Z", false)]      // 'h' > 'Z' in byte order
    [InlineData("u > :v", "hz", true)]      // é (C3 A9) sorts after every ASCII letter
    [InlineData("s <> :v", "x", true)]
    public void Strings_compare_by_utf8_bytes(string condition, string value, bool expected) =>
        Assert.Equal(expected, Eval(condition, Sample, (":v", S(value))));

    [Fact]
    public void Binary_compares_unsigned()
    {
        Assert.True(Eval("bin > :v", Sample, (":v", B(1, 2, 127))));
        Assert.True(Eval("bin < :v", Sample, (":v", B(1, 3))));
        Assert.True(Eval("bin = :v", Sample, (":v", B(1, 2, 255))));
    }

    [Fact]
    public void Different_types_are_neither_equal_nor_ordered()
    {
        Assert.False(Eval("n = :v", Sample, (":v", S("10"))));
        Assert.True(Eval("n <> :v", Sample, (":v", S("10"))));
        Assert.False(Eval("n < :v", Sample, (":v", S("99"))));
        Assert.False(Eval("n > :v", Sample, (":v", S("1"))));
        Assert.False(Eval("s > :v", Sample, (":v", B(1))));
        // Unordered types on the item side: false, not an error.
        Assert.False(Eval("flag < :v", Sample, (":v", N("1"))));
        Assert.False(Eval("tags > :v", Sample, (":v", S("a"))));
    }

    [Fact]
    public void Missing_attribute_makes_comparisons_false_and_not_equal_true()
    {
        Assert.False(Eval("absent = :v", Sample, (":v", N("1"))));
        Assert.False(Eval("absent < :v", Sample, (":v", N("1"))));
        Assert.False(Eval("absent >= :v", Sample, (":v", N("1"))));
        Assert.True(Eval("absent <> :v", Sample, (":v", N("1"))));
        Assert.False(Eval("absent BETWEEN :a AND :b", Sample, (":a", N("1")), (":b", N("2"))));
        Assert.False(Eval("absent IN (:a, :b)", Sample, (":a", N("1")), (":b", N("2"))));
        Assert.False(Eval("absent = absent2", Sample));
    }

    [Fact]
    public void Path_to_path_comparisons()
    {
        Assert.True(Eval("n > doc.cnt", Sample));
        Assert.True(Eval("doc.elems[0] < doc.elems[1]", Sample));
        Assert.True(Eval("arr[1] = doc.elems[1] OR arr[1] < doc.elems[1]", Sample));
    }

    [Fact]
    public void Structured_values_compare_by_content()
    {
        Assert.True(Eval("tags = :v", Sample, (":v", SS("blue", "red"))));
        Assert.False(Eval("tags = :v", Sample, (":v", SS("blue"))));
        Assert.True(Eval("nums = :v", Sample, (":v", NS("100", "1", "2.50"))));
        Assert.True(Eval("blobs = :v", Sample, (":v", BS([2, 3], [1]))));
        Assert.True(Eval("arr = :v", Sample, (":v", L(S("a"), N("2"), M(("x", N("1")))))));
        Assert.False(Eval("arr = :v", Sample, (":v", L(N("2"), S("a"), M(("x", N("1")))))));
        Assert.True(Eval("doc.child = :v", Sample, (":v", M(("deep", S("v"))))));
        Assert.False(Eval("doc.child = :v", Sample, (":v", M(("deep", S("w"))))));
        Assert.True(Eval("flag = :v", Sample, (":v", Bool(true))));
        Assert.False(Eval("flag = :v", Sample, (":v", Bool(false))));
        Assert.True(Eval("nothing = :v", Sample, (":v", Null)));
        Assert.False(Eval("nothing = :v", Sample, (":v", Bool(false))));
    }

    [Theory]
    [InlineData("10", "10", true)]
    [InlineData("1", "10", true)]
    [InlineData("10", "11", true)]
    [InlineData("11", "12", false)]
    [InlineData("-5", "9.999", false)]
    public void Between_is_inclusive(string low, string high, bool expected) =>
        Assert.Equal(expected, Eval("n BETWEEN :a AND :b", Sample, (":a", N(low)), (":b", N(high))));

    [Fact]
    public void Between_with_lower_above_upper_is_an_error()
    {
        Assert.Equal("Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; " +
                     "lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}",
            ConditionError("n BETWEEN :a AND :b", (":a", N("5")), (":b", N("1"))));
        Assert.Equal("Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; " +
                     "lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}",
            ConditionError("s BETWEEN :a AND :b", (":a", S("b")), (":b", S("a"))));
        Assert.Equal("Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; " +
                     "lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}",
            ConditionError("s BETWEEN :a AND :b", (":a", N("1")), (":b", S("a"))));
        // Equal bounds are fine.
        Assert.True(Eval("n BETWEEN :a AND :b", Sample, (":a", N("10")), (":b", N("10"))));
    }

    [Fact]
    public void Ordering_an_unordered_literal_is_an_error()
    {
        Assert.Equal("Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: BOOL",
            ConditionError("n < :v", (":v", Bool(true))));
        Assert.Equal("Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: >=, operand type: SS",
            ConditionError("n >= :v", (":v", SS("a"))));
        Assert.Equal("Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: NULL",
            ConditionError("n BETWEEN :a AND :b", (":a", Null), (":b", N("1"))));
        // = and <> take any type.
        Assert.False(Eval("n = :v", Sample, (":v", L(N("1")))));
    }

    [Fact]
    public void In_matches_any_candidate()
    {
        Assert.True(Eval("n IN (:a, :b)", Sample, (":a", N("1")), (":b", N("10"))));
        Assert.False(Eval("n IN (:a, :b)", Sample, (":a", N("1")), (":b", S("10"))));
        Assert.True(Eval("s IN (:a)", Sample, (":a", S("hello world"))));
        Assert.True(Eval("tags IN (:a)", Sample, (":a", SS("red", "blue"))));
    }

    [Fact]
    public void Logical_operators()
    {
        (string, Engine.Model.AttributeValue)[] v = [(":t", N("10")), (":f", N("11"))];
        Assert.True(Eval("n = :t AND s <> :f", Sample, v));
        Assert.False(Eval("n = :f AND n = :t", Sample, v));
        Assert.True(Eval("n = :f OR n = :t", Sample, v));
        Assert.False(Eval("n = :f OR n = :f", Sample, v));
        Assert.True(Eval("NOT n = :f", Sample, v));
        Assert.False(Eval("NOT (n = :f OR n = :t)", Sample, v));
        Assert.True(Eval("n = :f OR n = :t AND NOT n = :f", Sample, v));
    }

    [Fact]
    public void Exists_and_not_exists()
    {
        Assert.True(Eval("attribute_exists(pk)", Sample));
        Assert.True(Eval("attribute_exists(doc.child.deep)", Sample));
        Assert.True(Eval("attribute_exists(arr[2].x)", Sample));
        Assert.True(Eval("attribute_exists(nothing)", Sample));
        Assert.False(Eval("attribute_exists(arr[3])", Sample));
        Assert.False(Eval("attribute_exists(doc.child.oth)", Sample));
        Assert.False(Eval("attribute_exists(s.x)", Sample));
        Assert.False(Eval("attribute_exists(doc[0])", Sample));
        Assert.True(Eval("attribute_not_exists(absent)", Sample));
        Assert.False(Eval("attribute_not_exists(pk)", Sample));
    }

    [Fact]
    public void Conditions_on_a_missing_item()
    {
        var condition = Condition("attribute_not_exists(pk)");
        Assert.True(condition.Evaluate([]));
        Assert.False(Condition("attribute_exists(pk)").Evaluate([]));
        Assert.True(Condition("pk <> :v", (":v", S("x"))).Evaluate([]));
    }

    [Theory]
    [InlineData("pk", "S", true)]
    [InlineData("n", "N", true)]
    [InlineData("bin", "B", true)]
    [InlineData("flag", "BOOL", true)]
    [InlineData("nothing", "NULL", true)]
    [InlineData("tags", "SS", true)]
    [InlineData("nums", "NS", true)]
    [InlineData("blobs", "BS", true)]
    [InlineData("arr", "L", true)]
    [InlineData("doc", "M", true)]
    [InlineData("n", "S", false)]
    [InlineData("absent", "S", false)]
    public void Attribute_type(string path, string type, bool expected) =>
        Assert.Equal(expected, Eval($"attribute_type({path}, :t)", Sample, (":t", S(type))));

    [Fact]
    public void Attribute_type_errors()
    {
        Assert.Equal("Invalid ConditionExpression: Invalid attribute type name found; type: STRING, valid types: { B; BOOL; BS; L; M; N; NS; NULL; S; SS }",
            ConditionError("attribute_type(s, :t)", (":t", S("STRING"))));
        Assert.Equal("Invalid ConditionExpression: Invalid attribute type name found; type: s, valid types: { B; BOOL; BS; L; M; N; NS; NULL; S; SS }",
            ConditionError("attribute_type(s, :t)", (":t", S("s"))));
        Assert.Equal("Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N",
            ConditionError("attribute_type(s, :t)", (":t", N("1"))));
    }

    [Fact]
    public void Begins_with()
    {
        Assert.True(Eval("begins_with(pk, :p)", Sample, (":p", S("user#"))));
        Assert.True(Eval("begins_with(pk, :p)", Sample, (":p", S(""))));
        Assert.False(Eval("begins_with(pk, :p)", Sample, (":p", S("user#12"))));
        Assert.True(Eval("begins_with(bin, :p)", Sample, (":p", B(1, 2))));
        Assert.False(Eval("begins_with(bin, :p)", Sample, (":p", B(2))));
        Assert.False(Eval("begins_with(n, :p)", Sample, (":p", S("1"))));
        Assert.False(Eval("begins_with(pk, :p)", Sample, (":p", B((byte)'u'))));
        Assert.False(Eval("begins_with(absent, :p)", Sample, (":p", S("u"))));
        Assert.Equal("Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
            ConditionError("begins_with(pk, :p)", (":p", N("1"))));
    }

    [Fact]
    public void Contains()
    {
        Assert.True(Eval("contains(s, :v)", Sample, (":v", S("lo wo"))));
        Assert.False(Eval("contains(s, :v)", Sample, (":v", S("low"))));
        Assert.True(Eval("contains(bin, :v)", Sample, (":v", B(2, 255))));
        Assert.True(Eval("contains(tags, :v)", Sample, (":v", S("red"))));
        Assert.False(Eval("contains(tags, :v)", Sample, (":v", S("green"))));
        Assert.True(Eval("contains(nums, :v)", Sample, (":v", N("2.50"))));
        Assert.False(Eval("contains(nums, :v)", Sample, (":v", S("1"))));
        Assert.True(Eval("contains(blobs, :v)", Sample, (":v", B(2, 3))));
        Assert.True(Eval("contains(arr, :v)", Sample, (":v", N("2"))));
        Assert.True(Eval("contains(arr, :v)", Sample, (":v", M(("x", N("1"))))));
        Assert.False(Eval("contains(arr, :v)", Sample, (":v", S("2"))));
        Assert.False(Eval("contains(n, :v)", Sample, (":v", N("1"))));
        Assert.False(Eval("contains(doc, :v)", Sample, (":v", S("child"))));
        Assert.False(Eval("contains(absent, :v)", Sample, (":v", S("a"))));
        // Path operands on both sides.
        Assert.True(Eval("contains(arr, arr[0])", Sample));
        Assert.False(Eval("contains(arr, doc.cnt)", Sample));
        Assert.False(Eval("contains(s, pk)", Sample));
    }

    [Theory]
    [InlineData("size(s)", 11)]
    [InlineData("size(u)", 6)]            // UTF-8 bytes, not characters
    [InlineData("size(bin)", 3)]
    [InlineData("size(tags)", 2)]
    [InlineData("size(nums)", 3)]
    [InlineData("size(blobs)", 2)]
    [InlineData("size(arr)", 3)]
    [InlineData("size(doc)", 3)]
    [InlineData("size(doc.child)", 1)]
    [InlineData("size(arr[2])", 1)]
    public void Size(string size, int expected)
    {
        Assert.True(Eval($"{size} = :v", Sample, (":v", N(expected.ToString()))));
        Assert.True(Eval($"{size} > :v", Sample, (":v", N((expected - 1) + ".5"))));
        Assert.True(Eval($"{size} BETWEEN :a AND :b", Sample, (":a", N(expected.ToString())), (":b", N("1000"))));
        Assert.False(Eval($"{size} = :v", Sample, (":v", S(expected.ToString()))));
    }

    [Fact]
    public void Size_of_unsized_or_missing_is_false()
    {
        Assert.False(Eval("size(n) = :v", Sample, (":v", N("2"))));
        Assert.False(Eval("size(flag) >= :v", Sample, (":v", N("0"))));
        Assert.False(Eval("size(absent) >= :v", Sample, (":v", N("0"))));
        Assert.True(Eval("size(s) > size(bin)", Sample));
        Assert.True(Eval("size(doc) = n OR size(arr) = doc.cnt", Sample));
        Assert.True(Eval("size(arr) IN (:a, :b)", Sample, (":a", N("1")), (":b", N("3"))));
    }

    [Fact]
    public void Names_through_placeholders_and_special_characters()
    {
        var (attributes, values) = Bind([(":v", S("w"))], "#w=#weird");
        var evaluator = new ConditionEvaluator(ExpressionParser.ParseCondition("#w = :v", attributes), values);
        Assert.True(evaluator.Evaluate(Sample));
    }

    [Fact]
    public void Filter_errors_name_the_filter()
    {
        var (attributes, values) = Bind([(":v", Bool(true))]);
        var e = Assert.Throws<ExpressionException>(() =>
            new ConditionEvaluator(ExpressionParser.ParseFilter("n > :v", attributes), values, ExpressionKind.Filter));
        Assert.StartsWith("Invalid FilterExpression: Incorrect operand type", e.Message);
    }

    [Fact]
    public void Long_attribute_names_resolve()
    {
        string name = new('x', 300);
        var item = Item((name, N("1")));
        var (attributes, values) = Bind([(":v", N("1"))], $"#n={name}");
        Assert.True(new ConditionEvaluator(ExpressionParser.ParseCondition("#n = :v", attributes), values).Evaluate(item));
    }
}

public class ConditionEvaluatorAllocationTests
{
    [Fact]
    public void Typical_condition_allocates_nothing()
    {
        var item = Item(("pk", S("p")), ("version", N("42")), ("tags", SS("a", "vip")), ("status", S("active")),
                        ("doc", M(("geo", M(("lat", N("38.7")))))));
        var condition = Condition(
            "attribute_exists(pk) AND #v = :e AND (size(tags) < :m OR NOT contains(tags, :t)) AND #s IN (:x, :y) AND doc.geo.lat BETWEEN :lo AND :hi",
            (":e", N("42")), (":m", N("10")), (":t", S("vip")), (":x", S("gone")), (":y", S("active")), (":lo", N("30")), (":hi", N("40")));
        Assert.True(condition.Evaluate(item));
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool result = false;
        for (int i = 0; i < 100; i++) result |= condition.Evaluate(item);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(result);
        Assert.Equal(0, allocated);
    }
}
