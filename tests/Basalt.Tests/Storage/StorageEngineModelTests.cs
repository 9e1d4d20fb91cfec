using System.Text;
using Basalt.Engine.Storage;
using Xunit.Abstractions;

namespace Basalt.Tests.Storage;

// Random operations against the engine and a plain sorted-dictionary model, with flushes, compactions,
// snapshots and reopenings in between; every read is compared. Seeded (BASALT_SEED reproduces a run).
public class StorageEngineModelTests(ITestOutputHelper output) : IDisposable
{
    private readonly EngineFixture _fx = new();
    public void Dispose() => _fx.Dispose();

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private sealed class ByteComparer : IComparer<byte[]>
    {
        public static readonly ByteComparer Instance = new();
        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }

    [Theory]
    [InlineData(Durability.Sync, 1, true)]
    [InlineData(Durability.Async, 3, true)]
    [InlineData(Durability.Group, 2, false)]
    public async Task Random_operations_match_a_dictionary_model(Durability durability, int shards, bool inlineWrites)
    {
        await TestSeed.RunAsync(output, async seed =>
        {
            var rng = new Random(seed);
            var engine = _fx.Open(_fx.Options(durability, shards, memtableBytes: 256 << 10, inlineWrites));
            // routing -> (rest -> value)
            var model = new Dictionary<string, SortedDictionary<byte[], byte[]>>();
            var snapshots = new List<(Snapshot Snap, Dictionary<string, SortedDictionary<byte[], byte[]>> Model)>();
            string[] routings = Enumerable.Range(0, 12).Select(i => $"pk{i}").ToArray();
            byte[] RandomRest() => B($"{rng.Next(60):D2}");

            for (int step = 0; step < 4000; step++)
            {
                int op = rng.Next(1000);
                string routing = routings[rng.Next(routings.Length)];
                if (!model.TryGetValue(routing, out var coll)) model[routing] = coll = new SortedDictionary<byte[], byte[]>(ByteComparer.Instance);
                if (op < 450)
                {
                    var rest = RandomRest();
                    var value = new byte[rng.Next(0, 400)];
                    rng.NextBytes(value);
                    await engine.PutAsync(B(routing), rest, value);
                    coll[rest] = value;
                }
                else if (op < 550)
                {
                    var rest = RandomRest();
                    await engine.DeleteAsync(B(routing), rest);
                    coll.Remove(rest);
                }
                else if (op < 600)
                {
                    using var batch = new WriteBatch();
                    for (int i = rng.Next(1, 8); i > 0; i--)
                    {
                        var rest = RandomRest();
                        if (rng.Next(4) == 0) { batch.Delete(B(routing), rest); coll.Remove(rest); }
                        else { var v = B($"batch{step}-{i}"); batch.Put(B(routing), rest, v); coll[rest] = v; }
                    }
                    await engine.WriteAsync(batch);
                }
                else if (op < 850)
                {
                    var rest = RandomRest();
                    var expected = coll.TryGetValue(rest, out var v) ? v : null;
                    Assert.Equal(expected, engine.Get(B(routing), rest));
                }
                else if (op < 950)
                {
                    CompareRange(engine, null, routing, coll, rng);
                }
                else if (op < 965 && snapshots.Count < 3)
                {
                    snapshots.Add((engine.GetSnapshot(), model.ToDictionary(kv => kv.Key, kv => new SortedDictionary<byte[], byte[]>(kv.Value, ByteComparer.Instance))));
                }
                else if (op < 980 && snapshots.Count > 0)
                {
                    int i = rng.Next(snapshots.Count);
                    var (snap, old) = snapshots[i];
                    foreach (var r in routings)
                        CompareRange(engine, snap, r, old.TryGetValue(r, out var oc) ? oc : new SortedDictionary<byte[], byte[]>(ByteComparer.Instance), rng);
                    snap.Dispose();
                    snapshots.RemoveAt(i);
                }
                else if (op < 988) await engine.FlushAsync();
                else if (op < 994) await engine.CompactAsync();
                else
                {
                    foreach (var (snap, _) in snapshots) snap.Dispose();
                    snapshots.Clear();
                    _fx.Reopen(ref engine, durability, shards, memtableBytes: 256 << 10);
                }
            }
            foreach (var (snap, _) in snapshots) snap.Dispose();
            foreach (var r in routings) CompareRange(engine, null, r, model.TryGetValue(r, out var c) ? c : new SortedDictionary<byte[], byte[]>(ByteComparer.Instance), rng);
            var m = engine.ShardMetrics;
            output.WriteLine($"flushes {m.Sum(x => x.Flushes)} compactions {m.Sum(x => x.Compactions)} rotations {m.Sum(x => x.Rotations)}");
        });
    }

    private static void CompareRange(StorageEngine engine, Snapshot? snapshot, string routing, SortedDictionary<byte[], byte[]> coll, Random rng)
    {
        byte[]? from = rng.Next(3) == 0 ? null : B($"{rng.Next(60):D2}");
        byte[]? to = rng.Next(3) == 0 ? null : B($"{rng.Next(60):D2}");
        bool reverse = rng.Next(2) == 0;
        var expected = coll.Where(kv => (from is null || ByteComparer.Instance.Compare(kv.Key, from) >= 0)
                                       && (to is null || ByteComparer.Instance.Compare(kv.Key, to) < 0))
                           .Select(kv => Convert.ToHexString(kv.Key) + "=" + Convert.ToHexString(kv.Value)).ToList();
        if (reverse) expected.Reverse();
        var actual = new List<string>();
        using (var it = engine.Iterate(B(routing), from, to, reverse, snapshot))
            while (it.MoveNext()) actual.Add(Convert.ToHexString(it.Rest) + "=" + Convert.ToHexString(it.Value));
        Assert.Equal(expected, actual);
        if (snapshot is not null)
            foreach (var kv in coll) Assert.Equal(kv.Value, engine.Get(snapshot, B(routing), kv.Key));
    }
}
