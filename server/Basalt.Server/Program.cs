using System.CommandLine;
using System.Runtime.InteropServices;
using Basalt.Engine;
using Basalt.Engine.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Basalt.Server;

// The server executable: DynamoDB's JSON API on 127.0.0.1:8000 and the binary protocol on 127.0.0.1:8100 over a data
// folder (./basalt-data by default).
// Settings come from, in rising precedence: appsettings.json in the working folder (section "Basalt"), environment
// variables (BASALT_PORT, BASALT_BINARY_PORT, BASALT_DATA_DIR, BASALT_IN_MEMORY, BASALT_DURABILITY, BASALT_SHARDS, BASALT_PIN_THREADS,
// BASALT_LISTEN_ADDRESS, BASALT_AUTH_FILE, BASALT_LOG_LEVEL, BASALT_MEMTABLE_MB), then the command line; --help lists the
// flags. BASALT_CRASH_POINT is a testing aid of the crash fuzzer (Testing/CrashPoint.cs), read from the environment only. Ctrl-C
// or SIGTERM shuts down cleanly: Kestrel stops accepting and lets in-flight requests finish, then the database syncs
// its WAL and closes its files.
public static class Program
{
    public static int Main(string[] args)
    {
        var config = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .Build();
        string? Setting(string name, string env) => Environment.GetEnvironmentVariable(env) ?? config[$"Basalt:{name}"];

        var defaults = new ServerOptions();
        var port = new Option<int>("--port") { Description = "Port of the DynamoDB JSON API (env BASALT_PORT)", DefaultValueFactory = _ => int.TryParse(Setting("Port", "BASALT_PORT"), out int p) ? p : defaults.Port };
        var binaryPort = new Option<int>("--binary-port") { Description = "Port of the binary protocol (docs/protocol.md); 0 picks a free one, -1 turns it off (env BASALT_BINARY_PORT)", DefaultValueFactory = _ => int.TryParse(Setting("BinaryPort", "BASALT_BINARY_PORT"), out int p) ? p : ServerOptions.DefaultBinaryPort };
        var listen = new Option<string>("--listen-address") { Description = "Address to listen on (env BASALT_LISTEN_ADDRESS)", DefaultValueFactory = _ => Setting("ListenAddress", "BASALT_LISTEN_ADDRESS") ?? defaults.ListenAddress };
        var dataDir = new Option<string>("--data-dir") { Description = "Data folder (env BASALT_DATA_DIR)", DefaultValueFactory = _ => Setting("DataDir", "BASALT_DATA_DIR") ?? defaults.DataDir };
        var inMemory = new Option<bool>("--in-memory") { Description = "Keep all data in memory, no files (env BASALT_IN_MEMORY)", DefaultValueFactory = _ => bool.TryParse(Setting("InMemory", "BASALT_IN_MEMORY"), out bool m) && m };
        var durability = new Option<string>("--durability") { Description = "sync | group | async (env BASALT_DURABILITY)", DefaultValueFactory = _ => Setting("Durability", "BASALT_DURABILITY") ?? "sync" };
        var shards = new Option<int?>("--shards") { Description = "Shard threads (default: one per core; fixed per data folder) (env BASALT_SHARDS)", DefaultValueFactory = _ => int.TryParse(Setting("Shards", "BASALT_SHARDS"), out int s) ? s : null };
        var pin = new Option<bool>("--pin-threads") { Description = "Pin each shard thread to a core (Linux) (env BASALT_PIN_THREADS)", DefaultValueFactory = _ => bool.TryParse(Setting("PinThreads", "BASALT_PIN_THREADS"), out bool b) && b };
        var reactors = new Option<int?>("--reactors") { Description = "Threads serving the connections of both protocols, each with its own epoll set (default: one per shard; 0: the thread pool) (env BASALT_REACTORS)", DefaultValueFactory = _ => int.TryParse(Setting("Reactors", "BASALT_REACTORS"), out int r) ? r : null };
        var auth = new Option<string?>("--auth") { Description = "Verify SigV4 signatures against the keys of this JSON file, each limited to its tables (env BASALT_AUTH_FILE)", DefaultValueFactory = _ => Setting("AuthFile", "BASALT_AUTH_FILE") };
        var logLevel = new Option<string>("--log-level") { Description = "trace | debug | information | warning | error | critical | none; debug logs one line per request (env BASALT_LOG_LEVEL)", DefaultValueFactory = _ => Setting("LogLevel", "BASALT_LOG_LEVEL") ?? "warning" };
        var memtableMb = new Option<int?>("--memtable-mb") { Description = "Size of each shard's memtable in MiB (default 64; small values flush and compact often) (env BASALT_MEMTABLE_MB)", DefaultValueFactory = _ => int.TryParse(Setting("MemtableMb", "BASALT_MEMTABLE_MB"), out int mb) ? mb : null };
        var exitAfterOpen = new Option<bool>("--exit-after-open") { Description = "Open and recover the data folder, print its state, and exit" };
        var root = new RootCommand("Basalt: a DynamoDB-compatible key-value and document database") { port, binaryPort, reactors, listen, dataDir, inMemory, durability, shards, pin, auth, logLevel, memtableMb, exitAfterOpen };
        root.Description += $". Testing aid: {Testing.CrashPoint.EnvironmentVariable}=<{string.Join("|", Testing.CrashPoint.Names)}>:N kills the server (SIGKILL) at the Nth such file operation (docs/crash-fuzzing.md)";
        root.SetAction(parse =>
        {
            if (!Enum.TryParse<Durability>(parse.GetValue(durability), ignoreCase: true, out var mode))
            {
                Console.Error.WriteLine("basalt: --durability must be sync, group or async");
                return 2;
            }
            // Names only: Enum.TryParse would also take a number, and "info" is not a level.
            if (!Enum.TryParse<LogLevel>(parse.GetValue(logLevel), ignoreCase: true, out var level) || !Enum.IsDefined(level)
                || int.TryParse(parse.GetValue(logLevel), out _))
            {
                Console.Error.WriteLine("basalt: --log-level must be trace, debug, information, warning, error, critical or none");
                return 2;
            }
            if (parse.GetValue(port) is < 0 or > 65535)
            {
                Console.Error.WriteLine("basalt: --port must be within 0..65535");
                return 2;
            }
            if (parse.GetValue(binaryPort) is < -1 or > 65535)
            {
                Console.Error.WriteLine("basalt: --binary-port must be within 0..65535, or -1 for none");
                return 2;
            }
            if (parse.GetValue(reactors) is < 0 or > 256)
            {
                Console.Error.WriteLine("basalt: --reactors must be within 0..256");
                return 2;
            }
            if (parse.GetValue(memtableMb) is int mb and (< 1 or > (int)(Limits.MemtableBytesMax >> 20)))
            {
                Console.Error.WriteLine($"basalt: --memtable-mb must be within 1..{Limits.MemtableBytesMax >> 20}");
                return 2;
            }
            Testing.CrashPoint? crashPoint = null;
            if (Environment.GetEnvironmentVariable(Testing.CrashPoint.EnvironmentVariable) is { Length: > 0 } crashText)
            {
                crashPoint = Testing.CrashPoint.Parse(crashText, out string? crashError);
                if (crashPoint is null)
                {
                    Console.Error.WriteLine($"basalt: {crashError}");
                    return 2;
                }
                Console.Error.WriteLine($"basalt: testing aid {Testing.CrashPoint.EnvironmentVariable}={crashText}: the server will kill itself");
            }
            var options = new ServerOptions
            {
                Port = parse.GetValue(port),
                BinaryPort = parse.GetValue(binaryPort) is int bp and >= 0 ? bp : null,
                Reactors = parse.GetValue(reactors),
                ListenAddress = parse.GetValue(listen)!,
                DataDir = parse.GetValue(dataDir)!,
                InMemory = parse.GetValue(inMemory),
                Durability = mode,
                Shards = parse.GetValue(shards),
                PinThreads = parse.GetValue(pin),
                AuthFile = string.IsNullOrEmpty(parse.GetValue(auth)) ? null : parse.GetValue(auth),
                MemtableMb = parse.GetValue(memtableMb),
                CrashPoint = crashPoint,
            };
            return RunAsync(options, level, parse.GetValue(exitAfterOpen)).GetAwaiter().GetResult();
        });
        return root.Parse(args).Invoke();
    }

