using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Basalt.Server;

namespace Basalt.Tests.Server;

// A Basalt server started in process on a free port of 127.0.0.1 (in memory unless a data folder is given), and the
// real AWS SDK client pointed at it. Disposing stops the server cleanly.
public sealed class ServerFixture : IAsyncDisposable
{
    private ServerFixture(BasaltServer server)
    {
        Server = server;
        Client = new AmazonDynamoDBClient(new BasicAWSCredentials("basalt", "secret"), new AmazonDynamoDBConfig
        {
            ServiceURL = server.Endpoint.ToString(),
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
        });
        Http = new HttpClient { BaseAddress = server.Endpoint };
    }

    public BasaltServer Server { get; }
    public AmazonDynamoDBClient Client { get; }
    public HttpClient Http { get; }

    // A raw DynamoDB JSON request: POST to `path` with X-Amz-Target (when given) and a body (when given) of
    // `contentType`. For the tests that check the protocol itself rather than through the SDK.
    public static HttpRequestMessage JsonRequest(string? target, string? body, string contentType = "application/x-amz-json-1.0", string path = "/")
    {
        var message = new HttpRequestMessage(HttpMethod.Post, path);
        if (target is not null) message.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        if (body is not null)
        {
            message.Content = new StringContent(body, System.Text.Encoding.UTF8);
            message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }
        return message;
    }

    // Sends DynamoDB_20120810.<operation> with a raw JSON body; the status, the body and the response (its headers).
    public async Task<(System.Net.HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostAsync(string operation, string body)
    {
        var response = await Http.SendAsync(JsonRequest("DynamoDB_20120810." + operation, body));
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public static async Task<ServerFixture> StartAsync(ServerOptions? options = null)
    {
        var server = new BasaltServer((options ?? new ServerOptions { InMemory = true, Shards = 2 }) with { Port = 0, BinaryPort = 0 });
        await server.StartAsync();
        return new ServerFixture(server);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Http.Dispose();
        await Server.DisposeAsync();
    }
}
