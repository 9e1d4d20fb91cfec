using System.Text;
using Basalt.Server.Auth;

namespace Basalt.Tests.Server.Auth;

// SigV4Verifier on its own, with a fake clock: each check in DynamoDB's order, with DynamoDB's error type and text.
// Requests are signed by AuthTestKit.Sign (SigV4's pieces, checked against AWS's vectors in SigV4Tests).
public class SigV4VerifierTests
{
    private const string Host = "127.0.0.1:8000";
    private static readonly DateTimeOffset SignedAt = new(2024, 3, 9, 10, 0, 0, TimeSpan.Zero);

    private static readonly AuthFile Keys = AuthFile.Parse(AuthTestKit.FileJson, "auth.json");

    private static AuthRefusal? Check(FakeClock clock, string operation, string body, IDictionary<string, string> headers) =>
        new SigV4Verifier(Keys, clock).Check("POST", "/", "", AuthTestKit.Headers(headers), operation, Encoding.UTF8.GetBytes(body));

    private static Dictionary<string, string> Signed(string operation, string body, string key = AuthTestKit.OrdersKey,
        string secret = AuthTestKit.OrdersSecret, string region = "us-east-1") =>
        AuthTestKit.Sign(Host, operation, Encoding.UTF8.GetBytes(body), key, secret, SignedAt, region);

    private static void AssertRefused(AuthRefusal? refusal, string type, string message)
    {
        Assert.NotNull(refusal);
        Assert.Equal("com.amazon.coral.service#" + type, refusal.Type);
        Assert.Equal(message, refusal.Message);
    }

    private const string BadSignature = "The request signature we calculated does not match the signature you provided. "
        + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

    [Theory]
    [InlineData("us-east-1")]
    [InlineData("eu-west-3")]
    [InlineData("localhost")]
    public void A_correctly_signed_request_passes_in_any_region(string region)
    {
        const string body = """{"TableName":"Orders","Key":{"pk":{"S":"a"}}}""";
        Assert.Null(Check(new FakeClock(SignedAt), "GetItem", body, Signed("GetItem", body, region: region)));
    }

    [Fact]
    public void The_clock_window_is_fifteen_minutes_either_way()
    {
        const string body = """{"TableName":"Orders"}""";
        var headers = Signed("DescribeTable", body);
        Assert.Null(Check(new FakeClock(SignedAt.AddMinutes(15)), "DescribeTable", body, headers));
        Assert.Null(Check(new FakeClock(SignedAt.AddMinutes(-15)), "DescribeTable", body, headers));
        AssertRefused(Check(new FakeClock(SignedAt.AddMinutes(15).AddSeconds(1)), "DescribeTable", body, headers), "InvalidSignatureException",
            "Signature expired: 20240309T100000Z is now earlier than 20240309T100001Z (20240309T101501Z - 15 min.)");
        AssertRefused(Check(new FakeClock(SignedAt.AddMinutes(-16)), "DescribeTable", body, headers), "InvalidSignatureException",
            "Signature not yet current: 20240309T100000Z is still later than 20240309T095900Z (20240309T094400Z + 15 min.)");
    }

    [Fact]
    public void No_Authorization_header_or_a_non_SigV4_one_is_a_missing_token()
    {
        var clock = new FakeClock(SignedAt);
        var headers = Signed("ListTables", "{}");
        headers.Remove("Authorization");
        AssertRefused(Check(clock, "ListTables", "{}", headers), "MissingAuthenticationTokenException", "Request is missing Authentication Token");
        headers["Authorization"] = "Bearer abc";
        AssertRefused(Check(clock, "ListTables", "{}", headers), "MissingAuthenticationTokenException", "Request is missing Authentication Token");
    }

