using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Basalt.Server.Reactors;
using Microsoft.Extensions.Logging.Abstractions;

namespace Basalt.Tests.Server.Reactors;

// The reactor on real loopback sockets: input reaches the reader on the reactor thread (the point of it), in order and
// whole however the peer splits its sends; output leaves from the writer's thread; the peer's close ends the input;
// Dispose closes the socket; a stopping reactor ends the input of every socket it still serves.
public class ReactorTests
{
    private static async Task<(Socket Client, Socket Server)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        return (client, await accept);
    }

    // Echoes what it reads, recording whether each read resumed on the reactor thread; ends when the input ends.
    private static async Task<(long Bytes, int Reads, int OffReactor)> EchoAsync(Reactor reactor, ReactorSocket socket)
    {
        long bytes = 0;
        int reads = 0, offReactor = 0;
        while (true)
        {
            var result = await socket.Input.ReadAsync();
            reads++;
            if (!reactor.IsCurrentThread) offReactor++;
            foreach (var segment in result.Buffer)
            {
                await socket.Output.WriteAsync(segment);
                bytes += segment.Length;
            }
            socket.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) break;
        }
        await socket.Input.CompleteAsync();
        return (bytes, reads, offReactor);
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        for (int at = 0; at < count;)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(at), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(n > 0, $"the peer closed after {at} of {count} bytes");
            at += n;
        }
        return buffer;
    }

    [Fact]
    public async Task InputReachesTheReaderOnTheReactorThreadInOrder()
    {
        Assert.True(Epoll.IsSupported, "the reactor needs epoll: Linux on x64 or arm64, as CI runs");
        using var reactor = new Reactor("test-reactor", null, NullLogger.Instance);
        reactor.Start();
        var (client, server) = await PairAsync();
        using var _ = client;
        var socket = new ReactorSocket(reactor, server);
        var echo = new TaskCompletionSource<Task<(long, int, int)>>();
        socket.Attach(() => echo.SetResult(EchoAsync(reactor, socket)));
        var loop = await echo.Task;

        // 300 KB in sends of uneven sizes, from 1 byte up: the reader sees them whole and in order.
        var random = new Random(7);
        var sent = new byte[300_000];
        random.NextBytes(sent);
        var receiving = ReceiveExactlyAsync(client, sent.Length);
        for (int at = 0; at < sent.Length;)
        {
            int n = Math.Min(sent.Length - at, random.Next(1, 40_000));
            await client.SendAsync(sent.AsMemory(at, n), SocketFlags.None);
            at += n;
        }
        Assert.Equal(sent, await receiving);
        Assert.Equal(1, reactor.SocketCount);

        // The peer's close ends the input; the reader was resumed on the reactor thread every time it had to wait.
        client.Shutdown(SocketShutdown.Send);
        var (bytes, reads, offReactor) = await loop.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(sent.Length, bytes);
        Assert.True(reads > 1);
        Assert.Equal(0, offReactor);
        socket.Dispose();
        Assert.Equal(0, await client.ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30)));
        await WaitUntilAsync(() => reactor.SocketCount == 0);
    }

    [Fact]
    public async Task DisposeClosesTheSocketAndStoppingEndsEveryInput()
    {
        Assert.True(Epoll.IsSupported, "the reactor needs epoll: Linux on x64 or arm64, as CI runs");
        var reactor = new Reactor("test-reactor", null, NullLogger.Instance);
        reactor.Start();
        var pairs = new List<(Socket Client, ReactorSocket Socket, Task<ReadResult> Read)>();
        for (int i = 0; i < 3; i++)
        {
            var (client, server) = await PairAsync();
            var socket = new ReactorSocket(reactor, server);
            var read = new TaskCompletionSource<Task<ReadResult>>();
            socket.Attach(() => read.SetResult(socket.Input.ReadAsync().AsTask()));
            pairs.Add((client, socket, await read.Task));
        }
        await WaitUntilAsync(() => reactor.SocketCount == 3);
        foreach (var p in pairs) Assert.False(p.Read.IsCompleted);

        // Dispose of one: its peer sees the close.
        pairs[0].Socket.Dispose();
        Assert.Equal(0, await pairs[0].Client.ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True((await pairs[0].Read.WaitAsync(TimeSpan.FromSeconds(30))).IsCompleted);

        // Stopping the reactor ends the others' input (their readers see the end, with an error).
        reactor.Dispose();
        foreach (var p in pairs.Skip(1))
            await Assert.ThrowsAsync<ObjectDisposedException>(() => p.Read.WaitAsync(TimeSpan.FromSeconds(30)));
        foreach (var p in pairs)
        {
            p.Client.Dispose();
            p.Socket.Socket.Dispose(); // the stopped reactor no longer closes what it served
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 3000 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}
