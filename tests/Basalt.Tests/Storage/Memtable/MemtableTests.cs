using Basalt.Engine;
using Basalt.Engine.Storage;
using MemtableT = Basalt.Engine.Storage.Memtable.Memtable;

namespace Basalt.Tests.Storage.Memtable;

public class MemtableTests
{
    // One model entry: an internal key, ordered as InternalKey orders them.
    private sealed record Entry(byte[] UserKey, ulong Trailer);

    private sealed class EntryOrder : IComparer<Entry>
    {
        public static readonly EntryOrder Instance = new();
        public int Compare(Entry? a, Entry? b) => InternalKey.Compare(a!.UserKey, a.Trailer, b!.UserKey, b.Trailer);
    }

    // Few distinct bytes (including the extremes) and short lengths, so keys share prefixes, repeat, and
    // differ only in length.
    private static readonly byte[] KeyAlphabet = [0x00, 0x01, 0x61, 0x62, 0xFE, 0xFF];

    private static byte[] RandomKey(Random random)
    {
        var key = new byte[random.Next(0, 5)];
        for (int i = 0; i < key.Length; i++) key[i] = KeyAlphabet[random.Next(KeyAlphabet.Length)];
        return key;
    }

    private static byte[] RandomValue(Random random, int lengthMax)
    {
        var value = new byte[random.Next(0, lengthMax + 1)];
        random.NextBytes(value);
        return value;
    }

    [Fact]
    public void Random_operations_match_a_sorted_model()
    {
        TestSeed.Run(seed =>
        {
            var random = new Random(seed);
            using var memtable = new MemtableT(8 << 20);
            var model = new SortedDictionary<Entry, (EntryKind Kind, byte[] Value)>(EntryOrder.Instance);
            const int operations = 3000;
            // Unique seqs in random order: the memtable must not depend on seqs arriving in ascending order.
            var seqs = Enumerable.Range(1, operations).Select(i => (ulong)i * 3).OrderBy(_ => random.Next()).ToArray();
            ulong maxSeq = 0;
            for (int op = 0; op < operations; op++)
            {
                byte[] key = RandomKey(random);
                ulong seq = seqs[op];
                EntryKind kind = random.Next(4) == 0 ? EntryKind.Delete : EntryKind.Put;
                byte[] value = kind == EntryKind.Delete ? [] : RandomValue(random, 40);
                Assert.True(memtable.TryAdd(key, seq, kind, value));
                model.Add(new Entry(key, InternalKey.Trailer(seq, kind)), (kind, value));
                maxSeq = Math.Max(maxSeq, seq);
                if (op % 300 == 299 || op == operations - 1) CheckAgainstModel(memtable, model, maxSeq, random);
            }
        });
    }

    private static void CheckAgainstModel(MemtableT memtable, SortedDictionary<Entry, (EntryKind Kind, byte[] Value)> model,
        ulong maxSeq, Random random)
    {
        memtable.List.CheckInvariants();
        Assert.Equal(model.Count, memtable.Count);
        Assert.Equal(maxSeq, memtable.MaxSeq);
        var sorted = model.Keys.ToList();

        using var it = memtable.NewIterator();
        it.SeekToFirst();
        foreach (var entry in sorted)
        {
            AssertAt(it, entry, model);
            it.Next();
        }
        Assert.False(it.Valid);
        it.SeekToLast();
        for (int i = sorted.Count - 1; i >= 0; i--)
        {
            AssertAt(it, sorted[i], model);
            it.Prev();
        }
        Assert.False(it.Valid);

        for (int probe = 0; probe < 60; probe++)
        {
            byte[] key = RandomKey(random);
            ulong seq = (ulong)random.NextInt64(0, (long)maxSeq + 3);
            byte kindByte = random.Next(3) switch { 0 => 0, 1 => 1, _ => InternalKey.KindSeek };
            var target = new Entry(key, (seq << 8) | kindByte);
            int at = sorted.BinarySearch(target, EntryOrder.Instance);
            int firstAtOrAfter = at >= 0 ? at : ~at;
            int lastAtOrBefore = at >= 0 ? at : ~at - 1;

            it.Seek(target.UserKey, target.Trailer);
            WalkAndCompare(it, sorted, firstAtOrAfter, model, random);
            it.SeekForPrev(target.UserKey, target.Trailer);
            WalkAndCompare(it, sorted, lastAtOrBefore, model, random);

            // Point reads at a few snapshots, including "latest" and 0.
            foreach (ulong snapshot in new[] { seq, ulong.MaxValue, 0UL, (ulong)random.NextInt64(0, (long)maxSeq + 2) })
            {
                var seek = new Entry(key, InternalKey.SeekTrailer(Math.Min(snapshot, InternalKey.SeqMax)));
                int i = sorted.BinarySearch(seek, EntryOrder.Instance);
                i = i >= 0 ? i : ~i;
                bool expected = i < sorted.Count && sorted[i].UserKey.AsSpan().SequenceEqual(key);
                bool found = memtable.TryGet(key, snapshot, out EntryKind kind, out ReadOnlySpan<byte> value);
                Assert.Equal(expected, found);
                if (expected)
                {
                    var (modelKind, modelValue) = model[sorted[i]];
                    Assert.Equal(modelKind, kind);
                    Assert.Equal(modelValue, value.ToArray());
                    Assert.True(InternalKey.SeqOf(sorted[i].Trailer) <= snapshot);
                }
                else
                {
                    Assert.Equal(default, kind);
                    Assert.True(value.IsEmpty);
                }
            }
        }
    }

