using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Basalt.Bench.Load;

// The load generator's DynamoDB target: DynamoDB's JSON protocol over HTTP/1.1 keep-alive connections, with request
// bodies written by Utf8JsonWriter into a per-worker buffer, so that the client costs as little as it can and the
// same on every server it drives. The measured operations (GetAsync, PutAsync) go over the worker's own connection
// (RawHttpConnection: one request in flight, nothing allocated per request); table set-up and the other benches'
// requests (SendAsync) over HttpClient. Requests carry a well-formed SigV4 Authorization header with a fixed
// signature: Basalt (without --auth) and dynalite check its form, not its signature, so signing (an HMAC chain per
// request) would only load the client. Thread-safe: workers share one instance; each has its own RequestBuffer.
public sealed class DynamoHttpClient : IDisposable
{
    public const string Table = "usertable";
    private static readonly MediaTypeHeaderValue JsonType = new("application/x-amz-json-1.0");
    private const string Authorization =
        "AWS4-HMAC-SHA256 Credential=basalt/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000";
    private readonly HttpClient _http;

    private const string Date = "20260101T000000Z";
    private readonly byte[] _getHead, _putHead;

    public DynamoHttpClient(Uri endpoint, int connections)
    {
        Endpoint = endpoint;
        _getHead = RawHttpConnection.Head(endpoint, "GetItem", Date, Authorization);
        _putHead = RawHttpConnection.Head(endpoint, "PutItem", Date, Authorization);
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

    // Per worker: the body under construction, its JSON writer, the record's field values, and the worker's
    // connection (opened on first use; Dispose closes it).
    public sealed class RequestBuffer(int fieldCount, int fieldBytes, Random random) : IDisposable
    {
        public readonly ArrayBufferWriter<byte> Body = new(fieldCount * (fieldBytes + 16) + 128);
        public readonly string[] Fields = Enumerable.Range(0, fieldCount).Select(_ => RandomText(random, fieldBytes)).ToArray();
        private Utf8JsonWriter? _json;
        internal RawHttpConnection? Connection;

        // The writer, reset onto an emptied body.
        internal Utf8JsonWriter StartBody()
        {
            Body.ResetWrittenCount();
            if (_json is null) _json = new Utf8JsonWriter(Body);
            else _json.Reset(Body);
            return _json;
        }

        private static string RandomText(Random random, int bytes)
        {
            const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
            return string.Create(bytes, random, static (span, r) => { for (int i = 0; i < span.Length; i++) span[i] = alphabet[r.Next(alphabet.Length)]; });
        }

        public void Dispose() => Connection?.Dispose();
    }

    public async Task<(bool Ok, string? Error)> PutAsync(RequestBuffer buffer, string key, Random random)
    {
        // A new value for one field per put, so that successive puts of a key differ.
        buffer.Fields[random.Next(buffer.Fields.Length)] = buffer.Fields[random.Next(buffer.Fields.Length)];
        var json = buffer.StartBody();
        json.WriteStartObject();
        json.WriteString("TableName", Table);
        json.WriteStartObject("Item");
        WriteString(json, "key", key);
        for (int i = 0; i < buffer.Fields.Length; i++) WriteString(json, FieldNames[i], buffer.Fields[i]);
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        var (status, body, error) = await SendAsync(buffer, _putHead);
        return status == 200 ? (true, null) : (false, error ?? $"PutItem: HTTP {status} {Encoding.UTF8.GetString(body.Span)}");
    }

    // Ok only when the item exists (every read is of a loaded or inserted key).
    public async Task<(bool Ok, string? Error)> GetAsync(RequestBuffer buffer, string key)
    {
        var json = buffer.StartBody();
        json.WriteStartObject();
        json.WriteString("TableName", Table);
        json.WriteStartObject("Key");
        WriteString(json, "key", key);
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        var (status, body, error) = await SendAsync(buffer, _getHead);
        if (status != 200) return (false, error ?? $"GetItem: HTTP {status} {Encoding.UTF8.GetString(body.Span)}");
        return body.Span.IndexOf("\"Item\""u8) >= 0 ? (true, null) : (false, $"GetItem: no item for {key}");
    }

    private async ValueTask<(int Status, ReadOnlyMemory<byte> Body, string? Error)> SendAsync(RequestBuffer buffer, byte[] head)
    {
        try
        {
            var (status, body) = await (buffer.Connection ??= new RawHttpConnection(Endpoint)).SendAsync(head, buffer.Body.WrittenMemory);
            return (status, body, null);
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException)
        {
            return (0, default, $"connection: {e.Message}");
        }
    }

    // withGlobalIndex: also a global secondary index "by-field0" (hash key field0, every attribute projected), so that
    // every write of a record is also a write of its index entry.
    public async Task CreateTableAsync(bool withGlobalIndex = false)
    {
        string index = !withGlobalIndex ? ""
            : ""","GlobalSecondaryIndexes":[{"IndexName":"by-field0","KeySchema":[{"AttributeName":"field0","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"},"ProvisionedThroughput":{"ReadCapacityUnits":10000,"WriteCapacityUnits":10000}}]""";
        string definitions = withGlobalIndex ? """,{"AttributeName":"field0","AttributeType":"S"}""" : "";
        var (status, body) = await SendAsync("CreateTable", Encoding.UTF8.GetBytes(
            $$$"""{"TableName":"{{{Table}}}","KeySchema":[{"AttributeName":"key","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"key","AttributeType":"S"}{{{definitions}}}],"ProvisionedThroughput":{"ReadCapacityUnits":10000,"WriteCapacityUnits":10000}{{{index}}}}"""));
        if (status != HttpStatusCode.OK) throw new InvalidOperationException($"CreateTable: HTTP {(int)status} {body}");
        // A table may start CREATING (dynalite: for half a second); wait until it is ACTIVE.
        for (int i = 0; i < 200; i++)
        {
            var (s, d) = await SendAsync("DescribeTable", Encoding.UTF8.GetBytes($$"""{"TableName":"{{Table}}"}"""));
            if (s == HttpStatusCode.OK && d.Contains("\"ACTIVE\"", StringComparison.Ordinal)) return;
            await Task.Delay(50);
        }
        throw new InvalidOperationException("CreateTable: the table did not become ACTIVE within 10 s");
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

    private static readonly string[] FieldNames = Enumerable.Range(0, 64).Select(i => "field" + i).ToArray();

    private static void WriteString(Utf8JsonWriter json, string name, string value)
    {
        json.WriteStartObject(name);
        json.WriteString("S", value);
        json.WriteEndObject();
    }

    public void Dispose() => _http.Dispose();
}
