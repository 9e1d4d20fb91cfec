using System.Net;
using Basalt.Fuzz.Crash;
using Xunit.Abstractions;

namespace Basalt.Tests.Fuzz;

// The crash fuzzer end to end, bounded: a few iterations against the built server (a separate process on a folder
// under /tmp), and the server's crash point firing where it is set.
public class CrashFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Three_iterations_in_sync_mode_acknowledge_writes_and_find_nothing_lost_or_corrupt()
    {
        int seed = TestSeed.Get(output);
        var log = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var result = await CrashFuzzer.RunAsync(new CrashFuzzOptions
        {
            Iterations = 3, Seed = seed, Durability = "sync", SecondsPerIteration = 1, Workers = 4, Shrink = false,
        }, log, timeout.Token);
        output.WriteLine(log.ToString());
        Assert.Equal(0, result.Errors);
        Assert.Equal(3, result.Iterations);
        Assert.Equal(0, result.Lost);
        Assert.Equal(0, result.Corrupt);
        Assert.True(result.Acked > 0, "no write was acknowledged");
        Assert.StartsWith("crash-fuzz: iterations=3 acked=", result.SummaryLine);
        Assert.EndsWith($"lost=0 corrupt=0 seed={seed}", result.SummaryLine);
    }

    [Fact]
    public async Task The_wal_sync_crash_point_kills_the_server_at_its_first_sync_after_open()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"basalt-crashpoint-{Guid.NewGuid():N}");
        try
        {
            using var server = await ServerProcess.StartAsync(ServerProcess.LocateServerDll(), dir, "sync", 1, 1, "wal-sync:1", TimeSpan.FromSeconds(30), CancellationToken.None);
            using var wire = new DynamoWire(server.Port, TimeSpan.FromSeconds(10));
            // The table's creation is the first write after open: its WAL sync is the one that kills.
            var result = await wire.SendAsync("CreateTable", Workload.CreateSideTable());
            Assert.Equal(WireOutcome.Unknown, result.Outcome);
            Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(10)), "the server is still running");
            Assert.NotEqual(0, server.ExitCode);
            Assert.Contains("crash point wal-sync:1 reached at Sync of", server.CrashPointLine);
            Assert.EndsWith(".log; killing the process (SIGKILL)", server.CrashPointLine);

            // Restarted without it, the server opens the folder and takes writes.
            using var again = await ServerProcess.StartAsync(ServerProcess.LocateServerDll(), dir, "sync", 1, 1, null, TimeSpan.FromSeconds(30), CancellationToken.None);
            using var wire2 = new DynamoWire(again.Port, TimeSpan.FromSeconds(10));
            var created = await wire2.SendAsync("CreateTable", Workload.CreateSideTable());
            Assert.True(created.Outcome == WireOutcome.Ok || created.ErrorType == "ResourceInUseException", created.ToString());
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Theory]
    [InlineData("wal-sync:0")]
    [InlineData("flush:3")]
    [InlineData("compaction-write")]
    [InlineData("manifest-rename:x")]
    public async Task A_bad_crash_point_is_refused_at_startup_with_exit_code_2(string spec)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"basalt-crashpoint-{Guid.NewGuid():N}");
        try
        {
            var e = await Assert.ThrowsAsync<ServerStartException>(() => ServerProcess.StartAsync(ServerProcess.LocateServerDll(), dir, "sync", 1, 1, spec, TimeSpan.FromSeconds(30), CancellationToken.None));
            Assert.Contains("exited with 2", e.Message);
            Assert.Contains("BASALT_CRASH_POINT", e.Message);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
