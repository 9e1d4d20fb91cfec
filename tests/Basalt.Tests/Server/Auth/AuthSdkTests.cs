using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Basalt.Server;
using Basalt.Server.Auth;

namespace Basalt.Tests.Server.Auth;

// `--auth FILE` end to end: a server started with an auth file, the real AWS SDK (its own SigV4 signer) and raw HTTP
// against it. The admin key ("basalt", the fixture client's) may touch every table; AKIDORDERS only Orders.
public class AuthSdkTests
{
    private const string BadSignature = "The request signature we calculated does not match the signature you provided. "
        + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

    private static async Task<(ServerFixture Fx, string File)> StartAsync()
    {
        string file = AuthTestKit.WriteFile();
        var fx = await ServerFixture.StartAsync(new ServerOptions { InMemory = true, Shards = 2, AuthFile = file });
        foreach (string table in new[] { "Orders", "Customers" })
        {
            await fx.Client.CreateTableAsync(new CreateTableRequest
            {
                TableName = table,
                KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
                AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
                BillingMode = BillingMode.PAY_PER_REQUEST,
            });
        }
        return (fx, file);
    }

    private static AmazonDynamoDBClient Client(ServerFixture fx, string key, string secret, HttpMessageHandler? handler = null) =>
        new(new BasicAWSCredentials(key, secret), new AmazonDynamoDBConfig
        {
            ServiceURL = fx.Server.Endpoint.ToString(),
            AuthenticationRegion = "eu-west-1", // any region is accepted
            MaxErrorRetry = 0,
            HttpClientFactory = handler is null ? null : new HandlerFactory(handler),
        });

    private static Dictionary<string, AttributeValue> Item(string pk, string name) => new()
    {
        ["pk"] = new AttributeValue { S = pk },
        ["name"] = new AttributeValue { S = name },
    };