    // Checks the iterator is at sorted[index] (invalid when index is out of range), then takes a random walk
    // of Next and Prev steps, checking each position.
    private static void WalkAndCompare(IInternalIterator it, List<Entry> sorted, int index,
        SortedDictionary<Entry, (EntryKind Kind, byte[] Value)> model, Random random)
    {
        for (int step = 0; ; step++)
        {
            if (index < 0 || index >= sorted.Count)
            {
                Assert.False(it.Valid);
                return;
            }
            AssertAt(it, sorted[index], model);
            if (step == 8) return;
            if (random.Next(2) == 0)
            {
                it.Next();
                index++;
            }
            else
            {
                it.Prev();
                index--;
            }
        }
    }

    private static void AssertAt(IInternalIterator it, Entry expected, SortedDictionary<Entry, (EntryKind Kind, byte[] Value)> model)
    {
        Assert.True(it.Valid);
        Assert.Equal(expected.UserKey, it.UserKey.ToArray());
        Assert.Equal(expected.Trailer, it.Trailer);
        Assert.Equal(model[expected].Value, it.Value.ToArray());
    }

    [Fact]
    public void Point_reads_see_the_newest_version_at_or_below_the_snapshot()
    {
        using var memtable = new MemtableT(1 << 16);
        Assert.True(memtable.TryAdd("k"u8, 20, EntryKind.Put, "v20"u8));
        Assert.True(memtable.TryAdd("k"u8, 5, EntryKind.Put, "v5"u8));
        Assert.True(memtable.TryAdd("k"u8, 10, EntryKind.Delete, []));
        Assert.True(memtable.TryAdd("j"u8, 7, EntryKind.Put, "j7"u8));
        Assert.True(memtable.TryAdd("kk"u8, 3, EntryKind.Put, "kk3"u8));
        Assert.Equal(5, memtable.Count);
        Assert.Equal(20UL, memtable.MaxSeq);

        void Expect(ulong snapshot, EntryKind? kind, string? value)
        {
            bool found = memtable.TryGet("k"u8, snapshot, out EntryKind k, out ReadOnlySpan<byte> v);
            Assert.Equal(kind.HasValue, found);
            if (kind is { } expectedKind)
            {
                Assert.Equal(expectedKind, k);
                Assert.Equal(value, System.Text.Encoding.ASCII.GetString(v));
            }
        }

        Expect(0, null, null);
        Expect(4, null, null);
        Expect(5, EntryKind.Put, "v5");
        Expect(9, EntryKind.Put, "v5");
        Expect(10, EntryKind.Delete, "");
        Expect(19, EntryKind.Delete, "");
        Expect(20, EntryKind.Put, "v20");
        Expect(InternalKey.SeqMax, EntryKind.Put, "v20");
        Expect(InternalKey.SeqMax + 1, EntryKind.Put, "v20"); // above SeqMax means latest, not an overflowed trailer
        Expect(ulong.MaxValue, EntryKind.Put, "v20");
        Assert.False(memtable.TryGet("a"u8, ulong.MaxValue, out _, out _));
        Assert.False(memtable.TryGet("z"u8, ulong.MaxValue, out _, out _));
        Assert.False(memtable.TryGet([], ulong.MaxValue, out _, out _));
        Assert.False(memtable.TryGet("kk"u8, 2, out _, out _));
        Assert.True(memtable.TryGet("kk"u8, 3, out _, out _));

        var sink = new CopySink();
        Assert.True(memtable.TryGet("k"u8, 9, out EntryKind sinkKind, ref sink));
        Assert.Equal(EntryKind.Put, sinkKind);
        Assert.Equal("v5"u8.ToArray(), sink.Copy);
        sink.Copy = null;
        Assert.False(memtable.TryGet("k"u8, 4, out _, ref sink));
        Assert.Null(sink.Copy);
    }

    private struct CopySink : IValueSink
    {
        public byte[]? Copy;
        public void OnValue(scoped ReadOnlySpan<byte> value) => Copy = value.ToArray();
    }

