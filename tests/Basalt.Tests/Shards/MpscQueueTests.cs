using Basalt.Engine.Shards;

namespace Basalt.Tests.Shards;

public class MpscQueueTests
{
    private sealed class Message(int producer, int sequence)
    {
        public readonly int Producer = producer;
        public readonly int Sequence = sequence;
    }

    [Fact]
    public void Four_producers_deliver_every_item_exactly_once_in_per_producer_order()
    {
        const int producers = 4, perProducer = 100_000;
        TestSeed.Run(seed =>
        {
            // A small queue, so that producers meet a full queue often and the ring wraps many times.
            var queue = new MpscQueue<Message>(256);
            var messages = new Message[producers][];
            for (int p = 0; p < producers; p++)
            {
                messages[p] = new Message[perProducer];
                for (int i = 0; i < perProducer; i++)
                    messages[p][i] = new Message(p, i);
            }
            using var go = new ManualResetEventSlim(false);
            long fullSeen = 0;
            var threads = new Thread[producers];
            for (int p = 0; p < producers; p++)
            {
                int producer = p;
                threads[p] = new Thread(() =>
                {
                    var rng = new Random(seed + producer);
                    go.Wait();
                    var spinner = new SpinWait();
                    foreach (Message m in messages[producer])
                    {
                        while (!queue.TryEnqueue(m))
                        {
                            Interlocked.Increment(ref fullSeen);
                            spinner.SpinOnce(sleep1Threshold: -1);
                        }
                        if (rng.Next(1000) == 0)
                            Thread.Yield();
                    }
                }) { IsBackground = true };
                threads[p].Start();
            }

            var next = new int[producers];
            int received = 0;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            go.Set();
            var idle = new SpinWait();
            while (received < producers * perProducer)
            {
                if (queue.TryDequeue(out Message? m))
                {
                    // Exactly once and FIFO per producer in one check: each producer's items arrive as 0, 1, 2, ...
                    if (m!.Sequence != next[m.Producer])
                        Assert.Fail($"producer {m.Producer}: got {m.Sequence}, expected {next[m.Producer]}");
                    next[m.Producer]++;
                    received++;
                    idle.Reset();
                }
                else
                {
                    Assert.True(DateTime.UtcNow < deadline, $"stalled after {received} items");
                    idle.SpinOnce(sleep1Threshold: -1);
                }
            }
            foreach (Thread t in threads)
                Assert.True(t.Join(TimeSpan.FromSeconds(5)));
            Assert.All(next, n => Assert.Equal(perProducer, n));
            Assert.False(queue.TryDequeue(out _));
            Assert.Equal(0, queue.Count);
        });
    }

    [Fact]
    public void TryEnqueue_is_false_when_full_and_true_again_after_a_dequeue()
    {
        var queue = new MpscQueue<string>(8);
        Assert.Equal(8, queue.Capacity);
        for (int i = 0; i < 8; i++)
            Assert.True(queue.TryEnqueue($"item{i}"));
        Assert.Equal(8, queue.Count);
        Assert.False(queue.TryEnqueue("overflow"));
        Assert.False(queue.TryEnqueue("overflow"));

        Assert.True(queue.TryDequeue(out string? first));
        Assert.Equal("item0", first);
        Assert.True(queue.TryEnqueue("item8"));
        Assert.False(queue.TryEnqueue("overflow"));

        for (int i = 1; i <= 8; i++)
        {
            Assert.True(queue.TryDequeue(out string? item));
            Assert.Equal($"item{i}", item);
        }
        Assert.False(queue.TryDequeue(out string? none));
        Assert.Null(none);
        Assert.Equal(0, queue.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(100)]
    [InlineData(-4)]
    public void Capacity_must_be_a_power_of_two_of_at_least_two(int capacity)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MpscQueue<object>(capacity));
    }

    [Fact]
    public void Null_items_are_refused()
    {
        var queue = new MpscQueue<object>(4);
        Assert.Throws<ArgumentNullException>(() => queue.TryEnqueue(null!));
    }

    [Fact]
    public void Dequeue_releases_the_item_for_the_collector()
    {
        var queue = new MpscQueue<object>(4);
        WeakReference weak = EnqueueAndDequeue(queue);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(weak.IsAlive);

        static WeakReference EnqueueAndDequeue(MpscQueue<object> q)
        {
            var item = new object();
            Assert.True(q.TryEnqueue(item));
            Assert.True(q.TryDequeue(out _));
            return new WeakReference(item);
        }
    }

    [Fact]
    public void Matches_a_bounded_FIFO_model_over_random_operations()
    {
        TestSeed.Run(seed =>
        {
            var rng = new Random(seed);
            for (int round = 0; round < 50; round++)
            {
                int capacity = 2 << rng.Next(6); // 2 .. 64
                var queue = new MpscQueue<object>(capacity);
                var model = new Queue<object>();
                for (int op = 0; op < 2000; op++)
                {
                    // Bias toward enqueues in some rounds and dequeues in others, to spend time both full and empty.
                    if (rng.Next(100) < (round % 2 == 0 ? 60 : 40))
                    {
                        var item = new object();
                        bool accepted = queue.TryEnqueue(item);
                        Assert.Equal(model.Count < capacity, accepted);
                        if (accepted)
                            model.Enqueue(item);
                    }
                    else
                    {
                        bool got = queue.TryDequeue(out object? item);
                        Assert.Equal(model.Count > 0, got);
                        if (got)
                            Assert.Same(model.Dequeue(), item);
                    }
                    Assert.Equal(model.Count, queue.Count);
                }
            }
        });
    }
}
