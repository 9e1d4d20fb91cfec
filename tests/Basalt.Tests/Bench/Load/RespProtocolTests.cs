using System.Net;
using System.Net.Sockets;
using System.Text;
using Basalt.Bench.Load;

namespace Basalt.Tests.Bench.Load;

// The load generator's RESP client (bench/Basalt.Bench/Load/RespProtocol.cs, RespTarget.cs): command encoding and
// reply parsing against canned bytes, then the connection end to end against a minimal RESP server in the test (GET
// and SET over a dictionary), so that no Redis is needed to run it.
public class RespProtocolTests
{
    private static RespProtocol.Reply Read(string text)
    {
        Assert.True(RespProtocol.TryRead(Encoding.ASCII.GetBytes(text), out var reply), text);
        return reply;
    }

    [Fact]
    public void Parses_each_reply_kind()
    {
        var ok = Read("+OK\r\n");
        Assert.Equal((RespProtocol.Kind.Simple, 1, 2, 5), (ok.Kind, ok.PayloadStart, ok.PayloadLength, ok.Length));
        var error = Read("-ERR wrong type\r\n");
        Assert.Equal((RespProtocol.Kind.Error, 14), (error.Kind, error.PayloadLength));
        var integer = Read(":-42\r\n");
        Assert.Equal((RespProtocol.Kind.Integer, -42L), (integer.Kind, integer.Value));
        var bulk = Read("$5\r\nhello\r\n");
        Assert.Equal((RespProtocol.Kind.Bulk, 4, 5, 11), (bulk.Kind, bulk.PayloadStart, bulk.PayloadLength, bulk.Length));
        var binary = Read("$4\r\na\r\nb\r\n"); // CRLF inside a bulk string is data
        Assert.Equal((RespProtocol.Kind.Bulk, 4), (binary.Kind, binary.PayloadLength));
        Assert.Equal(RespProtocol.Kind.Bulk, Read("$0\r\n\r\n").Kind);
        Assert.Equal((RespProtocol.Kind.Nil, 5), (Read("$-1\r\n").Kind, Read("$-1\r\n").Length));
        Assert.Equal(RespProtocol.Kind.Nil, Read("*-1\r\n").Kind);
        var array = Read("*3\r\n$3\r\nfoo\r\n:1\r\n*1\r\n+x\r\n");
        Assert.Equal((RespProtocol.Kind.Array, 3L, 25), (array.Kind, array.Value, array.Length));
        // Only the first reply is taken; what follows stays for the next read.
        Assert.Equal(5, Read("+OK\r\n+OK\r\n").Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("+OK")]
    [InlineData("+OK\r")]
    [InlineData("$5\r\nhel")]
    [InlineData("$5\r\nhello")]
    [InlineData("$5\r\nhello\r")]
    [InlineData("*2\r\n$1\r\na\r\n")]
    [InlineData(":12")]
    public void Incomplete_replies_ask_for_more(string text) =>
        Assert.False(RespProtocol.TryRead(Encoding.ASCII.GetBytes(text), out _));

    [Theory]
    [InlineData("?what\r\n")]
    [InlineData(":abc\r\n")]
    [InlineData("$-2\r\n")]
    [InlineData("$3\r\nabcd\r\n")]
    [InlineData("*-5\r\n")]
    public void Malformed_replies_throw(string text) =>
        Assert.Throws<InvalidDataException>(() => RespProtocol.TryRead(Encoding.ASCII.GetBytes(text), out _));

    [Fact]
    public void Encodes_commands_as_arrays_of_bulk_strings()
    {
        var buffer = new byte[64];
        int n = RespProtocol.WriteArrayHeader(buffer, 3);
        n += RespProtocol.WriteBulk(buffer.AsSpan(n), "SET"u8);
        n += RespProtocol.WriteBulk(buffer.AsSpan(n), "user1"u8);
        n += RespProtocol.WriteBulk(buffer.AsSpan(n), "0123456789"u8);
        Assert.Equal("*3\r\n$3\r\nSET\r\n$5\r\nuser1\r\n$10\r\n0123456789\r\n", Encoding.ASCII.GetString(buffer, 0, n));
        Assert.Equal(n, RespProtocol.CommandBytes([3, 5, 10]));
        Assert.Equal(4 + 9 + 6, RespProtocol.CommandBytes([3, 0]));
        foreach (int length in new[] { 9, 10, 99, 100, 999, 1000, 999_999, 1_000_000 })
            Assert.Equal(1 + 1 + 2 + 1 + length.ToString(System.Globalization.CultureInfo.InvariantCulture).Length + 2 + length + 2, RespProtocol.CommandBytes([length]));
    }

    [Fact]
    public async Task Connection_gets_and_sets_against_a_resp_server()
    {
        await using var server = new TinyRespServer();
        var shape = new ItemShape(4, 8);
        using var connection = new RespConnection(server.Endpoint, new RecordValues(shape, new Random(1)));
        var missing = await connection.GetAsync(new LoadKey("user1"));
        Assert.False(missing.Ok);
        Assert.Contains("no value", missing.Error);
        Assert.True((await connection.PutAsync(new LoadKey("user1"), new Random(2))).Ok);
        Assert.Equal(32, server.Values["user1"].Length); // the item's fields concatenated: ItemBytes
        Assert.True((await connection.GetAsync(new LoadKey("user1"))).Ok);
        server.Values["user2"] = new byte[5];
        var wrongSize = await connection.GetAsync(new LoadKey("user2"));
        Assert.False(wrongSize.Ok);
        Assert.Contains("expected 32", wrongSize.Error);
        Assert.Equal((RespProtocol.Kind.Simple, "PONG"), await connection.CommandAsync("PING"));
        Assert.Equal(RespProtocol.Kind.Error, (await connection.CommandAsync("NOPE")).Kind);
        // Large values arrive over several reads.
        using var big = new RespConnection(server.Endpoint, new RecordValues(new ItemShape(10, 40_000), new Random(3)));
        Assert.True((await big.PutAsync(new LoadKey("big"), new Random(4))).Ok);
        Assert.True((await big.GetAsync(new LoadKey("big"))).Ok);
    }

    [Fact]
    public async Task A_refused_connection_is_an_error_not_an_exception()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var connection = new RespConnection(new Uri($"tcp://127.0.0.1:{port}"), new RecordValues(new ItemShape(1, 1), new Random(1)));
        var result = await connection.GetAsync(new LoadKey("k"));
        Assert.False(result.Ok);
        Assert.StartsWith("connection:", result.Error);
    }

