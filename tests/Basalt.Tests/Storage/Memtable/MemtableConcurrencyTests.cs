using System.Buffers.Binary;
using Basalt.Engine.Storage;
using MemtableT = Basalt.Engine.Storage.Memtable.Memtable;

namespace Basalt.Tests.Storage.Memtable;

// One writer inserts while readers iterate and read on other threads. Entry i has a random 16-byte key,
// seq i + 1, and a value that encodes i and a pattern derived from it, so a reader can tell a whole entry
// from a torn one. The writer publishes "entries 0..n-1 are in" through a volatile counter after each
// TryAdd returns; a reader that read n must then find every one of them.
public class MemtableConcurrencyTests
{
    private const int Entries = 200_000;
    private const double WriterSecondsMax = 2.0;

    private static byte[] ValueOf(int i)
    {
        var value = new byte[8 + i % 13];
        BinaryPrimitives.WriteInt64LittleEndian(value, i);
        for (int k = 8; k < value.Length; k++) value[k] = (byte)(i * 31 + k);
        return value;
    }

    // Checks that (key, trailer, value) is entry i exactly, whole; returns i.
    private static int CheckEntry(byte[][] keys, ReadOnlySpan<byte> key, ulong trailer, ReadOnlySpan<byte> value)
    {
        if (value.Length < 8) throw new Exception($"torn value: {value.Length} bytes");
        long i = BinaryPrimitives.ReadInt64LittleEndian(value);
        if (i < 0 || i >= Entries) throw new Exception($"torn value: index {i}");
        if (!key.SequenceEqual(keys[i])) throw new Exception($"key of entry {i} does not match");
        if (trailer != InternalKey.Trailer((ulong)i + 1, EntryKind.Put)) throw new Exception($"trailer of entry {i} is {trailer:x}");
        if (!value.SequenceEqual(ValueOf((int)i))) throw new Exception($"value of entry {i} does not match");
        return (int)i;
    }

    [Fact]
    public void Readers_see_only_whole_sorted_entries_and_everything_published_before_they_looked()
    {
        TestSeed.Run(seed =>
        {
            var random = new Random(seed);
            var unique = new HashSet<byte[]>(Entries, new ByteArrayEquality());
            var keys = new byte[Entries][];
            for (int i = 0; i < Entries; i++)
            {
                do
                {
                    keys[i] = new byte[16];
                    random.NextBytes(keys[i]);
                } while (!unique.Add(keys[i]));
            }
            var values = new byte[Entries][];
            for (int i = 0; i < Entries; i++) values[i] = ValueOf(i);

            using var memtable = new MemtableT(64 << 20);
            int published = 0; // entries 0..published-1 are in; Volatile.Write by the writer, Volatile.Read by readers
            bool writerDone = false;
            var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            var passes = new int[2];

            void Reader(int id)
            {
                try
                {
                    var r = new Random(seed + 1 + id);
                    var seen = new bool[Entries];
                    using var it = memtable.NewIterator();
                    bool last = false;
                    while (!last)
                    {
                        last = Volatile.Read(ref writerDone); // one more pass after the writer finished
                        int before = Volatile.Read(ref published);
                        long countBefore = memtable.Count;
                        if (countBefore < before) throw new Exception($"Count {countBefore} < published {before}");

                        // Point reads: every published entry is found, at "latest" and at its publication
                        // snapshot; unpublished ones are invisible at that snapshot.
                        for (int probe = 0; probe < 500; probe++)
                        {
                            if (before > 0)
                            {
                                int i = r.Next(before);
                                if (!memtable.TryGet(keys[i], ulong.MaxValue, out var kind, out var value)) throw new Exception($"entry {i} < {before} not found");
                                if (kind != EntryKind.Put || CheckEntry(keys, keys[i], InternalKey.Trailer((ulong)i + 1, kind), value) != i) throw new Exception("wrong entry");
                                if (!memtable.TryGet(keys[i], (ulong)before, out _, out _)) throw new Exception($"entry {i} not found at snapshot {before}");
                            }
                            if (before < Entries)
                            {
                                int j = r.Next(before, Entries);
                                if (memtable.TryGet(keys[j], (ulong)before, out _, out _)) throw new Exception($"entry {j} (seq {j + 1}) visible at snapshot {before}");
                            }
                        }

                        // A full forward pass: strictly ascending, whole entries, every published one present.
                        Array.Clear(seen);
                        int n = 0;
                        byte[]? previous = null;
                        for (it.SeekToFirst(); it.Valid; it.Next())
                        {
                            int i = CheckEntry(keys, it.UserKey, it.Trailer, it.Value);
                            if (previous != null && previous.AsSpan().SequenceCompareTo(it.UserKey) >= 0) throw new Exception("forward pass not ascending");
                            previous = keys[i];
                            seen[i] = true;
                            n++;
                        }
                        if (n < countBefore) throw new Exception($"forward pass saw {n} < Count {countBefore}");
                        for (int i = 0; i < before; i++)
                            if (!seen[i]) throw new Exception($"forward pass missed published entry {i}");

                        // Short backward walks from random places.
                        for (int walk = 0; walk < 20; walk++)
                        {
                            var target = keys[r.Next(Entries)];
                            it.SeekForPrev(target, 0);
                            byte[]? after = null;
                            for (int step = 0; step < 50 && it.Valid; step++)
                            {
                                int i = CheckEntry(keys, it.UserKey, it.Trailer, it.Value);
                                if (after == null ? it.UserKey.SequenceCompareTo(target) > 0 : after.AsSpan().SequenceCompareTo(it.UserKey) <= 0)
                                    throw new Exception("backward walk not descending");
                                after = keys[i];
                                it.Prev();
                            }
                        }
                        Interlocked.Increment(ref passes[id]);
                    }
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
            }

            var readers = new[] { new Thread(() => Reader(0)), new Thread(() => Reader(1)) };
            foreach (var t in readers) t.Start();
            // Bounded in time on a loaded machine: stop early after WriterSecondsMax (an idle 2-core box inserts
            // all 200k in well under a second, with both readers running).
            var clock = System.Diagnostics.Stopwatch.StartNew();
            int inserted = 0;
            for (int i = 0; i < Entries && failures.IsEmpty; i++)
            {
                if ((i & 1023) == 0 && clock.Elapsed.TotalSeconds > WriterSecondsMax) break;
                if (!memtable.TryAdd(keys[i], (ulong)i + 1, EntryKind.Put, values[i])) throw new Exception($"memtable full at {i}");
                // Release: entry i is linked (and Count updated) before readers can read published = i + 1.
                Volatile.Write(ref published, i + 1);
                inserted = i + 1;
            }
            Volatile.Write(ref writerDone, true);
            foreach (var t in readers) t.Join();

            if (!failures.IsEmpty) throw new AggregateException(failures);
            Assert.Equal(inserted, memtable.Count);
            Assert.True(inserted >= 20_000, $"only {inserted} inserts in {WriterSecondsMax} s");
            memtable.List.CheckInvariants();
            Assert.True(passes[0] >= 1 && passes[1] >= 1);
        });
    }

    private sealed class ByteArrayEquality : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? a, byte[]? b) => a.AsSpan().SequenceEqual(b);
        public int GetHashCode(byte[] a) => BinaryPrimitives.ReadInt32LittleEndian(a);
    }
}
