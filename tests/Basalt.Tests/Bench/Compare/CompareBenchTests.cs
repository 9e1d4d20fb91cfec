using Basalt.Bench.Compare;
using Basalt.Bench.Load;

namespace Basalt.Tests.Bench.Compare;

// The compare command's summary line and its argument checks (bench/Basalt.Bench/Compare/CompareBench.cs); the run
// itself starts Redis, Garnet and dynalite as processes and is exercised by hand (docs/load-generator.md), not here.
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
