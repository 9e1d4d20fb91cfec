using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;
using static Basalt.Tests.Storage.Faults.FaultFixture;

namespace Basalt.Tests.Storage.Faults;

// Compaction that cannot finish (a corrupt input, a full disk) while flushes go on: segments pile up to the stall
// count and writers stall behind compaction. They must get an error naming the cause instead of waiting forever, and
// writes resume when a compaction succeeds again.
public class CompactionFaultTests : IDisposable
{
    private readonly FaultFixture _fx = new();
    public void Dispose() => _fx.Dispose();

    private StorageOptions Options(Durability durability = Durability.Sync) =>
        _fx.Options(durability) with { CompactionFanIn = 2, SegmentsStallCount = 4 };

    // 100 incompressible bytes: a flush of 50 of them makes a segment of about 6 KB, written whole in one write; a
    // compaction of two makes one of about 12 KB.
    private static byte[] V(int round, int i)
    {
        var value = new byte[100];
        new Random(round * 1000 + i).NextBytes(value);
        return value;
    }

    private static async Task WriteAndFlush(StorageEngine engine, int round)
    {
        for (int i = 0; i < 50; i++) await engine.PutAsync(B($"r{round:D2}-{i:D2}"), [], V(round, i));
        await engine.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_corrupt_segment_that_stops_compaction_fails_stalled_writes_with_its_file_instead_of_hanging_them()
    {
        var engine = _fx.Open(Options());
        await WriteAndFlush(engine, 0);
        _fx.Close(engine);
        string corrupt = _fx.Segment();
        _fx.Fs.FlipBit(corrupt, 16 + 10);
        engine = _fx.Open(Options());
        // Each flush adds a segment and asks for a compaction, which meets the corrupt one and fails.
        StorageException? error = null;
        for (int round = 1; round < 10 && error is null; round++)
        {
            try { await WriteAndFlush(engine, round).WaitAsync(TimeSpan.FromSeconds(30)); }
            catch (StorageException e) { error = e; }
        }
        Assert.NotNull(error);
        Assert.Contains(corrupt, error.Message);
        Assert.Contains("compacted", error.Message);
        Assert.Equal("compaction-behind", engine.ShardMetrics[0].StallReason);
        // Writes go on while the memtable has room; the one that needs a new memtable fails, never waits without end.
        StorageException? again = null;
        for (int i = 0; i < 2000 && again is null; i++)
        {
            try { await engine.PutAsync(B($"more{i}"), [], new byte[1000]).AsTask().WaitAsync(TimeSpan.FromSeconds(30)); }
            catch (StorageException e) { again = e; }
        }
        Assert.NotNull(again);
        Assert.Contains(corrupt, again.Message);
        // Reads go on: the corrupt block reports itself, the rest reads.
        int corruptReads = 0;
        for (int i = 0; i < 50; i++)
        {
            try { Assert.Equal(V(0, i), engine.Get(B($"r00-{i:D2}"), [])); }
            catch (StorageException e) when (e.Error == StorageError.Corruption && e.FilePath == corrupt) { corruptReads++; }
        }
        Assert.True(corruptReads > 0);
        Assert.Equal(V(1, 0), engine.Get(B("r01-00"), []));
    }

    [Fact]
    public async Task Compaction_out_of_space_fails_stalled_writes_with_disk_full_and_writes_resume_when_space_returns()
    {
        var engine = _fx.Open(Options());
        bool full = false;
        // Flushes write their segments in one write of about 6 KB, compactions theirs in one of about 12 KB: only
        // compaction outputs hit the full disk.
        var rule = _fx.Plan.When(FileOp.Write, "seg-").While(() => full).Bytes(8 << 10).Inject(FaultKind.DiskFull);
        var acked = new List<int>();
        StorageException? error = null;
        for (int round = 0; round < 12 && error is null; round++)
        {
            full = round >= 2;
            try
            {
                await WriteAndFlush(engine, round).WaitAsync(TimeSpan.FromSeconds(30));
                acked.Add(round);
            }
            catch (StorageException e) { error = e; }
        }
        Assert.NotNull(error);
        Assert.Equal(StorageError.DiskFull, error.Error);
        Assert.True(rule.Hits >= 1);
        full = false;
        // A compaction is retried on its own: the stall clears and writes resume.
        await Until(() => engine.ShardMetrics[0].StallReason is null, "the compaction to be retried");
        await WriteAndFlush(engine, 50);
        _fx.Crash();
        engine = _fx.Open(Options());
        foreach (int round in acked.Append(50))
            for (int i = 0; i < 50; i++) Assert.Equal(V(round, i), engine.Get(B($"r{round:D2}-{i:D2}"), []));
    }
}
