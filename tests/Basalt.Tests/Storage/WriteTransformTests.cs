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
