using System.Buffers;
using Basalt.Client;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Server;
using BenchmarkDotNet.Attributes;

namespace Basalt.Bench.Micro;

// The binary protocol's lean path end to end in one process: Basalt.Client's PutItemEncodedAsync and
// GetItemEncodedAsync over a loopback socket to an in-memory BasaltServer (one shard) and back, one request in flight.
// MemoryDiagnoser counts the whole process's allocations, client and server together, so Allocated is the path's
// garbage per round trip: the goal is none (docs/protocol.md).
//   dotnet run --project bench/Basalt.Bench -c Release -- micro --filter '*BinaryProtocol*'
// Measured (2 shared cores, ShortRun): GetItemEncoded 49.7 us, 6 B; PutItemEncoded 60.4 us, 4 B per round trip: the
// bytes are the benchmark's own Task per invoke of 64 round trips, nothing of the path's.
// `basalt-bench alloc-probe` runs the same loop in a process of its own and prints the bytes per request (the test
// EncodedPathAllocationTests runs it, so that other tests' garbage does not count).
[MemoryDiagnoser]
public class BinaryProtocolBenchmarks
{
    private const int RoundTripsPerInvoke = 64;
    private static readonly byte[] Table = "bench"u8.ToArray();
    private BasaltServer _server = null!;
    private BasaltClient _client = null!;
    private byte[] _item = [];
    private byte[] _key = [];
    private readonly ArrayBufferWriter<byte> _found = new(4096);

    [GlobalSetup]
    public void Setup()
    {
        _server = new BasaltServer(new ServerOptions { InMemory = true, Shards = 1, Port = 0, BinaryPort = 0 });
        _server.StartAsync().GetAwaiter().GetResult();
        _server.Database.CreateTableAsync(new CreateTableRequest
        {
            TableName = "bench",
            KeySchema = [new("pk", KeyType.Hash)],
            AttributeDefinitions = [new("pk", ScalarAttributeType.S)],
            BillingMode = BillingMode.PayPerRequest,
        }).GetAwaiter().GetResult();
        _client = new BasaltClient(new BasaltClientOptions { Port = _server.BinaryPort, Connections = 1 });
        _item = ItemCodec.Encode(new Dictionary<string, AttributeValue>
        {
            ["pk"] = AttributeValue.String("customer#00000001"),
            ["status"] = AttributeValue.String("SHIPPED"),
            ["note"] = AttributeValue.String(new string('x', 100)),
            ["total"] = AttributeValue.Number("1234.56"),
        });
        _key = ItemCodec.Encode(new Dictionary<string, AttributeValue> { ["pk"] = AttributeValue.String("customer#00000001") });
        _client.PutItemEncodedAsync(Table, _item).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    // The probe: warm, then `windows` windows of `roundTrips` put + get round trips each; the bytes the process allocated
    // per request in the quietest window. Prints `alloc-probe: requests_per_window=N bytes_per_request=X windows=...`.
    public static System.CommandLine.Command ProbeCommand()
    {
        var command = new System.CommandLine.Command("alloc-probe", "Bytes allocated per request on the binary protocol's lean path (client and in-process server)");
        command.SetAction(async (_, _) =>
        {
            var bench = new BinaryProtocolBenchmarks();
            bench.Setup();
            try
            {
                for (int i = 0; i < 3000 / RoundTripsPerInvoke; i++) { await bench.PutItemEncoded(); await bench.GetItemEncoded(); }
                var windows = new List<long>();
                for (int w = 0; w < 20; w++)
                {
                    long before = GC.GetTotalAllocatedBytes(precise: true);
                    for (int i = 0; i < 4; i++) { await bench.PutItemEncoded(); await bench.GetItemEncoded(); }
                    windows.Add(GC.GetTotalAllocatedBytes(precise: true) - before);
                }
                int requests = 4 * 2 * RoundTripsPerInvoke;
                Console.WriteLine(System.FormattableString.Invariant(
                    $"alloc-probe: requests_per_window={requests} bytes_per_request={windows.Min() / (double)requests:0.00} windows={string.Join(",", windows)}"));
                return 0;
            }
            finally
            {
                bench.Cleanup();
            }
        });
        return command;
    }

    [Benchmark(OperationsPerInvoke = RoundTripsPerInvoke)]
    public async Task<int> GetItemEncoded()
    {
        int bytes = 0;
        for (int i = 0; i < RoundTripsPerInvoke; i++)
        {
            _found.ResetWrittenCount();
            bytes += await _client.GetItemEncodedAsync(Table, _key, _found);
        }
        return bytes;
    }

    [Benchmark(OperationsPerInvoke = RoundTripsPerInvoke)]
    public async Task PutItemEncoded()
    {
        for (int i = 0; i < RoundTripsPerInvoke; i++) await _client.PutItemEncodedAsync(Table, _item);
    }
}
