using System.Diagnostics;
using Basalt.Engine.Shards;

namespace Basalt.Tests.Shards;

public class ShardThreadTests
{
    // Drains an inbox; counts what it processed. Its only deadline is "none", so only Wake can bring it back.
    private sealed class InboxWork(MpscQueue<object> inbox, int perRunOnce = int.MaxValue, int idleTailSpins = 0) : IShardWork
    {
        private int _tail;
        private long _processed;
        public ShardThread? Thread;
        public bool WrongThreadSeen;

        public long Processed => Volatile.Read(ref _processed);

        public bool RunOnce()
        {
            if (Thread is { IsCurrentThread: false })
                WrongThreadSeen = true;
            int done = 0;
            while (done < perRunOnce && inbox.TryDequeue(out _))
                done++;
            if (done == 0)
            {
                // Other checks a real shard makes after finding its inbox empty (timers, flush state): they widen the
                // window between "inbox empty" and "parked" that a wake-up must not fall into.
                if (idleTailSpins > 0)
                    System.Threading.Thread.SpinWait(_tail = (_tail * 7 + 3) % idleTailSpins);
                return false;
            }
            Volatile.Write(ref _processed, _processed + done);
            return true;
        }

        public long NextDeadlineTimestamp => long.MaxValue;
    }

