using System.Buffers;
using System.Globalization;
using System.Text;
using Basalt.Client;
using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Bench.Load;

// The load generator's target for Basalt's binary protocol (docs/protocol.md) through Basalt.Client: one client of one
// connection per worker, one request in flight on it, as every other target (no pipelining beyond the concurrency).
// GetItem and PutItem take the client's lean path (GetItemEncodedAsync, PutItemEncodedAsync: encoded items, nothing
// allocated per request once warm); workload e's Query takes the client's QueryAsync, which builds request and
// response objects as the embedded API does. Tables are created over the server's DynamoDB API (the binary protocol
// carries the data plane only): `admin` is that endpoint.
//   endpoint  basalt://host:port (the binary port, default 8100)
//   admin     http://host:port (the DynamoDB API, default http://host:8000)
public sealed class BinaryTarget(Uri endpoint, Uri admin) : ILoadTarget
{
    private readonly DynamoHttpClient _admin = new(admin, 1);

    public string Protocol => "binary";

    public Uri Endpoint => endpoint;

    public bool SupportsLayout(KeyLayout layout) => true;

    public Task PrepareAsync(KeyLayout layout) => _admin.CreateTableAsync(layout: layout);

    public ILoadConnection Connect(ItemShape shape, Random random) =>
        new Connection(new BasaltClient(new BasaltClientOptions { Host = endpoint.Host, Port = endpoint.Port, Connections = 1 }), new RecordValues(shape, random));

    public void Dispose() => _admin.Dispose();

    // The default DynamoDB API endpoint of a server whose binary endpoint is `endpoint`: the same host, port 8000.
    public static Uri DefaultAdmin(Uri endpoint) => new($"http://{endpoint.Host}:8000");

    private sealed class Connection(BasaltClient client, RecordValues values) : ILoadConnection
    {
        private static readonly byte[][] TableNames = [Encoding.UTF8.GetBytes(DynamoHttpClient.Table), Encoding.UTF8.GetBytes(DynamoHttpClient.RangedTable)];
        private readonly ItemWriter _writer = new();
        private readonly ArrayBufferWriter<byte> _request = new(values.Fields.Sum(f => f.Length + 16) + 256);
        private readonly ArrayBufferWriter<byte> _answer = new(values.Fields.Sum(f => f.Length + 16) + 256);
        private readonly byte[] _keyBytes = new byte[64];

        public async ValueTask<OpResult> GetAsync(LoadKey key)
        {
            _writer.Reset();
            _writer.BeginItem();
            WriteKey(key);
            _request.ResetWrittenCount();
            _writer.EndItem(_request);
            _answer.ResetWrittenCount();
            try
            {
                int length = await client.GetItemEncodedAsync(TableName(key), _request.WrittenMemory, _answer);
                return length >= 0 ? OpResult.Success : OpResult.Fail($"GetItem: no item for {key}");
            }
            catch (Exception e) when (IsRequestFailure(e))
            {
                return Failed("GetItem", e);
            }
        }

        public async ValueTask<OpResult> PutAsync(LoadKey key, Random random)
        {
            values.Mutate(random);
            _writer.Reset();
            _writer.BeginItem();
            WriteKey(key);
            for (int i = 0; i < values.Fields.Length; i++)
            {
                _writer.WriteName(RecordValues.FieldNames[i]);
                _writer.WriteString(values.Fields[i]);
            }
            _request.ResetWrittenCount();
            _writer.EndItem(_request);
            try
            {
                await client.PutItemEncodedAsync(TableName(key), _request.WrittenMemory);
                return OpResult.Success;
            }
            catch (Exception e) when (IsRequestFailure(e))
            {
                return Failed("PutItem", e);
            }
        }

        public async ValueTask<OpResult> QueryAsync(string partition, long sortFrom, int limit, long expectedMin)
        {
            var request = new QueryRequest
            {
                TableName = DynamoHttpClient.RangedTable,
                KeyConditionExpression = "#k = :k AND #s >= :s",
                ExpressionAttributeNames = new() { ["#k"] = "key", ["#s"] = "seq" },
                ExpressionAttributeValues = new()
                {
                    [":k"] = AttributeValue.String(partition),
                    [":s"] = AttributeValue.Number(sortFrom.ToString(CultureInfo.InvariantCulture)),
                },
                Limit = limit,
            };
            try
            {
                var answer = await client.QueryAsync(request);
                return answer.Count >= expectedMin ? OpResult.Success
                    : OpResult.Fail(string.Create(CultureInfo.InvariantCulture, $"Query: {answer.Count} items from {partition}/{sortFrom}, expected at least {expectedMin}"));
            }
            catch (Exception e) when (IsRequestFailure(e))
            {
                return Failed("Query", e);
            }
        }

        // What a request can fail with (an error answer, a dead connection, a timeout): counted as the operation's error.
        private static bool IsRequestFailure(Exception e) => e is DynamoDbException or IOException or TimeoutException or InvalidOperationException;

        private static OpResult Failed(string operation, Exception e) => OpResult.Fail($"{operation}: {e.GetType().Name}: {e.Message}");

        private static ReadOnlyMemory<byte> TableName(LoadKey key) => TableNames[key.Sort < 0 ? 0 : 1];

        private void WriteKey(LoadKey key)
        {
            _writer.WriteName("key");
            _writer.WriteString(key.Partition);
            if (key.Sort >= 0)
            {
                key.Sort.TryFormat(_keyBytes, out int length, default, CultureInfo.InvariantCulture);
                _writer.WriteName("seq");
                _writer.WriteNumber(_keyBytes.AsSpan(0, length));
            }
        }

        public void Dispose()
        {
            client.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _writer.Dispose();
        }
    }
}
