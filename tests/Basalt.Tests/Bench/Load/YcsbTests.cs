using Basalt.Bench.Load;
using Xunit.Abstractions;

namespace Basalt.Tests.Bench.Load;

// The load generator's workload generators (bench/Basalt.Bench/Load/Ycsb.cs): each workload's operation mix, the key
// choosers (zipfian, uniform, latest), workload e's mapping of scans onto Query ranges, and the acknowledged-insert
// counter. Draw counts are large and bounds loose (many standard deviations), so a seed cannot fail them by chance.
public class YcsbTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("a", 0.5, 0.5, 0, 0, 0)]
    [InlineData("b", 0.95, 0.05, 0, 0, 0)]
    [InlineData("c", 1.0, 0, 0, 0, 0)]
    [InlineData("d", 0.95, 0, 0.05, 0, 0)]
    [InlineData("e", 0, 0, 0.05, 0, 0.95)]
    [InlineData("f", 0.5, 0, 0, 0.5, 0)]
    [InlineData("get", 1.0, 0, 0, 0, 0)]
    [InlineData("put", 0, 1.0, 0, 0, 0)]
    public void Operation_mix_matches_the_workload(string name, double read, double update, double insert, double readModifyWrite, double scan) => TestSeed.Run(output, seed =>
    {
        var workload = YcsbWorkload.Get(name)!;
        var random = new Random(seed);
        const int Draws = 200_000;
        var counts = new int[5];
        for (int i = 0; i < Draws; i++) counts[(int)workload.Next(random)]++;
        double[] expected = [read, update, insert, readModifyWrite, scan];
        foreach (YcsbOp op in Enum.GetValues<YcsbOp>())
        {
            double share = counts[(int)op] / (double)Draws;
            Assert.True(Math.Abs(share - expected[(int)op]) < 0.01, $"{name}: {op} {share:0.0000}, expected {expected[(int)op]}");
            if (expected[(int)op] == 0) Assert.Equal(0, counts[(int)op]);
        }
    });

    [Fact]
    public void Workload_names_layouts_and_key_value_subset()
    {
        Assert.Equal(["a", "b", "c", "d", "e", "f", "get", "put"], YcsbWorkload.Names);
        Assert.All(YcsbWorkload.Names, n => Assert.NotNull(YcsbWorkload.Get(n)));
        Assert.Equal("c", YcsbWorkload.Get("C")!.Name);
        Assert.Null(YcsbWorkload.Get("g"));
        Assert.Equal(KeyLayout.Ranged, YcsbWorkload.Get("e")!.Layout);
        Assert.All(new[] { "a", "b", "c", "d", "f", "get", "put" }, n => Assert.Equal(KeyLayout.Hash, YcsbWorkload.Get(n)!.Layout));
        Assert.Equal(["a", "b", "c", "f", "get", "put"], YcsbWorkload.Names.Where(n => YcsbWorkload.Get(n)!.IsKeyValue));
        Assert.True(YcsbWorkload.Get("d")!.Latest);
    }

    [Fact]
    public void Keys_are_ycsb_names_of_the_hashed_sequence()
    {
        // FNV-1a-64 over the 8 little-endian bytes of the sequence number.
        Assert.Equal("user12161962213042174405", YcsbKeys.Key(0));
        Assert.NotEqual(YcsbKeys.Key(1), YcsbKeys.Key(2));
        Assert.Equal(1000, Enumerable.Range(0, 1000).Select(i => YcsbKeys.Key(i)).Distinct().Count());
    }

    [Fact]
    public void Zipfian_stays_in_range_and_favours_few_keys() => TestSeed.Run(output, seed =>
    {
        const long Records = 10_000;
        var chooser = new KeyChooser(KeyDistribution.Zipfian, Records, ScrambledZipfian.Zeta(Records));
        var random = new Random(seed);
        var counts = new Dictionary<long, int>();
        const int Draws = 200_000;
        for (int i = 0; i < Draws; i++)
        {
            long key = chooser.Next(random, latest: false, inserted: Records);
            Assert.InRange(key, 0, Records - 1);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        // θ = 0.99 over 10,000 items: the most popular item takes 1/ζ ≈ 10% of the draws (uniform: 0.01%), and the
        // 100 most popular about half.
        var sorted = counts.Values.OrderDescending().ToList();
        double top = sorted[0] / (double)Draws, top100 = sorted.Take(100).Sum() / (double)Draws;
        Assert.InRange(top, 0.08, 0.13);
        Assert.InRange(top100, 0.40, 0.65);
        // Scrambled: the most popular item is not sequence 0 (its rank 0 is hashed).
        Assert.NotEqual(0, counts.MaxBy(c => c.Value).Key);
    });

    [Fact]
    public void Uniform_spreads_evenly() => TestSeed.Run(output, seed =>
    {
        const long Records = 100;
        var chooser = new KeyChooser(KeyDistribution.Uniform, Records, ScrambledZipfian.Zeta(Records));
        var random = new Random(seed);
        var counts = new int[Records];
        const int Draws = 200_000;
        for (int i = 0; i < Draws; i++) counts[chooser.Next(random, latest: false, inserted: Records)]++;
        // 2,000 expected per key, standard deviation about 44: a band of ±400 is nine of them.
        Assert.All(counts, c => Assert.InRange(c, 1600, 2400));
    });

    [Fact]
    public void Latest_favours_the_newest_inserted() => TestSeed.Run(output, seed =>
    {
        const long Records = 1000;
        var chooser = new KeyChooser(KeyDistribution.Zipfian, Records, ScrambledZipfian.Zeta(Records));
        var random = new Random(seed);
        long inserted = 1500;
        int newest = 0;
        const int Draws = 100_000;
        for (int i = 0; i < Draws; i++)
        {
            long key = chooser.Next(random, latest: true, inserted);
            Assert.InRange(key, 0, inserted - 1);
            if (key == inserted - 1) newest++;
        }
        Assert.InRange(newest / (double)Draws, 0.10, 0.16); // 1/ζ(1000) ≈ 13%
        var uniform = new KeyChooser(KeyDistribution.Uniform, Records, 1);
        for (int i = 0; i < 10_000; i++) Assert.InRange(uniform.Next(random, latest: true, inserted), 0, inserted - 1);
    });

    [Fact]
    public void Scan_layout_groups_100_consecutive_sequences_per_partition()
    {
        Assert.Equal(YcsbKeys.Key(0), ScanLayout.Partition(0));
        Assert.Equal(YcsbKeys.Key(0), ScanLayout.Partition(99));
        Assert.Equal(YcsbKeys.Key(1), ScanLayout.Partition(100));
        Assert.Equal(42, ScanLayout.Sort(142));
        Assert.Equal(new LoadKey(YcsbKeys.Key(3), 7), LoadKey.For(KeyLayout.Ranged, 307));
        Assert.Equal(new LoadKey(YcsbKeys.Key(307)), LoadKey.For(KeyLayout.Hash, 307));
        // The items a Query returns: up to the length, stopped at the partition's end and at the last record.
        Assert.Equal(10, ScanLayout.Expected(start: 120, length: 10, records: 1000));
        Assert.Equal(5, ScanLayout.Expected(start: 195, length: 10, records: 1000));
        Assert.Equal(3, ScanLayout.Expected(start: 997, length: 10, records: 1000));
        Assert.Equal(0, ScanLayout.Expected(start: 1000, length: 10, records: 1000));
        // With YCSB's lengths 1..100 the mean range is 33.8 items (documented in Ycsb.cs).
        double mean = Enumerable.Range(0, 100).SelectMany(o => Enumerable.Range(1, 100).Select(l => (double)ScanLayout.Expected(o, l, 100_000))).Average();
        Assert.Equal(33.835, mean, 3);
    }

    [Fact]
    public void Item_shape_splits_item_bytes_over_fields()
    {
        Assert.Equal(new ItemShape(10, 100), ItemShape.FromItemBytes(1000, 10));
        Assert.Equal(1000, ItemShape.FromItemBytes(1000, 10).ItemBytes);
        Assert.Equal(new ItemShape(3, 1), ItemShape.FromItemBytes(3, 10));
        Assert.Equal(new ItemShape(1, 4096), ItemShape.FromItemBytes(4096, 1));
        var values = new RecordValues(new ItemShape(4, 25), new Random(1));
        Assert.All(values.Fields, f => Assert.Equal(25, f.Length));
    }

    [Fact]
    public void Acknowledged_counter_exposes_only_the_written_prefix()
    {
        var counter = new AcknowledgedCounter(10);
        Assert.Equal(10, counter.Limit);
        long a = counter.Claim(), b = counter.Claim(), c = counter.Claim();
        Assert.Equal([10, 11, 12], new[] { a, b, c });
        counter.Acknowledge(b);
        counter.Acknowledge(c);
        Assert.Equal(10, counter.Limit); // 10 is still in flight
        counter.Acknowledge(a);
        Assert.Equal(13, counter.Limit);
    }
}
