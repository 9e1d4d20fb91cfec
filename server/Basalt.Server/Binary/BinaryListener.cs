using System.Net;
using System.Net.Sockets;
using Basalt.Engine.Database;
using Basalt.Server.Reactors;
using Microsoft.Extensions.Logging;

namespace Basalt.Server.Binary;

// The binary protocol's listener (docs/protocol.md): accepts TCP connections and runs a BinaryConnection for each
// until it closes. Owned by BasaltServer: Start binds (port 0 picks a free one), StopAsync stops accepting, closes
// every connection and waits for their loops to end. With Reactors (the server's default on Linux) connections are
// dealt round-robin to the reactor threads, each serving its connections from its own epoll set (docs/protocol.md,
// "Reactors"); without, they run on the thread pool over a NetworkStream.
internal sealed class BinaryListener : IAsyncDisposable
{
    // The reactors that serve connections (shared with the DynamoDB API); null runs them on the thread pool. Set
    // before Start.
    public ReactorGroup? Reactors { get; init; }

    private readonly BasaltDatabase _database;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<BinaryConnection> _connections = [];
    private Task? _acceptLoop;
    // Writes in flight per connection before ThrottlingException (BinaryConnection.InFlightMaxDefault; tests lower it).
    public int InFlightMax { get; init; } = BinaryConnection.InFlightMaxDefault;
    private long _closedRequests;
    private long _closedDeferred;

    public BinaryListener(BasaltDatabase database, ILogger logger, IPAddress address, int port)
    {
        _database = database;
        _logger = logger;
        _socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _socket.Bind(new IPEndPoint(address, port));
            _socket.Listen(512);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    // Connections open now (tests; metrics later).
    public int ConnectionCount
    {
        get
        {
            lock (_connections) return _connections.Count;
        }
    }

    // Requests handled and writes answered from another thread (BinaryConnection's counters), over every connection
    // since the start: the closed ones' totals plus the open ones' (racy reads, for metrics).
    public (long Connections, long Requests, long Deferred) Totals
    {
        get
        {
            lock (_connections)
            {
                long requests = _closedRequests, deferred = _closedDeferred;
                foreach (var c in _connections)
                {
                    requests += c.Requests;
                    deferred += c.Deferred;
                }
                return (_connections.Count, requests, deferred);
            }
        }
    }

    // The sockets each reactor serves now, this listener's and the DynamoDB API's (tests).
    public int[] ReactorSocketCounts => Reactors is { } group ? [.. group.Reactors.Select(r => r.SocketCount)] : [];

    public void Start() => _acceptLoop = Task.Run(AcceptLoopAsync);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (SocketException e)
            {
                if (_stop.IsCancellationRequested) break;
                _logger.LogWarning(e, "binary protocol: accept failed");
                continue;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            client.NoDelay = true;
            if (Reactors is { } reactors)
            {
                var transport = new ReactorSocket(reactors.Next(), client);
                var connection = new BinaryConnection(transport, _database, _logger, InFlightMax);
                lock (_connections) _connections.Add(connection);
                // The frame loop starts on the reactor thread once the socket is registered there.
                transport.Attach(() => _ = RunAsync(connection));
            }
            else
            {
                var connection = new BinaryConnection(client, _database, _logger, InFlightMax);
                lock (_connections) _connections.Add(connection);
                _ = RunAsync(connection);
            }
        }
    }

    private async Task RunAsync(BinaryConnection connection)
    {
        try
        {
            await connection.RunAsync();
        }
        finally
        {
            lock (_connections)
            {
                _connections.Remove(connection);
                _closedRequests += connection.Requests;
                _closedDeferred += connection.Deferred;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _socket.Dispose();
        if (_acceptLoop is not null) await _acceptLoop;
        BinaryConnection[] open;
        lock (_connections) open = [.. _connections];
        foreach (var c in open) c.Close();
        foreach (var c in open) await c.Completion;
        _stop.Dispose();
    }
}
