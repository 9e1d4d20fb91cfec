using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Basalt.Engine;
using Basalt.Engine.Storage;

namespace Basalt.Tests.Storage;

// StorageEngine.TransformAsync: the read-modify-write request executed by the shard's writer.
public sealed class WriteTransformTests : IDisposable
{
    private readonly EngineFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private static readonly byte[] Routing = Encoding.UTF8.GetBytes("counter");

    // Adds one to a little-endian long (absent: 0); fails its condition when the value is `FailAt`.
    private sealed class Increment : IWriteTransform
    {
        public long FailAt = -1;
        public int Padding;
        public long Seen;
        public bool Existed;
        public WriteDecision Apply(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> newValue)
        {
            Existed = exists;
            Seen = exists ? BinaryPrimitives.ReadInt64LittleEndian(current) : 0;
            if (Seen == FailAt) return WriteDecision.None;
            var span = newValue.GetSpan(8 + Padding);
            BinaryPrimitives.WriteInt64LittleEndian(span, Seen + 1);
            span.Slice(8, Padding).Fill(0xAB);
            newValue.Advance(8 + Padding);
            return WriteDecision.Put;
        }
    }

    private sealed class Remove : IWriteTransform
    {
        public WriteDecision Apply(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> newValue) =>
            exists ? WriteDecision.Delete : WriteDecision.None;
    }

    private sealed class Throws : IWriteTransform
    {
        public WriteDecision Apply(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> newValue) =>
            throw new InvalidOperationException("boom");
    }

    private static long Read(StorageEngine engine, string rest)
    {
        var value = engine.Get(Routing, Encoding.UTF8.GetBytes(rest));
        return value is null ? -1 : BinaryPrimitives.ReadInt64LittleEndian(value);
    }

    [Theory]
    [InlineData(Durability.Sync, true)]
    [InlineData(Durability.Async, true)]
    [InlineData(Durability.Group, false)]
    public async Task Concurrent_increments_through_the_primitive_lose_no_update(Durability durability, bool inline)
    {
        var engine = _fx.Open(_fx.Options(durability, shards: 2, inlineWrites: inline));
        const int tasks = 8, each = 200;
        var rest = Encoding.UTF8.GetBytes("n");
        await Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
        {
            for (int i = 0; i < each; i++)
            {
                var inc = new Increment();
                if ((i & 1) == 0) await engine.TransformAsync(Routing, rest, inc);
                else engine.Transform(Routing, rest, inc);
                // Plain writes to other keys of the same shard interleave with the transforms.
                await engine.PutAsync(Routing, Encoding.UTF8.GetBytes($"other{t}"), BitConverter.GetBytes((long)i));
            }
        })));
        Assert.Equal(tasks * each, Read(engine, "n"));
    }

    [Fact]
    public async Task Increments_stay_exact_across_memtable_rotations_and_flushes()
    {
        // 256 KiB memtables and 8 KB values: a rotation every few writes, with the transformed request waiting in the
        // carry (its decision kept) whenever flushes fall behind.
        var engine = _fx.Open(_fx.Options(Durability.Group, shards: 1, memtableBytes: 256 << 10));
        var rest = Encoding.UTF8.GetBytes("big");
        const int tasks = 4, each = 160;
        await Task.WhenAll(Enumerable.Range(0, tasks).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < each; i++) await engine.TransformAsync(Routing, rest, new Increment { Padding = 8000 });
        })));
        Assert.Equal(tasks * each, Read(engine, "big"));
        Assert.True(engine.ShardMetrics[0].Rotations > 10);
    }

    [Fact]
    public async Task A_failed_condition_writes_nothing_and_a_delete_removes_the_key()
    {
        var engine = _fx.Open(Durability.Sync);
        var rest = Encoding.UTF8.GetBytes("c");
        var first = new Increment();
        await engine.TransformAsync(Routing, rest, first);
        Assert.False(first.Existed);
        Assert.Equal(1, Read(engine, "c"));

        var refused = new Increment { FailAt = 1 };
        await engine.TransformAsync(Routing, rest, refused);
        Assert.True(refused.Existed);
        Assert.Equal(1, refused.Seen);
        Assert.Equal(1, Read(engine, "c"));

        await engine.TransformAsync(Routing, rest, new Remove());
        Assert.Equal(-1, Read(engine, "c"));
        var afterDelete = new Increment { FailAt = 0 };
        await engine.TransformAsync(Routing, rest, afterDelete);
        Assert.False(afterDelete.Existed);
        Assert.Equal(-1, Read(engine, "c"));
    }

    [Fact]
    public async Task A_throwing_transform_fails_only_its_request()
    {
        var engine = _fx.Open(Durability.Sync);
        var rest = Encoding.UTF8.GetBytes("t");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await engine.TransformAsync(Routing, rest, new Throws()));
        Assert.Equal("boom", error.Message);
        Assert.Null(engine.Get(Routing, rest));
        await engine.TransformAsync(Routing, rest, new Increment());
        Assert.Equal(1, Read(engine, "t"));
    }

    [Fact]
    public async Task Transforms_see_values_in_flushed_segments()
    {
        var engine = _fx.Open(Durability.Sync);
        var rest = Encoding.UTF8.GetBytes("f");
        for (int i = 0; i < 3; i++) await engine.TransformAsync(Routing, rest, new Increment());
        await engine.FlushAsync();
        var inc = new Increment();
        await engine.TransformAsync(Routing, rest, inc);
        Assert.True(inc.Existed);
        Assert.Equal(3, inc.Seen);
        Assert.Equal(4, Read(engine, "f"));
    }

    [Theory]
    [InlineData(Durability.Sync)]
    [InlineData(Durability.Group)]
    public async Task Acknowledged_transformed_writes_survive_power_loss(Durability durability)
    {
        var engine = _fx.Open(durability);
        var rest = Encoding.UTF8.GetBytes("d");
        for (int i = 0; i < 50; i++) await engine.TransformAsync(Routing, rest, new Increment());
        await engine.TransformAsync(Routing, rest, new Increment { FailAt = 50 });
        _fx.Crash();
        engine = _fx.Open(durability);
        Assert.Equal(50, Read(engine, "d"));
        var inc = new Increment();
        await engine.TransformAsync(Routing, rest, inc);
        Assert.Equal(50, inc.Seen);
    }
}

