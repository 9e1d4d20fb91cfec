using System.CommandLine;
using System.Runtime.InteropServices;
using Basalt.Engine;
using Basalt.Engine.Storage;

namespace Basalt.Server;

// The Basalt server host. For now it owns the storage engine's lifetime: it opens (and recovers) the data
// folder, reports what it found, and on Ctrl-C or SIGTERM shuts down cleanly (in-flight writes complete,
// the WAL is synced, files are closed). The DynamoDB HTTP API and the binary protocol are added on top of
// this host by their own issues.
public static class Program
{
    public static int Main(string[] args)
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Data folder", DefaultValueFactory = _ => "./basalt-data" };
        var durability = new Option<string>("--durability") { Description = "sync | group | async", DefaultValueFactory = _ => "sync" };
        var shards = new Option<int?>("--shards") { Description = "Shard threads (default: one per core; fixed per data folder)" };
        var pin = new Option<bool>("--pin-threads") { Description = "Pin each shard thread to a core (Linux)" };
        var exitAfterOpen = new Option<bool>("--exit-after-open") { Description = "Open and recover the data folder, print its state, and exit" };
        var root = new RootCommand("Basalt: a DynamoDB-compatible key-value and document database") { dataDir, durability, shards, pin, exitAfterOpen };
        root.SetAction(parse =>
        {
            if (!Enum.TryParse<Durability>(parse.GetValue(durability), ignoreCase: true, out var mode))
            {
                Console.Error.WriteLine($"basalt: --durability must be sync, group or async");
                return 2;
            }
            var options = new StorageOptions
            {
                Directory = Path.GetFullPath(parse.GetValue(dataDir)!),
                Durability = mode,
                Shards = parse.GetValue(shards),
                PinThreads = parse.GetValue(pin),
            };
            return Run(options, parse.GetValue(exitAfterOpen));
        });
        return root.Parse(args).Invoke();
    }

    private static int Run(StorageOptions options, bool exitAfterOpen)
    {
        StorageEngine engine;
        try
        {
            engine = StorageEngine.Open(options);
        }
        catch (StorageException e)
        {
            Console.Error.WriteLine($"basalt: cannot open {options.Directory}: {e.Error}: {e.Message}");
            return 1;
        }
        using (engine)
        {
            var m = engine.ShardMetrics;
            Console.WriteLine($"basalt: data folder {engine.Directory}, {engine.ShardCount} shards, durability {engine.Durability}, " +
                              $"recovered {m.Sum(x => x.RecoveredEntries)} log entries in {m.Max(x => x.RecoveryMs)} ms");
            if (exitAfterOpen) return 0;
            using var stop = new ManualResetEventSlim();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Set(); };
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
            Console.WriteLine("basalt: running; Ctrl-C stops");
            stop.Wait();
            Console.WriteLine("basalt: shutting down");
        }
        Console.WriteLine("basalt: stopped cleanly");
        return 0;
    }
}