    [Fact]
    public void Malformed_Authorization_headers_are_incomplete_signatures()
    {
        var clock = new FakeClock(SignedAt);
        var headers = Signed("ListTables", "{}");

        headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDORDERS/20240309/us-east-1/dynamodb/aws4_request";
        AssertRefused(Check(clock, "ListTables", "{}", headers), "IncompleteSignatureException",
            "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
            + "Authorization=AWS4-HMAC-SHA256 Credential=AKIDORDERS/20240309/us-east-1/dynamodb/aws4_request");

        headers["Authorization"] = "AWS4-HMAC-SHA256 Signature=b, Credential, SignedHeaders=host";
        AssertRefused(Check(clock, "ListTables", "{}", headers), "IncompleteSignatureException",
            "'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Signature=b, Credential, SignedHeaders=host'.");

        headers["Authorization"] = "AWS4-HMAC-SHA25 Credential=a/b/c/d/e, SignedHeaders=host, Signature=b";
        AssertRefused(Check(clock, "ListTables", "{}", headers), "IncompleteSignatureException",
            "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). ");

        headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=host, Signature=b";
        AssertRefused(Check(clock, "ListTables", "{}", headers), "IncompleteSignatureException",
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'");

        headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=x-amz-date, Signature=b";
        AssertRefused(Check(clock, "ListTables", "{}", headers), "InvalidSignatureException", "'Host' must be a 'SignedHeader' in the AWS Authorization.");

        headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=a/b/c!/d/e/, SignedHeaders=host, Signature=b";
        AssertRefused(Check(clock, "ListTables", "{}", headers), "InvalidSignatureException",
            "Credential should be scoped to a valid region, not 'c!'. Credential should be scoped to correct service: 'dynamodb'. "
            + "Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. "
            + "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20240309', from '20240309T100000Z'.");
    }

    [Fact]
    public void The_date_must_be_present_and_in_basic_format_or_an_HTTP_date()
    {
        var clock = new FakeClock(SignedAt);
        var headers = Signed("ListTables", "{}");
        headers["X-Amz-Date"] = "201";
        AssertRefused(Check(clock, "ListTables", "{}", headers), "IncompleteSignatureException",
            "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601");
        headers.Remove("X-Amz-Date");
        var refusal = Check(clock, "ListTables", "{}", headers);
        Assert.Equal("com.amazon.coral.service#IncompleteSignatureException", refusal?.Type);
        Assert.StartsWith("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 ", refusal!.Message);
        // An HTTP Date stands in for X-Amz-Date (the signature, made over x-amz-date, then no longer matches).
        headers["Date"] = "Sat, 09 Mar 2024 10:00:00 GMT";
        AssertRefused(Check(clock, "ListTables", "{}", headers), "InvalidSignatureException", BadSignature);
    }

    [Fact]
    public void An_unknown_key_is_an_unrecognized_client_and_a_wrong_secret_a_bad_signature()
    {
        var clock = new FakeClock(SignedAt);
        AssertRefused(Check(clock, "ListTables", "{}", Signed("ListTables", "{}", key: "AKIDNOBODY")), "UnrecognizedClientException",
            "The security token included in the request is invalid.");
        AssertRefused(Check(clock, "ListTables", "{}", Signed("ListTables", "{}", secret: "not-the-secret")), "InvalidSignatureException", BadSignature);
    }

    [Fact]
    public void Any_change_to_a_signed_part_breaks_the_signature()
    {
        var clock = new FakeClock(SignedAt);
        const string body = """{"TableName":"Orders","Item":{"pk":{"S":"a"}}}""";
        var headers = Signed("PutItem", body);
        Assert.Null(Check(clock, "PutItem", body, headers));
        AssertRefused(Check(clock, "PutItem", body.Replace("\"a\"", "\"b\""), headers), "InvalidSignatureException", BadSignature);
        var otherTarget = new Dictionary<string, string>(headers) { ["x-amz-target"] = "DynamoDB_20120810.DeleteItem" };
        AssertRefused(Check(clock, "PutItem", body, otherTarget), "InvalidSignatureException", BadSignature);
        var otherHost = new Dictionary<string, string>(headers) { ["host"] = "127.0.0.1:8001" };
        AssertRefused(Check(clock, "PutItem", body, otherHost), "InvalidSignatureException", BadSignature);
        var verifier = new SigV4Verifier(Keys, clock);
        AssertRefused(verifier.Check("POST", "/", "?x=1", AuthTestKit.Headers(headers), "PutItem", Encoding.UTF8.GetBytes(body)),
            "InvalidSignatureException", BadSignature);
        AssertRefused(verifier.Check("PUT", "/", "", AuthTestKit.Headers(headers), "PutItem", Encoding.UTF8.GetBytes(body)),
            "InvalidSignatureException", BadSignature);
        // Header values are canonicalised: extra spaces around a value do not change the signature.
        var spaced = new Dictionary<string, string>(headers) { ["x-amz-target"] = "  DynamoDB_20120810.PutItem " };
        Assert.Null(Check(clock, "PutItem", body, spaced));
    }

    [Fact]
    public void A_declared_content_hash_must_be_the_bodys()
    {
        var clock = new FakeClock(SignedAt);
        const string body = """{"TableName":"Orders"}""";
        var headers = Signed("DescribeTable", body);
        // x-amz-content-sha256, unsigned here, stands for the body in the canonical request: it must equal the body's hash.
        headers["x-amz-content-sha256"] = SigV4.HexSha256(Encoding.UTF8.GetBytes(body));
        Assert.Null(Check(clock, "DescribeTable", body, headers));
        headers["x-amz-content-sha256"] = SigV4.HexSha256(Encoding.UTF8.GetBytes("{}"));
        AssertRefused(Check(clock, "DescribeTable", body, headers), "InvalidSignatureException", BadSignature);
    }

    [Theory]
    [InlineData("GetItem", """{"TableName":"Orders","Key":{}}""", null)]
    [InlineData("GetItem", """{"TableName":"Customers","Key":{}}""", "Customers")]
    [InlineData("GetItem", """{"TableName":"Orders","TableName":"Customers"}""", "Customers")] // every occurrence counts
    [InlineData("GetItem", """{"TableName":"arn:aws:dynamodb:us-east-1:000000000000:table/Orders"}""", null)]
    [InlineData("CreateTable", """{"TableName":"Customers"}""", "Customers")]
    [InlineData("BatchGetItem", """{"RequestItems":{"Orders":{"Keys":[]},"Customers":{"Keys":[]}}}""", "Customers")]
    [InlineData("BatchWriteItem", """{"RequestItems":{"Orders":[{"PutRequest":{"Item":{"TableName":{"S":"x"}}}}]}}""", null)]
    [InlineData("TransactWriteItems", """{"TransactItems":[{"Put":{"TableName":"Orders"}},{"Delete":{"TableName":"Customers"}}]}""", "Customers")]
    [InlineData("TagResource", """{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/Customers","Tags":[]}""", "Customers")]
    [InlineData("ListTables", """{"ExclusiveStartTableName":"Customers"}""", null)]
    public void Each_table_the_body_names_must_be_on_the_keys_list(string operation, string body, string? denied)
    {
        var refusal = Check(new FakeClock(SignedAt), operation, body, Signed(operation, body));
        if (denied is null)
        {
            Assert.Null(refusal);
            return;
        }
        Assert.NotNull(refusal);
        Assert.Equal("com.amazon.coral.service#AccessDeniedException", refusal.Type);
        Assert.Equal($"User: arn:aws:iam::000000000000:user/AKIDORDERS is not authorized to perform: dynamodb:{operation} on resource: "
            + $"arn:aws:dynamodb:us-east-1:000000000000:table/{denied} because no identity-based policy allows the dynamodb:{operation} action", refusal.Message);
        Assert.Equal($$"""{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"{{refusal.Message}}"}""",
            Encoding.UTF8.GetString(refusal.Body().Span));
    }

    [Theory]
    [InlineData("ExecuteStatement", """{"Statement":"SELECT * FROM Orders"}""")] // tables inside PartiQL are not read
    [InlineData("ListBackups", "{}")] // names no table: would cover every table
    [InlineData("TagResource", """{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:backup/x"}""")]
    public void What_cannot_be_tied_to_the_keys_tables_is_for_all_table_keys_only(string operation, string body)
    {
        var refusal = Check(new FakeClock(SignedAt), operation, body, Signed(operation, body));
        Assert.Equal("com.amazon.coral.service#AccessDeniedException", refusal?.Type);
        Assert.EndsWith($"dynamodb:{operation} on resource: * because no identity-based policy allows the dynamodb:{operation} action", refusal!.Message);
        Assert.Null(Check(new FakeClock(SignedAt), operation, body, Signed(operation, body, AuthTestKit.AdminKey, AuthTestKit.AdminSecret)));
    }

    [Fact]
    public void A_malformed_body_from_a_valid_key_is_a_serialization_error()
    {
        const string body = """{"TableName":"Orders",""";
        var refusal = Check(new FakeClock(SignedAt), "GetItem", body, Signed("GetItem", body));
        Assert.Equal("com.amazon.coral.service#SerializationException", refusal?.Type);
        Assert.StartsWith("The request body is not valid JSON: ", refusal!.Message);
    }
}
