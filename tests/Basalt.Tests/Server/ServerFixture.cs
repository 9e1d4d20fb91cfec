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

    public static async Task<ServerFixture> StartAsync(ServerOptions? options = null)
    {
        var server = new BasaltServer((options ?? new ServerOptions { InMemory = true, Shards = 2 }) with { Port = 0 });
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
