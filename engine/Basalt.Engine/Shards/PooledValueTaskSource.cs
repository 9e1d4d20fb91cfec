using System.Threading.Tasks.Sources;

namespace Basalt.Engine.Shards;

// A reusable completion: the awaitable half of a request handed to a shard. The requester takes one from a pool,
// awaits Task; the shard (or the WAL syncer) calls SetResult or SetException once; the awaiter's GetResult resets the
// source and returns it to its pool. No allocation per request once the pool is warm.
//
// Threads: SetResult/SetException on the completing thread, GetResult on the awaiting one; ManualResetValueTaskSource
// Core orders them (its completion flag is published with a release store and read with acquire). Continuations run
// asynchronously (RunContinuationsAsynchronously = true): a shard or syncer thread never runs user code inline, it only
// queues the continuation to the thread pool (an async method's continuation is queued without allocating).
//
// Invariants: one completion and one GetResult per rental. Awaiting twice, awaiting a Task taken before an earlier
// rental ended, or completing twice are programmer errors: the core's version token makes GetResult throw
// InvalidOperationException, and a second SetResult/SetException throws before touching the first result (the core
// alone would overwrite it, then throw). A GetResult that throws for a bad token or an unfinished operation leaves
// the source alone (it belongs to someone else by then). The 16-bit token wraps after 65536 rentals of one object,
// as for every IValueTaskSource.
//
// Subclasses (the engine's write request) add their request fields and implement ReturnToPool, typically clearing
// those fields and calling pool.Return(this).
public abstract class PooledValueTaskSource<T> : IValueTaskSource<T>
{
    private ManualResetValueTaskSourceCore<T> _core; // mutable struct: never make it readonly
    private ThreadParker? _parker;                    // Wait's, created on its first blocking wait and kept

    protected PooledValueTaskSource()
    {
        _core.RunContinuationsAsynchronously = true;
    }

    public ValueTask<T> Task => new(this, _core.Version);

    public void SetResult(T result)
    {
        ThrowIfCompleted();
        _core.SetResult(result);
    }

    public void SetException(Exception error)
    {
        ThrowIfCompleted();
        _core.SetException(error);
    }

    // Blocks the calling thread until the operation completes and returns its result (or throws its error), ending
    // the rental as GetResult does. For callers on their own threads: the completing thread unparks this one (a futex
    // wake, see ThreadParker), with no thread-pool hop in between (the only continuation run inline is that unpark,
    // never user code; inside a ThreadParker.UnparkBatch it is deferred to the batch). Use instead of awaiting Task,
    // never both. `spins` SpinWait rounds (spinning, then yielding) come first, for completions expected within
    // microseconds, which a sleep would delay by a wake-up (tens of microseconds).
    public T Wait(int spins = 0)
    {
        short token = _core.Version;
        if (spins > 0 && _core.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            var spinner = new SpinWait();
            for (int i = 0; i < spins && _core.GetStatus(token) == ValueTaskSourceStatus.Pending; i++)
                spinner.SpinOnce(sleep1Threshold: -1);
        }
        if (_core.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            var parker = _parker ??= new ThreadParker();
            parker.Arm();
            // Written before OnCompleted's CAS publishes the continuation, so the completer that finds it reads this.
            // (If the operation completed just before the CAS, the core queues the unpark to the thread pool: Park
            // still returns, once, and no unpark is left over for a later rental.)
            _core.RunContinuationsAsynchronously = false;
            _core.OnCompleted(ThreadParker.UnparkFromCompletion, parker, token, ValueTaskSourceOnCompletedFlags.None);
            parker.Park();
            _core.RunContinuationsAsynchronously = true;
        }
        return ((IValueTaskSource<T>)this).GetResult(token);
    }

    // Whether a thread blocked in Wait sleeps on this source now: for tests.
    internal bool HasSleepingWaiter => _parker?.IsSleeping == true;

    // Called after GetResult has reset the core; the object may be rented again from here on.
    protected abstract void ReturnToPool();

    // The IValueTaskSource members are explicit: only ValueTask (await) should call them.
    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<T>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    // The core throws on a second completion only after storing the new result over the first one; check first.
    private void ThrowIfCompleted()
    {
        if (_core.GetStatus(_core.Version) != ValueTaskSourceStatus.Pending)
            throw new InvalidOperationException("A pooled completion was completed twice.");
    }

    T IValueTaskSource<T>.GetResult(short token)
    {
        // Validate before the try: a stale or premature GetResult must not reset an operation it does not own.
        if (token != _core.Version)
            throw new InvalidOperationException("This ValueTask was already awaited, or its source was reused: await a pooled completion exactly once.");
        if (_core.GetStatus(token) == ValueTaskSourceStatus.Pending)
            throw new InvalidOperationException("GetResult on a pooled completion that has not completed: await it instead of reading its result.");
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            ReturnToPool();
        }
    }
}
