using System.Net;
using Basalt.Engine.Database;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;
using Basalt.Server.Auth;
using Basalt.Server.Binary;
using Basalt.Server.DynamoApi;
using Basalt.Server.Metrics;
using Basalt.Server.Reactors;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Basalt.Server;

// One running server: the database it opened, the Kestrel host that serves DynamoDB's JSON API over it and
// GET /metrics, and the binary protocol's listener (Binary/, docs/protocol.md).
// StartAsync opens (and recovers) the data folder, then listens; StopAsync stops accepting, lets in-flight
// requests finish (Kestrel's graceful shutdown; the binary connections answer what they have handed to the engine),
// then closes the database (the WAL is synced, files closed).
// Program runs one from the command line; tests start one in process on a free port.
public sealed class BasaltServer : IAsyncDisposable
{
    private readonly ServerOptions _options;
    private readonly ILoggerFactory? _loggerFactory;
    private BasaltDatabase? _database;
    private WebApplication? _app;
    private BinaryListener? _binary;
    private ReactorGroup? _reactors;

    public BasaltServer(ServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        _options = options;
        _loggerFactory = loggerFactory;
    }

    public BasaltDatabase Database => _database ?? throw new InvalidOperationException("the server is not started");

    // The port it listens on (the one chosen when ServerOptions.Port was 0).
    public int Port { get; private set; }

    public Uri Endpoint => new($"http://{_options.ListenAddress}:{Port}");

    // The binary protocol's port (the one chosen when ServerOptions.BinaryPort was 0); 0 when it is not served.
    public int BinaryPort => _binary?.Port ?? 0;

    // The binary listener (tests: its reactors); null when the binary protocol is not served.
    internal BinaryListener? BinaryListener => _binary;

    // The reactor threads serving both protocols (tests); null when connections run on the thread pool.
    internal ReactorGroup? Reactors => _reactors;

    // Binary protocol connections open now.
    public int BinaryConnectionCount => _binary?.ConnectionCount ?? 0;

    // The binary protocol's connections open now, requests handled and writes answered from another thread than their
    // connection's (a thread hop) since the start; zeros when it is not served.
    public (long Connections, long Requests, long Deferred) BinaryTotals => _binary?.Totals ?? default;

    public async Task StartAsync(CancellationToken cancel = default)
    {
        if (_app is not null) throw new InvalidOperationException("the server is already started");
        // Read before the database opens, so a bad file fails the start with nothing to close (AuthFileException).
        var verifier = _options.AuthFile is { } authFile ? new SigV4Verifier(AuthFile.Load(Path.GetFullPath(authFile))) : null;
        var storage = new StorageOptions
        {
            Directory = _options.InMemory ? "/basalt-data" : Path.GetFullPath(_options.DataDir),
            FileSystem = _options.FileSystem ?? (_options.InMemory ? new MemoryFileSystem(crashable: false)
                : _options.CrashPoint is { } crashPoint ? crashPoint.Wrap(RealFileSystem.Instance) : RealFileSystem.Instance),
            // In memory nothing is durable, so a write is acknowledged once it is in the memtable (Async): waiting for
            // the syncer's no-op fsync only added a thread hop (p99 23 ms vs 8 ms at 12k ops/s, workload a, open loop).
            Durability = _options.InMemory ? Durability.Async : _options.Durability,
            Shards = _options.Shards,
            PinThreads = _options.PinThreads,
        };
        if (_options.MemtableMb is int memtableMb) storage = storage with { MemtableBytes = (long)memtableMb << 20 };
        _database = BasaltDatabase.Open(storage);
        // Recovery's own file operations are not counted: the crash point is about the running server.
        _options.CrashPoint?.Arm();
        try
        {
            if ((_options.Reactors ?? _database.Engine.ShardCount) is int reactors and > 0 && Epoll.IsSupported)
                _reactors = new ReactorGroup(reactors, _options.PinThreads, _loggerFactory?.CreateLogger("Basalt.Reactors") ?? NullLogger.Instance);
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            {
                kestrel.Listen(IPAddress.Parse(_options.ListenAddress), _options.Port);
                kestrel.AddServerHeader = false;
                // Bodies are read whole and bounded by the handler (16 MB, DynamoDB's request limit); Kestrel's own
                // 30 MB default is above that, so the handler's check is the one that answers.
                kestrel.Limits.MaxRequestBodySize = DynamoApiHandler.RequestBytesMax + 1;
            });
            if (_reactors is not null) builder.Services.AddSingleton<IConnectionListenerFactory>(new ReactorTransportFactory(_reactors));
            if (_loggerFactory is not null) builder.Services.AddSingleton(_loggerFactory);
            builder.Services.AddLogging();
            var app = builder.Build();
            var handler = new DynamoApiHandler(_database, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Basalt.DynamoApi"), verifier);
            // GET /metrics (Prometheus text, Metrics/PrometheusWriter.cs) is answered before the DynamoDB handler, whose
            // method check would give it the 404 page; every other request, GET or not, goes to the handler.
            var database = _database;
            app.Run(context => HttpMethods.IsGet(context.Request.Method) && context.Request.Path == "/metrics"
                ? PrometheusWriter.WriteAsync(context, handler.Metrics, database, _binary is null ? null : BinaryTotals)
                : handler.HandleAsync(context));
            if (_options.BinaryPort is int binaryPort)
            {
                _binary = new BinaryListener(_database, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Basalt.Binary"),
                    IPAddress.Parse(_options.ListenAddress), binaryPort)
                {
                    InFlightMax = _options.BinaryInFlightMax,
                    Reactors = _reactors,
                };
                _binary.Start();
            }
            await app.StartAsync(cancel);
            _app = app;
            var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
            Port = new Uri(address).Port;
        }
        catch
        {
            if (_binary is not null) await _binary.DisposeAsync();
            _binary = null;
            _reactors?.Dispose();
            _reactors = null;
            await _database.DisposeAsync();
            _database = null;
            throw;
        }
    }

    public async Task StopAsync(CancellationToken cancel = default)
    {
        if (_binary is { } binary)
        {
            _binary = null;
            await binary.DisposeAsync();
        }
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(cancel);
            await app.DisposeAsync();
        }
        if (_reactors is { } reactorGroup)
        {
            _reactors = null;
            reactorGroup.Dispose();
        }
        if (_database is { } db)
        {
            _database = null;
            await db.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
