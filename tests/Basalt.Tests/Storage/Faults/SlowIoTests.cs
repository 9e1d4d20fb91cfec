using System.Diagnostics;
using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;
using static Basalt.Tests.Storage.Faults.FaultFixture;

namespace Basalt.Tests.Storage.Faults;

// Slow and stalled I/O. Timings are asserted only as "cannot have finished before the slow operation did" and "did not
// wait for it" (a read completes while a sync is held at a gate), never as performance.
public class SlowIoTests : IDisposable
{
    private readonly FaultFixture _fx = new();
    public void Dispose() => _fx.Dispose();

    [Fact]
    public async Task A_slow_log_fsync_delays_acknowledgements_and_loses_nothing()
    {
        var engine = _fx.Open();
        var slow = _fx.Plan.When(FileOp.Sync, "wal-").Delay(20);
        var sw = Stopwatch.StartNew();
        await engine.PutAsync(B("first"), [], B("1"));
        Assert.True(sw.ElapsedMilliseconds >= 18, $"acknowledged after {sw.ElapsedMilliseconds} ms, before its fsync ended");
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < 25; i++) await engine.PutAsync(B($"w{w}"), B($"{i:D2}"), B($"{w}:{i}"));
        })).ToArray();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(slow.Hits >= 2);
        _fx.Crash();
        _fx.Plan.Clear();
        engine = _fx.Open();
        Assert.Equal(B("1"), engine.Get(B("first"), []));
        for (int w = 0; w < 4; w++)
            for (int i = 0; i < 25; i++) Assert.Equal(B($"{w}:{i}"), engine.Get(B($"w{w}"), B($"{i:D2}")));
    }

    [Fact]
    public async Task Reads_do_not_wait_for_a_log_fsync_held_at_a_gate()
    {
        var engine = _fx.Open();
        for (int i = 0; i < 100; i++) await engine.PutAsync(B($"k{i:D3}"), [], B($"v{i}"));
        await engine.FlushAsync();
        for (int i = 100; i < 120; i++) await engine.PutAsync(B($"k{i:D3}"), [], B($"v{i}"));
        using var gate = new FaultGate();
        _fx.Plan.When(FileOp.Sync, "wal-").Hold(gate);
        var pending = Task.Run(async () => await engine.PutAsync(B("pending"), [], B("p")));
        Assert.True(await gate.WhenHeldAsync(TimeSpan.FromSeconds(20)), "the fsync never started");
        // The device is stalled in the fsync: reads of segments and memtables go on, on this thread.
        var reads = Task.Run(() =>
        {
            for (int i = 0; i < 120; i++) Assert.Equal(B($"v{i}"), engine.Get(B($"k{i:D3}"), []));
            using var it = engine.IterateShard(0);
            int n = 0;
            while (it.MoveNext()) n++;
            return n;
        });
        Assert.Equal(120, await reads.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Null(engine.Get(B("pending"), [])); // not durable yet, so not visible
        Assert.False(pending.IsCompleted);
        Assert.Equal(1, gate.Waiting);
        gate.Open();
        await pending.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(B("p"), engine.Get(B("pending"), []));
    }

    [Fact]
    public async Task Stalled_segment_writes_stall_writers_with_the_reason_in_the_metrics_and_lose_nothing()
    {
        var engine = _fx.Open(Durability.Async);
        using var gate = new FaultGate();
        _fx.Plan.When(FileOp.Write, "seg-").Hold(gate); // the device stops answering the flush's writes
        var value = new byte[4000];
        var writes = Enumerable.Range(0, 300).Select(i => engine.PutAsync(B($"k{i:D3}"), [], value).AsTask()).ToArray();
        var metrics = engine.ShardMetrics[0];
        await Until(() => metrics.StallReason == "memtable-flush-behind" && gate.Waiting > 0, "the shard to stall behind the held flush");
        Assert.Contains(writes, w => !w.IsCompleted); // writers wait behind the stall: neither acknowledged nor failed
        int done = writes.Count(w => w.IsCompletedSuccessfully);
        Assert.True(done > 0);
        Assert.Equal(value, engine.Get(B("k000"), [])); // reads go on
        gate.Open();
        await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(30));
        await engine.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(metrics.Stalls >= 1);
        Assert.True(metrics.StallMs > 0);
        Assert.Null(metrics.StallReason);
        _fx.Close(engine);
        _fx.Plan.Clear();
        engine = _fx.Open(Durability.Async);
        for (int i = 0; i < 300; i++) Assert.Equal(value, engine.Get(B($"k{i:D3}"), []));
    }
}
