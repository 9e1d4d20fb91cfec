using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Basalt.Bench.Load;

// The load generator's RESP target (Redis, Garnet): a lean client of our own on sockets, built like
// RawHttpConnection so that the client side costs the same kind of thing for every peer: one connection per worker,
// one request in flight on it (no pipelining, as the HTTP workers have none), the command written into a buffer the
// connection keeps and sent with one send, the reply recognised in place (RespProtocol), nothing allocated per
// request in steady state. StackExchange.Redis was the alternative: it multiplexes every caller onto one connection
// and pipelines their commands, which is a different concurrency shape from the DynamoDB workers' (64 connections,
// one request each) and would make the comparison one of client designs as much as of servers.
//   get   GET key           ok on a bulk string of the record's length (ItemShape.ItemBytes), an error on nil
//   put   SET key value     the record's fields concatenated (ItemBytes bytes); ok on +OK
// Scans (workload e) have no RESP equivalent here: SupportsLayout(Ranged) is false.
public sealed class RespTarget(Uri endpoint) : ILoadTarget
{
    public string Protocol => "resp";

    public Uri Endpoint => endpoint;

    public bool SupportsLayout(KeyLayout layout) => layout == KeyLayout.Hash;

    public Task PrepareAsync(KeyLayout layout) => layout == KeyLayout.Hash
        ? Task.CompletedTask
        : throw new NotSupportedException("RESP targets have no sorted layout: workload e needs Query");

    public ILoadConnection Connect(ItemShape shape, Random random) => new RespConnection(endpoint, new RecordValues(shape, random));

    public void Dispose() { }
}

// One RESP connection with one command in flight; not thread-safe. After any failure the socket is closed and the
// next command opens a new one.
public sealed class RespConnection(Uri endpoint, RecordValues values) : ILoadConnection
{
    private Socket? _socket;
    private byte[] _send = new byte[1024];
    private byte[] _receive = new byte[16 * 1024];
    private int _end; // received bytes in _receive[0.._end): one reply at a time, so each call starts from 0
    private readonly int _itemBytes = values.Fields.Sum(f => f.Length);

    public async ValueTask<OpResult> GetAsync(LoadKey key)
    {
        int n = RespProtocol.CommandBytes([3, Encoding.ASCII.GetByteCount(key.Partition)]);
        var send = Reserve(n);
        int at = RespProtocol.WriteArrayHeader(send, 2);
        at += RespProtocol.WriteBulk(send[at..], "GET"u8);
        at += WriteKey(send[at..], key.Partition);
        try
        {
            var reply = await RoundTripAsync(at);
            return reply.Kind switch
            {
                RespProtocol.Kind.Bulk when reply.PayloadLength == _itemBytes => OpResult.Success,
                RespProtocol.Kind.Bulk => OpResult.Fail($"GET {key.Partition}: {reply.PayloadLength} bytes, expected {_itemBytes}"),
                RespProtocol.Kind.Nil => OpResult.Fail($"GET: no value for {key.Partition}"),
                _ => OpResult.Fail($"GET: {Describe(reply)}"),
            };
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException)
        {
            Close();
            return OpResult.Fail($"connection: {e.Message}");
        }
    }

    public async ValueTask<OpResult> PutAsync(LoadKey key, Random random)
    {
        values.Mutate(random);
        int n = RespProtocol.CommandBytes([3, Encoding.ASCII.GetByteCount(key.Partition), _itemBytes]);
        var send = Reserve(n);
        int at = RespProtocol.WriteArrayHeader(send, 3);
        at += RespProtocol.WriteBulk(send[at..], "SET"u8);
        at += WriteKey(send[at..], key.Partition);
        at += RespProtocol.WriteBulkHeader(send[at..], _itemBytes);
        foreach (string field in values.Fields) at += Encoding.ASCII.GetBytes(field, send[at..]);
        send[at++] = (byte)'\r';
        send[at++] = (byte)'\n';
        try
        {
            var reply = await RoundTripAsync(at);
            return reply.Kind == RespProtocol.Kind.Simple ? OpResult.Success : OpResult.Fail($"SET: {Describe(reply)}");
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException)
        {
            Close();
            return OpResult.Fail($"connection: {e.Message}");
        }
    }

    public ValueTask<OpResult> QueryAsync(string partition, long sortFrom, int limit, long expectedMin) =>
        throw new NotSupportedException("RESP targets do not run scans (workload e)");

    // Sends any command (for set-up and tests: PING, FLUSHALL, ...) and returns the reply's kind and text.
    public async Task<(RespProtocol.Kind Kind, string Text)> CommandAsync(params string[] arguments)
    {
        var send = Reserve(RespProtocol.CommandBytes(arguments.Select(Encoding.UTF8.GetByteCount).ToArray()));
        int at = RespProtocol.WriteArrayHeader(send, arguments.Length);
        foreach (string argument in arguments) at += RespProtocol.WriteBulk(send[at..], Encoding.UTF8.GetBytes(argument));
        var reply = await RoundTripAsync(at);
        return (reply.Kind, reply.Kind == RespProtocol.Kind.Integer ? reply.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : Encoding.UTF8.GetString(_receive, reply.PayloadStart, reply.PayloadLength));
    }

    private Span<byte> Reserve(int bytes)
    {
        if (_send.Length < bytes) _send = new byte[Math.Max(bytes, _send.Length * 2)];
        return _send.AsSpan(0, bytes);
    }

    private static int WriteKey(Span<byte> to, string key)
    {
        int length = Encoding.ASCII.GetByteCount(key);
        int n = RespProtocol.WriteBulkHeader(to, length);
        n += Encoding.ASCII.GetBytes(key, to[n..]);
        to[n++] = (byte)'\r';
        to[n++] = (byte)'\n';
        return n;
    }

    private string Describe(RespProtocol.Reply reply) =>
        $"{reply.Kind} {Encoding.UTF8.GetString(_receive, reply.PayloadStart, Math.Min(reply.PayloadLength, 200))}";

    // Sends _send[0..length) and receives one whole reply into _receive (its payload stays valid until the next call).
    private async ValueTask<RespProtocol.Reply> RoundTripAsync(int length)
    {
        var socket = _socket ??= await ConnectAsync();
        for (int sent = 0; sent < length;)
            sent += await socket.SendAsync(_send.AsMemory(sent, length - sent), SocketFlags.None);
        _end = 0;
        while (true)
        {
            if (_end > 0 && RespProtocol.TryRead(_receive.AsSpan(0, _end), out var reply))
            {
                if (reply.Length != _end) throw new InvalidDataException("RESP: bytes after the reply to a single command");
                return reply;
            }
            if (_end == _receive.Length) Array.Resize(ref _receive, _receive.Length * 2);
            int read = await socket.ReceiveAsync(_receive.AsMemory(_end), SocketFlags.None);
            if (read == 0) throw new IOException("the server closed the connection");
            _end += read;
        }
    }

    private async ValueTask<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new DnsEndPoint(endpoint.Host, endpoint.Port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Close()
    {
        _socket?.Dispose();
        _socket = null;
        _end = 0;
    }

    public void Dispose() => Close();
}
