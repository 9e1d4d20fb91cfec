using Basalt.Engine.Shards;
using BenchmarkDotNet.Attributes;

namespace Basalt.Bench.Micro;

// The thread-per-core runtime's hot paths: one inbox hand-off, Wake on an awake shard (a fence and a read), and a
// full request round trip (enqueue, Wake, the shard completes a pooled completion, the caller's await resumes on the
// thread pool), with the shard spinning before it parks and with it parking at once.
[MemoryDiagnoser]
public class ShardBenchmarks
{
    private const int PingsPerInvoke = 200;

    private sealed class PingShard(MpscQueue<PooledCompletion<long>> inbox) : IShardWork
    {
        public bool RunOnce()
        {
            bool any = false;
            while (inbox.TryDequeue(out PooledCompletion<long>? ping))
            {
                ping!.SetResult(0);
                any = true;
            }
            return any;
        }

        public long NextDeadlineTimestamp => long.MaxValue;
    }

    private readonly MpscQueue<object> _queue = new(1024);
    private readonly object _item = new();
    private ShardThread _notStarted = null!;

    private ValueTaskSourcePool<PooledCompletion<long>> _pool = null!;
    private MpscQueue<PooledCompletion<long>> _spinningInbox = null!, _parkingInbox = null!;
    private ShardThread _spinningShard = null!, _parkingShard = null!;

    [GlobalSetup]
    public void Setup()
    {
        _notStarted = new ShardThread("bench-idle", new PingShard(new MpscQueue<PooledCompletion<long>>(2)), pinToCpu: null);
        _pool = PooledCompletion<long>.CreatePool(retainedMax: 64);
        _spinningInbox = new MpscQueue<PooledCompletion<long>>(1024);
        _parkingInbox = new MpscQueue<PooledCompletion<long>>(1024);
        _spinningShard = new ShardThread("bench-spin", new PingShard(_spinningInbox), pinToCpu: null);
        _parkingShard = new ShardThread("bench-park", new PingShard(_parkingInbox), pinToCpu: null) { IdleSpins = 0 };
        _spinningShard.Start();
        _parkingShard.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _spinningShard.Stop();
        _parkingShard.Stop();
    }

    [Benchmark]
    public bool EnqueueDequeue()
    {
        _queue.TryEnqueue(_item);
        return _queue.TryDequeue(out _);
    }

    // Wake when the shard is not sleeping: the cost every producer pays per hand-off.
    [Benchmark]
    public void WakeAwake() => _notStarted.Wake();

    [Benchmark(OperationsPerInvoke = PingsPerInvoke)]
    public Task PingRoundTripSpinning() => Ping(_spinningInbox, _spinningShard);

    [Benchmark(OperationsPerInvoke = PingsPerInvoke)]
    public Task PingRoundTripParking() => Ping(_parkingInbox, _parkingShard);

    private async Task Ping(MpscQueue<PooledCompletion<long>> inbox, ShardThread shard)
    {
        for (int i = 0; i < PingsPerInvoke; i++)
        {
            PooledCompletion<long> ping = _pool.Get();
            ValueTask<long> reply = ping.Task;
            if (!inbox.TryEnqueue(ping))
                throw new InvalidOperationException("inbox full");
            shard.Wake();
            await reply;
        }
    }
}
