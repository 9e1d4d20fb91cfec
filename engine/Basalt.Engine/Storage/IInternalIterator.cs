namespace Basalt.Engine.Storage;

// An iterator over internal keys (user key ascending, trailer descending; see InternalKey), implemented by
// the memtable and by segments and merged by the engine. Every version of every key is visible here; the
// engine's merging iterator applies snapshots and tombstones. Spans returned by UserKey and Value are valid
// until the next positioning call or Dispose. Not thread-safe: one iterator, one thread.
public interface IInternalIterator : IDisposable
{
    bool Valid { get; }
    void SeekToFirst();
    void SeekToLast();
    // Positions at the first entry >= (userKey, trailer) in internal-key order.
    void Seek(ReadOnlySpan<byte> userKey, ulong trailer);
    // Positions at the last entry <= (userKey, trailer) in internal-key order.
    void SeekForPrev(ReadOnlySpan<byte> userKey, ulong trailer);
    void Next();
    void Prev();
    ReadOnlySpan<byte> UserKey { get; }
    ulong Trailer { get; }
    ReadOnlySpan<byte> Value { get; }
}

// Receives a value found by a point read while the bytes are still pinned (memtable arena, mapped segment,
// block-cache slot). A struct implementation is specialised by the JIT: no delegate, no allocation.
public interface IValueSink
{
    void OnValue(scoped ReadOnlySpan<byte> value);
}
