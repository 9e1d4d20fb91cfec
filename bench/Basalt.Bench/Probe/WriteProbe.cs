using System.CommandLine;
using System.Diagnostics;
using Basalt.Engine.Storage;

namespace Basalt.Bench.Probe;

// `basalt-bench probe`: one write workload on Basalt's engine alone, with the shard counters that explain it (fsyncs,
// writes per fsync, fsync time, group-commit gathers). For engine work on the write path; the comparison with a
// peer is `engine --vs rocksdb`. mean_us is the mean time a write takes (writers × seconds / writes). Writers are dedicated threads calling the blocking Put, or (--async) tasks
// awaiting PutAsync on the thread pool; keys are random 16-byte routing parts, values --value-bytes of random bytes.
public static class WriteProbe
{
    public static Command Create()
    {
        var writers = new Option<int>("--writers") { Description = "Concurrent writers", DefaultValueFactory = _ => 1 };
        var shards = new Option<int>("--shards") { Description = "Shards (0: one per core)", DefaultValueFactory = _ => 0 };
        var durability = new Option<string>("--durability") { Description = "sync, group or async", DefaultValueFactory = _ => "sync" };
        var awaiting = new Option<bool>("--async") { Description = "Writers await PutAsync on pool threads instead of blocking threads" };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds (after 1 s of warm-up)", DefaultValueFactory = _ => 5 };
        var valueBytes = new Option<int>("--value-bytes") { Description = "Value size in bytes", DefaultValueFactory = _ => 100 };
        var dataDir = new Option<string?>("--data-dir") { Description = "Parent folder of the store (deleted afterwards); default: the system temp folder" };
        var command = new Command("probe", "One write workload on Basalt's engine with its shard counters (writes per fsync, fsync time)");
        foreach (Option option in new Option[] { writers, shards, durability, awaiting, seconds, valueBytes, dataDir }) command.Options.Add(option);
        command.SetAction(r =>
        {
            Durability? mode = r.GetValue(durability) switch { "sync" => Durability.Sync, "group" => Durability.Group, "async" => Durability.Async, _ => null };
            int n = r.GetValue(writers);
            if (mode is null || n is < 1 or > 1024 || r.GetValue(seconds) is <= 0 or > 3600 || r.GetValue(valueBytes) is < 0 or > 65536 || r.GetValue(shards) < 0)
            {
                Console.Error.WriteLine("probe: --durability sync|group|async, --writers 1..1024, --seconds (0, 3600], --value-bytes 0..65536, --shards >= 0");
                return 2;
            }
            Run(n, r.GetValue(shards), mode.Value, r.GetValue(awaiting), r.GetValue(seconds), r.GetValue(valueBytes), r.GetValue(dataDir));
            return 0;
        });
        return command;
    }

    private static void Run(int writers, int shards, Durability durability, bool awaiting, double seconds, int valueBytes, string? parent)
    {
        string dir = Path.Combine(parent ?? Path.GetTempPath(), $"basalt-probe-{Environment.ProcessId}");
        try
        {
            using var engine = StorageEngine.Open(new StorageOptions
            {
                Directory = dir, Durability = durability, Shards = shards == 0 ? null : shards,
            });
            long done = 0;
            bool stop = false;
            var threads = awaiting ? [] : Enumerable.Range(0, writers).Select(w => new Thread(() =>
            {
                var rng = new Random(w);
                Span<byte> key = stackalloc byte[16];
                var value = new byte[valueBytes];
                rng.NextBytes(value);
                while (!Volatile.Read(ref stop))
                {
                    rng.NextBytes(key);
                    engine.Put(key, default, value);
                    Interlocked.Increment(ref done);
                }
            }) { IsBackground = true }).ToList();
            var tasks = !awaiting ? [] : Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                var rng = new Random(w);
                var key = new byte[16];
                var value = new byte[valueBytes];
                rng.NextBytes(value);
                while (!Volatile.Read(ref stop))
                {
                    rng.NextBytes(key);
                    await engine.PutAsync(key, default, value);
                    Interlocked.Increment(ref done);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            Thread.Sleep(1000);
            var before = Snapshot(engine);
            long done0 = Interlocked.Read(ref done);
            var clock = Stopwatch.StartNew();
            Thread.Sleep(TimeSpan.FromSeconds(seconds));
            double elapsed = clock.Elapsed.TotalSeconds;
            long ops = Interlocked.Read(ref done) - done0;
            var after = Snapshot(engine);
            Volatile.Write(ref stop, true);
            threads.ForEach(t => t.Join());
            Task.WaitAll(tasks.ToArray());

            double tickUs = 1e6 / Stopwatch.Frequency;
            for (int s = 0; s < after.Length; s++)
            {
                var (syncs, synced, syncTicks, gathers, gatherTicks) = (after[s].Syncs - before[s].Syncs, after[s].SyncedWrites - before[s].SyncedWrites,
                    after[s].SyncTicks - before[s].SyncTicks, after[s].GatherWaits - before[s].GatherWaits, after[s].GatherTicks - before[s].GatherTicks);
                Console.WriteLine(FormattableString.Invariant(
                    $"probe: shard={s} syncs/s={syncs / elapsed:F0} writes/fsync={(double)synced / Math.Max(1, syncs):F1} fsync_us={syncTicks * tickUs / Math.Max(1, syncs):F0} gathers={gathers} gather_us={gatherTicks * tickUs / Math.Max(1, gathers):F0}"));
            }
            Console.WriteLine(FormattableString.Invariant(
                $"probe: writers={writers} async={awaiting} durability={durability.ToString().ToLowerInvariant()} shards={after.Length} value_bytes={valueBytes} ops/s={ops / elapsed:F0} mean_us={elapsed * 1e6 * writers / Math.Max(1, ops):F2}"));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static (long Syncs, long SyncedWrites, long SyncTicks, long GatherWaits, long GatherTicks)[] Snapshot(StorageEngine engine) =>
        engine.ShardMetrics.Select(m => (m.Syncs, m.SyncedWrites, m.SyncTicks, m.GatherWaits, m.GatherTicks)).ToArray();
}
