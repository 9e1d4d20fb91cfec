using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Segments;
using Basalt.Engine.Storage.Vfs;

namespace Basalt.Tests.Storage.Segments;

// Shared by the segment tests: seeded randomness, a sorted model of entries, and a value-capturing sink.
internal static class SegmentTestKit
{
    // BASALT_SEED fixes the seed; otherwise each run draws one, and a failure reports it.
    public static void Seeded(Action<Random, int> body)
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("BASALT_SEED"), out int s) ? s : Random.Shared.Next();
        try
        {
            body(new Random(seed), seed);
        }
        catch (Exception e)
        {
            throw new Exception($"failed with BASALT_SEED={seed}: {e.Message}", e);
        }
    }

    public sealed record Entry(byte[] UserKey, ulong Seq, EntryKind Kind, byte[] Value)
    {
        public ulong Trailer => InternalKey.Trailer(Seq, Kind);
    }

    public static int Compare(Entry a, Entry b) => InternalKey.Compare(a.UserKey, a.Trailer, b.UserKey, b.Trailer);

    // Random entries in internal-key order: user keys over a small alphabet (so prefixes are shared), 1..3
    // versions each with distinct seqs, ~10% deletes, values mostly small, some empty, some large.
    public static List<Entry> RandomEntries(Random rng, int count, int bigValueEvery = 0, int valueBytesMax = 200)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<Entry>(count);
        while (entries.Count < count)
        {
            int len = rng.Next(0, 5) == 0 ? rng.Next(0, 4) : rng.Next(4, 24);
            var key = new byte[len];
            for (int i = 0; i < len; i++) key[i] = (byte)('a' + rng.Next(0, i < 3 ? 3 : 26));
            if (!keys.Add(Convert.ToHexString(key))) continue;
            int versions = Math.Min(count - entries.Count, rng.Next(1, 4));
            var seqs = new HashSet<ulong>();
            while (seqs.Count < versions) seqs.Add((ulong)rng.NextInt64(1, 1_000_000_000));
            foreach (ulong seq in seqs)
            {
                var kind = rng.Next(10) == 0 ? EntryKind.Delete : EntryKind.Put;
                byte[] value = [];
                if (kind == EntryKind.Put)
                {
                    int vlen = bigValueEvery > 0 && rng.Next(bigValueEvery) == 0
                        ? rng.Next(16 * 1024, Basalt.Engine.Limits.ValueBytesMax + 1)
                        : rng.Next(4) == 0 ? 0 : rng.Next(0, valueBytesMax + 1);
                    value = new byte[vlen];
                    if (rng.Next(2) == 0) rng.NextBytes(value);
                    else for (int i = 0; i < vlen; i++) value[i] = (byte)('A' + i % 7); // compressible
                }
                entries.Add(new Entry(key, seq, kind, value));
            }
        }
        entries.Sort(Compare);
        return entries;
    }

    public static SegmentProperties Write(IFileSystem fs, string path, IReadOnlyList<Entry> entries, SegmentWriterOptions? options = null)
    {
        using var writer = new SegmentWriter(fs, path, options ?? new SegmentWriterOptions());
        foreach (var e in entries) writer.Add(e.UserKey, e.Trailer, e.Value);
        return writer.Finish();
    }

    public static MemoryFileSystem NewFs()
    {
        var fs = new MemoryFileSystem();
        fs.CreateDirectory("/db");
        return fs;
    }

    // The newest version of key with seq <= snapshot in the model, or null: a plain scan of the key's versions.
    public static Entry? ModelGet(List<Entry> sorted, byte[] userKey, ulong snapshot)
    {
        Entry? best = null;
        for (int i = LowerBound(sorted, userKey, ulong.MaxValue); i < sorted.Count && sorted[i].UserKey.AsSpan().SequenceEqual(userKey); i++)
            if (sorted[i].Seq <= snapshot && (best == null || sorted[i].Seq > best.Seq)) best = sorted[i];
        return best;
    }

    // First index whose entry is >= (userKey, trailer).
    public static int LowerBound(List<Entry> sorted, ReadOnlySpan<byte> userKey, ulong trailer)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (InternalKey.Compare(sorted[mid].UserKey, sorted[mid].Trailer, userKey, trailer) < 0) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    public static void AssertAt(Entry expected, IInternalIterator it)
    {
        Assert.True(it.Valid);
        Assert.True(it.UserKey.SequenceEqual(expected.UserKey), "user key differs");
        Assert.Equal(expected.Trailer, it.Trailer);
        Assert.True(it.Value.SequenceEqual(expected.Value), "value differs");
    }

    public struct CaptureSink : IValueSink
    {
        public byte[]? Value;
        public void OnValue(scoped ReadOnlySpan<byte> value) => Value = value.ToArray();
    }

    // Checks the value without copying it: for concurrent tests.
    public struct CompareSink(byte[] expected) : IValueSink
    {
        public bool Called;
        public bool Matched;
        public void OnValue(scoped ReadOnlySpan<byte> value)
        {
            Called = true;
            Matched = value.SequenceEqual(expected);
        }
    }
}
