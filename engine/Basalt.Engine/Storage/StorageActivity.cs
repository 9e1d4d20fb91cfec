namespace Basalt.Engine.Storage;

// What the engine is doing on the calling thread, for a fault injector that must tell one kind of file write from
// another: a flush and a compaction both run on the shard's maintenance thread and both write a new `.seg` file
// through the same SegmentWriter, so neither the thread nor the path tells them apart. The maintenance thread sets
// it around each job (and recovery around its flush); every other thread reads None.
//
// Thread-static, so setting it costs one TLS write per flush or compaction and needs no synchronisation. Rejected:
// telling them apart by the segment's tier (not visible in file operations) or by a callback on StorageOptions (a
// public hook for one test setting, and a delegate call on the maintenance path).
public enum StorageActivityKind
{
    None,
    // Writing a memtable to a segment and saving the manifest that lists it.
    Flush,
    // Merging segments into one and saving the manifest that swaps them.
    Compaction,
    // Recovery's flush of the replayed logs (at open).
    RecoveryFlush,
}

public static class StorageActivity
{
    [ThreadStatic] private static StorageActivityKind t_current;

    public static StorageActivityKind Current => t_current;

    // Sets the calling thread's activity until the returned scope is disposed (scopes nest).
    internal static Scope Enter(StorageActivityKind kind)
    {
        var previous = t_current;
        t_current = kind;
        return new Scope(previous);
    }

    internal readonly struct Scope(StorageActivityKind previous) : IDisposable
    {
        public void Dispose() => t_current = previous;
    }
}
