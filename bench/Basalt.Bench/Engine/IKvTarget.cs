namespace Basalt.Bench.Engine;

// The storage engines that `basalt-bench engine` puts side by side, seen through the smallest surface both can offer:
// a durable single-key put and a point get. Each target adapts one engine (Basalt, RocksDB, the in-process reference)
// and states how it maps BenchDurability onto that engine, because the modes are not identical across engines and the
// report has to say so next to the figures.
//
// Threading contract, relied on by EngineBench:
// - PutAsync and Get are called concurrently from many dedicated benchmark threads (up to --sync-writers of them).
// - A writer has exactly one put in flight: it waits for the returned ValueTask before its next call, and it reuses
//   the key and value buffers afterwards, so a target must copy (or finish using) them before completing the task.
// - A returned ValueTask is consumed exactly once (IsCompleted, then at most one UnsafeOnCompleted, then GetResult),
//   so targets may complete it through a pooled IValueTaskSource without allocating.
// - Get returns false when the key is absent. When present it sets valueLength to the full length and copies the value
//   into valueBuffer only if it fits; a caller that sees valueLength > valueBuffer.Length got no bytes.

// Persisted in reports only by name (lower case), never by value.
public enum BenchDurability { Sync, Group, Async }

public interface IKvTarget : IAsyncDisposable
{
    string Name { get; }

    // Completes when the write is acknowledged under the durability the target was opened with.
    ValueTask PutAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value);

    bool Get(ReadOnlySpan<byte> key, Span<byte> valueBuffer, out int valueLength);
}

public interface IKvTargetFactory
{
    string Name { get; }

    // Opens (creating if needed) a store in an empty directory that the harness owns and deletes afterwards.
    IKvTarget Open(string directory, BenchDurability durability, int groupCommitMs);
}

// Optional: a factory that can describe its engine's configuration and durability mapping for the report.
// Kept separate from IKvTargetFactory so that the interface above stays exactly the agreed one.
public interface IDescribedKvTargetFactory : IKvTargetFactory
{
    // Markdown bullet lines (without the leading "- ") describing version, options, and anything that makes the
    // comparison unequal.
    IReadOnlyList<string> DescribeConfiguration();

    // How BenchDurability maps to this engine, one short sentence per mode.
    string DescribeDurability(BenchDurability durability);
}
