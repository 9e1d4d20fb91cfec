using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Basalt.Bench.Load;

// A server the load generator starts for a comparison and stops afterwards, each in its own process on a free port
// of 127.0.0.1: Basalt's server (the build next to this repository's server project), dynalite (installed with
// npm into bench/peers/ on first use; the registry must be reachable then), Redis (Debian's redis-server, installed
// with apt-get on first use) or Garnet (bench/Basalt.GarnetHost, built on first use). Storage: "memory" (no files on
// any side) or "disk" (a data folder under the run folder; Basalt in --durability async, dynalite on LevelDB, which
// writes without fsync, Redis with appendfsync everysec, Garnet with its AOF committed every 100 ms: all survive a
// process crash, none every acknowledged write through a power loss). pinCore: the server runs under
// `taskset -c <core>`, so that it and the load generator do not share a core.
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

    // The build configuration of the running program (bin/<Configuration>/<framework>/), so that a Release benchmark
    // starts Release servers and a Debug test run its own Debug builds; Release when the layout is not that.
    private static string Configuration
    {
        get
        {
            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            return framework.Parent is { Name: "Debug" or "Release" } configuration && framework.Parent.Parent?.Name == "bin" ? configuration.Name : "Release";
        }
    }

    public string Name { get; }
    public Uri Endpoint { get; }
    public string Description { get; private init; } = "";
    // Basalt's binary protocol (basalt://127.0.0.1:port); null for the other servers.
    public Uri? BinaryEndpoint { get; private init; }

    public static async Task<PeerProcess> StartBasaltAsync(string repoRoot, string storage, string runDir, int? pinCore = null)
    {
        string dll = Path.Combine(repoRoot, "server", "Basalt.Server", "bin", Configuration, "net10.0", "Basalt.Server.dll");
        if (!File.Exists(dll))
            throw new InvalidOperationException($"{dll} is not built: run `dotnet build server/Basalt.Server -c {Configuration}` first");
        int port = FreePort();
        int binaryPort = FreePort();
        string args = storage == "memory"
            ? $"\"{dll}\" --in-memory --port {port} --binary-port {binaryPort}"
            : $"\"{dll}\" --data-dir \"{Path.Combine(runDir, "basalt-" + port)}\" --durability async --port {port} --binary-port {binaryPort}";
        var peer = await StartAsync("basalt", "dotnet", args, port, runDir, pinCore);
        return new PeerProcess(peer.Name, peer._process, port, peer._log)
        {
            BinaryEndpoint = new Uri($"basalt://127.0.0.1:{binaryPort}"),
            Description = storage == "memory"
                ? $"Basalt server ({Configuration} build), `--in-memory`: no files, fsync never called; one shard per core{Pinned(pinCore)}"
                : $"Basalt server ({Configuration} build), `--durability async`: WAL written to the OS per write, fsynced every 100 ms; one shard per core{Pinned(pinCore)}",
        };
    }

    public static async Task<PeerProcess> StartDynaliteAsync(string repoRoot, string storage, string runDir, int? pinCore = null)
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
        var peer = await StartAsync("dynalite", "node", args, port, runDir, pinCore);
        return new PeerProcess(peer.Name, peer._process, port, peer._log)
        {
            Description = storage == "memory"
                ? $"dynalite 4.0.0 (npm) on Node.js, in memory (memory-level), table creation delay as default; one Node.js thread{Pinned(pinCore)}"
                : $"dynalite 4.0.0 (npm) on Node.js, `--path`: LevelDB (classic-level), writes not fsynced; one Node.js thread{Pinned(pinCore)}",
        };
    }

    // Debian's redis-server, installed with `apt-get install -y redis-server` when it is not on the machine (root and
    // the Debian mirror needed then). Memory: no RDB snapshots, no AOF. Disk: AOF with appendfsync everysec.
    public static async Task<PeerProcess> StartRedisAsync(string storage, string runDir, int? pinCore = null)
    {
        const string Server = "/usr/bin/redis-server";
        if (!File.Exists(Server))
        {
            Console.Error.WriteLine("load: installing Debian's redis-server with apt-get");
            if (!await RunAsync("apt-get", "install -y -q redis-server") && !(await RunAsync("apt-get", "update -q") && await RunAsync("apt-get", "install -y -q redis-server")))
                throw new InvalidOperationException("apt-get install redis-server failed (root and the Debian mirror are needed)");
        }
        // "Redis server v=7.0.15 sha=... malloc=jemalloc-5.3.0 bits=64 build=...": the version is enough.
        string version = (await OutputAsync(Server, "--version")).Split(' ').FirstOrDefault(w => w.StartsWith("v=", StringComparison.Ordinal))?[2..] ?? "unknown version";
        int port = FreePort();
        string dir = Path.Combine(runDir, "redis");
        Directory.CreateDirectory(dir);
        string args = $"--port {port} --bind 127.0.0.1 --protected-mode no --daemonize no --save \"\" --dir \"{dir}\" "
            + (storage == "memory" ? "--appendonly no" : "--appendonly yes --appendfsync everysec");
        var peer = await StartAsync("redis", Server, args, port, runDir, pinCore);
        return new PeerProcess(peer.Name, peer._process, port, peer._log)
        {
            Description = (storage == "memory"
                ? $"Redis {version} (Debian package), no RDB snapshots, no AOF: nothing written to disk"
                : $"Redis {version} (Debian package), AOF with appendfsync everysec (Basalt: fsync every 100 ms)") + $"; single-threaded, io-threads 1 (default){Pinned(pinCore)}",
        };
    }

    // Garnet (NuGet Microsoft.Garnet) in bench/Basalt.GarnetHost, built with `dotnet build -c Release` when missing.
    public static async Task<PeerProcess> StartGarnetAsync(string repoRoot, string storage, string runDir, int? pinCore = null)
    {
        string project = Path.Combine(repoRoot, "bench", "Basalt.GarnetHost");
        string dll = Path.Combine(project, "bin", Configuration, "net10.0", "Basalt.GarnetHost.dll");
        if (!File.Exists(dll))
        {
            Console.Error.WriteLine($"load: building bench/Basalt.GarnetHost ({Configuration})");
            if (!await RunAsync("dotnet", $"build \"{project}\" -c {Configuration} -v q") || !File.Exists(dll))
                throw new InvalidOperationException("dotnet build bench/Basalt.GarnetHost failed");
        }
        int port = FreePort();
        string args = $"\"{dll}\" --port {port} --storage {storage}" + (storage == "disk" ? $" --dir \"{Path.Combine(runDir, "garnet")}\"" : "");
        var peer = await StartAsync("garnet", "dotnet", args, port, runDir, pinCore);
        return new PeerProcess(peer.Name, peer._process, port, peer._log)
        {
            Description = (storage == "memory"
                ? "Garnet 2.2.12 (NuGet Microsoft.Garnet) in bench/Basalt.GarnetHost, no AOF, no checkpoints: nothing written to disk"
                : "Garnet 2.2.12 (NuGet Microsoft.Garnet) in bench/Basalt.GarnetHost, AOF committed every 100 ms through .NET's file API (`--aof --aof-commit-freq 100 --device-type RandomAccess`)")
                + $"; Garnet's default threads (network and storage sessions on the thread pool){Pinned(pinCore)}",
        };
    }

    private static string Pinned(int? core) => core is { } c ? $"; pinned to core {c} (taskset: it sees one core)" : "";

    private static async Task<bool> RunAsync(string file, string args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) Console.Error.WriteLine($"load: {file} {args}: exit {process.ExitCode}: {(await stderr).Trim()}");
        _ = await stdout;
        return process.ExitCode == 0;
    }

    private static async Task<string> OutputAsync(string file, string args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }

    private static async Task<PeerProcess> StartAsync(string name, string file, string args, int port, string runDir, int? pinCore = null)
    {
        if (pinCore is { } core)
        {
            // taskset execs the server, so the process (its id, its CPU time) is the server's own.
            args = $"-c {core} {file} {args}";
            file = "taskset";
        }
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
            if (process.HasExited)
            {
                // The run folder (and the log in it) is deleted afterwards: the log's last lines go into the message.
                lock (output) output.Flush();
                string tail = string.Join('\n', File.ReadLines(log).TakeLast(8));
                throw new InvalidOperationException($"{name} exited with {process.ExitCode}; the end of its output:\n{tail}");
            }
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
