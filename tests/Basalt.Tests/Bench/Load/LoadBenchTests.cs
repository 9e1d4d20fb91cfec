using System.Text.RegularExpressions;
using Basalt.Bench.Load;
using Basalt.Tests.Server;

namespace Basalt.Tests.Bench.Load;

// The load command end to end against an in-process Basalt server (in memory, port 0): a short run of a point
// workload and of e (Query ranges over the sort-keyed table), its summary lines, and the .hlog, .csv and .png it
// writes; the same over the binary protocol; the latency files read back. Nothing here asserts on timing.
// Console.SetError is process-wide: the classes that swap it run one at a time (one collection).
[Collection("Console")]
public class LoadBenchTests
{
    private static readonly Regex LoadLine = new(
        @"^load: target=dynamodb workload=(?<w>[a-z]+) ops/s=(?<ops>\d+) p50=[\d.]+us p99=[\d.]+us p999=[\d.]+us max=[\d.]+us errors=(?<errors>\d+)$");

    [Fact]
    public async Task Runs_workloads_against_a_running_server_and_writes_its_files()
    {
        await using var server = await ServerFixture.StartAsync();
        string dir = Directory.CreateTempSubdirectory("basalt-load-test-").FullName;
        try
        {
            var settings = new LoadBench.Settings([YcsbWorkload.Get("a")!, YcsbWorkload.Get("e")!], Seconds: 1.5, Concurrency: 4, Rate: 0,
                Records: 300, ItemShape.FromItemBytes(200, 4), KeyDistribution.Zipfian, ScanLengthMax: 10, Rounds: 1, Seed: 7,
                Storage: "memory", OutDir: dir);
            using var target = new DynamoTarget(server.Server.Endpoint, 4);
            var lines = new StringWriter();
            var figures = await LoadBench.RunAgainstEndpointAsync(target, settings, lines);
            var printed = lines.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal(2, printed.Length);
            foreach (var (line, workload) in printed.Zip(new[] { "a", "e" }))
            {
                var match = LoadLine.Match(line);
                Assert.True(match.Success, line);
                Assert.Equal(workload, match.Groups["w"].Value);
                Assert.Equal("0", match.Groups["errors"].Value);
                Assert.True(long.Parse(match.Groups["ops"].Value) > 0, line);
            }
            Assert.All(figures, f => Assert.True(f.Ops > 0 && f.Errors == 0, f.FirstError));
            foreach (string w in new[] { "a", "e" })
            {
                string stem = Path.Combine(dir, $"load-dynamodb-{w}");
                string log = File.ReadAllText(stem + ".hlog");
                Assert.StartsWith("#[Histogram log format version", log);
                Assert.Contains($"Tag=load-dynamodb-{w},", log);
                // One histogram per second of the window (0.5 s here: one), together every measured operation.
                using (var stream = File.OpenRead(stem + ".hlog"))
                {
                    var intervals = new HdrHistogram.HistogramLogReader(stream).ReadHistograms().ToList();
                    Assert.NotEmpty(intervals);
                    Assert.Equal(figures.Single(f => f.Workload == w).Ops, intervals.Sum(h => h.TotalCount));
                }
                Assert.StartsWith("\"Value\",\"Percentile\",\"TotalCount\",\"1/(1-Percentile)\"", File.ReadAllText(stem + ".csv"));
                byte[] png = File.ReadAllBytes(stem + ".png");
                Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
            }
            // The e table holds the records under their partitions: a Query of one partition from sort key 0 sees 100.
            var (status, body, _) = await server.PostAsync("Query",
                $$$"""{"TableName":"usertable_e","KeyConditionExpression":"#k = :k","ExpressionAttributeNames":{"#k":"key"},"ExpressionAttributeValues":{":k":{"S":"{{{ScanLayout.Partition(0)}}}"}},"Select":"COUNT"}""");
            Assert.Equal(System.Net.HttpStatusCode.OK, status);
            Assert.Contains("\"Count\":100", body.Replace(" ", ""));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_second_run_against_the_same_server_starts_from_a_fresh_table()
    {
        await using var server = await ServerFixture.StartAsync();
        string dir = Directory.CreateTempSubdirectory("basalt-load-test-").FullName;
        try
        {
            var settings = new LoadBench.Settings([YcsbWorkload.Get("get")!], 0.2, 2, 0, 50, ItemShape.FromItemBytes(100, 10),
                KeyDistribution.Uniform, 100, 1, 1, "memory", dir);
            for (int run = 0; run < 2; run++)
            {
                using var target = new DynamoTarget(server.Server.Endpoint, 2);
                var figures = await LoadBench.RunAgainstEndpointAsync(target, settings, TextWriter.Null);
                Assert.Equal(0, figures.Single().Errors);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // The binary target through the server's binary port: the same workloads, every read finds its item (a GetItem
    // that finds nothing is an error), e's Query ranges see the items they expect; the summary line names it.
    [Fact]
    public async Task Binary_target_runs_the_workloads_over_the_binary_protocol()
    {
        await using var server = await ServerFixture.StartAsync();
        string dir = Directory.CreateTempSubdirectory("basalt-load-test-").FullName;
        try
        {
            var settings = new LoadBench.Settings([YcsbWorkload.Get("a")!, YcsbWorkload.Get("e")!], Seconds: 1.5, Concurrency: 4, Rate: 0,
                Records: 300, ItemShape.FromItemBytes(200, 4), KeyDistribution.Zipfian, ScanLengthMax: 10, Rounds: 1, Seed: 7,
                Storage: "memory", OutDir: dir);
            var endpoint = new Uri($"basalt://127.0.0.1:{server.Server.BinaryPort}");
            using var target = LoadTargets.Create("binary", endpoint, 4, out string? problem, server.Server.Endpoint);
            Assert.Null(problem);
            var lines = new StringWriter();
            var figures = await LoadBench.RunAgainstEndpointAsync(target!, settings, lines);
            var printed = lines.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal(2, printed.Length);
            Assert.All(printed, line => Assert.Matches(@"^load: target=binary workload=[ae] ops/s=[1-9]\d* .* errors=0$", line));
            Assert.All(figures, f => Assert.True(f.Ops > 0 && f.Errors == 0, f.FirstError));
            Assert.True(File.Exists(Path.Combine(dir, "load-binary-a.hlog")));
            // What the puts wrote is there over the DynamoDB API too, with the record's fields.
            var (status, body, _) = await server.PostAsync("GetItem",
                """{"TableName":"usertable","Key":{"key":{"S":""" + "\"" + YcsbKeys.Key(0) + "\"}}}");
            Assert.Equal(System.Net.HttpStatusCode.OK, status);
            Assert.Contains("\"field3\"", body);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // Open loop: the pacer releases --rate operations per second and each goes to one worker; every release in the
    // measured window is counted once (at most rate x seconds of them, with a little room for the window's edges) and
    // none fails.
    [Fact]
    public async Task Open_loop_runs_at_most_the_rate_and_counts_each_release_once()
    {
        await using var server = await ServerFixture.StartAsync();
        string dir = Directory.CreateTempSubdirectory("basalt-load-test-").FullName;
        try
        {
            var settings = new LoadBench.Settings([YcsbWorkload.Get("get")!], Seconds: 1, Concurrency: 8, Rate: 400, Records: 100,
                ItemShape.FromItemBytes(100, 2), KeyDistribution.Uniform, 100, 1, 5, "memory", dir);
            using var target = new DynamoTarget(server.Server.Endpoint, 8);
            var figures = (await LoadBench.RunAgainstEndpointAsync(target, settings, TextWriter.Null)).Single();
            Assert.Equal(0, figures.Errors);
            Assert.InRange(figures.Ops, 1, 440);
            Assert.Equal(figures.Ops, figures.LatencyUs.TotalCount);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Unknown_target_is_refused()
    {
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        try
        {
            int exit = Basalt.Bench.Program.Main(["load", "--target", "carrier-pigeon", "--endpoint", "http://127.0.0.1:1", "--workload", "c"]);
            Assert.Equal(2, exit);
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Contains("--target carrier-pigeon: unknown (dynamodb, resp, binary)", error.ToString());
        Assert.Null(LoadTargets.Create("carrier-pigeon", new Uri("http://127.0.0.1:1"), 1, out string? problem));
        Assert.NotNull(problem);
    }

    [Fact]
    public void Count_of_a_query_answer_is_read_in_place()
    {
        Assert.Equal(12, DynamoTargetCount("""{"Count":12,"Items":[],"ScannedCount":12}"""));
        Assert.Equal(3, DynamoTargetCount("""{"ScannedCount":9,"Count" : 3}"""));
        Assert.Equal(-1, DynamoTargetCount("""{"ScannedCount":9}"""));
    }

    private static long DynamoTargetCount(string json) => DynamoTarget.CountOf(System.Text.Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Latency_files_read_back_as_the_histogram_written()
    {
        string dir = Directory.CreateTempSubdirectory("basalt-latency-files-").FullName;
        try
        {
            var histogram = new HdrHistogram.LongHistogram(1, 60_000_000, 3);
            for (int i = 1; i <= 1000; i++) histogram.RecordValue(i * 10);
            var start = new DateTime(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
            var files = Basalt.Bench.Report.LatencyFiles.Write(dir, "load-test-x", histogram, start, start.AddSeconds(2), "test");
            Assert.Equal(3, files.Count);
            using var stream = File.OpenRead(files[0]);
            var read = new HdrHistogram.HistogramLogReader(stream).ReadHistograms().Single();
            Assert.Equal(1000, read.TotalCount);
            Assert.Equal(histogram.GetValueAtPercentile(99), read.GetValueAtPercentile(99));
            Assert.Equal("load-test-x", read.Tag);

            // Several servers in one set of files (compare): one tagged histogram each, in order.
            var other = new HdrHistogram.LongHistogram(1, 60_000_000, 3);
            other.RecordValue(5_000);
            var series = Basalt.Bench.Report.LatencyFiles.WriteSeries(dir, "compare-get", [("basalt", histogram), ("redis", other)], start, start.AddSeconds(2), "test");
            using var seriesStream = File.OpenRead(series[0]);
            var both = new HdrHistogram.HistogramLogReader(seriesStream).ReadHistograms().ToList();
            Assert.Equal(["basalt", "redis"], both.Select(h => h.Tag));
            Assert.Equal([1000L, 1L], both.Select(h => h.TotalCount));
            string csv = File.ReadAllText(series[1]);
            Assert.True(csv.IndexOf("# basalt", StringComparison.Ordinal) < csv.IndexOf("# redis", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
