using System.Runtime.InteropServices;

namespace Basalt.Engine.Shards;

// Where one blocked thread waits for its operation to complete: the blocking half of PooledValueTaskSource.Wait.
// One parker per pooled source, created on its first blocking wait and kept. The waiting thread calls Arm, registers
// Unpark as the completion's continuation, then Park; the completing thread's continuation unparks it, at once or,
// inside an UnparkBatch, later and from a tree of the batch's own waiters.
//
// Why not a ManualResetEventSlim (the first version): its Set takes a Monitor and signals a pthread condition,
// and a WAL syncer acknowledging a cohort of 54 blocked writers spent 360 µs of each ~930 µs sync cycle doing that,
// one waiter after another, while the next cohort waited for the fsync that this delayed (perf, 64 writers, one
// shard: 39% of a core in the syncer, mostly try_to_wake_up under pthread_cond_signal and the Monitor's lock).
// Two changes: the wait is a raw futex on Linux (one syscall each side, none when the waiter has not gone to
// sleep yet), and a batch's wake-ups fan out as a binary tree, each woken waiter waking two more before it returns,
// so the syncer makes one wake-up and goes back to its log while the others spread over every core.
//
// Futex word: 0 = released (or never armed), 1 = armed (the waiter may still be running), 2 = the waiter sleeps or
// is about to. Unpark exchanges it to 0 and makes the wake syscall only when it read 2. Ordering: the unparker writes
// the children fields before its Interlocked.Exchange on the word; the waiter reads them after it read 0 with
// Volatile.Read (acquire), so a child's fields, written by the batch's owner, are visible along the chain of
// exchanges that leads to it. Elsewhere than Linux x64/arm64 the same states sit beside a ManualResetEventSlim.
internal sealed unsafe partial class ThreadParker
{
    private const int Released = 0, Armed = 1, Sleeping = 2;

    // The futex word, in a pinned array so its address never changes (the pinned object heap).
    private readonly int[] _word = GC.AllocateArray<int>(1, pinned: true);
    private readonly ManualResetEventSlim? _event = FutexSyscall == 0 ? new ManualResetEventSlim(false, spinCount: 0) : null;
    private ThreadParker? _childLeft, _childRight; // written by a batch before this parker is unparked

    [ThreadStatic] private static UnparkBatch? t_batch;

    // SYS_futex on the architectures whose numbers are known here; 0 means use the event.
    private static readonly long FutexSyscall = !OperatingSystem.IsLinux() ? 0 : RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => 0,
    };
    private const int FutexWaitPrivate = 0 | 128, FutexWakePrivate = 1 | 128;

    // The waiting thread, before it registers the continuation that will unpark it.
    public void Arm()
    {
        _event?.Reset();
        Volatile.Write(ref _word[0], Armed);
    }

    // The waiting thread: returns once unparked, after waking the children a batch gave it.
    public void Park()
    {
        ref int word = ref _word[0];
        while (true)
        {
            int state = Volatile.Read(ref word);
            if (state == Released) break;
            if (state == Armed && Interlocked.CompareExchange(ref word, Sleeping, Armed) != Armed) continue;
            if (_event is not null) _event.Wait();
            else FutexWait(ref word, Sleeping); // returns on a wake, a changed word (EAGAIN) or a signal (EINTR)
        }
        var left = _childLeft;
        var right = _childRight;
        if (left is null) return;
        _childLeft = _childRight = null;
        left.Unpark();
        right?.Unpark();
    }

    // Whether the waiter has gone to sleep (or is about to) and not been unparked since: for tests.
    internal bool IsSleeping => Volatile.Read(ref _word[0]) == Sleeping;

    // The continuation a completion runs on the completing thread: inside an UnparkBatch the wake-up is deferred
    // to the batch, else it happens now.
    public static void UnparkFromCompletion(object? parker)
    {
        var p = (ThreadParker)parker!;
        var batch = t_batch;
        if (batch is not null) batch.Add(p);
        else p.Unpark();
    }

    private void Unpark()
    {
        if (Interlocked.Exchange(ref _word[0], Released) != Sleeping) return;
        if (_event is not null) _event.Set();
        else FutexWake(ref _word[0]);
    }

    private static void FutexWait(ref int word, int expected)
    {
        fixed (int* address = &word) Syscall(FutexSyscall, address, FutexWaitPrivate, expected, null, null, 0);
    }

    private static void FutexWake(ref int word)
    {
        fixed (int* address = &word) Syscall(FutexSyscall, address, FutexWakePrivate, 1, null, null, 0);
    }

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall(long number, int* address, int op, int value, void* timeout, int* address2, int value3);

    // The wake-ups of one completing loop (a WAL syncer acknowledging an fsync's writes), deferred and then released
    // as a binary tree of the waiters themselves: Release wakes the root; waiter i wakes 2i+1 and 2i+2 when it
    // wakes. Owned by one thread at a time (the holder of whatever role completes the loop); reusable.
    internal sealed class UnparkBatch
    {
        private readonly List<ThreadParker> _parkers = new(64);

        // Completions made from here to Release on this thread defer their blocked waiters' wake-ups.
        public void Begin()
        {
            _parkers.Clear();
            t_batch = this;
        }

        internal void Add(ThreadParker parker) => _parkers.Add(parker);

        // Ends the deferral (always call it, in a finally) and wakes the batch's first waiter.
        public void Release()
        {
            t_batch = null;
            int n = _parkers.Count;
            if (n == 0) return;
            for (int i = 0; i < n; i++)
            {
                var parker = _parkers[i];
                parker._childLeft = 2 * i + 1 < n ? _parkers[2 * i + 1] : null;
                parker._childRight = 2 * i + 2 < n ? _parkers[2 * i + 2] : null;
            }
            var root = _parkers[0];
            _parkers.Clear();
            root.Unpark();
        }
    }
}
