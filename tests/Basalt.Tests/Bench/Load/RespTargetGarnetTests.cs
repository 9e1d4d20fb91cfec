using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Basalt.Bench.Load;

namespace Basalt.Tests.Bench.Load;

// The RESP client against a real RESP server without installing anything: Garnet in bench/Basalt.GarnetHost (built
// with the solution; the test project builds it too), started as a process on a free port, in memory. A short `load`
// run of get, put and a through RespTarget: every read finds its record at its full length, and the summary lines
// have the agreed shape. Nothing here asserts on timing.
public class RespTargetGarnetTests
{
    [Fact]
    public async Task Load_runs_get_put_and_a_against_garnet()
    {
        await using var garnet = await GarnetProcess.StartAsync();
        var endpoint = new Uri($"tcp://127.0.0.1:{garnet.Port}");
        using (var connection = new RespConnection(endpoint, new RecordValues(new ItemShape(1, 1), new Random(1))))
            Assert.Equal((RespProtocol.Kind.Simple, "PONG"), await connection.CommandAsync("PING"));
        string dir = Directory.CreateTempSubdirectory("basalt-resp-test-").FullName;
        try
        {
            // 2 s each (0.2 s of it warm-up): a CI machine running the rest of the suite beside this once stalled the
            // Garnet host for a whole 0.5 s phase (no put completed, none failed).
            var settings = new LoadBench.Settings([YcsbWorkload.Get("get")!, YcsbWorkload.Get("put")!, YcsbWorkload.Get("a")!], Seconds: 2,
                Concurrency: 4, Rate: 0, Records: 500, ItemShape.FromItemBytes(1000, 10), KeyDistribution.Zipfian, 100, 1, 3, "memory", dir);
            using var target = new RespTarget(endpoint);
            var lines = new StringWriter();
            var figures = await LoadBench.RunAgainstEndpointAsync(target, settings, lines);
            Assert.All(figures, f => Assert.True(f.Ops > 0 && f.Errors == 0, f.FirstError));
            var line = new Regex(@"^load: target=resp workload=(get|put|a) ops/s=\d+ p50=[\d.]+us p99=[\d.]+us p999=[\d.]+us max=[\d.]+us errors=0$");
            var printed = lines.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal(3, printed.Length);
            Assert.All(printed, l => Assert.Matches(line, l));
            Assert.True(File.Exists(Path.Combine(dir, "load-resp-get.hlog")));
            // The loaded value is the record's 1000 bytes.
            using var check = new RespConnection(endpoint, new RecordValues(new ItemShape(1, 1), new Random(1)));
            Assert.Equal((RespProtocol.Kind.Integer, "1000"), await check.CommandAsync("STRLEN", YcsbKeys.Key(0)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class GarnetProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private GarnetProcess(Process process, int port) => (_process, Port) = (process, port);

        public int Port { get; }

        public static async Task<GarnetProcess> StartAsync()
        {
            // The host's build of the same configuration as this test assembly (bin/<Configuration>/net10.0).
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string configuration = testBin.Parent!.Name, framework = testBin.Name;
            var root = testBin;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Engine.sln"))) root = root.Parent;
            Assert.NotNull(root);
            string dll = Path.Combine(root!.FullName, "bench", "Basalt.GarnetHost", "bin", configuration, framework, "Basalt.GarnetHost.dll");
            Assert.True(File.Exists(dll), $"{dll} is not built (dotnet build Engine.sln -c {configuration})");
            int port;
            using (var listener = new TcpListener(IPAddress.Loopback, 0))
            {
                listener.Start();
                port = ((IPEndPoint)listener.LocalEndpoint).Port;
            }
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[] { dll, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--storage", "memory" }) start.ArgumentList.Add(a);
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var garnet = new GarnetProcess(process, port);
            for (int attempt = 0; attempt < 600; attempt++)
            {
                Assert.False(process.HasExited, $"the Garnet host exited with {(process.HasExited ? process.ExitCode : 0)}");
                try
                {
                    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    await socket.ConnectAsync(IPAddress.Loopback, port);
                    return garnet;
                }
                catch (SocketException)
                {
                    await Task.Delay(100);
                }
            }
            await garnet.DisposeAsync();
            throw new TimeoutException($"the Garnet host did not listen on port {port} within a minute");
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}
