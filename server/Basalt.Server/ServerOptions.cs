using Basalt.Engine.Storage;

namespace Basalt.Server;

// What the server runs with: where it listens, where its data lives and how durable writes are. Built by Program
// from the command line, environment variables (BASALT_PORT, BASALT_DATA_DIR, ...) and appsettings.json, in that
// order of precedence; tests build it directly.
public sealed record ServerOptions
{
    public const int DefaultPort = 8000;
    public const int DefaultBinaryPort = 8100;

    // 0 picks a free port (tests); BasaltServer.Port says which.
    public int Port { get; init; } = DefaultPort;
    // The binary protocol's port (docs/protocol.md); 0 picks a free one (BasaltServer.BinaryPort says which), null
    // serves no binary protocol.
    public int? BinaryPort { get; init; } = DefaultBinaryPort;
    // Tests: writes in flight per binary connection before ThrottlingException (Binary/BinaryConnection.cs).
    // Reactor threads serving the connections of both protocols, each with its own epoll set (docs/threading.md,
    // "Reactors"); null: one per shard; 0: Kestrel's socket transport and the thread pool instead (also where epoll is
    // not available).
    public int? Reactors { get; init; }
    internal int BinaryInFlightMax { get; init; } = Binary.BinaryConnection.InFlightMaxDefault;
    public string DataDir { get; init; } = "./basalt-data";
    // No files at all: the data lives in memory and is gone when the server stops (the cache-tier use).
    public bool InMemory { get; init; }
    public Durability Durability { get; init; } = Durability.Sync;
    public int? Shards { get; init; }
    public bool PinThreads { get; init; }
    // Only 127.0.0.1 by default: exposing the API beyond the machine is a choice (there is no auth by default).
    public string ListenAddress { get; init; } = "127.0.0.1";
    // `--auth FILE`: verify SigV4 signatures against the keys of this file and limit each key to its tables
    // (Auth/AuthFile.cs has the format). Null accepts every request, signed or not.
    public string? AuthFile { get; init; }
    // Tests: the file system the data folder lives on (a FaultInjectingFileSystem, say) instead of the real one, or of a
    // fresh memory one with InMemory.
    internal Basalt.Engine.Storage.Vfs.IFileSystem? FileSystem { get; init; }
    // `--memtable-mb N`: the size of each shard's mutable memtable (null: the engine's default, 64 MiB). Small values
    // make flushes and compactions frequent (the crash fuzzer runs with 1 MiB); large ones hold more before a flush.
    public int? MemtableMb { get; init; }
    // A testing aid (BASALT_CRASH_POINT, Testing/CrashPoint.cs): the server kills itself at this point of the
    // engine's file operations. Null in any real use.
    public Testing.CrashPoint? CrashPoint { get; init; }
}
