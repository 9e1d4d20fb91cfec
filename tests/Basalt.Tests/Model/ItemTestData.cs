using System.Text;
using Basalt.Engine.Model;

namespace Basalt.Tests.Model;

// Small builders shared by the Model tests.
internal static class ItemTestData
{
    public static KeyValuePair<string, AttributeValue> A(string name, AttributeValue value) => new(name, value);

    public static Dictionary<string, AttributeValue> Item(params KeyValuePair<string, AttributeValue>[] attributes) =>
        attributes.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);

    public static AttributeValue S(string value) => AttributeValue.String(value);
    public static AttributeValue N(string value) => AttributeValue.Number(value);
    public static AttributeValue B(params byte[] value) => AttributeValue.Binary(value);
    public static AttributeValue M(params KeyValuePair<string, AttributeValue>[] entries) => AttributeValue.Map(entries);
    public static AttributeValue L(params AttributeValue[] elements) => AttributeValue.List(elements);

    public static byte[] U(string text) => Encoding.UTF8.GetBytes(text);

    // One attribute of every type, nested maps and lists included.
    public static Dictionary<string, AttributeValue> EveryType() => Item(
        A("s", S("hello")),
        A("s-empty", S("")),
        A("s-unicode", S("日本語 é ✓")),
        A("n", N("-12.5")),
        A("b", B(0, 1, 2, 255)),
        A("b-empty", B()),
        A("t", AttributeValue.Bool(true)),
        A("f", AttributeValue.Bool(false)),
        A("z", AttributeValue.Null),
        A("ss", AttributeValue.StringSet(["b", "a", ""])),
        A("ns", AttributeValue.NumberSet(["3", "-1", "0.5"])),
        A("bs", AttributeValue.BinarySet([[1], [], [0, 0]])),
        A("m-empty", M()),
        A("l-empty", L()),
        A("m", M(A("x", N("1")), A("inner", M(A("deep", L(S("a"), AttributeValue.Null, M(A("k", B(9))))))))),
        A("l", L(S("x"), N("2"), L(L(), M()), AttributeValue.StringSet(["q"]), AttributeValue.Bool(true))));

    // value nested inside `levels` maps, each under the name "a": levels = 0 is the value itself.
    public static AttributeValue Nested(int levels, AttributeValue value)
    {
        for (int i = 0; i < levels; i++) value = M(A("a", value));
        return value;
    }
}