    private static async Task<int> RunAsync(ServerOptions options, LogLevel logLevel, bool exitAfterOpen)
    {
        // --log-level is the level of Basalt's own categories (Debug: one line per request, Basalt.DynamoApi); ASP.NET
        // Core's stay at Warning or above, or Information would add two Kestrel lines to every request. Hosting's
        // request diagnostics are off: while that category is enabled at any level, ASP.NET Core starts an Activity
        // and a log scope for every request (about 700 bytes of garbage each). What it logs is the request lines
        // (Information) and start-up failures, which StartAsync throws and RunAsync reports.
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(logLevel)
            .AddFilter("Microsoft", logLevel > LogLevel.Warning ? logLevel : LogLevel.Warning)
            .AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None));
        var server = new BasaltServer(exitAfterOpen ? options with { Port = 0, BinaryPort = null } : options, loggers);
        try
        {
            await server.StartAsync();
        }
        catch (Auth.AuthFileException e)
        {
            Console.Error.WriteLine($"basalt: --auth: {e.Message}");
            return 2;
        }
        catch (StorageException e)
        {
            Console.Error.WriteLine($"basalt: cannot open {(options.InMemory ? "the in-memory store" : options.DataDir)}: {e.Error}: {e.Message}");
            return 1;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"basalt: cannot listen on {options.ListenAddress}:{options.Port}: {e.Message}");
            return 1;
        }
        await using (server)
        {
            string where = options.InMemory ? "in memory" : $"data folder {Path.GetFullPath(options.DataDir)}";
            Console.WriteLine($"basalt: {where}, durability {(options.InMemory ? "none (in memory)" : options.Durability.ToString().ToLowerInvariant())}");
            if (options.AuthFile is not null) Console.WriteLine($"basalt: SigV4 signatures verified against {Path.GetFullPath(options.AuthFile)}");
            if (exitAfterOpen) return 0;
            Console.WriteLine($"basalt: DynamoDB API on {server.Endpoint} (aws --endpoint-url {server.Endpoint}); Ctrl-C stops");
            if (server.BinaryPort > 0) Console.WriteLine($"basalt: binary protocol on {options.ListenAddress}:{server.BinaryPort}");
            var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
            await stop.Task;
            Console.WriteLine("basalt: shutting down");
        }
        Console.WriteLine("basalt: stopped cleanly");
        return 0;
    }
}
