using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Basalt.Fuzz.Crash;

// The server as a separate process over a real data folder: `dotnet <Basalt.Server.dll> --data-dir DIR ...`. Keeps the
// last lines it printed (for a failure report and to learn which crash point fired). Every process started is
// registered, so that Ctrl-C or the supervisor's exit kills what is still running.
public sealed class ServerProcess : IDisposable
{
    private static readonly ConcurrentDictionary<int, Process> s_running = new();
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    static ServerProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public IEnumerable<string> Output => _lines;

    // The line a crash point printed before the server killed itself, if one did.
    public string? CrashPointLine => _lines.FirstOrDefault(l => l.Contains("crash point", StringComparison.Ordinal) && l.Contains("reached", StringComparison.Ordinal));

    private static volatile bool s_closing;

    // Kills every server still running and refuses to start more (Ctrl-C, exit).
    public static void KillAll()
    {
        s_closing = true;
        foreach (var (_, p) in s_running)
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }

    // The server's build beside this one: <repo>/server/Basalt.Server/bin/<Configuration>/net10.0/Basalt.Server.dll,
    // the configuration being the one this assembly was built in.
    public static string LocateServerDll()
    {
        string here = AppContext.BaseDirectory;
        string configuration = new DirectoryInfo(here).Parent!.Name;
        string? root = here;
        while (root is not null && !File.Exists(Path.Combine(root, "Engine.sln"))) root = Directory.GetParent(root)?.FullName;
        if (root is not null)
        {
            string dll = Path.Combine(root, "server", "Basalt.Server", "bin", configuration, "net10.0", "Basalt.Server.dll");
            if (File.Exists(dll)) return dll;
        }
        string beside = Path.Combine(here, "Basalt.Server.dll");
        if (File.Exists(beside) && File.Exists(Path.Combine(here, "Basalt.Server.runtimeconfig.json"))) return beside;
        throw new FileNotFoundException("Basalt.Server.dll is not built (dotnet build Engine.sln -c Release), or pass --server-dll");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // Starts the server and waits (at most `wait`) until it listens. Throws when it exits or does not listen in time
    // (the process is killed then); the exception's message carries its last output.
    public static async Task<ServerProcess> StartAsync(string dll, string dataDir, string durability, int shards, int memtableMb,
        string? crashPoint, TimeSpan wait, CancellationToken cancel)
    {
        int port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "--data-dir", dataDir, "--durability", durability, "--port", port.ToString(), "--binary-port", "0", "--shards", shards.ToString(), "--memtable-mb", memtableMb.ToString() })
            info.ArgumentList.Add(a);
        info.Environment.Remove("BASALT_CRASH_POINT");
        if (crashPoint is not null) info.Environment["BASALT_CRASH_POINT"] = crashPoint;
        info.Environment["DOTNET_gcServer"] = "0";
        cancel.ThrowIfCancellationRequested();
        if (s_closing) throw new OperationCanceledException("the supervisor is closing");
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        s_running[process.Id] = process;
        if (s_closing) KillAll(); // KillAll ran between the check and the registration
        var server = new ServerProcess(process, port);
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < wait && !cancel.IsCancellationRequested)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(CancellationToken.None);
                string output = string.Join("\n  ", server.Output);
                int code = process.ExitCode;
                server.Dispose();
                throw new ServerStartException($"the server exited with {code} while starting on {dataDir}:\n  {output}");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, cancel);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(25, CancellationToken.None);
            }
        }
        server.Kill();
        string last = string.Join("\n  ", server.Output);
        server.Dispose();
        cancel.ThrowIfCancellationRequested();
        throw new ServerStartException($"the server did not listen within {wait.TotalSeconds:0} s on {dataDir}:\n  {last}");
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _lines.Enqueue(line);
        while (_lines.Count > 200) _lines.TryDequeue(out _);
    }

    // SIGKILL: no shutdown, no flush.
    public void Kill()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        Kill();
        try { _process.WaitForExit(5000); } catch (InvalidOperationException) { }
        s_running.TryRemove(_process.Id, out _);
        _process.Dispose();
    }
}

public sealed class ServerStartException(string message) : Exception(message);
