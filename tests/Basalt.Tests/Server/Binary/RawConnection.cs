using System.Buffers.Binary;
using System.Net.Sockets;
using Basalt.Protocol;

namespace Basalt.Tests.Server.Binary;

// A bare TCP connection to the binary protocol for tests that send hand-made (and broken) frames and read the raw
// answers. Reads give up after 30 s so that a server that never answers fails the test instead of hanging it (a
// safety net, not a timed assertion).
public sealed class RawConnection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawConnection(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawConnection> OpenAsync(int port, bool hello = true)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        var c = new RawConnection(tcp);
        if (hello)
        {
            await c.SendAsync(Hello());
            var answer = await c.ReadFrameAsync();
            Assert.NotNull(answer);
            Assert.Equal(Op.Hello, answer.Value.Header.Op);
            Assert.Equal(FrameFlags.Response, answer.Value.Header.Flags);
        }
        return c;
    }

    public static byte[] Hello(ushort version = ProtocolFormat.Version) =>
        Frame(0, Op.Hello, [.. "BSLT"u8, (byte)version, (byte)(version >> 8), 0, 0]);

    public static byte[] Frame(uint requestId, Op op, ReadOnlySpan<byte> payload, FrameFlags flags = FrameFlags.None)
    {
        var frame = new byte[ProtocolFormat.HeaderBytes + payload.Length];
        ProtocolFormat.WriteHeader(frame, payload.Length, requestId, op, flags);
        payload.CopyTo(frame.AsSpan(ProtocolFormat.HeaderBytes));
        return frame;
    }

    // A payload written with the codec's primitives.
    public static byte[] Payload(Action<FrameBuffer> write)
    {
        using var b = new FrameBuffer();
        write(b);
        return b.WrittenSpan.ToArray();
    }

    public async Task SendAsync(params byte[][] frames)
    {
        foreach (var f in frames) await _stream.WriteAsync(f);
        await _stream.FlushAsync();
    }

    // The next frame, or null when the server closed the connection.
    public async Task<(FrameHeader Header, byte[] Payload)?> ReadFrameAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var header = new byte[ProtocolFormat.HeaderBytes];
        if (!await ReadExactlyAsync(header, limit.Token)) return null;
        var h = ProtocolFormat.ReadHeader(header);
        var payload = new byte[h.PayloadBytes];
        if (!await ReadExactlyAsync(payload, limit.Token)) return null;
        return (h, payload);
    }

    // True when the server closed the connection (after any frames it still sends, which are skipped).
    public async Task<bool> ClosedByServerAsync()
    {
        while (true)
        {
            var frame = await ReadFrameAsync();
            if (frame is null) return true;
        }
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer, CancellationToken cancel)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n;
            try
            {
                n = await _stream.ReadAsync(buffer.AsMemory(read), cancel);
            }
            catch (IOException)
            {
                return false;
            }
            if (n == 0) return false;
            read += n;
        }
        return true;
    }

    public static (string Type, string? Message) Error(byte[] payload)
    {
        var r = new PayloadReader(payload);
        var e = MessageCodec.ReadError(ref r);
        return (e.ErrorType, e.Message);
    }

    public static uint U32(ReadOnlySpan<byte> b) => BinaryPrimitives.ReadUInt32LittleEndian(b);

    public async ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _tcp.Dispose();
        await Task.CompletedTask;
    }
}
