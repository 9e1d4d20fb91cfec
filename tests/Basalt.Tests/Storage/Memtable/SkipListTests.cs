using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Memtable;

namespace Basalt.Tests.Storage.Memtable;

public class SkipListTests
{
    [Fact]
    public void Heights_follow_p_one_quarter()
    {
        using var arena = new Arena(1 << 12);
        var list = new SkipList(arena);
        const int draws = 400_000;
        var atLeast = new int[SkipList.MaxHeight + 2];
        for (int i = 0; i < draws; i++)
        {
            int h = list.NextRandomHeightForTest();
            Assert.InRange(h, 1, SkipList.MaxHeight);
            for (int k = 1; k <= h; k++) atLeast[k]++;
        }
        Assert.Equal(draws, atLeast[1]);
        for (int k = 2; k <= 6; k++)
        {
            double expected = draws * Math.Pow(0.25, k - 1);
            // Within 5 standard deviations of a binomial count.
            double tolerance = 5 * Math.Sqrt(expected);
            Assert.InRange(atLeast[k], expected - tolerance, expected + tolerance);
        }
    }

    [Fact]
    public void Levels_stay_sorted_sublists_and_searches_agree_at_the_edges()
    {
        TestSeed.Run(seed =>
        {
            var random = new Random(seed);
            using var arena = new Arena(4 << 20);
            var list = new SkipList(arena, (uint)random.Next(1, int.MaxValue));
            Assert.Equal(list.Head, list.FindLast());
            Assert.Equal(0u, list.FindGreaterOrEqual("a"u8, 1));
            Assert.Equal(list.Head, list.FindLessThan("a"u8, 1, orEqual: true));

            for (int i = 0; i < 5000; i++)
            {
                var key = new byte[random.Next(0, 6)];
                random.NextBytes(key);
                Assert.True(list.TryInsert(key, InternalKey.Trailer((ulong)i + 1, EntryKind.Put), key));
            }
            list.CheckInvariants();

            uint first = list.Next(list.Head, 0);
            // The smallest possible target (empty key, largest trailer) is at or before every node.
            Assert.Equal(first, list.FindGreaterOrEqual([], ulong.MaxValue));
            Assert.Equal(list.Head, list.FindLessThan([], ulong.MaxValue, orEqual: false));
            uint last = list.FindLast();
            Assert.Equal(0u, list.Next(last, 0));
            ulong lastTrailer = list.TrailerOf(last);
            // Trailers sort descending: lastTrailer - 1 is just after the last node.
            Assert.Equal(0u, list.FindGreaterOrEqual(list.UserKeyOf(last), lastTrailer - 1));
            Assert.Equal(last, list.FindLessThan(list.UserKeyOf(last), lastTrailer - 1, orEqual: false));

            // Every node is found exactly, and its predecessor is the last node before it.
            uint previous = list.Head;
            int nodes = 0;
            for (uint x = first; x != 0; x = list.Next(x, 0))
            {
                Assert.Equal(x, list.FindGreaterOrEqual(list.UserKeyOf(x), list.TrailerOf(x)));
                Assert.Equal(x, list.FindLessThan(list.UserKeyOf(x), list.TrailerOf(x), orEqual: true));
                Assert.Equal(previous, list.FindLessThan(list.UserKeyOf(x), list.TrailerOf(x), orEqual: false));
                Assert.Equal(list.UserKeyOf(x).ToArray(), list.ValueOf(x).ToArray());
                previous = x;
                nodes++;
            }
            Assert.Equal(5000, nodes);
            Assert.Equal(last, previous);
        });
    }
}
