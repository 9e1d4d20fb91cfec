using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Basalt.Bench.Load;

// The load generator's DynamoDB target: DynamoDB's JSON protocol over HTTP/1.1 keep-alive connections, one per
// worker (RawHttpConnection: one request in flight, nothing allocated per request in steady state), with request
// bodies written by Utf8JsonWriter into the connection's own buffer, so that the client costs as little as it can and
// the same on every server it drives (Basalt, dynalite, DynamoDB itself).
//   GetItem  {"TableName":T,"Key":{"key":{"S":k}[,"seq":{"N":s}]}}           ok when the answer has "Item"
//   PutItem  {"TableName":T,"Item":{"key":..,["seq":..,]"field0":{"S":..},...}}
//   Query    {"TableName":"usertable_e","KeyConditionExpression":"#k = :k AND #s >= :s","Limit":L,...}
//            ok when the answer's "Count" is at least the items known to be there
public sealed class DynamoTarget(DynamoHttpClient client) : ILoadTarget
{
    private readonly bool _ownsClient;

    public DynamoTarget(Uri endpoint, int connections) : this(new DynamoHttpClient(endpoint, connections)) => _ownsClient = true;

    public DynamoHttpClient Client => client;

    public string Protocol => "dynamodb";

    public Uri Endpoint => client.Endpoint;

    public bool SupportsLayout(KeyLayout layout) => true;

    public Task PrepareAsync(KeyLayout layout) => client.CreateTableAsync(layout: layout);

    public ILoadConnection Connect(ItemShape shape, Random random) => new Connection(client, new RecordValues(shape, random));

    public void Dispose()
    {
        if (_ownsClient) client.Dispose();
    }

    // The top-level "Count" of a Query answer (-1 when absent). Item attributes cannot be named Count here (the
    // fields are field0..), and "ScannedCount" does not match the quoted name.
    public static long CountOf(ReadOnlySpan<byte> body)
    {
        int at = body.IndexOf("\"Count\""u8);
        if (at < 0) return -1;
        var rest = body[(at + 7)..].TrimStart(" :"u8);
        long value = 0;
        int digits = 0;
        for (; digits < rest.Length && rest[digits] is >= (byte)'0' and <= (byte)'9'; digits++) value = value * 10 + (rest[digits] - '0');
        return digits == 0 ? -1 : value;
    }

    private sealed class Connection(DynamoHttpClient client, RecordValues values) : ILoadConnection
    {
        private readonly ArrayBufferWriter<byte> _body = new(values.Fields.Sum(f => f.Length + 24) + 256);
        private readonly RawHttpConnection _connection = new(client.Endpoint);
        private Utf8JsonWriter? _json;

        public async ValueTask<OpResult> GetAsync(LoadKey key)
        {
            var json = StartBody();
            json.WriteStartObject();
            json.WriteString("TableName", DynamoHttpClient.TableFor(key.Sort < 0 ? KeyLayout.Hash : KeyLayout.Ranged));
            json.WriteStartObject("Key");
            WriteKey(json, key);
            json.WriteEndObject();
            json.WriteEndObject();
            json.Flush();
            var (status, body, error) = await SendAsync(client.GetHead);
            if (status != 200) return OpResult.Fail(error ?? $"GetItem: HTTP {status} {Encoding.UTF8.GetString(body.Span)}");
            return body.Span.IndexOf("\"Item\""u8) >= 0 ? OpResult.Success : OpResult.Fail($"GetItem: no item for {key}");
        }

        public async ValueTask<OpResult> PutAsync(LoadKey key, Random random)
        {
            values.Mutate(random);
            var json = StartBody();
            json.WriteStartObject();
            json.WriteString("TableName", DynamoHttpClient.TableFor(key.Sort < 0 ? KeyLayout.Hash : KeyLayout.Ranged));
            json.WriteStartObject("Item");
            WriteKey(json, key);
            for (int i = 0; i < values.Fields.Length; i++) WriteString(json, RecordValues.FieldNames[i], values.Fields[i]);
            json.WriteEndObject();
            json.WriteEndObject();
            json.Flush();
            var (status, body, error) = await SendAsync(client.PutHead);
            return status == 200 ? OpResult.Success : OpResult.Fail(error ?? $"PutItem: HTTP {status} {Encoding.UTF8.GetString(body.Span)}");
        }

        public async ValueTask<OpResult> QueryAsync(string partition, long sortFrom, int limit, long expectedMin)
        {
            var json = StartBody();
            json.WriteStartObject();
            json.WriteString("TableName", DynamoHttpClient.RangedTable);
            json.WriteString("KeyConditionExpression", "#k = :k AND #s >= :s");
            json.WriteStartObject("ExpressionAttributeNames");
            json.WriteString("#k", "key");
            json.WriteString("#s", "seq");
            json.WriteEndObject();
            json.WriteStartObject("ExpressionAttributeValues");
            WriteString(json, ":k", partition);
            WriteNumber(json, ":s", sortFrom);
            json.WriteEndObject();
            json.WriteNumber("Limit", limit);
            json.WriteEndObject();
            json.Flush();
            var (status, body, error) = await SendAsync(client.QueryHead);
            if (status != 200) return OpResult.Fail(error ?? $"Query: HTTP {status} {Encoding.UTF8.GetString(body.Span)}");
            long count = DynamoTarget.CountOf(body.Span);
            return count >= expectedMin ? OpResult.Success
                : OpResult.Fail(string.Create(CultureInfo.InvariantCulture, $"Query: {count} items from {partition}/{sortFrom}, expected at least {expectedMin}"));
        }

        private Utf8JsonWriter StartBody()
        {
            _body.ResetWrittenCount();
            if (_json is null) _json = new Utf8JsonWriter(_body);
            else _json.Reset(_body);
            return _json;
        }

        private async ValueTask<(int Status, ReadOnlyMemory<byte> Body, string? Error)> SendAsync(byte[] head)
        {
            try
            {
                var (status, body) = await _connection.SendAsync(head, _body.WrittenMemory);
                return (status, body, null);
            }
            catch (Exception e) when (e is IOException or SocketException or InvalidDataException)
            {
                return (0, default, $"connection: {e.Message}");
            }
        }

        private static void WriteKey(Utf8JsonWriter json, LoadKey key)
        {
            WriteString(json, "key", key.Partition);
            if (key.Sort >= 0) WriteNumber(json, "seq", key.Sort);
        }

        private static void WriteString(Utf8JsonWriter json, string name, string value)
        {
            json.WriteStartObject(name);
            json.WriteString("S", value);
            json.WriteEndObject();
        }

        private static void WriteNumber(Utf8JsonWriter json, string name, long value)
        {
            Span<byte> digits = stackalloc byte[20];
            value.TryFormat(digits, out int length, default, CultureInfo.InvariantCulture);
            json.WriteStartObject(name);
            json.WriteString("N"u8, digits[..length]);
            json.WriteEndObject();
        }

        public void Dispose() => _connection.Dispose();
    }
}
