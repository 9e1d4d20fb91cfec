using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Basalt.Bench.Load;

// DynamoDB's JSON protocol for the benchmarks: table set-up and the other benches' requests (SendAsync) over
// HttpClient, and the constant request heads of the measured operations, which DynamoTarget's connections send over
// their own RawHttpConnection. Requests carry a well-formed SigV4 Authorization header with a fixed signature: Basalt
// (without --auth) and dynalite check its form, not its signature, so signing (an HMAC chain per request) would only
// load the client. Thread-safe.
public sealed class DynamoHttpClient : IDisposable
{
    public const string Table = "usertable";
    public const string RangedTable = "usertable_e";
    private static readonly MediaTypeHeaderValue JsonType = new("application/x-amz-json-1.0");
    private const string Authorization =
        "AWS4-HMAC-SHA256 Credential=basalt/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000";
    private readonly HttpClient _http;

    private const string Date = "20260101T000000Z";

    public DynamoHttpClient(Uri endpoint, int connections)
    {
        Endpoint = endpoint;
        GetHead = RawHttpConnection.Head(endpoint, "GetItem", Date, Authorization);
        PutHead = RawHttpConnection.Head(endpoint, "PutItem", Date, Authorization);
        QueryHead = RawHttpConnection.Head(endpoint, "Query", Date, Authorization);
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        })
        { BaseAddress = endpoint, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Endpoint { get; }

    // The request heads of GetItem, PutItem and Query up to "Content-Length: " (RawHttpConnection.Head).
    internal byte[] GetHead { get; }
    internal byte[] PutHead { get; }
    internal byte[] QueryHead { get; }

    public static string TableFor(KeyLayout layout) => layout == KeyLayout.Hash ? Table : RangedTable;

    // withGlobalIndex: also a global secondary index "by-field0" (hash key field0, every attribute projected), so that
    // every write of a record is also a write of its index entry.
    // The ranged layout (workload e) is the table `usertable_e` with sort key `seq` (N): ScanLayout.
    public async Task CreateTableAsync(bool withGlobalIndex = false, KeyLayout layout = KeyLayout.Hash)
    {
        string table = TableFor(layout);
        string sortKey = layout == KeyLayout.Ranged ? """,{"AttributeName":"seq","KeyType":"RANGE"}""" : "";
        string sortDefinition = layout == KeyLayout.Ranged ? """,{"AttributeName":"seq","AttributeType":"N"}""" : "";
        string index = !withGlobalIndex ? ""
            : ""","GlobalSecondaryIndexes":[{"IndexName":"by-field0","KeySchema":[{"AttributeName":"field0","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"},"ProvisionedThroughput":{"ReadCapacityUnits":10000,"WriteCapacityUnits":10000}}]""";
        string definitions = withGlobalIndex ? """,{"AttributeName":"field0","AttributeType":"S"}""" : "";
        byte[] create = Encoding.UTF8.GetBytes(
            $$$"""{"TableName":"{{{table}}}","KeySchema":[{"AttributeName":"key","KeyType":"HASH"}{{{sortKey}}}],"AttributeDefinitions":[{"AttributeName":"key","AttributeType":"S"}{{{sortDefinition}}}{{{definitions}}}],"ProvisionedThroughput":{"ReadCapacityUnits":10000,"WriteCapacityUnits":10000}{{{index}}}}""");
        var (status, body) = await SendAsync("CreateTable", create);
        if (status == HttpStatusCode.BadRequest && body.Contains("ResourceInUseException", StringComparison.Ordinal))
        {
            // A server that is already running may hold the table from an earlier run: start from an empty one, so
            // that every run measures the same data.
            await DeleteTableAsync(table);
            (status, body) = await SendAsync("CreateTable", create);
        }
        if (status != HttpStatusCode.OK) throw new InvalidOperationException($"CreateTable: HTTP {(int)status} {body}");
        // A table may start CREATING (dynalite: for half a second); wait until it is ACTIVE.
        for (int i = 0; i < 200; i++)
        {
            var (s, d) = await SendAsync("DescribeTable", Encoding.UTF8.GetBytes($$"""{"TableName":"{{table}}"}"""));
            if (s == HttpStatusCode.OK && d.Contains("\"ACTIVE\"", StringComparison.Ordinal)) return;
            await Task.Delay(50);
        }
        throw new InvalidOperationException("CreateTable: the table did not become ACTIVE within 10 s");
    }

    private async Task DeleteTableAsync(string table)
    {
        byte[] name = Encoding.UTF8.GetBytes($$"""{"TableName":"{{table}}"}""");
        var (status, body) = await SendAsync("DeleteTable", name);
        if (status != HttpStatusCode.OK) throw new InvalidOperationException($"DeleteTable {table}: HTTP {(int)status} {body}");
        for (int i = 0; i < 200; i++)
        {
            (status, body) = await SendAsync("DescribeTable", name);
            if (status == HttpStatusCode.BadRequest && body.Contains("ResourceNotFoundException", StringComparison.Ordinal)) return;
            await Task.Delay(50);
        }
        throw new InvalidOperationException($"DeleteTable {table}: still there after 10 s");
    }

    public async Task<(HttpStatusCode Status, string Body)> SendAsync(string operation, ReadOnlyMemory<byte> body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.ContentType = JsonType;
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "DynamoDB_20120810." + operation);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", Date);
        request.Headers.TryAddWithoutValidation("Authorization", Authorization);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public void Dispose() => _http.Dispose();
}
