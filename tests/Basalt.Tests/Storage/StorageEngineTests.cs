using System.Text;
using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;
using Xunit.Abstractions;

namespace Basalt.Tests.Storage;

public class StorageEngineTests(ITestOutputHelper output) : IDisposable
{
    private readonly EngineFixture _fx = new();
    public void Dispose() => _fx.Dispose();

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Theory]
    [InlineData(Durability.Sync)]
    [InlineData(Durability.Group)]
    [InlineData(Durability.Async)]
    public async Task Put_get_delete_round_trip(Durability durability)
    {
        using var engine = _fx.Open(durability);
        ulong s1 = await engine.PutAsync(B("user#1"), B("profile"), B("alice"));
        ulong s2 = await engine.PutAsync(B("user#1"), B("profile"), B("alice v2"));
        Assert.True(s2 > s1 || engine.ShardOf(B("user#1")) != engine.ShardOf(B("user#1")));
        Assert.Equal(B("alice v2"), engine.Get(B("user#1"), B("profile")));
        Assert.Null(engine.Get(B("user#1"), B("other")));
        Assert.Null(engine.Get(B("user#2"), B("profile")));
        await engine.DeleteAsync(B("user#1"), B("profile"));
        Assert.Null(engine.Get(B("user#1"), B("profile")));
    }

    [Fact]
    public async Task Empty_values_and_empty_rest_are_distinct_keys()
    {
        using var engine = _fx.Open();
        await engine.PutAsync(B("k"), [], []);
        await engine.PutAsync(B("k"), B("a"), B("x"));
        Assert.Equal(Array.Empty<byte>(), engine.Get(B("k"), []));
        Assert.Equal(B("x"), engine.Get(B("k"), B("a")));
    }

    [Fact]
    public async Task Range_iteration_within_a_routing_part_forward_and_backward()
    {
        using var engine = _fx.Open();
        for (int i = 0; i < 50; i++) await engine.PutAsync(B("coll"), B($"sk{i:D3}"), B($"v{i}"));
        for (int i = 0; i < 10; i++) await engine.PutAsync(B("other"), B($"sk{i:D3}"), B("o"));
        await engine.DeleteAsync(B("coll"), B("sk010"));

        var forward = new List<string>();
        using (var it = engine.Iterate(B("coll"), B("sk005"), B("sk015")))
            while (it.MoveNext()) forward.Add(Encoding.UTF8.GetString(it.Rest) + "=" + Encoding.UTF8.GetString(it.Value));
        Assert.Equal(Enumerable.Range(5, 10).Where(i => i != 10).Select(i => $"sk{i:D3}=v{i}"), forward);

        var backward = new List<string>();
        using (var it = engine.Iterate(B("coll"), reverse: true))
            while (it.MoveNext()) backward.Add(Encoding.UTF8.GetString(it.Rest));
        Assert.Equal(Enumerable.Range(0, 50).Where(i => i != 10).Reverse().Select(i => $"sk{i:D3}"), backward);
    }

    [Fact]
    public async Task Snapshot_reads_as_of_its_sequence_number_across_flush_and_compaction()
    {
        using var engine = _fx.Open(memtableBytes: 256 << 10);
        for (int i = 0; i < 100; i++) await engine.PutAsync(B($"k{i}"), [], B("old"));
        using var snapshot = engine.GetSnapshot();
        for (int i = 0; i < 100; i++)
        {
            if (i % 2 == 0) await engine.PutAsync(B($"k{i}"), [], B("new"));
            else await engine.DeleteAsync(B($"k{i}"), []);
        }
        await engine.PutAsync(B("added"), [], B("x"));
        await engine.FlushAsync();
        await engine.CompactAsync();

        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(B("old"), engine.Get(snapshot, B($"k{i}"), []));
            Assert.Equal(i % 2 == 0 ? B("new") : null, engine.Get(B($"k{i}"), []));
        }
        Assert.Null(engine.Get(snapshot, B("added"), []));
        int seen = 0;
        for (int shard = 0; shard < engine.ShardCount; shard++)
        {
            using var it = engine.IterateShard(shard, snapshot: snapshot);
            while (it.MoveNext()) { Assert.Equal(B("old"), it.Value.ToArray()); seen++; }
        }
        Assert.Equal(100, seen);
    }

    [Fact]
    public async Task Atomic_batch_applies_all_entries_with_consecutive_sequence_numbers()
    {
        using var engine = _fx.Open();
        using var batch = new WriteBatch();
        for (int i = 0; i < 20; i++) batch.Put(B("order#7"), B($"line{i:D2}"), B($"qty{i}"));
        batch.Delete(B("order#7"), B("line03"));
        ulong last = await engine.WriteAsync(batch);
        Assert.True(last >= 21);
        Assert.Null(engine.Get(B("order#7"), B("line03")));
        Assert.Equal(B("qty4"), engine.Get(B("order#7"), B("line04")));
    }

    [Fact]
    public async Task Batch_spanning_shards_is_rejected()
    {
        using var engine = _fx.Open(shards: 2);
        string a = "a", b = Enumerable.Range(0, 1000).Select(i => $"b{i}").First(k => engine.ShardOf(B(k)) != engine.ShardOf(B(a)));
        using var batch = new WriteBatch();
        batch.Put(B(a), [], B("1"));
        batch.Put(B(b), [], B("2"));
        var e = Assert.Throws<StorageException>(() => engine.WriteAsync(batch));
        Assert.Equal(StorageError.CrossShardBatch, e.Error);
        Assert.Null(engine.Get(B(a), []));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Limits_are_enforced_at_their_edges()
    {
        using var engine = _fx.Open();
        await engine.PutAsync(new byte[Limits.RoutingBytesMax], [], [1]);
        Assert.Equal(StorageError.KeyTooLarge, Assert.Throws<StorageException>(() => engine.PutAsync(new byte[Limits.RoutingBytesMax + 1], [], [1])).Error);
        await engine.PutAsync(new byte[100], new byte[Limits.KeyBytesMax - 100], [1]);
        Assert.Equal(StorageError.KeyTooLarge, Assert.Throws<StorageException>(() => engine.PutAsync(new byte[100], new byte[Limits.KeyBytesMax - 99], [1])).Error);
        var big = new byte[Limits.ValueBytesMax];
        big[^1] = 7;
        await engine.PutAsync(B("big"), [], big);
        Assert.Equal(big, engine.Get(B("big"), []));
        Assert.Equal(StorageError.ValueTooLarge, Assert.Throws<StorageException>(() => engine.PutAsync(B("big"), [], new byte[Limits.ValueBytesMax + 1])).Error);
        using var batch = new WriteBatch();
        Assert.Equal(StorageError.InvalidArgument, Assert.Throws<StorageException>(() => engine.WriteAsync(batch)).Error);
    }

    [Fact]
    public async Task Values_larger_than_the_memtable_still_fit()
    {
        using var engine = _fx.Open(memtableBytes: 256 << 10);
        var big = new byte[900 << 10];
        new Random(1).NextBytes(big);
        await engine.PutAsync(B("x"), [], big);
        await engine.PutAsync(B("y"), [], big);
        Assert.Equal(big, engine.Get(B("x"), []));
        await engine.FlushAsync();
        Assert.Equal(big, engine.Get(B("y"), []));
    }

    [Fact]
    public void Second_opener_of_a_data_folder_is_refused()
    {
        using var engine = _fx.Open();
        var e = Assert.Throws<StorageException>(() => _fx.Open());
        Assert.Equal(StorageError.DataFolderLocked, e.Error);
    }

    [Fact]
    public void Reopening_with_another_shard_count_is_refused()
    {
        var engine = _fx.Open(shards: 2);
        engine.Dispose();
        var e = Assert.Throws<StorageException>(() => _fx.Open(shards: 3));
        Assert.Equal(StorageError.IncompatibleDataFolder, e.Error);
    }

    [Theory]
    [InlineData(Durability.Sync)]
    [InlineData(Durability.Async)]
    public void Blocking_writes_return_their_sequence_numbers_once_visible(Durability durability)
    {
        using var engine = _fx.Open(durability, shards: 1);
        ulong put = engine.Put(B("k"), B("1"), B("one"));
        Assert.Equal(B("one"), engine.Get(B("k"), B("1")));
        using var batch = new WriteBatch();
        batch.Put(B("k"), B("2"), B("two"));
        batch.Put(B("k"), B("3"), B("three"));
        ulong written = engine.Write(batch);
        Assert.Equal(put + 2, written);
        Assert.Equal(B("three"), engine.Get(B("k"), B("3")));
        ulong deleted = engine.Delete(B("k"), B("1"));
        Assert.Equal(written + 1, deleted);
        Assert.Null(engine.Get(B("k"), B("1")));
        Assert.Equal(StorageError.KeyTooLarge, Assert.Throws<StorageException>(() => engine.Put(B("k"), new byte[Limits.KeyBytesMax], B("x"))).Error);
    }

    [Fact]
    public async Task Closed_engine_rejects_calls()
    {
        var engine = _fx.Open();
        await engine.PutAsync(B("a"), [], B("1"));
        engine.Dispose();
        var e = await Assert.ThrowsAsync<StorageException>(async () => await engine.PutAsync(B("a"), [], B("2")));
        Assert.Equal(StorageError.Closed, e.Error);
        Assert.Equal(StorageError.Closed, Assert.Throws<StorageException>(() => engine.Put(B("a"), [], B("2"))).Error);
        Assert.Equal(StorageError.Closed, Assert.Throws<StorageException>(() => engine.Get(B("a"), [])).Error);
    }

    [Fact]
    public async Task Shard_iteration_seeks_to_a_key_range()
    {
        using var engine = _fx.Open(shards: 1);
        for (int i = 0; i < 60; i++) await engine.PutAsync(B($"pk{i}"), B("s"), B($"v{i}"));
        var all = new List<byte[]>();
        using (var it = engine.IterateShard(0))
            while (it.MoveNext()) all.Add(it.StoredKey.ToArray());
        Assert.Equal(60, all.Count);
        // Resume strictly after key 10 (its successor: the key + 0x00), stop before key 20.
        byte[] after = [.. all[10], 0];
        var seen = new List<byte[]>();
        using (var it = engine.IterateShard(0, after, all[20]))
            while (it.MoveNext()) seen.Add(it.StoredKey.ToArray());
        Assert.Equal(all.Skip(11).Take(9).Select(Convert.ToHexString), seen.Select(Convert.ToHexString));
        // A run of virtual partitions is one range: the 2-byte partition prefix of key 30 up to the end.
        byte[] from = all[30][..2];
        int expected = all.Count(k => k.AsSpan(0, 2).SequenceCompareTo(from) >= 0);
        int count = 0;
        using (var it = engine.IterateShard(0, from, default))
            while (it.MoveNext()) { Assert.True(it.StoredKey[..2].SequenceCompareTo(from) >= 0); count++; }
        Assert.Equal(expected, count);
    }

    [Fact]
    public async Task Full_scan_visits_every_shard_in_parallel()
    {
        using var engine = _fx.Open(shards: 3);
        for (int i = 0; i < 300; i++) await engine.PutAsync(B($"item{i}"), B("s"), B($"{i}"));
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var shardsSeen = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        await engine.ScanAllAsync((shard, routing, rest, value) =>
        {
            seen[Encoding.UTF8.GetString(routing)] = int.Parse(Encoding.UTF8.GetString(value));
            shardsSeen[shard] = 1;
        });
        Assert.Equal(300, seen.Count);
        Assert.All(seen, kv => Assert.Equal($"item{kv.Value}", kv.Key));
        Assert.Equal(3, shardsSeen.Count);
    }

    // Half the writers await PutAsync on pool threads, half call the blocking Put on their own threads; with
    // inline writes on, callers take turns as the shard's writer and syncer, off, the shard threads do it all.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Concurrent_writers_and_readers_see_only_acknowledged_values(bool inlineWrites)
    {
        await TestSeed.RunAsync(output, async seed =>
        {
            using var engine = _fx.Open(_fx.Options(Durability.Sync, shards: 2, memtableBytes: 256 << 10, inlineWrites));
            var padding = new byte[200];
            const int Writers = 8, PerWriter = 400;
            var acked = new long[Writers];
            var seqs = new ulong[Writers][];
            var writers = Enumerable.Range(0, Writers).Select(w => w % 2 == 0
                ? Task.Run(async () =>
                {
                    seqs[w] = new ulong[PerWriter];
                    for (int i = 0; i < PerWriter; i++)
                    {
                        seqs[w][i] = await engine.PutAsync(B($"w{w}"), B($"{i:D5}"), [.. BitConverter.GetBytes((long)i), .. padding]);
                        Volatile.Write(ref acked[w], i + 1);
                    }
                })
                : Task.Factory.StartNew(() =>
                {
                    seqs[w] = new ulong[PerWriter];
                    for (int i = 0; i < PerWriter; i++)
                    {
                        seqs[w][i] = engine.Put(B($"w{w}"), B($"{i:D5}"), [.. BitConverter.GetBytes((long)i), .. padding]);
                        Volatile.Write(ref acked[w], i + 1);
                    }
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
            // Readers busy-loop: dedicated threads, not pool threads (a 2-core pool starts with 2 workers, and
            // starving it would stall every other test's continuations).
            var readers = Enumerable.Range(0, 2).Select(r => Task.Factory.StartNew(() =>
            {
                var rng = new Random(seed + r);
                while (!writers.All(t => t.IsCompleted))
                {
                    int w = rng.Next(Writers);
                    long known = Volatile.Read(ref acked[w]);
                    if (known == 0) continue;
                    int i = rng.Next((int)known);
                    var v = engine.Get(B($"w{w}"), B($"{i:D5}"));
                    Assert.NotNull(v);
                    Assert.Equal(i, BitConverter.ToInt64(v, 0));
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
            await Task.WhenAll(writers);
            await Task.WhenAll(readers);
            for (int w = 0; w < Writers; w++)
            {
                int n = 0;
                using var it = engine.Iterate(B($"w{w}"));
                while (it.MoveNext()) Assert.Equal(n++, BitConverter.ToInt64(it.Value));
                Assert.Equal(PerWriter, n);
            }
            Assert.True(engine.ShardMetrics.Sum(m => m.Flushes) > 0, "the memtable should have flushed at least once");
            // Sequence numbers are per shard: within one shard every write has its own, and one writer's rise.
            foreach (var group in Enumerable.Range(0, Writers).GroupBy(w => engine.ShardOf(B($"w{w}"))))
            {
                var all = group.SelectMany(w => seqs[w]).ToArray();
                Assert.Equal(all.Length, all.Distinct().Count());
                foreach (int w in group) Assert.True(seqs[w].Zip(seqs[w].Skip(1)).All(p => p.First < p.Second));
            }
            long inlineRounds = engine.ShardMetrics.Sum(m => m.InlineWriterRounds);
            if (inlineWrites) Assert.True(inlineRounds > 0, "callers should have written inline at least once");
            else Assert.Equal(0, inlineRounds);
        });
    }

    // Sync mode's adaptive group commit: with many writers and slow fsyncs the syncer waits for more writes
    // before an fsync, and callers queue theirs meanwhile for the syncer to log. Nothing may be lost or
    // acknowledged early on that path: every acknowledged write is readable, sequence numbers stay unique and
    // rising per writer, and fsyncs cover several writes each.
    [Fact]
    public async Task Sync_writers_gathered_for_one_fsync_are_all_logged_and_acknowledged()
    {
        _fx.InjectFaults((op, path, _) =>
        {
            if (op == FileOp.Sync && path.EndsWith(".log", StringComparison.Ordinal)) Thread.Sleep(1);
            return FaultKind.None;
        });
        var engine = _fx.Open(_fx.Options(Durability.Sync, shards: 1));
        const int Writers = 16, PerWriter = 150;
        var seqs = new ulong[Writers][];
        var writers = Enumerable.Range(0, Writers).Select(w => w % 4 == 0
            ? Task.Run(async () =>
            {
                seqs[w] = new ulong[PerWriter];
                for (int i = 0; i < PerWriter; i++) seqs[w][i] = await engine.PutAsync(B($"w{w}"), B($"{i:D5}"), B($"v{i}"));
            })
            : Task.Factory.StartNew(() =>
            {
                seqs[w] = new ulong[PerWriter];
                for (int i = 0; i < PerWriter; i++)
                {
                    seqs[w][i] = engine.Put(B($"w{w}"), B($"{i:D5}"), B($"v{i}"));
                    Assert.Equal(B($"v{i}"), engine.Get(B($"w{w}"), B($"{i:D5}"))); // visible once acknowledged
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));

        var all = seqs.SelectMany(s => s).ToArray();
        Assert.Equal(all.Length, all.Distinct().Count());
        foreach (var s in seqs) Assert.True(s.Zip(s.Skip(1)).All(p => p.First < p.Second));
        for (int w = 0; w < Writers; w++)
            for (int i = 0; i < PerWriter; i++)
                Assert.Equal(B($"v{i}"), engine.Get(B($"w{w}"), B($"{i:D5}")));
        var metrics = engine.ShardMetrics[0];
        Assert.True(metrics.GatherWaits > 0, "the syncer should have waited for writers at least once");
        Assert.True(metrics.SyncedWrites >= 4 * metrics.Syncs,
            $"{metrics.SyncedWrites} writes over {metrics.Syncs} fsyncs: 16 writers should share them");

        // After a power loss every acknowledged write is still there.
        _fx.InjectFaults((_, _, _) => FaultKind.None);
        _fx.Crash();
        using var reopened = _fx.Open(Durability.Sync, shards: 1);
        for (int w = 0; w < Writers; w++)
            for (int i = 0; i < PerWriter; i++)
                Assert.Equal(B($"v{i}"), reopened.Get(B($"w{w}"), B($"{i:D5}")));
    }

    [Fact]
    public async Task Disposing_the_engine_before_a_live_snapshot_does_not_throw_and_frees_the_cache_after_it()
    {
        var engine = _fx.Open();
        await engine.PutAsync(B("a"), [], B("1"));
        await engine.FlushAsync();
        var snapshot = engine.GetSnapshot();
        Assert.Equal(B("1"), engine.Get(snapshot, B("a"), []));
        engine.Dispose();
        Assert.False(engine.BlockCache.IsFreed); // the snapshot's segments may still read through it
        snapshot.Dispose();
        Assert.True(engine.BlockCache.IsFreed);  // the last segment's release freed it
    }

    [Fact]
    public async Task Flush_waits_out_a_stall_and_leaves_no_memtable_behind()
    {
        using var engine = _fx.Open(Durability.Async, shards: 1, memtableBytes: 256 << 10);
        var value = new byte[1000];
        var writes = Enumerable.Range(0, 2000).Select(i => engine.PutAsync(B($"k{i}"), [], value).AsTask()).ToArray();
        var flushes = Enumerable.Range(0, 5).Select(_ => engine.FlushAsync()).ToArray();
        await Task.WhenAll(writes);
        await Task.WhenAll(flushes).WaitAsync(TimeSpan.FromSeconds(30));
        await engine.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        for (int i = 0; i < 2000; i += 97) Assert.Equal(value, engine.Get(B($"k{i}"), []));
        Assert.True(engine.ShardMetrics[0].Flushes >= 7, $"{engine.ShardMetrics[0].Flushes} flushes");
    }
}
