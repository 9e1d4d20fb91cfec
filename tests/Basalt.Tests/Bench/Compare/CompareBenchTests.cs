using Basalt.Bench.Compare;
using Basalt.Bench.Load;

namespace Basalt.Tests.Bench.Compare;

// The compare command (bench/Basalt.Bench/Compare/CompareBench.cs): its summary line and argument checks, and a short
// run end to end against Garnet, the one peer that needs nothing installed (Basalt's server and the Garnet host are
// built with the solution and started as processes); dynalite (npm) and Redis (apt-get) are exercised by hand
// (docs/load-generator.md). Unpinned (--no-pin): pinning would move the whole test process onto one core.
// Console.SetError is process-wide: the classes that swap it run one at a time (one collection).
[Collection("Console")]
public class CompareBenchTests
{
    private static LoadFigures Figures(string server, long ops, params long[] latenciesUs)
    {
        var histogram = new HdrHistogram.LongHistogram(1, 60_000_000, 3);
        foreach (long l in latenciesUs) histogram.RecordValue(l);
        return new LoadFigures(server, "get", ops, 1.0, histogram, 0, null, 0);
    }

    [Fact]
    public void Line_names_the_peer_basalts_figure_the_ratio_and_basalts_protocol()
    {
        var row = new CompareBench.Row("garnet", "resp", "get", Figures("garnet", 40_000, 100, 200, 900), Figures("basalt", 30_000, 150, 300, 800),
            "dynamodb", [0.70, 0.80, 0.75]);
        Assert.Equal("compare: peer=garnet workload=get ops/s=40000 p99=900us basalt_ops/s=30000 ratio=0.75 basalt_protocol=dynamodb",
            CompareBench.Line(row));
        Assert.Equal(0.775, new CompareBench.Row("a", "b", "c", row.PeerFigures, row.Basalt, "dynamodb", [0.7, 0.75, 0.8, 0.85]).Ratio, 6);
    }

    [Fact]
    public void Runs_basalt_against_garnet_and_writes_the_report()
    {
        string dir = Directory.CreateTempSubdirectory("basalt-compare-test-").FullName;
        var (savedOut, savedError) = (Console.Out, Console.Error);
        var output = new StringWriter();
        Console.SetOut(output);
        Console.SetError(TextWriter.Null);
        int exit;
        try
        {
            exit = Basalt.Bench.Program.Main(["compare", "--peers", "garnet", "--workload", "get,put,a", "--seconds", "1", "--rounds", "1",
                "--records", "300", "--concurrency", "4", "--no-pin", "--smoke", "--out", Path.Combine(dir, "compare.md")]);
        }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedError);
        }
        try
        {
            Assert.Equal(0, exit);
            // a is a YCSB mix: only the servers with DynamoDB's API run it, so garnet has rows for get and put, each set
            // against Basalt's binary protocol (a second Basalt server).
            var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal(2, lines.Length);
            var shape = new System.Text.RegularExpressions.Regex(
                @"^compare: peer=garnet workload=(get|put) ops/s=[1-9]\d* p99=[\d.]+us basalt_ops/s=[1-9]\d* ratio=\d+\.\d\d basalt_protocol=binary$");
            Assert.All(lines, l => Assert.Matches(shape, l));
            string report = File.ReadAllText(Path.Combine(dir, "compare.md"));
            Assert.Contains("Smoke run", report);
            Assert.Contains("- Date (UTC): ", report);
            Assert.Contains("- Machine: ", report);
            Assert.Contains("- Command: `dotnet run --project bench/Basalt.Bench -c Release -- compare", report);
            Assert.Contains("| garnet | resp | get |", report);
            Assert.Equal(3, File.ReadAllLines(Path.Combine(dir, "compare.csv")).Length);
            foreach (string w in new[] { "get", "put", "a" })
                Assert.True(File.Exists(Path.Combine(dir, $"compare-{w}.png")), w);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("--peers", "memcached")]
    [InlineData("--workload", "e")]
    [InlineData("--workload", "d")]
    [InlineData("--storage", "tape")]
    [InlineData("--distribution", "latest")]
    [InlineData("--seconds", "0")]
    public void Bad_arguments_exit_2_before_starting_anything(string option, string value)
    {
        var saved = Console.Error;
        Console.SetError(TextWriter.Null);
        try
        {
            Assert.Equal(2, Basalt.Bench.Program.Main(["compare", option, value]));
        }
        finally
        {
            Console.SetError(saved);
        }
    }

    [Theory]
    [InlineData("resp", "e")]
    [InlineData("resp", "d")]
    [InlineData("memcached", "c")]
    [InlineData("dynamodb", "g")]
    public void Load_refuses_what_a_target_cannot_run(string target, string workload)
    {
        var saved = Console.Error;
        Console.SetError(TextWriter.Null);
        try
        {
            Assert.Equal(2, Basalt.Bench.Program.Main(["load", "--target", target, "--endpoint", "tcp://127.0.0.1:1", "--workload", workload]));
        }
        finally
        {
            Console.SetError(saved);
        }
    }
}