// Placed keys (an explicit virtual partition) and a transform's side writes: what local secondary indexes stand on.
public sealed class PlacedWriteTests : IDisposable
{
    private readonly EngineFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private static readonly byte[] Base = Encoding.UTF8.GetBytes("base-collection");
    private static readonly byte[] Side = Encoding.UTF8.GetBytes("side-collection");
    private static int Home => Basalt.Engine.Shards.Partitioner.VirtualPartitionFor(Base);

    // Puts the new value under the base key and mirrors it as a side entry keyed by the value (and deletes the side
    // entry of the old value): an index kept in step with its item.
    private sealed class Mirror(string? newValue, int? sideVPartition = null) : IWriteTransformWithSideWrites
    {
        public WriteBatch? SideWrites { get; } = new();
        public bool Fail;
        public WriteDecision Apply(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> output)
        {
            SideWrites!.Clear();
            int vp = sideVPartition ?? Home;
            if (exists) SideWrites.Delete(vp, Side, current);
            if (newValue is null)
            {
                if (Fail) return WriteDecision.None;
                return exists ? WriteDecision.Delete : WriteDecision.None;
            }
            var bytes = Encoding.UTF8.GetBytes(newValue);
            SideWrites.Put(vp, Side, bytes, "k"u8);
            if (Fail) return WriteDecision.None;
            bytes.CopyTo(output.GetSpan(bytes.Length));
            output.Advance(bytes.Length);
            return WriteDecision.Put;
        }
    }

    private static List<string> SideKeys(StorageEngine engine)
    {
        var keys = new List<string>();
        using var it = engine.Iterate(Home, Side);
        while (it.MoveNext()) keys.Add(Encoding.UTF8.GetString(it.Rest));
        return keys;
    }

    [Fact]
    public async Task Side_writes_are_logged_with_the_item_and_survive_a_crash()
    {
        var engine = _fx.Open(_fx.Options(Durability.Sync, shards: 2));
        await engine.TransformAsync(Base, "a"u8, new Mirror("one"));
        await engine.TransformAsync(Base, "a"u8, new Mirror("two"));
        await engine.TransformAsync(Base, "b"u8, new Mirror("three"));
        Assert.Equal(["three", "two"], SideKeys(engine));
        // A side key is not in its own routing part's partition: only the placed read finds it.
        Assert.NotEqual(Home, Basalt.Engine.Shards.Partitioner.VirtualPartitionFor(Side));
        using (var own = engine.Iterate(Side)) Assert.False(own.MoveNext());

        // A failed condition writes neither the item nor its side entries.
        await engine.TransformAsync(Base, "a"u8, new Mirror("four") { Fail = true });
        Assert.Equal(["three", "two"], SideKeys(engine));
        await engine.TransformAsync(Base, "b"u8, new Mirror(null));
        Assert.Equal(["two"], SideKeys(engine));

        _fx.Crash();
        _fx.Reopen(ref engine, Durability.Sync, shards: 2);
        Assert.Equal(["two"], SideKeys(engine));
        Assert.Equal("two"u8.ToArray(), engine.Get(Base, "a"u8));
        Assert.Null(engine.Get(Base, "b"u8));
    }

    [Fact]
    public async Task A_side_write_on_another_shard_fails_the_write_and_writes_nothing()
    {
        var engine = _fx.Open(_fx.Options(Durability.Sync, shards: 2));
        int elsewhere = (Home + 1) % Limits.VirtualPartitions; // the default map gives neighbours to different shards (2 here)
        var error = await Assert.ThrowsAsync<StorageException>(async () => await engine.TransformAsync(Base, "a"u8, new Mirror("one", elsewhere)));
        Assert.Equal(StorageError.InvalidArgument, error.Error);
        Assert.Null(engine.Get(Base, "a"u8));
        Assert.Empty(SideKeys(engine));
        // the shard goes on
        await engine.TransformAsync(Base, "a"u8, new Mirror("one"));
        Assert.Equal(["one"], SideKeys(engine));
    }

    [Fact]
    public void A_placed_batch_key_needs_a_real_virtual_partition()
    {
        using var batch = new WriteBatch();
        Assert.Equal(StorageError.InvalidArgument, Assert.Throws<StorageException>(() => batch.Put(Limits.VirtualPartitions, Side, "x"u8, "v"u8)).Error);
        Assert.Equal(StorageError.InvalidArgument, Assert.Throws<StorageException>(() => batch.Delete(-1, Side, "x"u8)).Error);
    }
}
