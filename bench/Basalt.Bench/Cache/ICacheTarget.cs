namespace Basalt.Bench.Cache;

// The caches `basalt-bench cache` puts side by side, each behind the same two small seams:
//   ICacheTarget  one cache instance of one measured run: created empty, preloaded, driven by N benchmark threads,
//                 asked for its figures, disposed. One virtual call per thread and phase, none per operation.
//   ICacheOps     a struct a benchmark thread gets from its target (FASTER: holding that thread's session); the timed
//                 loop (CacheLoop.Run<TOps>) is generic over it, so the JIT compiles one loop per cache with the
//                 cache's Get and Set inlined or called directly: no interface or delegate call per operation on any
//                 side, and the harness work around each call is the same machine code for every cache.
// Keys are passed as indexes into CacheData; each ops struct maps the index to its cache's key form (8 bytes from
// CacheData.Words, or a pre-created string from CacheData.Strings), an array load for all of them.
public interface ICacheOps
{
    // Copies the value of key into destination; false on a miss. valueLength is the value's full length; when it is
    // larger than destination nothing need be copied (the harness then counts a wrong value).
    bool Get(int key, Span<byte> destination, out int valueLength);

    // Stores value under key with the cache's default lifetime (what a user's plain Set does). The cache must copy
    // the bytes it keeps: the caller reuses the buffer.
    void Set(int key, ReadOnlySpan<byte> value);
}

public interface ICacheTarget : IDisposable
{
    string Name { get; }

    // Inserts every key of data once, in index order, on the calling thread.
    void Preload(CacheData data);

    // Runs one benchmark thread's timed loop with this cache (CacheTarget<TOps> does it through its ops struct).
    void RunWorker(CacheWorker worker);

    // Entries, bytes and evictions as the cache itself counts them, where it does; "" when it has no such counters.
    string DescribeState();
}

// Creates a fresh, empty cache for each measured run; describes its configuration for the report.
public interface ICacheTargetFactory
{
    string Name { get; }
    ICacheTarget Create(CacheData data);
    // Markdown bullet lines (without "- "): package and version, configuration, what differs from the others.
    IReadOnlyList<string> Describe(CacheBenchSettings settings);
}

// The base of every target: a benchmark thread gets its own ops struct and runs the shared generic loop over it.
public abstract class CacheTarget<TOps> : ICacheTarget where TOps : struct, ICacheOps
{
    public abstract string Name { get; }

    // Called on the benchmark thread that will use the ops; ReleaseOps on the same thread after its loop.
    protected abstract TOps CreateOps();
    protected virtual void ReleaseOps(ref TOps ops) { }

    public void Preload(CacheData data)
    {
        TOps ops = CreateOps();
        try
        {
            byte[] value = data.NewValue();
            ulong[] words = data.Words;
            for (int key = 0; key < words.Length; key++)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(value, words[key]);
                ops.Set(key, value);
            }
        }
        finally
        {
            ReleaseOps(ref ops);
        }
    }

    public void RunWorker(CacheWorker worker)
    {
        TOps ops = CreateOps();
        try
        {
            CacheLoop.Run(ref ops, worker);
        }
        finally
        {
            ReleaseOps(ref ops);
        }
    }

    public virtual string DescribeState() => "";

    public abstract void Dispose();
}
