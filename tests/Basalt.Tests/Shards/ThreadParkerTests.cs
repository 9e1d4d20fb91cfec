using Basalt.Engine.Shards;

namespace Basalt.Tests.Shards;

// ThreadParker: the blocking half of PooledValueTaskSource.Wait, and the batch that wakes a cohort of blocked
// waiters as a tree of themselves.
public class ThreadParkerTests
{
    private static void WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out waiting for {what}");
            Thread.Sleep(1);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    public void A_batch_defers_every_wake_up_to_its_release_and_then_wakes_them_all(int waiters)
    {
        var pool = PooledCompletion<int>.CreatePool(retainedMax: 256);
        var sources = Enumerable.Range(0, waiters).Select(_ => pool.Get()).ToArray();
        var results = new int[waiters];
        int returned = 0;
        var threads = sources.Select((source, i) => new Thread(() =>
        {
            results[i] = source.Wait();
            Interlocked.Increment(ref returned);
        }) { IsBackground = true }).ToArray();
        foreach (var t in threads) t.Start();
        WaitUntil(() => sources.All(s => s.HasSleepingWaiter), "every waiter to sleep");

        var batch = new ThreadParker.UnparkBatch();
        batch.Begin();
        try
        {
            for (int i = 0; i < waiters; i++) sources[i].SetResult(1000 + i);
            Thread.Sleep(20);
            Assert.Equal(0, Volatile.Read(ref returned)); // completed, but nobody woken yet
        }
        finally
        {
            batch.Release();
        }
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(10)), "a waiter was never woken");
        Assert.Equal(Enumerable.Range(1000, waiters), results);
    }

    [Fact]
    public void Without_a_batch_a_completion_wakes_its_waiter_at_once_and_batches_are_reusable()
    {
        var pool = PooledCompletion<int>.CreatePool(retainedMax: 8);
        var batch = new ThreadParker.UnparkBatch();
        for (int round = 0; round < 50; round++)
        {
            var source = pool.Get();
            int result = -1;
            var waiter = new Thread(() => result = source.Wait()) { IsBackground = true };
            waiter.Start();
            if (round % 2 == 0) WaitUntil(() => source.HasSleepingWaiter, "the waiter to sleep");
            if (round % 3 == 0)
            {
                batch.Begin();
                source.SetResult(round);
                batch.Release();
            }
            else source.SetResult(round);
            Assert.True(waiter.Join(TimeSpan.FromSeconds(10)), $"round {round}: the waiter was never woken");
            Assert.Equal(round, result);
        }
    }

    [Fact]
    public void Many_rounds_of_waiters_racing_their_completions_all_return()
    {
        // Completions arrive before, during and after the waiters go to sleep, with and without a batch.
        var pool = PooledCompletion<long>.CreatePool(retainedMax: 64);
        var batch = new ThreadParker.UnparkBatch();
        var random = new Random(7);
        for (int round = 0; round < 200; round++)
        {
            int n = random.Next(1, 12);
            var sources = Enumerable.Range(0, n).Select(_ => pool.Get()).ToArray();
            var results = new long[n];
            var threads = sources.Select((s, i) => new Thread(() => results[i] = s.Wait(spins: i % 3)) { IsBackground = true }).ToArray();
            foreach (var t in threads) t.Start();
            if (random.Next(2) == 0) Thread.SpinWait(random.Next(1, 20_000));
            bool batched = random.Next(2) == 0;
            if (batched) batch.Begin();
            for (int i = 0; i < n; i++) sources[i].SetResult(round * 100L + i);
            if (batched) batch.Release();
            foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(10)), $"round {round}: a waiter was never woken");
            Assert.Equal(Enumerable.Range(0, n).Select(i => round * 100L + i), results);
        }
    }
}
