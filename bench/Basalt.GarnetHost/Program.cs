using Garnet;

namespace Basalt.GarnetHost;

// The compare benchmark's Garnet peer: Microsoft's Garnet server (NuGet Microsoft.Garnet, RESP) in a process of our
// own, so that it runs on the same .NET runtime as Basalt and the benchmark can start, pin (taskset) and stop it like
// the other peers. It maps two modes onto Garnet's own options and passes anything after `--` through unchanged:
//   --port P --storage memory            no append-only file, no checkpoints: nothing on disk (Basalt's --in-memory)
//   --port P --storage disk --dir DIR    append-only file under DIR, committed (flushed to the device) every 100 ms,
//                                        which is what Basalt's --durability async does with its WAL; written through
//                                        .NET's file API (--device-type RandomAccess), not Garnet's libaio device
// It prints "garnet-host: listening on 127.0.0.1:P" once started and stops on SIGTERM or Ctrl+C.
public static class Program
{
    public static int Main(string[] args)
    {
        int port = 6379;
        string storage = "memory";
        string? dir = null;
        var passThrough = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], out int p): port = p; i++; break;
                case "--storage" when i + 1 < args.Length && args[i + 1] is "memory" or "disk": storage = args[++i]; break;
                case "--dir" when i + 1 < args.Length: dir = args[++i]; break;
                case "--": passThrough.AddRange(args[(i + 1)..]); i = args.Length; break;
                default:
                    Console.Error.WriteLine($"garnet-host: unknown argument '{args[i]}'; usage: --port P --storage memory|disk [--dir DIR] [-- garnet options]");
                    return 2;
            }
        }
        if (storage == "disk" && dir is null)
        {
            Console.Error.WriteLine("garnet-host: --storage disk needs --dir DIR");
            return 2;
        }
        var garnetArgs = new List<string> { "--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (storage == "disk")
            // The AOF goes under the checkpoint folder. RandomAccess: .NET's file API (ordinary writes and flushes, as
            // Basalt's WAL does) instead of Garnet's native libaio device, whose library needs a libaio this Debian
            // does not name the way Garnet's build expects (it fails to load on Debian 12).
            garnetArgs.AddRange(["--aof", "--aof-commit-freq", "100", "--checkpointdir", dir!, "--device-type", "RandomAccess"]);
        garnetArgs.AddRange(passThrough);
        using var stop = new ManualResetEventSlim();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Set(); };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
        using var server = new GarnetServer(garnetArgs.ToArray());
        server.Start();
        Console.WriteLine($"garnet-host: listening on 127.0.0.1:{port} ({storage})");
        stop.Wait();
        return 0;
    }
}
