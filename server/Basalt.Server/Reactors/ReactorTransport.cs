using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Basalt.Server.Reactors;

// Kestrel's transport on the reactors (docs/dynamodb-api.md, "Threads"): Kestrel asks this factory instead of its
// socket transport to bind the DynamoDB API's endpoint, and every accepted connection is served by one reactor. Its
// input is the reactor socket's Pipe, whose reader runs inline, so Kestrel parses the request and runs the handler on
// the reactor thread that received the bytes; its output is a Pipe whose reader (the send loop) also runs inline, so
// the handler's flush sends from that same thread. A request therefore costs no thread-pool hop, where Kestrel's
// socket transport pays one per receive (its completions run on the pool unless the process-wide
// DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS is set, which would apply to every socket of the process).
internal sealed class ReactorTransportFactory(ReactorGroup reactors) : IConnectionListenerFactory
{
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endpoint);
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new ValueTask<IConnectionListener>(new Listener(reactors, socket));
    }

    private sealed class Listener(ReactorGroup reactors, Socket socket) : IConnectionListener
    {
        private long _connections;

        public EndPoint EndPoint { get; } = socket.LocalEndPoint!;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                Socket client;
                try
                {
                    client = await socket.AcceptAsync(cancellationToken);
                }
                catch (Exception e) when (e is ObjectDisposedException
                    || e is SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted or SocketError.InvalidArgument })
                {
                    return null; // unbound
                }
                catch (SocketException)
                {
                    continue; // the peer gave up before it was accepted (ECONNRESET and the like)
                }
                client.NoDelay = true;
                var connection = new Connection(new ReactorSocket(reactors.Next(), client), Interlocked.Increment(ref _connections));
                connection.Start();
                return connection;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Connection : ConnectionContext, IDuplexPipe
    {
        private readonly ReactorSocket _socket;
        private readonly Pipe _output;
        private readonly CancellationTokenSource _closed = new();
        private Task _sending = Task.CompletedTask;
        private int _disposed;

        public Connection(ReactorSocket socket, long number)
        {
            _socket = socket;
            ConnectionId = $"basalt-{number:x}";
            LocalEndPoint = socket.Socket.LocalEndPoint;
            RemoteEndPoint = socket.Socket.RemoteEndPoint;
            // Inline both ways: the send loop runs inside the handler's flush, and a flush held back by a slow peer
            // resumes on the thread whose send made room. Kestrel's own transport pauses at 1 MiB; so does this.
            _output = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
                pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 512 << 10, useSynchronizationContext: false));
            Transport = this;
            ConnectionClosed = _closed.Token;
        }

        public override string ConnectionId { get; set; }
        public override IFeatureCollection Features { get; } = new FeatureCollection();
        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();
        public override IDuplexPipe Transport { get; set; }

        PipeReader IDuplexPipe.Input => _socket.Input;
        PipeWriter IDuplexPipe.Output => _output.Writer;

        public void Start()
        {
            _sending = SendLoopAsync();
            _socket.Attach(static () => { });
        }

        // Writes what Kestrel flushes to the socket, until Kestrel completes the output or the socket fails.
        private async Task SendLoopAsync()
        {
            var reader = _output.Reader;
            try
            {
                while (true)
                {
                    var result = await reader.ReadAsync();
                    var buffer = result.Buffer;
                    foreach (var segment in buffer)
                        await _socket.Output.WriteAsync(segment);
                    reader.AdvanceTo(buffer.End);
                    if (result.IsCompleted || result.IsCanceled) break;
                }
                await reader.CompleteAsync();
            }
            catch (Exception e)
            {
                await reader.CompleteAsync(e);
                Close();
            }
        }

        // Ends the connection: the peer sees the close, and Kestrel's reads and writes end.
        private void Close()
        {
            try
            {
                _socket.Socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
            ThreadPool.UnsafeQueueUserWorkItem(static c => c.TryCancel(), _closed, preferLocal: false);
        }

        public override void Abort(ConnectionAbortedException abortReason)
        {
            _output.Reader.CancelPendingRead();
            Close();
        }

        public override async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            await _output.Writer.CompleteAsync();
            await _sending;
            _socket.Dispose();
            _closed.Dispose();
        }
    }
}

file static class CancellationTokenSourceExtensions
{
    public static void TryCancel(this CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
