using System.Net;
using System.Net.Sockets;
using System.Text;
using Basalt.Server;

namespace Basalt.Tests.Server.Reactors;

// Kestrel on the reactors: the DynamoDB API's connections are served by the reactor threads (counted there), requests
// on them answer as on Kestrel's own transport (the SDK suites run on this transport), a Scan moves to the thread pool
// and still answers, and a peer that closes mid-request leaves the server serving.
public class ReactorTransportTests
{
    [Fact]
    public async Task TheApiIsServedByTheReactors()
    {
        await using var fx = await ServerFixture.StartAsync(new ServerOptions { InMemory = true, Shards = 2, Reactors = 1, BinaryPort = null });
        var reactor = Assert.Single(fx.Server.Reactors!.Reactors);
        Assert.Equal(0, reactor.SocketCount);
        var (status, body, _) = await fx.PostAsync("CreateTable", """{"TableName":"tbl","KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}""");
        Assert.True(status == HttpStatusCode.OK, body);
        // The HttpClient keeps its connection: the reactor serves it.
        Assert.Equal(1, reactor.SocketCount);
        for (int i = 0; i < 20; i++)
        {
            (status, body, _) = await fx.PostAsync("PutItem", "{\"TableName\":\"tbl\",\"Item\":{\"k\":{\"S\":\"key" + i + "\"},\"v\":{\"N\":\"" + i + "\"}}}");
            Assert.True(status == HttpStatusCode.OK, body);
        }
        (status, body, _) = await fx.PostAsync("GetItem", """{"TableName":"tbl","Key":{"k":{"S":"key7"}}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"v\":{\"N\":\"7\"}", body);
        (status, body, _) = await fx.PostAsync("Scan", """{"TableName":"tbl","Select":"COUNT"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"Count\":20", body);
        Assert.Equal(1, reactor.SocketCount);
    }

    [Fact]
    public async Task APeerThatLeavesMidRequestDoesNotStopTheServer()
    {
        await using var fx = await ServerFixture.StartAsync(new ServerOptions { InMemory = true, Shards = 1, Reactors = 1, BinaryPort = null });
        var reactor = fx.Server.Reactors!.Reactors[0];
        for (int i = 0; i < 5; i++)
        {
            using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await raw.ConnectAsync(IPAddress.Loopback, fx.Server.Port);
            // Headers promising 100 bytes of body, then 10 of them, then gone.
            await raw.SendAsync(Encoding.ASCII.GetBytes("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 100\r\n\r\n{\"Limit\":1"), SocketFlags.None);
            raw.Close();
        }
        for (int i = 0; i < 3000 && reactor.SocketCount > 0; i++) await Task.Delay(10);
        Assert.Equal(0, reactor.SocketCount);
        var (status, body, _) = await fx.PostAsync("ListTables", "{}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("TableNames", body);
    }
}