    // GET, SET, PING over a dictionary; every other command is an error. One task per connection.
    private sealed class TinyRespServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accept;

        public TinyRespServer()
        {
            _listener.Start();
            Endpoint = new Uri($"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
            _accept = Task.Run(AcceptAsync);
        }

        public Uri Endpoint { get; }
        public System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> Values { get; } = new();

        private async Task AcceptAsync()
        {
            try
            {
                while (true) _ = ServeAsync(await _listener.AcceptSocketAsync(_stop.Token));
            }
            catch (OperationCanceledException) { }
            catch (SocketException) { }
        }

        private async Task ServeAsync(Socket socket)
        {
            using var _ = socket;
            using var stream = new NetworkStream(socket);
            var buffer = new byte[1 << 20];
            int end = 0;
            try
            {
                while (true)
                {
                    int read = await stream.ReadAsync(buffer.AsMemory(end), _stop.Token);
                    if (read == 0) return;
                    end += read;
                    // A command is a reply-shaped array of bulk strings, so the client's own parser frames it.
                    while (RespProtocol.TryRead(buffer.AsSpan(0, end), out var command))
                    {
                        var arguments = Arguments(buffer.AsSpan(0, command.Length));
                        byte[] answer = arguments[0].ToUpperInvariant() switch
                        {
                            "PING" => "+PONG\r\n"u8.ToArray(),
                            "GET" => Values.TryGetValue(arguments[1], out var v)
                                ? [.. Encoding.ASCII.GetBytes($"${v.Length}\r\n"), .. v, .. "\r\n"u8]
                                : "$-1\r\n"u8.ToArray(),
                            "SET" => Set(arguments[1], buffer.AsSpan(0, command.Length)),
                            _ => "-ERR unknown command\r\n"u8.ToArray(),
                        };
                        await stream.WriteAsync(answer, _stop.Token);
                        buffer.AsSpan(command.Length, end - command.Length).CopyTo(buffer);
                        end -= command.Length;
                    }
                }
            }
            catch (OperationCanceledException) { }
            catch (IOException) { }
        }

        private byte[] Set(string key, ReadOnlySpan<byte> command)
        {
            // The value is the third bulk string: after "*3\r\n", "$3\r\nSET\r\n" and the key's.
            int at = command.IndexOf("\r\n"u8) + 2;
            for (int skip = 0; skip < 2; skip++)
            {
                Assert.True(RespProtocol.TryRead(command[at..], out var element));
                at += element.Length;
            }
            Assert.True(RespProtocol.TryRead(command[at..], out var value));
            Values[key] = command.Slice(at + value.PayloadStart, value.PayloadLength).ToArray();
            return "+OK\r\n"u8.ToArray();
        }

        private static string[] Arguments(ReadOnlySpan<byte> command)
        {
            var list = new List<string>();
            int at = command.IndexOf("\r\n"u8) + 2;
            while (at < command.Length)
            {
                Assert.True(RespProtocol.TryRead(command[at..], out var element));
                Assert.Equal(RespProtocol.Kind.Bulk, element.Kind);
                list.Add(list.Count < 2 ? Encoding.ASCII.GetString(command.Slice(at + element.PayloadStart, element.PayloadLength)) : "");
                at += element.Length;
            }
            return list.ToArray();
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            _listener.Stop();
            await _accept;
            _stop.Dispose();
        }
    }
}