    private static void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(sw.Elapsed < timeout, $"timed out after {timeout.TotalSeconds} s waiting for {what}");
            Thread.Sleep(1);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ShardThread.IdleSpinsDefault)]
    public void Wake_ups_are_never_lost(int idleSpins)
    {
        const int rounds = 150, itemsPerRound = 100;
        TestSeed.Run(seed =>
        {
            var rng = new Random(seed);
            var inbox = new MpscQueue<object>(1024);
            var work = new InboxWork(inbox, idleTailSpins: 30);
            using var shard = new ShardThread("wake-test", work, pinToCpu: null) { IdleSpins = idleSpins };
            work.Thread = shard;
            shard.Start();
            var item = new object();
            long sent = 0;
            for (int round = 0; round < rounds; round++)
            {
                for (int i = 0; i < itemsPerRound; i++)
                {
                    while (!inbox.TryEnqueue(item))
                        Thread.Yield();
                    sent++;
                    shard.Wake();
                    // Random pauses land the next enqueue in every phase of the shard's spin-then-park sequence.
                    switch (rng.Next(8))
                    {
                        case 0: Thread.SpinWait(rng.Next(1, 50)); break;
                        case 1: Thread.SpinWait(rng.Next(50, 5000)); break;
                        case 2: Thread.Yield(); break;
                        case 3: if (rng.Next(20) == 0) Thread.Sleep(0); break;
                        default: break; // back to back
                    }
                }
                // Nothing but the Wakes above can wake the shard (no deadline): a lost one stalls here.
                long expected = sent;
                WaitUntil(() => work.Processed == expected, TimeSpan.FromSeconds(5), $"round {round}: {expected} items (lost wake-up)");
            }
            Assert.Null(shard.Fault);
            Assert.False(work.WrongThreadSeen);
        });
    }

    // Aims at the narrow window the parking protocol exists for: the shard has just found its inbox empty and is about
    // to raise _sleeping. Each round sends one item a random few hundred nanoseconds after the previous one was
    // processed, i.e. while the shard goes from "busy" to "parked".
    [Fact]
    public void Wake_ups_sent_while_the_shard_goes_to_sleep_are_never_lost()
    {
        const int rounds = 20_000;
        TestSeed.Run(seed =>
        {
            var rng = new Random(seed);
            var inbox = new MpscQueue<object>(16);
            var work = new InboxWork(inbox, idleTailSpins: 60);
            using var shard = new ShardThread("park-race", work, pinToCpu: null) { IdleSpins = 0 };
            shard.Start();
            var item = new object();
            var budget = Stopwatch.StartNew();
            for (int round = 1; round <= rounds; round++)
            {
                Thread.SpinWait(rng.Next(0, 40));
                Assert.True(inbox.TryEnqueue(item));
                shard.Wake();
                var spinner = new SpinWait();
                var waited = Stopwatch.StartNew();
                while (work.Processed != round)
                {
                    if (waited.ElapsedMilliseconds > 5000)
                        Assert.Fail($"round {round}: the item was never processed (lost wake-up)");
                    spinner.SpinOnce(sleep1Threshold: -1);
                }
                if (budget.ElapsedMilliseconds > 3000)
                    break; // a slow, loaded box still passes what it managed; the time bound matters more
            }
            Assert.Null(shard.Fault);
        });
    }

    [Fact]
    public void Wake_ups_from_several_producers_are_never_lost()
    {
        const int producers = 3, perProducer = 5_000;
        TestSeed.Run(seed =>
        {
            var inbox = new MpscQueue<object>(64);
            var work = new InboxWork(inbox);
            using var shard = new ShardThread("wake-multi", work, pinToCpu: null) { IdleSpins = 0 };
            shard.Start();
            var threads = Enumerable.Range(0, producers).Select(p => new Thread(() =>
            {
                var rng = new Random(seed + p);
                var item = new object();
                for (int i = 0; i < perProducer; i++)
                {
                    while (!inbox.TryEnqueue(item))
                        Thread.Yield();
                    shard.Wake();
                    if (rng.Next(4) == 0)
                        Thread.SpinWait(rng.Next(1, 3000));
                }
            }) { IsBackground = true }).ToArray();
            foreach (Thread t in threads) t.Start();
            foreach (Thread t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(10)));
            WaitUntil(() => work.Processed == producers * perProducer, TimeSpan.FromSeconds(5), "all items (lost wake-up)");
        });
    }

    private sealed class TimerWork(TimeSpan period, int firings) : IShardWork
    {
        private long _deadline = Stopwatch.GetTimestamp() + (long)(period.TotalSeconds * Stopwatch.Frequency);
        private readonly long _periodTicks = (long)(period.TotalSeconds * Stopwatch.Frequency);
        public readonly List<long> LateTicks = new();
        public readonly ManualResetEventSlim Done = new(false);
        public int RunOnceCalls;

        public bool RunOnce()
        {
            RunOnceCalls++;
            long now = Stopwatch.GetTimestamp();
            if (LateTicks.Count == firings || now < _deadline)
                return false;
            LateTicks.Add(now - _deadline);
            _deadline += _periodTicks;
            if (LateTicks.Count == firings)
                Done.Set();
            return true;
        }

        public long NextDeadlineTimestamp => LateTicks.Count == firings ? long.MaxValue : _deadline;
    }

    [Fact]
    public void Deadlines_drive_RunOnce_without_any_Wake()
    {
        var work = new TimerWork(TimeSpan.FromMilliseconds(20), firings: 5);
        using var shard = new ShardThread("timer", work, pinToCpu: null) { IdleSpins = 0 };
        shard.Start();
        Assert.True(work.Done.Wait(TimeSpan.FromSeconds(5)), "the timer never fired 5 times");
        shard.Stop();
        Assert.Null(shard.Fault);
        Assert.All(work.LateTicks, late => Assert.True(late >= 0));
        // It slept between deadlines instead of polling: polling for 100 ms would mean tens of thousands of calls.
        // (The last millisecond before each deadline is polled with yields, so allow some.)
        Assert.True(work.RunOnceCalls < 5 * 2000, $"RunOnce was called {work.RunOnceCalls} times for 5 deadlines");
    }

    [Fact]
    public void Stop_drains_queued_work_before_the_thread_ends()
    {
        var inbox = new MpscQueue<object>(16384);
        // One item per RunOnce, so draining takes many calls after the stop request.
        var work = new InboxWork(inbox, perRunOnce: 1);
        var shard = new ShardThread("drain", work, pinToCpu: null);
        shard.Start();
        var item = new object();
        for (int i = 0; i < 10_000; i++)
            Assert.True(inbox.TryEnqueue(item));
        shard.Stop();
        Assert.Equal(10_000, work.Processed);
        Assert.True(shard.HasExited);
        Assert.Null(shard.Fault);
        shard.Stop(); // idempotent
        Assert.Throws<InvalidOperationException>(shard.Start);
    }

    [Fact]
    public void Work_queued_before_Start_is_drained_by_an_immediate_Stop()
    {
        var inbox = new MpscQueue<object>(1024);
        var work = new InboxWork(inbox, perRunOnce: 3);
        var item = new object();
        for (int i = 0; i < 1000; i++)
            Assert.True(inbox.TryEnqueue(item));
        using var shard = new ShardThread("drain-early", work, pinToCpu: null) { IdleSpins = 0 };
        shard.Start();
        shard.Stop();
        Assert.Equal(1000, work.Processed);
    }

    private sealed class ThrowingWork(int throwOnCall) : IShardWork
    {
        private int _calls;
        public bool RunOnce()
        {
            if (++_calls == throwOnCall)
                throw new InvalidOperationException("boom from RunOnce");
            return _calls % 2 == 0; // alternate busy and idle, so the throw may come from the park's final check too
        }

        public long NextDeadlineTimestamp => Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    public void An_exception_in_RunOnce_stops_the_thread_and_is_kept_in_Fault(int throwOnCall)
    {
        using var shard = new ShardThread("faulty", new ThrowingWork(throwOnCall), pinToCpu: null) { IdleSpins = 0 };
        shard.Start();
        WaitUntil(() => shard.HasExited, TimeSpan.FromSeconds(5), "the faulted thread to end");
        var fault = Assert.IsType<InvalidOperationException>(shard.Fault);
        Assert.Equal("boom from RunOnce", fault.Message);
        shard.Wake(); // harmless on an ended thread
        shard.Stop(); // returns; the fault stays
        Assert.Same(fault, shard.Fault);
    }

    [Fact]
    public void IsCurrentThread_is_true_only_on_the_shard_thread()
    {
        var inbox = new MpscQueue<object>(16);
        var work = new InboxWork(inbox);
        using var shard = new ShardThread("affinity-check", work, pinToCpu: null);
        work.Thread = shard;
        shard.Start();
        Assert.False(shard.IsCurrentThread);
        for (int i = 0; i < 10; i++)
        {
            Assert.True(inbox.TryEnqueue(new object()));
            shard.Wake();
        }
        WaitUntil(() => work.Processed == 10, TimeSpan.FromSeconds(5), "10 items");
        Assert.False(work.WrongThreadSeen);
        Assert.Equal("affinity-check", shard.Name);
    }

    private sealed class AffinityProbe : IShardWork
    {
        public volatile string? CpusAllowed;
        public bool RunOnce()
        {
            if (CpusAllowed != null)
                return false;
            CpusAllowed = OperatingSystem.IsLinux()
                ? File.ReadLines("/proc/thread-self/status").First(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split('\t', 2)[1].Trim()
                : "";
            return true;
        }

        public long NextDeadlineTimestamp => long.MaxValue;
    }

    private static IEnumerable<int> AllowedCpus()
    {
        string list = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split('\t', 2)[1].Trim();
        foreach (string range in list.Split(','))
        {
            string[] ends = range.Split('-');
            int first = int.Parse(ends[0]), last = int.Parse(ends[^1]);
            for (int cpu = first; cpu <= last; cpu++)
                yield return cpu;
        }
    }

    [Fact]
    public void Pinning_to_cpu_0_succeeds_on_Linux_and_is_reported_elsewhere()
    {
        var probe = new AffinityProbe();
        using var shard = new ShardThread("pinned", probe, pinToCpu: 0);
        shard.Start();
        if (OperatingSystem.IsLinux())
        {
            Assert.Null(shard.PinningError);
            WaitUntil(() => probe.CpusAllowed != null, TimeSpan.FromSeconds(5), "the probe");
            Assert.Equal("0", probe.CpusAllowed);
        }
        else
        {
            Assert.Contains("Linux only", shard.PinningError);
        }
    }

    [Fact]
    public void Pinning_works_for_every_allowed_cpu_with_processor_count_sized_masks()
    {
        if (!OperatingSystem.IsLinux())
        {
            using var elsewhere = new ShardThread("pinned", new AffinityProbe(), pinToCpu: 0);
            elsewhere.Start();
            Assert.NotNull(elsewhere.PinningError);
            return;
        }
        int[] cpus = AllowedCpus().ToArray();
        Assert.NotEmpty(cpus);
        foreach (int cpu in cpus)
        {
            var probe = new AffinityProbe();
            using var shard = new ShardThread($"pinned-{cpu}", probe, pinToCpu: cpu);
            shard.Start();
            Assert.Null(shard.PinningError);
            WaitUntil(() => probe.CpusAllowed != null, TimeSpan.FromSeconds(5), "the probe");
            Assert.Equal(cpu.ToString(System.Globalization.CultureInfo.InvariantCulture), probe.CpusAllowed);
        }
    }

    [Fact]
    public void Pinning_to_a_missing_cpu_records_why_and_the_shard_still_runs()
    {
        var inbox = new MpscQueue<object>(16);
        var work = new InboxWork(inbox);
        using var shard = new ShardThread("unpinnable", work, pinToCpu: 8191);
        shard.Start();
        Assert.NotNull(shard.PinningError);
        if (OperatingSystem.IsLinux())
            Assert.Contains("errno 22", shard.PinningError);
        Assert.True(inbox.TryEnqueue(new object()));
        shard.Wake();
        WaitUntil(() => work.Processed == 1, TimeSpan.FromSeconds(5), "one item");
    }

    [Fact]
    public void Invalid_arguments_are_refused()
    {
        var work = new InboxWork(new MpscQueue<object>(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardThread("x", work, pinToCpu: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardThread("x", work, pinToCpu: 100_000));
        Assert.Throws<ArgumentNullException>(() => new ShardThread("x", null!, pinToCpu: null));
        var notStarted = new ShardThread("never", work, pinToCpu: null);
        notStarted.Stop(); // a shard that never started just stops
        Assert.True(notStarted.HasExited);
    }
}
