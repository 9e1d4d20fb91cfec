using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Basalt.Bench.Load;

// A server the load generator starts for a comparison and stops afterwards, each in its own process on a free port
// of 127.0.0.1: Basalt's server (the build next to this repository's server project) or dynalite (installed with
// npm into bench/peers/ on first use; the registry must be reachable then). Storage: "memory" (no files on either
// side) or "disk" (a data folder under the run folder; Basalt in --durability async, dynalite on LevelDB, which
// writes without fsync: both survive a process crash, not a power loss).
public sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _log;

    private PeerProcess(string name, Process process, int port, string log)
    {
        Name = name;
        _process = process;
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        _log = log;
    }

    public string Name { get; }
    public Uri Endpoint { get; }
    public string Description { get; private init; } = "";

    public static async Task<PeerProcess> StartBasaltAsync(string repoRoot, string storage, string runDir)
    {
        string dll = Path.Combine(repoRoot, "server", "Basalt.Server", "bin", "Release", "net10.0", "Basalt.Server.dll");
        if (!File.Exists(dll))
            throw new InvalidOperationException($"{dll} is not built: run `dotnet build server/Basalt.Server -c Release` first");
        int port = FreePort();
        string args = storage == "memory"
            ? $"\"{dll}\" --in-memory --port {port}"
            : $"\"{dll}\" --data-dir \"{Path.Combine(runDir, "basalt")}\" --durability async --port {port}";
        var peer = await StartAsync("basalt", "dotnet", args, port, runDir);
        return new PeerProcess(peer.Name, peer._process, port, peer._log)
        {
            Description = storage == "memory"
                ? "Basalt server (Release build), `--in-memory`: no files, fsync never called; one shard per core"
                : "Basalt server (Release build), `--durability async`: WAL written to the OS per write, fsynced every 100 ms; one shard per core",
        };
    }

    public static async Task<PeerProcess> StartDynaliteAsync(string repoRoot, string storage, string runDir)
    {
        string prefix = Path.Combine(repoRoot, "bench", "peers", "dynalite");
        string cli = Path.Combine(prefix, "node_modules", "dynalite", "cli.js");
        if (!File.Exists(cli))
        {
            Console.Error.WriteLine("load: installing dynalite 4.0.0 with npm into bench/peers/dynalite");
            Directory.CreateDirectory(prefix);
            using var npm = Process.Start(new ProcessStartInfo("npm", $"install --prefix \"{prefix}\" --no-audit --no-fund dynalite@4.0.0")
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
            await npm.WaitForExitAsync();
            if (npm.ExitCode != 0 || !File.Exists(cli))
                throw new InvalidOperationException($"npm install dynalite failed: {await npm.StandardError.ReadToEndAsync()}");
        }
        int port = FreePort();
        string args = storage == "memory"
            ? $"\"{cli}\" --port {port}"
            : $"\"{cli}\" --port {port} --path \"{Path.Combine(runDir, "dynalite")}\"";
        var peer = await StartAsync("dynalite", "node", args, port, runDir);
        return new PeerProcess(peer.Name, peer._process, port, peer._log)
        {
            Description = storage == "memory"
                ? "dynalite 4.0.0 (npm) on Node.js, in memory (memory-level), table creation delay as default; one Node.js thread"
                : "dynalite 4.0.0 (npm) on Node.js, `--path`: LevelDB (classic-level), writes not fsynced; one Node.js thread",
        };
    }

    private static async Task<PeerProcess> StartAsync(string name, string file, string args, int port, string runDir)
    {
        string log = Path.Combine(runDir, name + ".log");
        var process = Process.Start(new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"cannot start {file}");
        var output = File.CreateText(log);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.WriteLine(e.Data); };
        process.Exited += (_, _) => { lock (output) output.Flush(); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var peer = new PeerProcess(name, process, port, log);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited) throw new InvalidOperationException($"{name} exited with {process.ExitCode}; see {log}");
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, port);
                return peer;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        await peer.DisposeAsync();
        throw new InvalidOperationException($"{name} did not listen on port {port} within 60 s; see {log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // The server's CPU time so far (user + system), for CPU per operation.
    public TimeSpan CpuTime
    {
        get
        {
            try { _process.Refresh(); return _process.TotalProcessorTime; }
            catch (InvalidOperationException) { return TimeSpan.Zero; }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM first: Basalt shuts down cleanly on it; then kill whatever is left.
            Process.Start("kill", $"-TERM {_process.Id}")?.WaitForExit();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await _process.WaitForExitAsync(wait.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        }
        _process.Dispose();
    }
}
