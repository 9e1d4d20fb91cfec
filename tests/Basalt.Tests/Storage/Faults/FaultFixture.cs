using System.Buffers.Binary;
using System.Text;
using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;

namespace Basalt.Tests.Storage.Faults;

// Engines on a crashable in-memory file system, each "process" seen through a FaultInjectingFileSystem that follows
// one FaultPlan (kept across crashes; a test clears it when the fault is over). A crash cuts the old engine off: its
// session of the memory file system fails every operation from then on.
public sealed class FaultFixture : IDisposable
{
    public const string Root = "/data";
    public const string ShardDir = Root + "/shard-000";

    private readonly List<StorageEngine> _open = new();

    public MemoryFileSystem Memory { get; } = new();
    public FaultPlan Plan { get; } = new();
    // The file system of the engine opened last.
    public FaultInjectingFileSystem Fs { get; private set; } = null!;

    public static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    // Seeds the offsets of BitFlip faults on Map in the next file system.
    public int Seed { get; set; } = 1;

    public StorageOptions Options(Durability durability = Durability.Sync, long memtableBytes = 256 << 10) => new()
    {
        Directory = Root,
        FileSystem = Fs = new FaultInjectingFileSystem(Memory.Session(), Plan) { Seed = Seed },
        Durability = durability,
        Shards = 1,
        MemtableBytes = memtableBytes,
        BlockCacheBytes = 4 << 20,
        GroupCommitIntervalMs = 1,
        AsyncSyncIntervalMs = 5,
        SegmentBlockBytes = 4096,
    };

    public StorageEngine Open(Durability durability = Durability.Sync, long memtableBytes = 256 << 10) => Open(Options(durability, memtableBytes));

    public StorageEngine Open(StorageOptions options)
    {
        var engine = StorageEngine.Open(options);
        _open.Add(engine);
        return engine;
    }

    public void Close(StorageEngine engine)
    {
        _open.Remove(engine);
        engine.Dispose();
    }

    // Power loss: what was not synced is gone; the running engine can no longer touch the disk (never disposed).
    public void Crash()
    {
        Memory.Crash();
        _open.Clear();
    }

    public string[] Files(string prefix) =>
        Memory.List(ShardDir).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Select(n => ShardDir + "/" + n).ToArray();

    public string Segment() => Files("seg-").Single();

    // The layout of a segment file, from its footer (SegmentFormat): where its index, bloom and properties blocks
    // and its footer start.
    public (long Index, long Bloom, long Properties, long Footer) Layout(string segment)
    {
        var bytes = Memory.ReadAll(segment);
        var footer = bytes.AsSpan(bytes.Length - 64);
        return ((long)BinaryPrimitives.ReadUInt64LittleEndian(footer), (long)BinaryPrimitives.ReadUInt64LittleEndian(footer[16..]),
            (long)BinaryPrimitives.ReadUInt64LittleEndian(footer[32..]), bytes.Length - 64);
    }

    // Where the records of a log end (its last non-zero byte + 1).
    public int LogEnd(string log)
    {
        var bytes = Memory.ReadAll(log);
        return Array.FindLastIndex(bytes, b => b != 0) + 1;
    }

    // Polls until the condition holds; fails the test after the timeout (never a wait without end).
    public static async Task Until(Func<bool> condition, string what, int timeoutMs = 20_000)
    {
        var until = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow >= until) Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(2);
        }
    }

    public void Dispose()
    {
        foreach (var e in _open)
        {
            try { e.Dispose(); } catch (StorageException) { }
        }
    }
}
