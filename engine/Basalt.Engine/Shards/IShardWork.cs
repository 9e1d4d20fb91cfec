namespace Basalt.Engine.Shards;

// The body of a shard: what its ShardThread runs. Every member is called on the shard's own thread only, so an
// implementation keeps its state in plain fields without synchronization; other threads reach it through its inbox
// (an MpscQueue) followed by ShardThread.Wake.
public interface IShardWork
{
    // Do the available work; true if anything was done (the thread calls again at once), false when idle. A false
    // return must be truthful: the thread may park after it, and only a Wake or the deadline brings it back.
    bool RunOnce();

    // Stopwatch.GetTimestamp() value by which RunOnce must be called again even without a Wake (a group-commit timer,
    // a retry), or long.MaxValue for none. Read after RunOnce returned false.
    long NextDeadlineTimestamp { get; }
}
