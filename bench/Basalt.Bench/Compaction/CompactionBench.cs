using System.CommandLine;
using System.Diagnostics;
using Basalt.Engine.Storage;

namespace Basalt.Bench.Compaction;

// `basalt-bench compaction`: measures what the tiered compaction policy costs and keeps bounded, on a
// write-heavy workload that flushes and compacts many times: write amplification (bytes written to the WAL,
// to flushed segments and by compaction, over the bytes the caller wrote), space amplification (bytes on
// disk over live data), segment counts, and stalls. Deterministic workload (seeded), async durability so that
// fsync speed does not hide compaction costs.
public static class CompactionBench
{
    public static Command Create()
    {
        var keys = new Option<long>("--keys") { Description = "distinct keys", DefaultValueFactory = _ => 500_000 };
        var writes = new Option<long>("--writes") { Description = "puts (random keys: overwrites)", DefaultValueFactory = _ => 3_000_000 };
        var valueBytes = new Option<int>("--value-bytes") { DefaultValueFactory = _ => 100 };
        var memtable = new Option<int>("--memtable-mib") { Description = "memtable size (small, so that the run flushes and compacts often)", DefaultValueFactory = _ => 4 };
        var shards = new Option<int>("--shards") { DefaultValueFactory = _ => 2 };
        var writers = new Option<int>("--writers") { DefaultValueFactory = _ => 16 };
        var dataDir = new Option<string?>("--data-dir") { Description = "parent folder for the run's data (default: temp)" };
        var command = new Command("compaction", "Measure write amplification, space amplification and stalls of tiered compaction")
        {
            keys, writes, valueBytes, memtable, shards, writers, dataDir,
        };
        command.SetAction(async parse =>
        {
            string dir = Path.Combine(parse.GetValue(dataDir) ?? Path.GetTempPath(), $"basalt-bench-compaction-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            try
            {
                return await RunAsync(dir, parse.GetValue(keys), parse.GetValue(writes), parse.GetValue(valueBytes),
                    parse.GetValue(memtable), parse.GetValue(shards), parse.GetValue(writers));
            }
            finally
            {
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string dir, long keyCount, long writeCount, int valueBytes, int memtableMib, int shardCount, int writerCount)
    {
        var options = new StorageOptions
        {
            Directory = dir, Durability = Durability.Async, Shards = shardCount,
            MemtableBytes = (long)memtableMib << 20, BlockCacheBytes = 64L << 20,
        };
        var sw = Stopwatch.StartNew();
        long userBytes = 0;
        using (var engine = StorageEngine.Open(options))
        {
            long next = 0;
            var tasks = Enumerable.Range(0, writerCount).Select(w => Task.Run(async () =>
            {
                var rng = new Random(1000 + w);
                var key = new byte[16];
                var value = new byte[valueBytes];
                long mine = 0;
                while (Interlocked.Increment(ref next) <= writeCount)
                {
                    long k = rng.NextInt64(keyCount);
                    BitConverter.TryWriteBytes(key, k);
                    BitConverter.TryWriteBytes(key.AsSpan(8), (ulong)k * 0x9E3779B97F4A7C15UL);
                    rng.NextBytes(value);
                    await engine.PutAsync(key, default, value);
                    mine += key.Length + value.Length;
                }
                Interlocked.Add(ref userBytes, mine);
            })).ToArray();
            await Task.WhenAll(tasks);
            double writeSeconds = sw.Elapsed.TotalSeconds;
            await engine.FlushAsync();
            await engine.WhenMaintenanceIdleAsync(); // the compactions the last flushes triggered
            var m = engine.ShardMetrics;
            long wal = m.Sum(x => x.WalBytes), flushed = m.Sum(x => x.FlushBytes), compacted = m.Sum(x => x.CompactionBytesWritten);
            long onDisk = Directory.EnumerateFiles(dir, "seg-*.seg", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            int segments = Directory.EnumerateFiles(dir, "seg-*.seg", SearchOption.AllDirectories).Count();
            long live = 0;
            for (int s = 0; s < engine.ShardCount; s++)
            {
                using var it = engine.IterateShard(s);
                while (it.MoveNext()) live += it.Rest.Length + it.Routing.Length + it.Value.Length;
            }
            double wa = (double)(wal + flushed + compacted) / userBytes;
            Console.WriteLine($"compaction: writes={writeCount} keys={keyCount} value_bytes={valueBytes} memtable_mib={memtableMib} shards={shardCount} writers={writerCount} " +
                              $"seconds={writeSeconds:F1} ops/s={writeCount / writeSeconds:F0}");
            Console.WriteLine($"compaction: user_mib={userBytes / 1048576.0:F1} wal_mib={wal / 1048576.0:F1} flushed_mib={flushed / 1048576.0:F1} compacted_mib={compacted / 1048576.0:F1} " +
                              $"write_amplification={wa:F2} (wal+flush+compaction over user bytes; segments are LZ4 blocks of incompressible values)");
            Console.WriteLine($"compaction: flushes={m.Sum(x => x.Flushes)} compactions={m.Sum(x => x.Compactions)} segments={segments} on_disk_mib={onDisk / 1048576.0:F1} " +
                              $"live_mib={live / 1048576.0:F1} space_amplification={(double)onDisk / Math.Max(1, live):F2} stalls={m.Sum(x => x.Stalls)} stall_ms={m.Sum(x => x.StallMs):F0} " +
                              $"maintenance_errors={m.Sum(x => x.MaintenanceErrors)}");
        }
        return 0;
    }
}
