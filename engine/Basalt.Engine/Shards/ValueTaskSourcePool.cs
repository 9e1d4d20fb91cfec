using Microsoft.Extensions.ObjectPool;

namespace Basalt.Engine.Shards;

// A bounded lock-free pool of pooled completions (or any control-plane object that needs its pool at construction,
// like a PooledValueTaskSource subclass whose ReturnToPool calls pool.Return(this)).
//
// Threads: Get and Return from any thread. It wraps Microsoft.Extensions.ObjectPool's DefaultObjectPool: one
// CAS-guarded fast slot plus a ConcurrentQueue bounded by an Interlocked counter, so neither side takes a lock, and in
// steady state neither allocates (the queue's ring is reused once it has grown to retainedMax).
// Bound: at most retainedMax objects are kept; Get on an empty pool creates a new one, and Return on a full pool drops
// the object for the GC. So in-flight requests beyond retainedMax cost an allocation, never a failure; the shard
// queue's capacity is what bounds them.
public sealed class ValueTaskSourcePool<TSource> : ObjectPool<TSource> where TSource : class
{
    private readonly DefaultObjectPool<TSource> _pool;

    public ValueTaskSourcePool(Func<ValueTaskSourcePool<TSource>, TSource> create, int retainedMax)
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentOutOfRangeException.ThrowIfLessThan(retainedMax, 1);
        RetainedMax = retainedMax;
        _pool = new DefaultObjectPool<TSource>(new Policy(this, create), retainedMax);
    }

    public int RetainedMax { get; }

    public override TSource Get() => _pool.Get();

    public override void Return(TSource obj) => _pool.Return(obj);

    private sealed class Policy(ValueTaskSourcePool<TSource> owner, Func<ValueTaskSourcePool<TSource>, TSource> create)
        : PooledObjectPolicy<TSource>
    {
        public override TSource Create() => create(owner);

        // The source resets itself (GetResult resets the core before ReturnToPool), so every returned object is kept.
        public override bool Return(TSource obj) => true;
    }
}
