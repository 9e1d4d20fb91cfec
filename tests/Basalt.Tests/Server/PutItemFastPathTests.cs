using System.Net;
using System.Text;
using System.Text.Json;
using Basalt.Engine.Database;
using Basalt.Server.DynamoApi;

namespace Basalt.Tests.Server;

// PutItem's fast path (wire -> item encoding) must store exactly what the checked path (RequestReader -> managed
// item -> encoding) stores, and leave every request it does not take, or that is wrong, untouched for the checked
// path: nothing written, and the checked path's answer.
public class PutItemFastPathTests
{
    private static async Task<(HttpStatusCode Status, string Body)> Post(ServerFixture fx, string operation, string body)
    {
        var (status, answer, _) = await fx.PostAsync(operation, body);
        return (status, answer);
    }

    private static Task CreateAsync(ServerFixture fx, string name) => Post(fx, "CreateTable",
        $$"""{"TableName":"{{name}}","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}""");

    // Every type, escapes, raw UTF-8, non-canonical numbers, nesting, an empty string and an empty list and map.
    private const string Item = """
        {"pk":{"S":"k1"},"s":{"S":"a\"b\\c\u00e9\n"},"u":{"S":"pé"},"n":{"N":"-0012.500"},"e":{"S":""},"b":{"B":"AAEC/w=="},
         "t":{"BOOL":true},"z":{"NULL":true},"m":{"M":{"x":{"L":[{"N":"1E2"},{"M":{}},{"L":[]},{"SS":["b","a"]}]}}},
         "ss":{"SS":["z","\u00e9","a"]},"ns":{"NS":["10","9.50","-1"]},"bs":{"BS":["AQ==","AA=="]}}
        """;

    [Fact]
    public async Task The_fast_path_stores_what_the_checked_path_stores()
    {
        await using var fx = await ServerFixture.StartAsync();
        await CreateAsync(fx, "Fast");
        await CreateAsync(fx, "Checked");
        Assert.True(PutItemFastPath.TryStart(fx.Server.Database, Encoding.UTF8.GetBytes($$"""{"TableName":"Fast","Item":{{Item}},"ReturnValues":"NONE"}"""), out var write));
        await write;
        // ReturnConsumedCapacity TOTAL is not the fast path's: this one goes through RequestReader and the managed item.
        var (status, body) = await Post(fx, "PutItem", $$"""{"TableName":"Checked","Item":{{Item}},"ReturnConsumedCapacity":"TOTAL"}""");
        Assert.True(status == HttpStatusCode.OK, body);

        var (_, fast) = await Post(fx, "GetItem", """{"TableName":"Fast","Key":{"pk":{"S":"k1"}}}""");
        var (_, slow) = await Post(fx, "GetItem", """{"TableName":"Checked","Key":{"pk":{"S":"k1"}}}""");
        Assert.Contains("\"Item\"", fast);
        Assert.Equal(slow, fast);
        Assert.Equal("-12.5", JsonDocument.Parse(fast).RootElement.GetProperty("Item").GetProperty("n").GetProperty("N").GetString());

        // Through the server, a plain put answers {} and is readable at once.
        var (putStatus, put) = await Post(fx, "PutItem", """{"TableName":"Fast","Item":{"pk":{"S":"k2"},"v":{"N":"7"}}}""");
        Assert.Equal(HttpStatusCode.OK, putStatus);
        Assert.Equal("{}", put);
        var (_, got) = await Post(fx, "GetItem", """{"TableName":"Fast","Key":{"pk":{"S":"k2"}}}""");
        Assert.Equal("""{"Item":{"pk":{"S":"k2"},"v":{"N":"7"}}}""", got);
    }

    [Theory]
    [InlineData("""{"TableName":"Tab","Item":{"pk":{"S":"a"}},"ConditionExpression":"attribute_not_exists(pk)"}""")]
    [InlineData("""{"TableName":"Tab","Item":{"pk":{"S":"a"}},"ReturnValues":"ALL_OLD"}""")]
    [InlineData("""{"TableName":"Tab","Item":{"pk":{"S":"a"},"n":{"N":"1e200"}}}""")]           // number out of range
    [InlineData("""{"TableName":"Tab","Item":{"pk":{"S":"a"},"n":{"N":"abc"}}}""")]             // not a number
    [InlineData("""{"TableName":"Tab","Item":{"pk":{"S":"a"},"s":{"SS":[]}}}""")]               // empty set
    [InlineData("""{"TableName":"Tab","Item":{"pk":{"S":"a"},"s":{"SS":["x","x"]}}}""")]        // duplicate members
    [InlineData("""{"TableName":"Tab","Item":{"pk":{"S":"a"},"z":{"NULL":false}}}""")]          // NULL false
    [InlineData("""{"TableName":"Tab","Item":{"pk":{"S":"a"},"z":{"S":"x","N":"1"}}}""")]       // two types
    [InlineData("""{"TableName":"Tab","Item":{"pk":{"S":"a"},"z":{}}}""")]                      // no type
    [InlineData("""{"TableName":"Tab","Item":{"pk":{"S":"a"},"b":{"B":"not base64!"}}}""")]     // bad base64
    [InlineData("""{"TableName":"Tab","Item":{"other":{"S":"a"}}}""")]                          // no key
    [InlineData("""{"TableName":"Tab","Item":{"pk":{"N":"1"}}}""")]                             // key of the wrong type
    [InlineData("""{"TableName":"Tab","Item":{"pk":{"S":""}}}""")]                              // empty key
    [InlineData("""{"TableName":"Missing","Item":{"pk":{"S":"a"}}}""")]                         // no such table
    [InlineData("""{"TableName":"Tab","Item":{"pk":{"S":"a"}},"Extra":1}""")]                   // a member it does not take
    [InlineData("""{"TableName":"Tab","Item":{"pk":{"S":"a"}}""")]                              // truncated JSON
    public async Task Requests_it_does_not_take_write_nothing_and_are_left_to_the_checked_path(string body)
    {
        await using var fx = await ServerFixture.StartAsync();
        await CreateAsync(fx, "Tab");
        Assert.False(PutItemFastPath.TryStart(fx.Server.Database, Encoding.UTF8.GetBytes(body), out _));
        var scan = fx.Server.Database.Scan(new ScanRequest { TableName = "Tab" });
        Assert.Equal(0, scan.Count);
        // The writer it left behind is clean: the next plain put works.
        Assert.True(PutItemFastPath.TryStart(fx.Server.Database, """{"TableName":"Tab","Item":{"pk":{"S":"ok"}}}"""u8, out var write));
        await write;
        Assert.Equal(1, fx.Server.Database.Scan(new ScanRequest { TableName = "Tab" }).Count);
    }

    [Fact]
    public async Task Refusals_through_the_server_are_the_checked_paths()
    {
        await using var fx = await ServerFixture.StartAsync();
        await CreateAsync(fx, "Tab");
        var (status, body) = await Post(fx, "PutItem", """{"TableName":"Tab","Item":{"pk":{"S":"a"},"s":{"SS":[]}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("com.amazon.coral.validate#ValidationException", JsonDocument.Parse(body).RootElement.GetProperty("__type").GetString());
        Assert.Contains("may not be empty", body);
        var (_, noKey) = await Post(fx, "PutItem", """{"TableName":"Tab","Item":{"x":{"S":"a"}}}""");
        Assert.Contains("Missing the key pk in the item", noKey);
    }
}
