using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;

namespace Basalt.Tests.Storage;

// Opens engines on a crashable in-memory file system. Every engine is opened through a fault-injecting
// wrapper that a "crash" turns off: after Crash() the old engine's threads (left running, like a process
// that has not noticed yet) get I/O errors and can no longer touch the files the restarted engine sees.
public sealed class EngineFixture : IDisposable
{
    public MemoryFileSystem Memory { get; } = new();
    private readonly List<StorageEngine> _open = new();
    private sealed class Life { public volatile bool Dead; }
    private Life _life = new();
    private Func<FileOp, string, int, FaultKind> _faults = (_, _, _) => FaultKind.None;

    public const string Root = "/data";

    public StorageOptions Options(Durability durability = Durability.Sync, int shards = 2, long memtableBytes = 1 << 20, bool inlineWrites = true)
    {
        var life = _life;
        return Options(life, durability, shards, memtableBytes, inlineWrites);
    }

    private StorageOptions Options(Life life, Durability durability, int shards, long memtableBytes, bool inlineWrites) => new()
    {
        InlineWrites = inlineWrites,
        Directory = Root,
        FileSystem = new FaultInjectingFileSystem(Memory.Session(), (op, path, n) => life.Dead ? FaultKind.IoError : _faults(op, path, n)),
        Durability = durability,
        Shards = shards,
        MemtableBytes = memtableBytes,
        BlockCacheBytes = 4 << 20,
        GroupCommitIntervalMs = 1,
        AsyncSyncIntervalMs = 5,
    };

    public void InjectFaults(Func<FileOp, string, int, FaultKind> faults) => _faults = faults;

    public StorageEngine Open(StorageOptions options)
    {
        var engine = StorageEngine.Open(options);
        _open.Add(engine);
        return engine;
    }

    public StorageEngine Open(Durability durability = Durability.Sync, int shards = 2, long memtableBytes = 1 << 20) =>
        Open(Options(durability, shards, memtableBytes));

    // Power loss: everything not synced is gone, and the running engine is cut off from the disk.
    public void Crash()
    {
        _life.Dead = true;
        _life = new Life();
        Memory.Crash();
        _open.Clear(); // abandoned, never disposed: a dead process does not clean up
    }

    public void Reopen(ref StorageEngine engine, Durability durability = Durability.Sync, int shards = 2, long memtableBytes = 1 << 20)
    {
        engine.Dispose();
        _open.Remove(engine);
        engine = Open(durability, shards, memtableBytes);
    }

    public void Dispose()
    {
        foreach (var e in _open)
        {
            try { e.Dispose(); } catch (StorageException) { }
        }
    }
}
