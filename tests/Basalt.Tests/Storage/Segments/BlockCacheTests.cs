using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Segments;
using static Basalt.Tests.Storage.Segments.SegmentTestKit;

namespace Basalt.Tests.Storage.Segments;

public class BlockCacheTests
{
    [Fact]
    public void Slots_are_claimed_pinned_and_evicted_by_the_clock()
    {
        using var cache = new BlockCache(4 * BlockCache.SlotBytesDefault);
        Assert.Equal(4, cache.SlotCount);
        uint owner = cache.RegisterOwner();
        var claimed = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            int slot = cache.Claim();
            Assert.True(slot >= 0);
            cache.Publish(slot, BlockCache.Tag(owner, i)); // pinned once by the claimer
            claimed.Add(slot);
        }
        Assert.Equal(4, claimed.Distinct().Count());
        Assert.Equal(-1, cache.Claim()); // all pinned: the reader must bypass

        cache.Unpin(claimed[2]);
        Assert.True(cache.TryPin(claimed[2], BlockCache.Tag(owner, 2)));
        Assert.False(cache.TryPin(claimed[2], BlockCache.Tag(owner, 3))); // wrong tag: refused, not pinned
        cache.Unpin(claimed[2]);
        // Still referenced: the hand clears the bit on its first pass and takes the slot on the second.
        int victim = cache.Claim();
        Assert.Equal(claimed[2], victim);
        Assert.Equal(1, cache.Evictions);
        Assert.False(cache.TryPin(victim, BlockCache.Tag(owner, 2))); // exclusive while being filled
        cache.Abandon(victim);
        Assert.False(cache.TryPin(victim, BlockCache.Tag(owner, 2))); // abandoned: the old tag is gone
        Assert.Equal(1, cache.Hits);
        foreach (int s in claimed) if (s != victim) cache.Unpin(s);
        cache.UnregisterOwner();
    }

    [Fact]
    public void Forget_empties_an_idle_slot_of_that_owner_only()
    {
        using var cache = new BlockCache(2 * BlockCache.SlotBytesDefault);
        uint owner = cache.RegisterOwner();
        int slot = cache.Claim();
        cache.Publish(slot, BlockCache.Tag(owner, 7));
        cache.Forget(slot, BlockCache.Tag(owner, 7)); // pinned: left alone
        cache.Unpin(slot);
        Assert.True(cache.TryPin(slot, BlockCache.Tag(owner, 7)));
        cache.Unpin(slot);
        cache.Forget(slot, BlockCache.Tag(owner, 8)); // someone else's: left alone
        Assert.True(cache.TryPin(slot, BlockCache.Tag(owner, 7)));
        cache.Unpin(slot);
        cache.Forget(slot, BlockCache.Tag(owner, 7));
        Assert.False(cache.TryPin(slot, BlockCache.Tag(owner, 7)));
        cache.UnregisterOwner();
    }

    // Two threads of random point reads (and a third scanning) through a cache of four slots: every read
    // returns the right value while blocks are evicted and refilled under them.
    [Fact]
    public void Tiny_cache_under_concurrent_readers_returns_correct_values_while_evicting() => Seeded((rng, seed) =>
    {
        var fs = NewFs();
        var entries = RandomEntries(rng, 6000, valueBytesMax: 120);
        Write(fs, "/db/t.seg", entries, new SegmentWriterOptions(BlockBytes: 4096));
        using var cache = new BlockCache(4 * 4096, slotBytes: 4096);
        var seg = Segment.Open(fs, "/db/t.seg", 1, cache);
        Assert.True(seg.BlockCount > 20);
        ulong maxSeq = entries.Max(e => e.Seq);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var deadline = DateTime.UtcNow.AddSeconds(1.5);

        void Reader(int threadSeed)
        {
            var r = new Random(threadSeed);
            try
            {
                for (int n = 0; n < 200_000 && (n % 256 != 0 || DateTime.UtcNow < deadline); n++)
                {
                    var e = entries[r.Next(entries.Count)];
                    ulong snapshot = (ulong)r.NextInt64(0, (long)maxSeq + 2);
                    var expected = ModelGet(entries, e.UserKey, snapshot);
                    var sink = new CompareSink(expected?.Value ?? []);
                    bool found = seg.TryGet(e.UserKey, snapshot, out var kind, ref sink);
                    if (found != (expected != null)) { errors.Enqueue($"found={found} for seq {snapshot}"); return; }
                    if (expected == null) continue;
                    if (kind != expected.Kind) { errors.Enqueue("wrong kind"); return; }
                    if (kind == EntryKind.Put && !(sink.Called && sink.Matched)) { errors.Enqueue("wrong value"); return; }
                }
            }
            catch (Exception ex) { errors.Enqueue(ex.ToString()); }
        }

        void Scanner()
        {
            try
            {
                while (DateTime.UtcNow < deadline)
                {
                    using var it = seg.NewIterator();
                    int i = 0;
                    for (it.SeekToFirst(); it.Valid; it.Next(), i++)
                    {
                        var e = entries[i];
                        if (!it.UserKey.SequenceEqual(e.UserKey) || it.Trailer != e.Trailer || !it.Value.SequenceEqual(e.Value))
                        {
                            errors.Enqueue($"scan mismatch at {i}");
                            return;
                        }
                    }
                    if (i != entries.Count) { errors.Enqueue($"scan saw {i} entries"); return; }
                }
            }
            catch (Exception ex) { errors.Enqueue(ex.ToString()); }
        }

        var threads = new[] { new Thread(() => Reader(seed + 1)), new Thread(() => Reader(seed + 2)), new Thread(Scanner) };
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        seg.Release();
        Assert.True(errors.IsEmpty, string.Join("\n", errors));
        Assert.True(cache.Evictions > 0, "no evictions");
        Assert.True(cache.Hits > 0, "no hits");
        Assert.True(cache.Misses > cache.Evictions);
    });

    [Fact]
    public void Iterators_more_numerous_than_slots_fall_back_to_private_buffers() => Seeded((rng, seed) =>
    {
        var fs = NewFs();
        var entries = RandomEntries(rng, 3000);
        Write(fs, "/db/i.seg", entries, new SegmentWriterOptions(BlockBytes: 2048));
        using var cache = new BlockCache(2 * 4096, slotBytes: 4096);
        using var seg = Segment.Open(fs, "/db/i.seg", 1, cache);
        var its = Enumerable.Range(0, 6).Select(_ => seg.NewIterator()).ToArray();
        var pos = new int[its.Length];
        for (int k = 0; k < its.Length; k++)
        {
            pos[k] = rng.Next(entries.Count);
            its[k].Seek(entries[pos[k]].UserKey, entries[pos[k]].Trailer);
        }
        for (int step = 0; step < 2000; step++)
        {
            int k = rng.Next(its.Length);
            if (pos[k] >= entries.Count - 1 || pos[k] <= 0)
            {
                pos[k] = rng.Next(1, entries.Count - 1);
                its[k].Seek(entries[pos[k]].UserKey, entries[pos[k]].Trailer);
            }
            else if (rng.Next(2) == 0) { its[k].Next(); pos[k]++; }
            else { its[k].Prev(); pos[k]--; }
            AssertAt(entries[pos[k]], its[k]);
        }
        foreach (var it in its) it.Dispose();
    });

    // Disposed while a segment still uses it, the cache keeps its memory until that segment leaves; disposed idle,
    // it frees at once; nothing registers after it closed.
    [Fact]
    public void Dispose_frees_the_slab_when_the_last_owner_leaves()
    {
        var idle = new BlockCache(64 * 1024);
        idle.Dispose();
        Assert.True(idle.IsFreed);
        Assert.Throws<ObjectDisposedException>(() => idle.RegisterOwner());
        idle.Dispose(); // twice: nothing more happens

        var cache = new BlockCache(64 * 1024);
        cache.RegisterOwner();
        cache.RegisterOwner();
        cache.Dispose();
        Assert.False(cache.IsFreed);
        cache.UnregisterOwner();
        Assert.False(cache.IsFreed);
        cache.UnregisterOwner();
        Assert.True(cache.IsFreed);
    }
}
