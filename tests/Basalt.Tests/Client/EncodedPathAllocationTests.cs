using System.Buffers;
using Basalt.Client;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Tests.Server;
using Basalt.Tests.Server.Binary;
using Xunit.Abstractions;
using static Basalt.Tests.Server.Binary.BinaryTable;

namespace Basalt.Tests.Client;

// Runs alone (no other test allocates meanwhile): the allocation count is the whole process's.
[CollectionDefinition(nameof(AllocationCollection), DisableParallelization = true)]
public sealed class AllocationCollection;

// The lean GetItem/PutItem path end to end (client, loopback socket, server, engine, back) allocates nothing per
// request once warm: the process's allocated bytes over a window of 400 requests, divided by them, stays under a few
// bytes in the quietest of twenty windows (one object per request would be 24 or more in every window). What it counts is
// allocation, not time.
[Collection(nameof(AllocationCollection))]
public class EncodedPathAllocationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SteadyStateEncodedGetAndPutAllocateNothingPerRequest()
    {
        await using var fx = await ServerFixture.StartAsync(new Basalt.Server.ServerOptions { InMemory = true, Shards = 1 });
        // A table without indexes: a global index's change log is the engine's own cost per write, not the protocol's.
        await fx.Server.Database.CreateTableAsync(new CreateTableRequest
        {
            TableName = "plain", KeySchema = [new("pk", KeyType.Hash), new("sk", KeyType.Range)],
            AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.N)], BillingMode = BillingMode.PayPerRequest,
        });
        await using var client = new BasaltClient(new BasaltClientOptions { Port = fx.Server.BinaryPort, Connections = 1 });
        var table = "plain"u8.ToArray();
        var item = Encode(Item("alloc", 1, ("field", S(new string('x', 100)))));
        var key = Encode(Key("alloc", 1));
        var found = new ArrayBufferWriter<byte>(1024);

        async Task RoundTrips(int count)
        {
            for (int i = 0; i < count; i++)
            {
                await client.PutItemEncodedAsync(table, item);
                found.ResetWrittenCount();
                if (await client.GetItemEncodedAsync(table, key, found) != item.Length) throw new InvalidOperationException("item not read back");
            }
        }

        await RoundTrips(3000); // warm: pools filled, buffers grown, code tiered
        // The count is the whole process's, so other tests' leftovers (a server still closing, a background thread)
        // add to some windows; a per-request allocation adds to every one. The quietest of twenty windows is the figure.
        var windows = new List<long>();
        for (int w = 0; w < 20; w++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            await RoundTrips(200);
            windows.Add(GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        double perRequest = windows.Min() / 400.0;
        output.WriteLine($"allocated per window of 400 requests (200 PutItemEncoded + 200 GetItemEncoded): {string.Join(", ", windows)} bytes; quietest {perRequest:F2} B/request");
        Assert.True(perRequest < 12, $"{perRequest:F2} bytes allocated per request in the quietest window ({string.Join(", ", windows)})");
    }
}
