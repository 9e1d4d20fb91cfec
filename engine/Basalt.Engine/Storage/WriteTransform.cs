using System.Buffers;

namespace Basalt.Engine.Storage;

// What a read-modify-write transform decided: write nothing (a failed condition), put the value it wrote, or
// delete the key.
public enum WriteDecision : byte
{
    None = 0,
    Put = 1,
    Delete = 2,
    // The key stays as it is; only the transform's side writes are logged (IWriteTransformWithSideWrites): a
    // record about the key, such as the change log's refresh of an item for a new index.
    Keep = 3,
}

// A read-modify-write of one key (StorageEngine.TransformAsync): the shard's writer calls Apply with the key's
// latest value (as of every write the shard has logged before, acknowledged or not) and logs the decision as
// the next write of the shard, so nothing can come between the read and the write. Apply runs on the writer's
// thread (the shard thread or an inline caller) while it holds the writer token: it must be quick, must not
// block, and must not call into the engine. It is called exactly once per submission unless the write fails
// before it runs. An exception thrown by Apply fails that request only (it is rethrown to the caller) and
// writes nothing. The implementation keeps whatever it wants to return (the old value, the decision) itself.
public interface IWriteTransform
{
    // current: the value when exists, else empty. A Put writes what was written to newValue (at most
    // Limits.ValueBytesMax bytes, else the request fails with ValueTooLarge).
    WriteDecision Apply(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> newValue);
}

// Key locks (docs/transactions.md): a transform may lock its key for an owner, or unlock it. While a key is locked, every
// other write of it (a plain write, a batch entry, a transform of another owner) fails with StorageError.Locked and
// writes nothing; the owner's own transforms go through. The shard's writer holds the locks (no latch: the writer token
// serializes everything that touches them), in memory: an owner that must survive a restart logs its own record of
// the lock (a transaction's intent) and takes the lock again at open. LockChange is read after Apply, so a transform
// decides on it with what it read (a failed condition takes no lock).
// What a transform may read besides its own key, during Apply only: other keys of its shard, as of the same point
// (every write the shard has logged before). A record kept beside an item, such as its item collection's size,
// is read and rewritten (as a side write) in the same atomic step as the item.
public interface ITransformContext
{
    // The value of a key of the transform's shard (a placed key: its virtual partition given), into `value`; false when
    // absent. A key of another shard is an InvalidArgument StorageException.
    bool TryRead(int vpartition, ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, IBufferWriter<byte> value);
}

// A transform that reads other keys: when it wants to, the writer sets Context before Apply and clears it after.
public interface IWriteTransformWithContext : IWriteTransform
{
    bool WantsContext { get; }
    ITransformContext? Context { get; set; }
}

public enum LockChange : byte
{
    None = 0,
    Acquire = 1,
    Release = 2,
}

public interface ILockingTransform : IWriteTransform
{
    long LockOwner { get; }
    LockChange LockChange { get; }
}

// A transform whose write carries more entries, logged with the transformed key's own in one atomic batch: a table's
// local secondary index entries, kept in step with the item. After Apply decides Put or Delete, the shard's writer
// appends SideWrites (when not null and not empty); after a decision of None they are ignored. Every side entry must
// be on the transformed key's shard (WriteBatch's placed forms choose the virtual partition: a local index entry
// takes its item's, so the two also move together; a change-log record takes its shard's home partition), so that
// the batch stays on one shard; one that is not fails the request with InvalidArgument and nothing is written. Apply fills the batch (clearing it
// first): the writer reads it right after Apply returns, on the same thread.
public interface IWriteTransformWithSideWrites : IWriteTransform
{
    WriteBatch? SideWrites { get; }
}
