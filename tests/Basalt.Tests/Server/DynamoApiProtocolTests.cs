using System.IO.Hashing;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Basalt.Tests.Server;

// The HTTP rules of DynamoDB's JSON protocol, sent as raw requests: what DynamoDB (and so every SDK) expects before an
// operation even runs: the target header, content types, body size, malformed JSON, and the headers of every answer.
public class DynamoApiProtocolTests
{
    private static HttpRequestMessage Post(string? target, string? body, string contentType = "application/x-amz-json-1.0") =>
        ServerFixture.JsonRequest(target, body, contentType);

    private static async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> SendAsync(ServerFixture fx, HttpRequestMessage message)
    {
        var response = await fx.Http.SendAsync(message);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        if (response.Headers.TryGetValues("x-amz-crc32", out var crc))
            Assert.Equal(Crc32.HashToUInt32(bytes).ToString(), crc.Single()); // the SDKs verify it
        return (response.StatusCode, Encoding.UTF8.GetString(bytes), response);
    }

    private static string TypeOf(string body) => JsonDocument.Parse(body).RootElement.GetProperty("__type").GetString()!;

    [Fact]
    public async Task Every_answer_has_a_request_id_and_the_body_crc()
    {
        await using var fx = await ServerFixture.StartAsync();
        var (status, body, response) = await SendAsync(fx, Post("DynamoDB_20120810.ListTables", "{}"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"TableNames":[]}""", body);
        Assert.Equal("application/x-amz-json-1.0", response.Content.Headers.ContentType!.MediaType);
        var id = Assert.Single(response.Headers.GetValues("x-amzn-RequestId"));
        Assert.Equal(52, id.Length);
        Assert.True(response.Headers.Contains("x-amz-crc32"));
        // plain application/json is accepted too, and answered in kind
        var (_, _, plain) = await SendAsync(fx, Post("DynamoDB_20120810.ListTables", "{}", "application/json"));
        Assert.Equal("application/json", plain.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData("DynamoDB_20120810.ExecuteStatement")] // a DynamoDB operation not implemented yet
    [InlineData("DynamoDB_20120810.NoSuchThing")]
    [InlineData("DynamoDB_20990101.ListTables")]
    [InlineData("ListTables")]
    [InlineData(null)]
    public async Task Unknown_or_unimplemented_operations_are_UnknownOperationException(string? target)
    {
        await using var fx = await ServerFixture.StartAsync();
        var (status, body, _) = await SendAsync(fx, Post(target, "{}"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("com.amazon.coral.service#UnknownOperationException", TypeOf(body));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("not json")]
    [InlineData("")]
    public async Task Malformed_or_missing_bodies_are_SerializationException(string body)
    {
        await using var fx = await ServerFixture.StartAsync();
        var (status, answer, _) = await SendAsync(fx, Post("DynamoDB_20120810.ListTables", body));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("com.amazon.coral.service#SerializationException", TypeOf(answer));
    }

    [Fact]
    public async Task Wrong_method_or_content_type_is_a_404_page()
    {
        await using var fx = await ServerFixture.StartAsync();
        var (status, body, _) = await SendAsync(fx, Post("DynamoDB_20120810.ListTables", "{}", "text/plain"));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("<UnknownOperationException/>\n", body);
        var (getStatus, _, _) = await SendAsync(fx, new HttpRequestMessage(HttpMethod.Get, "/"));
        Assert.Equal(HttpStatusCode.NotFound, getStatus);
    }

    [Fact]
    public async Task A_body_over_16_MB_is_refused_with_413_and_the_server_goes_on()
    {
        await using var fx = await ServerFixture.StartAsync();
        var big = new ByteArrayContent(new byte[16 * 1024 * 1024 + 1]);
        big.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.0");
        var message = new HttpRequestMessage(HttpMethod.Post, "/") { Content = big };
        message.Headers.TryAddWithoutValidation("X-Amz-Target", "DynamoDB_20120810.BatchWriteItem");
        var response = await fx.Http.SendAsync(message);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var (status, _, _) = await SendAsync(fx, Post("DynamoDB_20120810.ListTables", "{}"));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Errors_of_the_service_and_of_validation_have_their_namespaces()
    {
        await using var fx = await ServerFixture.StartAsync();
        var (status, body, _) = await SendAsync(fx, Post("DynamoDB_20120810.DescribeTable", """{"TableName":"missing"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", doc.RootElement.GetProperty("__type").GetString());
        Assert.Equal("Requested resource not found: Table: missing not found", doc.RootElement.GetProperty("message").GetString());

        var (_, invalid, _) = await SendAsync(fx, Post("DynamoDB_20120810.PutItem", """{"TableName":"missing","Item":{"a":{}}}"""));
        Assert.Equal("com.amazon.coral.validate#ValidationException", TypeOf(invalid));
    }

    [Fact]
    public async Task Browsers_get_CORS_answers_preflight_and_actual()
    {
        await using var fx = await ServerFixture.StartAsync();
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/");
        preflight.Headers.TryAddWithoutValidation("Origin", "http://app.example");
        preflight.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
        preflight.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", "content-type,x-amz-target,authorization");
        var answer = await fx.Http.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("*", Assert.Single(answer.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal("POST", Assert.Single(answer.Headers.GetValues("Access-Control-Allow-Methods")));
        Assert.Equal("content-type,x-amz-target,authorization", Assert.Single(answer.Headers.GetValues("Access-Control-Allow-Headers")));
        Assert.Equal("172800", Assert.Single(answer.Headers.GetValues("Access-Control-Max-Age")));
        Assert.Empty(await answer.Content.ReadAsByteArrayAsync());

        var actual = Post("DynamoDB_20120810.ListTables", "{}");
        actual.Headers.TryAddWithoutValidation("Origin", "http://app.example");
        var (status, _, response) = await SendAsync(fx, actual);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));

        // No Origin: no CORS headers, and an OPTIONS is the 404 page as any other method.
        var (plainStatus, _, plain) = await SendAsync(fx, new HttpRequestMessage(HttpMethod.Options, "/"));
        Assert.Equal(HttpStatusCode.NotFound, plainStatus);
        Assert.False(plain.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