    private static Dictionary<string, AttributeValue> Key(string pk) => new() { ["pk"] = new AttributeValue { S = pk } };

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendRawAsync(ServerFixture fx, HttpRequestMessage message)
    {
        var response = await fx.Http.SendAsync(message);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task The_right_key_works_on_its_own_tables()
    {
        var (fx, file) = await StartAsync();
        await using var _ = fx;
        try
        {
            using var orders = Client(fx, AuthTestKit.OrdersKey, AuthTestKit.OrdersSecret);
            await orders.PutItemAsync(new PutItemRequest { TableName = "Orders", Item = Item("o1", "Ada") });
            var got = await orders.GetItemAsync(new GetItemRequest { TableName = "Orders", Key = Key("o1"), ConsistentRead = true });
            Assert.Equal("Ada", got.Item["name"].S);
            await orders.BatchWriteItemAsync(new BatchWriteItemRequest
            {
                RequestItems = new() { ["Orders"] = [new WriteRequest(new PutRequest(Item("o2", "Grace")))] },
            });
            var scanned = await orders.ScanAsync(new ScanRequest { TableName = "Orders", ConsistentRead = true });
            Assert.Equal(2, scanned.Count);
            // ListTables names no table: any valid key may call it, and it lists every table.
            var listed = await orders.ListTablesAsync(new ListTablesRequest());
            Assert.Equal(["Customers", "Orders"], listed.TableNames);
            // The admin key reaches every table.
            await fx.Client.PutItemAsync(new PutItemRequest { TableName = "Customers", Item = Item("c1", "Linus") });
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_table_outside_the_keys_list_is_AccessDeniedException()
    {
        var (fx, file) = await StartAsync();
        await using var _ = fx;
        try
        {
            await fx.Client.PutItemAsync(new PutItemRequest { TableName = "Customers", Item = Item("c1", "Linus") });
            using var orders = Client(fx, AuthTestKit.OrdersKey, AuthTestKit.OrdersSecret);
            var denied = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(() =>
                orders.GetItemAsync(new GetItemRequest { TableName = "Customers", Key = Key("c1") }));
            Assert.Equal("AccessDeniedException", denied.ErrorCode);
            Assert.Equal(HttpStatusCode.BadRequest, denied.StatusCode);
            Assert.Equal("User: arn:aws:iam::000000000000:user/AKIDORDERS is not authorized to perform: dynamodb:GetItem on resource: "
                + "arn:aws:dynamodb:us-east-1:000000000000:table/Customers because no identity-based policy allows the dynamodb:GetItem action",
                denied.Message);

            // A batch is refused whole when one of its tables is not the key's, before anything is written.
            var batch = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(() => orders.BatchWriteItemAsync(new BatchWriteItemRequest
            {
                RequestItems = new()
                {
                    ["Orders"] = [new WriteRequest(new PutRequest(Item("o9", "x")))],
                    ["Customers"] = [new WriteRequest(new DeleteRequest(Key("c1")))],
                },
            }));
            Assert.Equal("AccessDeniedException", batch.ErrorCode);
            Assert.Contains("dynamodb:BatchWriteItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/Customers", batch.Message);
            Assert.False((await fx.Client.GetItemAsync(new GetItemRequest { TableName = "Orders", Key = Key("o9"), ConsistentRead = true })).IsItemSet);
            Assert.True((await fx.Client.GetItemAsync(new GetItemRequest { TableName = "Customers", Key = Key("c1"), ConsistentRead = true })).IsItemSet);

            var create = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(() => orders.DeleteTableAsync("Customers"));
            Assert.Equal("AccessDeniedException", create.ErrorCode);
            Assert.NotNull(await fx.Client.DescribeTableAsync("Customers"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_unknown_key_is_UnrecognizedClientException_and_a_wrong_secret_InvalidSignatureException()
    {
        var (fx, file) = await StartAsync();
        await using var _ = fx;
        try
        {
            using var nobody = Client(fx, "AKIDNOBODY", "whatever");
            var unknown = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(() => nobody.ListTablesAsync(new ListTablesRequest()));
            Assert.Equal("UnrecognizedClientException", unknown.ErrorCode);
            Assert.Equal("The security token included in the request is invalid.", unknown.Message);

            using var wrong = Client(fx, AuthTestKit.OrdersKey, "not-the-secret");
            var bad = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(() =>
                wrong.PutItemAsync(new PutItemRequest { TableName = "Orders", Item = Item("o1", "Ada") }));
            Assert.Equal("InvalidSignatureException", bad.ErrorCode);
            Assert.Equal(BadSignature, bad.Message);
            Assert.False((await fx.Client.GetItemAsync(new GetItemRequest { TableName = "Orders", Key = Key("o1"), ConsistentRead = true })).IsItemSet);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_signed_request_whose_body_is_tampered_with_after_signing_fails()
    {
        var (fx, file) = await StartAsync();
        await using var _ = fx;
        try
        {
            // The handler runs after the SDK has signed: it swaps "Ada" for "Eve" (same length) in the body it sends.
            // The SDK signs x-amz-content-sha256 (the hash of the body it signed), so what catches this is the check
            // that the declared hash is the received body's; the signature itself still matches the declared hash.
            using var tampering = Client(fx, AuthTestKit.OrdersKey, AuthTestKit.OrdersSecret, new TamperingHandler("\"Ada\"", "\"Eve\""));
            var e = await Assert.ThrowsAnyAsync<AmazonDynamoDBException>(() =>
                tampering.PutItemAsync(new PutItemRequest { TableName = "Orders", Item = Item("o1", "Ada") }));
            Assert.Equal("InvalidSignatureException", e.ErrorCode);
            Assert.Equal(BadSignature, e.Message);
            Assert.False((await fx.Client.GetItemAsync(new GetItemRequest { TableName = "Orders", Key = Key("o1"), ConsistentRead = true })).IsItemSet);

            // The same handler with nothing to replace passes the request through untouched: the handler is not the cause.
            await tampering.PutItemAsync(new PutItemRequest { TableName = "Orders", Item = Item("o2", "Grace") });
            Assert.True((await fx.Client.GetItemAsync(new GetItemRequest { TableName = "Orders", Key = Key("o2"), ConsistentRead = true })).IsItemSet);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_SDK_signed_request_verifies_within_fifteen_minutes_of_its_date_and_not_after()
    {
        var (fx, file) = await StartAsync();
        await using var _ = fx;
        try
        {
            var capture = new CapturingHandler();
            using var orders = Client(fx, AuthTestKit.OrdersKey, AuthTestKit.OrdersSecret, capture);
            await orders.GetItemAsync(new GetItemRequest { TableName = "Orders", Key = Key("o1") });
            var sent = Assert.Single(capture.Requests);
            var signedAt = DateTimeOffset.ParseExact(sent.Headers["X-Amz-Date"], "yyyyMMdd'T'HHmmss'Z'",
                System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
            var clock = new FakeClock(signedAt.AddMinutes(14));
            var verifier = new SigV4Verifier(AuthFile.Load(file), clock);
            AuthRefusal? Replay() => verifier.Check("POST", sent.Path, sent.Query, AuthTestKit.Headers(sent.Headers), "GetItem", sent.Body);
            Assert.Null(Replay());
            clock.Now = signedAt.AddMinutes(16);
            var expired = Replay();
            Assert.Equal("com.amazon.coral.service#InvalidSignatureException", expired?.Type);
            Assert.StartsWith($"Signature expired: {sent.Headers["X-Amz-Date"]} is now earlier than ", expired!.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Raw_requests_without_a_token_expired_or_malformed_are_refused_as_DynamoDB_refuses_them()
    {
        var (fx, file) = await StartAsync();
        await using var _ = fx;
        try
        {
            const string body = """{"TableName":"Orders","Key":{"pk":{"S":"o1"}}}""";
            var unsigned = AuthTestKit.RawRequest(body, new Dictionary<string, string> { ["X-Amz-Target"] = "DynamoDB_20120810.GetItem" });
            var (status, missing) = await SendRawAsync(fx, unsigned);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("com.amazon.coral.service#MissingAuthenticationTokenException", missing.GetProperty("__type").GetString());
            Assert.Equal("Request is missing Authentication Token", missing.GetProperty("message").GetString());

            string host = fx.Server.Endpoint.Authority;
            var now = DateTimeOffset.UtcNow;
            var fresh = AuthTestKit.Sign(host, "GetItem", Encoding.UTF8.GetBytes(body), AuthTestKit.OrdersKey, AuthTestKit.OrdersSecret, now);
            var (okStatus, ok) = await SendRawAsync(fx, AuthTestKit.RawRequest(body, fresh));
            Assert.Equal(HttpStatusCode.OK, okStatus); // the raw signer is right, so what follows fails for its one reason
            Assert.Equal(JsonValueKind.Object, ok.ValueKind);

            var old = AuthTestKit.Sign(host, "GetItem", Encoding.UTF8.GetBytes(body), AuthTestKit.OrdersKey, AuthTestKit.OrdersSecret, now.AddMinutes(-20));
            var (expiredStatus, expired) = await SendRawAsync(fx, AuthTestKit.RawRequest(body, old));
            Assert.Equal(HttpStatusCode.BadRequest, expiredStatus);
            Assert.Equal("com.amazon.coral.service#InvalidSignatureException", expired.GetProperty("__type").GetString());
            Assert.Matches(@"^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$",
                expired.GetProperty("message").GetString());
            Assert.StartsWith($"Signature expired: {old["x-amz-date"]} ", expired.GetProperty("message").GetString());

            var malformed = new Dictionary<string, string>(fresh) { ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDORDERS" };
            var (malformedStatus, incomplete) = await SendRawAsync(fx, AuthTestKit.RawRequest(body, malformed));
            Assert.Equal(HttpStatusCode.BadRequest, malformedStatus);
            Assert.Equal("com.amazon.coral.service#IncompleteSignatureException", incomplete.GetProperty("__type").GetString());
            Assert.Equal("Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
                + "Authorization=AWS4-HMAC-SHA256 Credential=AKIDORDERS", incomplete.GetProperty("message").GetString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Without_auth_unsigned_and_any_signed_requests_are_accepted()
    {
        await using var fx = await ServerFixture.StartAsync();
        var unsigned = AuthTestKit.RawRequest("{}", new Dictionary<string, string> { ["X-Amz-Target"] = "DynamoDB_20120810.ListTables" });
        var (status, body) = await SendRawAsync(fx, unsigned);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, body.GetProperty("TableNames").GetArrayLength());
        using var anyone = Client(fx, "AKIDNOBODY", "whatever");
        Assert.Empty((await anyone.ListTablesAsync(new ListTablesRequest())).TableNames);
    }

    [Fact]
    public async Task A_bad_auth_file_stops_the_start()
    {
        string file = AuthTestKit.WriteFile("""{"keys":[{"accessKeyId":"a","secretAccessKey":"s","tables":["x"]}]}""");
        try
        {
            var server = new BasaltServer(new ServerOptions { InMemory = true, Shards = 1, Port = 0, BinaryPort = 0, AuthFile = file });
            var e = await Assert.ThrowsAsync<AuthFileException>(() => server.StartAsync());
            Assert.Equal($"auth file {file}: keys[0].tables[0]: \"x\" is neither \"*\" nor a table name (3 to 255 characters of A-Z, a-z, 0-9, '_', '-', '.')", e.Message);
            await server.DisposeAsync();
        }
        finally
        {
            File.Delete(file);
        }
    }

    // Hands the SDK an HttpClient over the given handler (the SDK signs before the handler sees the request).
    private sealed class HandlerFactory(HttpMessageHandler handler) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(handler, disposeHandler: false);
        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;
        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => true;
    }

    private sealed class TamperingHandler(string from, string to) : DelegatingHandler(new HttpClientHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancel)
        {
            if (request.Content is { } content)
            {
                string body = await content.ReadAsStringAsync(cancel);
                var replaced = new ByteArrayContent(Encoding.UTF8.GetBytes(body.Replace(from, to, StringComparison.Ordinal)));
                foreach (var header in content.Headers) replaced.Headers.TryAddWithoutValidation(header.Key, header.Value);
                request.Content = replaced;
            }
            return await base.SendAsync(request, cancel);
        }
    }

    // Records each request as sent (method, path, query, every header with Host, body) and passes it on.
    private sealed class CapturingHandler() : DelegatingHandler(new HttpClientHandler())
    {
        public List<(string Path, string Query, Dictionary<string, string> Headers, byte[] Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancel)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in request.Headers) headers[header.Key] = string.Join(",", header.Value);
            byte[] body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancel);
            _ = request.Content?.Headers.ContentLength; // computed on first read: make it one of the headers listed
            if (request.Content is not null)
                foreach (var header in request.Content.Headers) headers[header.Key] = string.Join(",", header.Value);
            if (!headers.ContainsKey("Host")) headers["Host"] = request.RequestUri!.Authority;
            Requests.Add((request.RequestUri!.AbsolutePath, request.RequestUri.Query, headers, body));
            return await base.SendAsync(request, cancel);
        }
    }
}
