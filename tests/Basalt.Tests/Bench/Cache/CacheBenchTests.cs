using System.Text.RegularExpressions;
using Basalt.Bench.Cache;
using Basalt.Bench.Engine;
using Basalt.Bench.Load;

namespace Basalt.Tests.Bench.Cache;

// The cache command's runner end to end on a tiny configuration (10,000 keys, 0.2 s, one case, every peer): every
// cache did operations, no get missed or returned a value of the wrong length or of another key, the summary lines
// have the agreed shape, and the report files are written. Nothing here asserts on timing.
public class CacheBenchTests
{
    private static readonly Regex SummaryLine = new(
        @"^cache: vs=(?<peer>faster|memorycache|bitfaster) mix=50/50 dist=zipfian threads=2 ops/s=(?<ops>\d+) p99=[\d.]+us peer_ops/s=(?<peerOps>\d+) ratio=\d+\.\d\d$");

    private static CacheBenchSettings Tiny(string outDir, IReadOnlyList<string>? peers = null) =>
        new(peers ?? CacheTargets.PeerNames, peers ?? CacheTargets.PeerNames, Seconds: 0.2, Keys: 10_000, ValueBytes: 100, Threads: [2], Mixes: [new CacheMix(50)],
            Distributions: [KeyDistribution.Zipfian], Rounds: 1, Seed: 3, Out: Path.Combine(outDir, "cache.md"), CommandLineArgs: ["cache", "--keys", "10000"])
        { SequenceLength = 1 << 14 };

    [Fact]
    public void Every_cache_runs_the_case_verifies_its_gets_and_the_lines_have_the_agreed_shape()
    {
        string dir = Directory.CreateTempSubdirectory("basalt-cache-bench-test-").FullName;
        try
        {
            var lines = new StringWriter();
            CacheBenchResult result = CacheBench.Run(Tiny(dir), lines, TextWriter.Null);

            CacheCaseResult single = Assert.Single(result.Cases);
            Assert.Equal(BasaltStoreTarget.TargetName, single.First.Target);
            Assert.Equal(CacheTargets.PeerNames, single.Peers.Select(p => p.Target));
            foreach (CacheTargetResult target in single.All)
            {
                CacheRunFigures run = Assert.Single(target.Rounds);
                Assert.True(run.Ops > 0, $"{target.Target} did no operations");
                Assert.Equal(0, run.Misses);
                Assert.Equal(0, run.WrongValues);
                Assert.True(run.LatencyNs.TotalCount > 0, $"{target.Target} sampled no latency");
            }

            string[] printed = lines.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal(CacheTargets.PeerNames.Length, printed.Length);
            foreach ((string line, string peer) in printed.Zip(CacheTargets.PeerNames))
            {
                Match match = SummaryLine.Match(line);
                Assert.True(match.Success, line);
                Assert.Equal(peer, match.Groups["peer"].Value);
                Assert.True(long.Parse(match.Groups["ops"].Value) > 0, line);
                Assert.True(long.Parse(match.Groups["peerOps"].Value) > 0, line);
            }

            IReadOnlyList<string> files = CacheReport.Write(result);
            string markdown = File.ReadAllText(files[0]);
            Assert.Contains("| basalt | 50/50 | zipfian | 2 |", markdown);
            foreach (string peer in CacheTargets.PeerNames) Assert.Contains($"| {peer} | 50/50 | zipfian | 2 |", markdown);
            Assert.StartsWith("cache,mix,dist,threads,round,", File.ReadAllText(files[1]));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(files[2])[..4]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // `--vs faster`: every peer is measured (and in the report), only FASTER's lines are printed.
    [Fact]
    public void Vs_picks_the_printed_lines_not_the_measured_caches()
    {
        string dir = Directory.CreateTempSubdirectory("basalt-cache-bench-test-").FullName;
        try
        {
            var lines = new StringWriter();
            CacheBenchResult result = CacheBench.Run(Tiny(dir) with { Vs = ["faster"] }, lines, TextWriter.Null);
            Assert.Equal(CacheTargets.PeerNames, Assert.Single(result.Cases).Peers.Select(p => p.Target));
            string line = Assert.Single(lines.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            Assert.StartsWith("cache: vs=faster ", line);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // The check itself: a cache that hands back a value one byte short voids the run.
    [Fact]
    public void A_get_of_the_wrong_length_voids_the_run()
    {
        string dir = Directory.CreateTempSubdirectory("basalt-cache-bench-test-").FullName;
        try
        {
            CacheBenchSettings settings = Tiny(dir, ["bitfaster"]);
            var runner = new CacheRunner(settings, new CacheTargets.Factory("short", _ => new ShortValues(), _ => []),
                [CacheTargets.Peer("bitfaster")!], TextWriter.Null, TextWriter.Null);
            var e = Assert.Throws<VerificationException>(() => runner.Run());
            Assert.Contains("short", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("90/10", 90)]
    [InlineData("50/50", 50)]
    [InlineData("100", 100)]
    public void Mixes_parse(string text, int getPercent) => Assert.Equal(getPercent, CacheMix.Parse(text)!.Value.GetPercent);

    [Theory]
    [InlineData("90/20")]
    [InlineData("101")]
    [InlineData("a/b")]
    [InlineData("1/2/3")]
    public void Bad_mixes_do_not_parse(string text) => Assert.Null(CacheMix.Parse(text));

    // Every get finds a value, one byte shorter than the one that was set.
    private sealed class ShortValues : CacheTarget<ShortValues.Ops>
    {
        public override string Name => "short";
        protected override Ops CreateOps() => default;
        public override void Dispose() { }

        public readonly struct Ops : ICacheOps
        {
            public bool Get(int key, Span<byte> destination, out int valueLength)
            {
                valueLength = destination.Length - 1;
                return true;
            }

            public void Set(int key, ReadOnlySpan<byte> value) { }
        }
    }
}
