using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Server.DynamoApi;

namespace Basalt.Tests.Server.DynamoApi;

// Attribute values in DynamoDB's JSON: every type reads and writes back to the same text, the wire-only refusals
// carry DynamoDB's messages (dynalite's validations/index.js and test/putItem.js), and Blobs are checked as Coral
// checks base64.
public class AttributeValueJsonTests
{
    private static readonly JsonWriterOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal static Dictionary<string, AttributeValue> Read(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), ShapeReader.Options);
        reader.Read();
        var item = AttributeValueJson.ReadItem(ref reader);
        Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
        return Assert.IsType<Dictionary<string, AttributeValue>>(item);
    }

    internal static string Write(IReadOnlyDictionary<string, AttributeValue> item)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Relaxed)) AttributeValueJson.WriteItem(w, item);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [Theory]
    [InlineData("""{"a":{"S":"hello"}}""")]
    [InlineData("""{"a":{"S":""}}""")]
    [InlineData("""{"a":{"S":"é ü 日本 \"quoted\""}}""")]
    [InlineData("""{"a":{"N":"123.45"}}""")]
    [InlineData("""{"a":{"N":"-1E+10"}}""")]
    [InlineData("""{"a":{"B":"AAECAwQ="}}""")]
    [InlineData("""{"a":{"B":"+/8="}}""")]
    [InlineData("""{"a":{"B":""}}""")]
    [InlineData("""{"a":{"BOOL":true}}""")]
    [InlineData("""{"a":{"BOOL":false}}""")]
    [InlineData("""{"a":{"NULL":true}}""")]
    [InlineData("""{"a":{"M":{"b":{"S":"x"},"c":{"M":{"d":{"N":"1"}}}}}}""")]
    [InlineData("""{"a":{"M":{}}}""")]
    [InlineData("""{"a":{"L":[{"S":"x"},{"N":"2"},{"L":[]},{"NULL":true}]}}""")]
    [InlineData("""{"a":{"SS":["x","y",""]}}""")]
    [InlineData("""{"a":{"NS":["1","2.5","-3"]}}""")]
    [InlineData("""{"a":{"BS":["AQ==","AgM=","BAUG"]}}""")]
    [InlineData("""{"a":{"S":"x"},"b":{"N":"1"},"c":{"BOOL":true}}""")]
    [InlineData("""{}""")]
    public void EveryTypeRoundTrips(string json) => Assert.Equal(json, Write(Read(json)));

    [Fact]
    public void ValuesReadAsTheirTypes()
    {
        var item = Read("""{"s":{"S":"x"},"n":{"N":"1"},"b":{"B":"AAEC"},"t":{"BOOL":true},"z":{"NULL":true},"m":{"M":{"k":{"S":"v"}}},"l":{"L":[{"N":"2"}]},"ss":{"SS":["a"]},"ns":{"NS":["3"]},"bs":{"BS":["AA=="]}}""");
        Assert.Equal(AttributeValue.String("x"), item["s"]);
        Assert.Equal(AttributeValue.Number("1"), item["n"]);
        Assert.Equal(AttributeValue.Binary([0, 1, 2]), item["b"]);
        Assert.Equal(AttributeValue.Bool(true), item["t"]);
        Assert.Equal(AttributeValue.Null, item["z"]);
        Assert.Equal(AttributeValue.Map([KeyValuePair.Create("k", AttributeValue.String("v"))]), item["m"]);
        Assert.Equal(AttributeValue.List(AttributeValue.Number("2")), item["l"]);
        Assert.Equal(AttributeValue.StringSet(["a"]), item["ss"]);
        Assert.Equal(AttributeValue.NumberSet(["3"]), item["ns"]);
        Assert.Equal(AttributeValue.BinarySet([[0]]), item["bs"]);
    }

    // Numbers are passed on as sent: the engine parses, validates and canonicalises them.
    [Fact]
    public void NumberTextIsNotInterpreted()
    {
        var item = Read("""{"a":{"N":"01.50"},"b":{"N":"not a number"},"c":{"NS":["1","1.0"]}}""");
        Assert.Equal("01.50", item["a"].AsNumber());
        Assert.Equal("not a number", item["b"].AsNumber());
        Assert.Equal(["1", "1.0"], item["c"].AsNumberSet());
    }

    // Empty sets and duplicate members are the engine's to refuse; the wire keeps them as sent.
    [Fact]
    public void SetsAreKeptAsSent()
    {
        var item = Read("""{"a":{"SS":[]},"b":{"SS":["x","x"]}}""");
        Assert.Empty(item["a"].AsStringSet());
        Assert.Equal(["x", "x"], item["b"].AsStringSet());
    }

    [Fact]
    public void UnknownMembersOfAValueAreIgnored() =>
        Assert.Equal(AttributeValue.String("x"), Read("""{"a":{"foo":1,"S":"x","bar":{"baz":[1]}}}""")["a"]);

    [Fact]
    public void NullTypeMembersAreAbsent() =>
        Assert.Equal(AttributeValue.Number("1"), Read("""{"a":{"S":null,"N":"1"}}""")["a"]);

    // Coral converts these strings to a Boolean (dynalite's checkTypes).
    [Theory]
    [InlineData("\"true\"", true)]
    [InlineData("\"YES\"", true)]
    [InlineData("\"1\"", true)]
    [InlineData("\"false\"", false)]
    [InlineData("\"no\"", false)]
    [InlineData("\"0\"", false)]
    public void BoolAcceptsCoralsStrings(string text, bool expected) =>
        Assert.Equal(AttributeValue.Bool(expected), Read($$$"""{"a":{"BOOL":{{{text}}}}}""")["a"]);

    [Fact]
    public void EscapedTypeNamesAndBase64AreRead()
    {
        var item = Read("""{"a":{"\u0053":"x"},"b":{"B":"+\/8="}}""");
        Assert.Equal(AttributeValue.String("x"), item["a"]);
        Assert.Equal(AttributeValue.Binary([0xFB, 0xFF]), item["b"]);
    }

    [Fact]
    public void LargeBinaryRoundTrips()
    {
        var bytes = new byte[5000];
        new Random(7).NextBytes(bytes);
        string json = $$$"""{"a":{"B":"{{{Convert.ToBase64String(bytes)}}}"}}""";
        var item = Read(json);
        Assert.Equal(bytes, item["a"].AsBinary().ToArray());
        Assert.Equal(json, Write(item));
    }

    [Fact]
    public void DeepNestingIsLeftToTheEngine()
    {
        // 40 levels of M: deeper than DynamoDB's 32, still read; the engine answers with DynamoDB's nesting message.
        var json = new StringBuilder("{\"a\":");
        for (int i = 0; i < 40; i++) json.Append("{\"M\":{\"a\":");
        json.Append("{\"S\":\"x\"}");
        for (int i = 0; i < 40; i++) json.Append("}}");
        json.Append('}');
        var value = Read(json.ToString())["a"];
        for (int i = 0; i < 40; i++) value = value.AsMap()["a"];
        Assert.Equal(AttributeValue.String("x"), value);
        var put = RequestReader.PutItem(Encoding.UTF8.GetBytes("{\"TableName\":\"t\",\"Item\":" + json + "}"));
        Assert.Equal(AttributeValue.Map(Read(json.ToString())), AttributeValue.Map(put.Item!));
    }

    // Far beyond any legal item, the JSON depth bound answers before the recursion could exhaust the stack.
    [Fact]
    public void AbsurdNestingIsASerializationException()
    {
        string json = "{\"Item\":{\"a\":" + string.Concat(Enumerable.Repeat("{\"L\":[", 5000)) + "{\"S\":\"x\"}" +
            string.Concat(Enumerable.Repeat("]}", 5000)) + "}}";
        Assert.Throws<SerializationException>(() => RequestReader.PutItem(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData("""{"a":{}}""", AttributeValueJson.EmptyMessage)]
    [InlineData("""{"a":{"a":""}}""", AttributeValueJson.EmptyMessage)]
    [InlineData("""{"a":null}""", AttributeValueJson.EmptyMessage)]
    [InlineData("""{"a":{"S":null}}""", AttributeValueJson.EmptyMessage)]
    [InlineData("""{"a":{"M":{"b":{}}}}""", AttributeValueJson.EmptyMessage)]
    [InlineData("""{"a":{"L":[{}]}}""", AttributeValueJson.EmptyMessage)]
    [InlineData("""{"a":{"S":"a","N":"1"}}""", AttributeValueJson.MoreThanOneMessage)]
    [InlineData("""{"a":{"NULL":true,"BOOL":false}}""", AttributeValueJson.MoreThanOneMessage)]
    [InlineData("""{"a":{"NULL":false}}""", AttributeValueJson.NullFalseMessage)]
    [InlineData("""{"a":{"L":[{"NULL":false}]}}""", AttributeValueJson.NullFalseMessage)]
    public void WireRefusalsAreValidationExceptions(string json, string message)
    {
        var e = Assert.Throws<ValidationException>(() => Read(json));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void TheMessagesAreDynamoDbs()
    {
        Assert.Equal("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes", AttributeValueJson.EmptyMessage);
        Assert.Equal("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
            AttributeValueJson.MoreThanOneMessage);
        Assert.Equal("One or more parameter values were invalid: Null attribute value types must have the value of true",
            AttributeValueJson.NullFalseMessage);
    }

    // Coral's Blob checks, messages as dynalite records them ("dectected" sic).
    [Theory]
    [InlineData("23456", "'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5")]
    [InlineData("=+/=", "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='")]
    [InlineData("ab*d", "'ab*d' can not be converted to a Blob: Invalid Base64 character: '*'")]
    [InlineData("+/+=", "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected")]
    [InlineData("AB==", "'AB==' can not be converted to a Blob: Invalid last non-pad Base64 character dectected")]
    [InlineData("A===", "'A===' can not be converted to a Blob: Invalid last non-pad Base64 character dectected")]
    public void InvalidBase64IsASerializationException(string text, string message)
    {
        Assert.Equal(message, Assert.Throws<SerializationException>(() => Read($$$"""{"a":{"B":"{{{text}}}"}}""")).Message);
        Assert.Equal(message, Assert.Throws<SerializationException>(() => Read($$$"""{"a":{"BS":["AA==","{{{text}}}"]}}""")).Message);
    }

    [Theory]
    [InlineData("""{"a":{"S":5}}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String")]
    [InlineData("""{"a":{"N":true}}""", "class java.lang.Boolean can not be converted to an String")]
    [InlineData("""{"a":{"S":[]}}""", "Start of list found where not expected")]
    [InlineData("""{"a":{"S":{}}}""", "Start of structure or map found where not expected.")]
    [InlineData("""{"a":{"B":1}}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to a Blob")]
    [InlineData("""{"a":{"BOOL":1}}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an Boolean")]
    [InlineData("""{"a":{"BOOL":"maybe"}}""", "'MAYBE' can not be converted to an Boolean")]
    [InlineData("""{"a":{"M":"x"}}""", "Expected map or null")]
    [InlineData("""{"a":{"M":[]}}""", "Start of list found where not expected")]
    [InlineData("""{"a":{"L":{}}}""", "Start of structure or map found where not expected.")]
    [InlineData("""{"a":{"SS":"x"}}""", "Expected list or null")]
    [InlineData("""{"a":{"SS":[1]}}""", "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String")]
    [InlineData("""{"a":"x"}""", "Expected null")]
    [InlineData("""{"a":[]}""", "Start of list found where not expected")]
    public void WrongJsonTypesAreSerializationExceptions(string json, string message) =>
        Assert.Equal(message, Assert.Throws<SerializationException>(() => Read(json)).Message);

    [Fact]
    public void WriteTakesAnyReadOnlyDictionary()
    {
        IReadOnlyDictionary<string, AttributeValue> sorted = new SortedDictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            ["b"] = AttributeValue.Number("2"),
            ["a"] = AttributeValue.String("1"),
        };
        Assert.Equal("""{"a":{"S":"1"},"b":{"N":"2"}}""", Write(sorted));
    }

    // With the writer's default encoder (which escapes '+' in strings), binary still goes out as plain base64.
    [Fact]
    public void Base64IsNotEscapedByTheDefaultEncoder()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer)) AttributeValueJson.WriteItem(w, Read("""{"a":{"B":"+/8="}}"""));
        Assert.Equal("""{"a":{"B":"+/8="}}""", Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
