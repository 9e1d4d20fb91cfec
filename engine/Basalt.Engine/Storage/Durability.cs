namespace Basalt.Engine.Storage;

// When a write is acknowledged. Persisted nowhere, but part of the public API and the command line.
public enum Durability
{
    // Acknowledged after the WAL record is fsynced; concurrent writers share one fsync (group commit).
    // Survives kill -9 and power loss.
    Sync = 0,
    // The WAL is fsynced at least every GroupCommitIntervalMs; writes are acknowledged after the fsync that
    // covers them. Same promise as Sync, more writes per fsync, higher latency.
    Group = 1,
    // Acknowledged after the memtable insert; the WAL is written to the OS at once and fsynced in the
    // background (every AsyncSyncIntervalMs and at log rotation). Survives kill -9 (the OS has the bytes);
    // after power loss a suffix of acknowledged writes may be missing, never a hole.
    Async = 2,
}
