using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Basalt.Tests.Client;

// The lean GetItem/PutItem path end to end (client, loopback socket, server, engine, back) allocates nothing per
// request once warm. The count is the whole process's, so it is taken in a process of its own
// (`basalt-bench alloc-probe`, bench/Basalt.Bench/Micro/BinaryProtocolBenchmarks.cs), where no other test's garbage can
// land in it: in this test process, servers of earlier tests still closing added 13 to 17 KB to every window. The
// probe's figure is the quietest of twenty windows of 512 requests, and it includes the probe's own Task per 64
// requests (under 2 bytes per request); one object per request would be 24 or more. What it counts is allocation, not
// time.
public class EncodedPathAllocationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SteadyStateEncodedGetAndPutAllocateNothingPerRequest()
    {
        string bench = Path.Combine(AppContext.BaseDirectory, "Basalt.Bench.dll");
        Assert.True(File.Exists(bench), bench);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(bench);
        start.ArgumentList.Add("alloc-probe");
        using var probe = Process.Start(start)!;
        var stderrTask = probe.StandardError.ReadToEndAsync();
        string stdout = await probe.StandardOutput.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            try { await probe.WaitForExitAsync(limit.Token); }
            catch (OperationCanceledException) { probe.Kill(entireProcessTree: true); throw; }
        }
        string stderr = await stderrTask;
        output.WriteLine(stdout + stderr);
        Assert.Equal(0, probe.ExitCode);
        var line = Regex.Match(stdout, @"alloc-probe: requests_per_window=(\d+) bytes_per_request=([\d.]+) windows=");
        Assert.True(line.Success, stdout + stderr);
        Assert.Equal("512", line.Groups[1].Value);
        double perRequest = double.Parse(line.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.True(perRequest < 12, $"{perRequest:F2} bytes allocated per request in the quietest window: {stdout}");
    }
}
