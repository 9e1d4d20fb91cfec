using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Server.DynamoApi;

namespace Basalt.Tests.Server;

// GetItem's fast path (wire -> key spans -> item encoding -> JSON) must answer exactly as the checked path
// (RequestReader -> GetItemRequest -> managed item -> ResponseWriter): same bytes for every attribute type, and
// every request it does not take (or that is wrong) left to the checked path.
public class GetItemFastPathTests
{
    private static async Task<(HttpStatusCode Status, string Body)> Post(ServerFixture fx, string operation, string body)
    {
        var (status, answer, _) = await fx.PostAsync(operation, body);
        return (status, answer);
    }

    private const string RichItem = """
        {"pk":{"S":"pé 1"},"sk":{"N":"-1.50"},"s":{"S":"x<y>&\u2028"},"n":{"N":"1E+3"},"b":{"B":"AAEC/w=="},
         "t":{"BOOL":false},"z":{"NULL":true},"m":{"M":{"inner":{"L":[{"S":"a"},{"N":"2"},{"M":{}},{"L":[]}]}}},
         "ss":{"SS":["b","a"]},"ns":{"NS":["10","9.5"]},"bs":{"BS":["AQ==","AA=="]},"e":{"S":""}}
        """;

    [Fact]
    public async Task The_fast_path_answers_byte_for_byte_as_the_checked_path()
    {
        await using var fx = await ServerFixture.StartAsync();
        await Post(fx, "CreateTable", """{"TableName":"Tab","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"}""");
        var (putStatus, putBody) = await Post(fx, "PutItem", $$"""{"TableName":"Tab","Item":{{RichItem}}}""");
        Assert.True(putStatus == HttpStatusCode.OK, putBody);

        // Raw UTF-8 in the key (no JSON escape: an escaped key is left to the checked path), attributes in either order,
        // the number in any of its forms.
        const string key = """{"pk":{"S":"pé 1"},"sk":{"N":"-1.5"}}""";
        const string plainKey = """{"sk":{"N":"-15E-1"},"pk":{"S":"pé 1"}}""";
        var (_, checkedBody) = await Post(fx, "GetItem", $$"""{"TableName":"Tab","Key":{{key}},"ReturnConsumedCapacity":"NONE"}""");
        var (_, fastBody) = await Post(fx, "GetItem", $$"""{"TableName":"Tab","Key":{{key}}}""");
        Assert.Contains("\"Item\"", checkedBody);
        Assert.Equal(checkedBody, fastBody);

        // Proven to be the fast path itself: TryRun takes the plain request and writes the same bytes.
        var output = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(output, DynamoApiHandler.WriterOptions))
            Assert.True(GetItemFastPath.TryRun(fx.Server.Database, Encoding.UTF8.GetBytes($$"""{"TableName":"Tab","Key":{{plainKey}},"ConsistentRead":true}"""), json));
        Assert.Equal(checkedBody, Encoding.UTF8.GetString(output.WrittenSpan));

        // An absent item: {} on both paths.
        var (_, missingChecked) = await Post(fx, "GetItem", """{"TableName":"Tab","Key":{"pk":{"S":"x"},"sk":{"N":"1"}},"ReturnConsumedCapacity":"NONE"}""");
        var (_, missingFast) = await Post(fx, "GetItem", """{"TableName":"Tab","Key":{"pk":{"S":"x"},"sk":{"N":"1"}}}""");
        Assert.Equal("{}", missingChecked);
        Assert.Equal("{}", missingFast);
    }

    [Theory]
    [InlineData("""{"TableName":"Tab","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"ProjectionExpression":"pk"}""")] // a member it does not take
    [InlineData("""{"TableName":"Tab","Key":{"pk":{"S":"a"}}}""")]                                              // key missing its sort key
    [InlineData("""{"TableName":"Tab","Key":{"pk":{"S":"a"},"other":{"N":"1"}}}""")]                             // a name not in the schema
    [InlineData("""{"TableName":"Tab","Key":{"pk":{"N":"1"},"sk":{"N":"1"}}}""")]                                // a type not in the schema
    [InlineData("""{"TableName":"Tab","Key":{"pk":{"S":""},"sk":{"N":"1"}}}""")]                                 // an empty key value
    [InlineData("""{"TableName":"Tab","Key":{"pk":{"S":"a"},"sk":{"N":"1x"}}}""")]                               // not a number
    [InlineData("""{"TableName":"Missing","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}}""")]                          // no such table
    [InlineData("""{"TableName":"Tab","Key":{"pk":{"S":"a","N":"1"},"sk":{"N":"1"}}}""")]                        // two types
    [InlineData("""{"TableName":"Tab","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}""")]                                 // truncated JSON
    public async Task Requests_it_does_not_take_are_left_untouched_for_the_checked_path(string body)
    {
        await using var fx = await ServerFixture.StartAsync();
        await Post(fx, "CreateTable", """{"TableName":"Tab","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"}""");
        var output = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(output))
            Assert.False(GetItemFastPath.TryRun(fx.Server.Database, Encoding.UTF8.GetBytes(body), json));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public async Task Errors_through_the_server_are_the_checked_paths()
    {
        await using var fx = await ServerFixture.StartAsync();
        await Post(fx, "CreateTable", """{"TableName":"Tab","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"B"}],"BillingMode":"PAY_PER_REQUEST"}""");
        await Post(fx, "PutItem", """{"TableName":"Tab","Item":{"pk":{"B":"AAE="},"v":{"S":"found"}}}""");
        var (okStatus, ok) = await Post(fx, "GetItem", """{"TableName":"Tab","Key":{"pk":{"B":"AAE="}}}""");
        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.Equal("found", JsonDocument.Parse(ok).RootElement.GetProperty("Item").GetProperty("v").GetProperty("S").GetString());

        var (status, wrong) = await Post(fx, "GetItem", """{"TableName":"Tab","Key":{"pk":{"S":"a"}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("The provided key element does not match the schema", JsonDocument.Parse(wrong).RootElement.GetProperty("message").GetString());
        var (_, huge) = await Post(fx, "GetItem", "{\"TableName\":\"Tab\",\"Key\":{\"pk\":{\"B\":\"" + Convert.ToBase64String(new byte[2049]) + "\"}}}");
        Assert.Contains("Size of hashkey has exceeded the maximum size limit", huge);
    }
}
