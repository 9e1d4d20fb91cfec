using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Basalt.Protocol;
using Basalt.Tests.Server.Binary;

namespace Basalt.Tests.Client;

// A stand-in for the server, for the client's tests of what a real server does not do on demand: answering out of
// order, never answering, throttling. It answers Hello, then hands every request frame to the test, which answers
// (or not) through Send.
public sealed class FakeServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Channel<(FrameHeader Header, byte[] Payload)> _requests = Channel.CreateUnbounded<(FrameHeader, byte[])>();
    private readonly List<TcpClient> _clients = [];
    private readonly Task _accept;
    private NetworkStream? _stream;

    private readonly ushort _helloVersion;

    public FakeServer(ushort helloVersion = ProtocolFormat.Version)
    {
        _helloVersion = helloVersion;
        _listener.Start();
        _accept = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync();
                lock (_clients) _clients.Add(client);
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        var stream = client.GetStream();
        var header = new byte[ProtocolFormat.HeaderBytes];
        try
        {
            while (true)
            {
                await stream.ReadExactlyAsync(header);
                var h = ProtocolFormat.ReadHeader(header);
                var payload = new byte[h.PayloadBytes];
                await stream.ReadExactlyAsync(payload);
                if (h.Op == Op.Hello)
                {
                    _stream = stream;
                    await stream.WriteAsync(RawConnection.Frame(h.RequestId, Op.Hello, [.. "BSLT"u8, (byte)_helloVersion, (byte)(_helloVersion >> 8), 0, 0, 0, 0, 1, 1], FrameFlags.Response));
                    continue;
                }
                await _requests.Writer.WriteAsync((h, payload));
            }
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException)
        {
        }
    }

    public async Task<(FrameHeader Header, byte[] Payload)> NextRequestAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _requests.Reader.ReadAsync(limit.Token);
    }

    public bool TryNextRequest(out (FrameHeader Header, byte[] Payload) request) => _requests.Reader.TryRead(out request);

    public Task SendAsync(byte[] frame) => _stream!.WriteAsync(frame).AsTask();

    public Task AnswerEmptyAsync(FrameHeader request) => SendAsync(RawConnection.Frame(request.RequestId, request.Op, [], FrameFlags.Response));

    public Task AnswerErrorAsync(FrameHeader request, string type, string message) =>
        SendAsync(RawConnection.Frame(request.RequestId, request.Op, RawConnection.Payload(b => MessageCodec.WriteError(b, type, message)), FrameFlags.Response | FrameFlags.Error));

    // Closes every connection (the client sees the server go away).
    public void DropConnections()
    {
        lock (_clients)
        {
            foreach (var c in _clients) c.Dispose();
            _clients.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        DropConnections();
        await _accept;
    }
}
