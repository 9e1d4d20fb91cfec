using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Basalt.Bench.Load;

// One HTTP/1.1 keep-alive connection with one request in flight: the load generator's hot path. The request is the
// same bytes HttpClient would send (request line, Host, Content-Type, X-Amz-Target, X-Amz-Date, Authorization,
// Content-Length, body) written with one send; the answer is read into a buffer the connection keeps, its status and
// body found in place (Content-Length or chunked). Nothing is allocated per request in steady state, so the client
// takes a few microseconds of CPU per request instead of HttpClient's tens, which on a machine shared with the
// server under test is CPU the server gets. Not thread-safe: one worker owns it. After any failure the connection
// is closed and the next request opens a new one.
public sealed class RawHttpConnection(Uri endpoint) : IDisposable
{
    private const int HeaderBytesMax = 64 * 1024;
    private const int BodyBytesMax = 64 * 1024 * 1024;

    private Socket? _socket;
    private byte[] _send = new byte[4096];
    private byte[] _receive = new byte[16 * 1024];
    private byte[] _chunked = [];
    private int _start, _end; // received and not yet consumed: _receive[_start.._end)

    // The constant part of a request for an operation, up to and including "Content-Length: ".
    public static byte[] Head(Uri endpoint, string operation, string date, string authorization) => Encoding.ASCII.GetBytes(
        $"POST / HTTP/1.1\r\nHost: {endpoint.Authority}\r\nContent-Type: application/x-amz-json-1.0\r\n" +
        $"X-Amz-Target: DynamoDB_20120810.{operation}\r\nX-Amz-Date: {date}\r\nAuthorization: {authorization}\r\nContent-Length: ");

    // Sends head + the body's length + body and reads the answer. The body returned stays valid until the next call.
    public async ValueTask<(int Status, ReadOnlyMemory<byte> Body)> SendAsync(byte[] head, ReadOnlyMemory<byte> body)
    {
        try
        {
            var socket = _socket ??= await ConnectAsync();
            int length = head.Length + 11 + 4 + body.Length;
            if (_send.Length < length) _send = new byte[Math.Max(length, _send.Length * 2)];
            head.CopyTo(_send, 0);
            int n = head.Length;
            body.Length.TryFormat(_send.AsSpan(n), out int digits);
            n += digits;
            "\r\n\r\n"u8.CopyTo(_send.AsSpan(n));
            n += 4;
            body.Span.CopyTo(_send.AsSpan(n));
            n += body.Length;
            for (int sent = 0; sent < n;)
                sent += await socket.SendAsync(_send.AsMemory(sent, n - sent), SocketFlags.None);
            return await ReceiveAsync(socket);
        }
        catch
        {
            Close();
            throw;
        }
    }

    private async ValueTask<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new DnsEndPoint(endpoint.Host, endpoint.Port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _start = _end = 0;
        return socket;
    }

    private async ValueTask<(int, ReadOnlyMemory<byte>)> ReceiveAsync(Socket socket)
    {
        int headerEnd;
        while ((headerEnd = _receive.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (_end - _start > HeaderBytesMax) throw new InvalidDataException("an answer's header is over 64 KB");
            await FillAsync(socket);
        }
        headerEnd += _start + 4;
        var header = _receive.AsSpan(_start, headerEnd - _start);
        // "HTTP/1.1 200 OK"
        if (header.Length < 12 || !header.StartsWith("HTTP/1."u8) || !int.TryParse(header.Slice(9, 3), out int status))
            throw new InvalidDataException("an answer does not start with an HTTP/1.x status line");
        long contentLength = -1;
        bool chunked = false, close = false;
        foreach (var range in header.Split("\r\n"u8))
        {
            var line = header[range];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0) continue;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!long.TryParse(value, out contentLength) || contentLength < 0 || contentLength > BodyBytesMax)
                    throw new InvalidDataException("an answer's Content-Length is not a length");
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8)) chunked = value.IndexOf("chunked"u8) >= 0;
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8)) close = Ascii.EqualsIgnoreCase(value, "close"u8);
        }
        _start = headerEnd;
        ReadOnlyMemory<byte> body;
        if (chunked) body = await ReadChunkedAsync(socket);
        else
        {
            if (contentLength < 0) throw new InvalidDataException("an answer has neither Content-Length nor chunked encoding");
            await EnsureAsync(socket, (int)contentLength);
            body = _receive.AsMemory(_start, (int)contentLength);
            _start += (int)contentLength;
        }
        if (close) Close(); // the body stays in _receive/_chunked until the next call
        return (status, body);
    }

    private async ValueTask<ReadOnlyMemory<byte>> ReadChunkedAsync(Socket socket)
    {
        int length = 0;
        while (true)
        {
            int lineEnd;
            while ((lineEnd = _receive.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0) await FillAsync(socket);
            var line = _receive.AsSpan(_start, lineEnd);
            int semicolon = line.IndexOf((byte)';');
            if (!int.TryParse(semicolon < 0 ? line : line[..semicolon], System.Globalization.NumberStyles.HexNumber, null, out int size)
                || size < 0 || length + size > BodyBytesMax)
                throw new InvalidDataException("an answer's chunk size is not a size");
            _start += lineEnd + 2;
            await EnsureAsync(socket, size + 2);
            if (size == 0)
            {
                _start += 2; // the last chunk, no trailers
                return _chunked.AsMemory(0, length);
            }
            if (_chunked.Length < length + size) Array.Resize(ref _chunked, Math.Max(length + size, _chunked.Length * 2));
            _receive.AsSpan(_start, size).CopyTo(_chunked.AsSpan(length));
            length += size;
            _start += size + 2;
        }
    }

    // At least `bytes` received and not consumed.
    private async ValueTask EnsureAsync(Socket socket, int bytes)
    {
        while (_end - _start < bytes) await FillAsync(socket, bytes);
    }

    // Receives more bytes, first making room: the unread bytes move to the front, into a bigger array when they, or
    // the `need` bytes a caller waits for, would not fit.
    private async ValueTask FillAsync(Socket socket, int need = 0)
    {
        int unread = _end - _start;
        if (_end == _receive.Length || need > _receive.Length - _start)
        {
            var target = Math.Max(unread + 1, need) > _receive.Length ? new byte[Math.Max(_receive.Length * 2, need + 4096)] : _receive;
            _receive.AsSpan(_start, unread).CopyTo(target);
            (_receive, _start, _end) = (target, 0, unread);
        }
        int read = await socket.ReceiveAsync(_receive.AsMemory(_end), SocketFlags.None);
        if (read == 0) throw new IOException("the server closed the connection");
        _end += read;
    }

    private void Close()
    {
        _socket?.Dispose();
        _socket = null;
        _start = _end = 0;
    }

    public void Dispose() => Close();
}