    [Fact]
    public void Empty_memtable_has_nothing()
    {
        using var memtable = new MemtableT(MemtableT.CapacityBytesMin);
        Assert.Equal(0, memtable.Count);
        Assert.Equal(0UL, memtable.MaxSeq);
        Assert.Equal(MemtableT.CapacityBytesMin, memtable.UsedBytes);
        Assert.False(memtable.TryGet("a"u8, ulong.MaxValue, out _, out _));
        Assert.False(memtable.TryAdd([], 1, EntryKind.Delete, []));
        using var it = memtable.NewIterator();
        it.SeekToFirst();
        Assert.False(it.Valid);
        it.SeekToLast();
        Assert.False(it.Valid);
        it.Seek("a"u8, ulong.MaxValue);
        Assert.False(it.Valid);
        it.SeekForPrev("a"u8, 0);
        Assert.False(it.Valid);
        Assert.Throws<InvalidOperationException>(() => it.Next());
        Assert.Throws<InvalidOperationException>(() => it.Prev());
    }

    [Fact]
    public void TryAdd_fails_exactly_when_the_entry_does_not_fit_and_leaves_the_table_intact()
    {
        TestSeed.Run(seed =>
        {
            var random = new Random(seed);
            const long capacity = 48 << 10;
            using var memtable = new MemtableT(capacity);
            var model = new SortedDictionary<Entry, (EntryKind Kind, byte[] Value)>(EntryOrder.Instance);
            ulong seq = 0;
            int failures = 0, failuresInARow = 0;
            while (failuresInARow < 50)
            {
                var key = RandomKey(random);
                // Mostly large entries, then small ones once failures start, to fill the tail.
                var value = RandomValue(random, failures == 0 ? 600 : 40);
                long used = memtable.UsedBytes, count = memtable.Count;
                ulong maxSeq = memtable.MaxSeq;
                long remaining = capacity - used;
                long worst = MemtableT.EntryBytesMax(key.Length, value.Length);
                bool added = memtable.TryAdd(key, ++seq, EntryKind.Put, value);
                if (remaining >= worst) Assert.True(added, $"refused with {remaining} bytes left for an entry of at most {worst}");
                // Even the shortest tower (4 bytes) plus the 16-byte header and the bytes must fit.
                if (remaining < 4 + 16 + key.Length + value.Length) Assert.False(added);
                if (added)
                {
                    model.Add(new Entry(key, InternalKey.Trailer(seq, EntryKind.Put)), (EntryKind.Put, value));
                    long taken = memtable.UsedBytes - used;
                    Assert.InRange(taken, 4 + 16 + key.Length + value.Length, worst);
                    failuresInARow = 0;
                }
                else
                {
                    failures++;
                    failuresInARow++;
                    Assert.Equal(used, memtable.UsedBytes);
                    Assert.Equal(count, memtable.Count);
                    Assert.Equal(maxSeq, memtable.MaxSeq);
                }
                Assert.True(memtable.UsedBytes <= capacity);
            }
            // Otherwise every small entry would have fitted, and the loop would not have stopped.
            Assert.True(capacity - memtable.UsedBytes < MemtableT.EntryBytesMax(4, 40));
            Assert.True(model.Count > 50);
            // The failed adds left nothing behind: the table is exactly the successful ones.
            CheckAgainstModel(memtable, model, model.Keys.Max(e => InternalKey.SeqOf(e.Trailer)), random);
        });
    }

    [Fact]
    public void Arguments_and_lifetime_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemtableT(Limits.MemtableBytesMax + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MemtableT(MemtableT.CapacityBytesMin - 1));
        var memtable = new MemtableT(1 << 16);
        Assert.Throws<ArgumentOutOfRangeException>(() => memtable.TryAdd("a"u8, 0, EntryKind.Put, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => memtable.TryAdd("a"u8, InternalKey.SeqMax + 1, EntryKind.Put, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => memtable.TryAdd(new byte[Limits.StoredKeyBytesMax + 1], 1, EntryKind.Put, []));
        Assert.True(memtable.TryAdd(new byte[Limits.StoredKeyBytesMax], InternalKey.SeqMax, EntryKind.Put, []));
        Assert.True(memtable.TryGet(new byte[Limits.StoredKeyBytesMax], ulong.MaxValue, out _, out _));
        Assert.Equal(InternalKey.SeqMax, memtable.MaxSeq);
        memtable.Dispose();
        memtable.Dispose();
        Assert.Throws<ObjectDisposedException>(() => memtable.TryGet("a"u8, 1, out _, out _));
        Assert.Throws<ObjectDisposedException>(() => memtable.TryAdd("a"u8, 1, EntryKind.Put, []));
        Assert.Throws<ObjectDisposedException>(() => memtable.NewIterator());
    }
}
