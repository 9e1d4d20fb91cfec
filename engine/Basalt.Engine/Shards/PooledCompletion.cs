namespace Basalt.Engine.Shards;

// The plain completion: a pooled IValueTaskSource<T> with nothing else in it, for requests whose payload travels
// separately (pings, reads answered by a shard).
public sealed class PooledCompletion<T> : PooledValueTaskSource<T>
{
    private readonly ValueTaskSourcePool<PooledCompletion<T>> _pool;

    public PooledCompletion(ValueTaskSourcePool<PooledCompletion<T>> pool)
    {
        _pool = pool;
    }

    public static ValueTaskSourcePool<PooledCompletion<T>> CreatePool(int retainedMax) =>
        new(pool => new PooledCompletion<T>(pool), retainedMax);

    protected override void ReturnToPool() => _pool.Return(this);
}
