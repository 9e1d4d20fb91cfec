using System.Diagnostics;

namespace Basalt.Engine.Shards;

// One dedicated thread that runs an IShardWork, optionally pinned to a CPU, parking when idle.
//
// Owner: whoever starts it (the engine's shard set). The IShardWork's state belongs to this thread alone (assert it
// with IsCurrentThread); other threads talk to it by publishing work (usually MpscQueue.TryEnqueue) and calling Wake.
//
// Loop: RunOnce until it returns false; then up to IdleSpins more RunOnce calls separated by SpinWait (spin, then
// yield, never Sleep(1)) so that work arriving within a few microseconds is picked up without a kernel round trip;
// then park on an event until Wake or the work's deadline.
//
// Parking protocol (no lost wake-ups):
//   shard:  reset event; Interlocked.Exchange(_sleeping, 1); final RunOnce; if none: wait(event, deadline);
//           then _sleeping = 0.
//   waker:  (work already published); full fence; if Volatile.Read(_sleeping) == 1 and
//           Interlocked.Exchange(_sleeping, 0) == 1: set event.
// It is Dekker's handshake: each side stores its flag (work, _sleeping), fences, then loads the other's. At least one
// of them sees the other's store, so either the final RunOnce finds the work or the waker sees _sleeping and sets the
// event, whose reset happened before _sleeping was raised. Only the waker that flips _sleeping 1 -> 0 signals, so a
// burst of Wakes costs one kernel signal. A late signal from an earlier round only makes one spurious wake-up, which
// the loop absorbs.
//
// Wake's fence: a lone Volatile.Read of _sleeping would be cheaper on an awake shard, but it is not enough: the
// producer's publication is a release store, and a store followed by a load from another address may be reordered
// (x86 store buffer), which loses wake-ups. So Wake is one full fence (Interlocked.MemoryBarrier: `lock or` on x64,
// `dmb ish` on arm64) plus one Volatile.Read; it takes no lock and makes no syscall unless the shard sleeps.
//
// Deadlines: the park waits at most until IShardWork.NextDeadlineTimestamp. The event's wait has millisecond
// resolution, so a deadline less than 1 ms away is not slept on: the thread yields and polls until it passes.
//
// Stop: raises _stopping and wakes; the loop keeps calling RunOnce until a call that began after it saw _stopping
// returns false (queued work drains), then the thread exits. An exception escaping RunOnce ends the thread and is kept
// in Fault; Stop still returns normally, and callers check Fault.
//
// Not done here: no work stealing, no priorities, no timers beyond the one deadline; those belong to the IShardWork.
public sealed class ShardThread : IDisposable
{
    // RunOnce calls (each after SpinWait.SpinOnce) before parking. Measured on the 2-core dev box (docs/threading.md):
    // a parked shard wakes in 10-30 us (p50); with 50 spins, work arriving back to back or 20 us after the shard went
    // idle is picked up in 0.2-5 us, for about 36 us of CPU per idle transition. 10 spins missed the 20 us gaps; 200
    // also caught 200 us gaps but cost about 280 us of CPU per idle transition. Pure spinning without yields was
    // rejected: on the loaded box it kept the CPU from the producer and missed the window (p50 about 20 us).
    public const int IdleSpinsDefault = 50;

    private const int Created = 0, Running = 1, Stopped = 2;

    private readonly IShardWork _work;
    private readonly int? _pinToCpu;
    private readonly Thread _thread;
    private readonly int _threadId;
    // Signalled only by the waker that flips _sleeping from 1 to 0. Never disposed, so that a stray Wake after Dispose
    // stays harmless (a ManualResetEventSlim owns no kernel handle unless its WaitHandle is asked for).
    private readonly ManualResetEventSlim _wakeEvent = new(initialState: false, spinCount: 0);
    private readonly ManualResetEventSlim _startedEvent = new(initialState: false);
    private int _sleeping;          // 1 while the shard is parked or about to park (see the protocol above)
    private volatile bool _stopping;
    private int _state;
    private volatile string? _pinningError;
    private volatile Exception? _fault;

    public ShardThread(string name, IShardWork work, int? pinToCpu)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(work);
        if (pinToCpu is int cpu && (uint)cpu > CpuAffinity.CpuIndexMax)
            throw new ArgumentOutOfRangeException(nameof(pinToCpu), cpu, $"A CPU index is in [0, {CpuAffinity.CpuIndexMax}].");
        _work = work;
        _pinToCpu = pinToCpu;
        // Background, so that a shard someone forgot to stop does not keep the process alive.
        _thread = new Thread(ThreadMain) { Name = name, IsBackground = true };
        _threadId = _thread.ManagedThreadId;
    }

    public string Name => _thread.Name!;

    // RunOnce calls with SpinWait between them before parking; 0 parks as soon as the work is idle.
    public int IdleSpins { get; init; } = IdleSpinsDefault;

    public bool IsCurrentThread => Environment.CurrentManagedThreadId == _threadId;

    // Null when pinning was not asked for or succeeded; valid once Start has returned.
    public string? PinningError => _pinningError;

    public Exception? Fault => _fault;

    // Whether the thread has ended (stopped or faulted).
    public bool HasExited => _state != Created && !_thread.IsAlive;

    // Starts the thread and returns once it runs (pinned, or with PinningError recorded).
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, Running, Created) != Created)
            throw new InvalidOperationException($"Shard thread '{Name}' was already started.");
        _thread.Start();
        _startedEvent.Wait();
    }

    public void Wake()
    {
        // The fence orders the caller's publication of work before the read of _sleeping (see the header).
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _sleeping) != 0 && Interlocked.Exchange(ref _sleeping, 0) != 0)
            _wakeEvent.Set();
    }

    // Requests stop, wakes the thread, and waits until queued work is drained and the thread has exited.
    // Idempotent; a shard that never started is just marked stopped.
    public void Stop()
    {
        if (IsCurrentThread)
            throw new InvalidOperationException($"Shard thread '{Name}' cannot stop itself: Stop joins the thread.");
        int previous = Interlocked.Exchange(ref _state, Stopped);
        if (previous == Created)
            return;
        _stopping = true;
        Wake();
        _thread.Join();
    }

    public void Dispose() => Stop();

    private void ThreadMain()
    {
        try
        {
            if (_pinToCpu is int cpu)
                _pinningError = CpuAffinity.TryPinCurrentThread(cpu);
        }
        catch (Exception e)
        {
            _pinningError = $"Pinning failed: {e.Message}";
        }
        finally
        {
            _startedEvent.Set(); // Start waits for this: never leave it waiting
        }
        try
        {
            Loop();
        }
        catch (Exception e)
        {
            // RunOnce may have thrown from inside Park, with _sleeping raised.
            Volatile.Write(ref _sleeping, 0);
            _fault = e;
        }
    }

    private void Loop()
    {
        IShardWork work = _work;
        int idleSpins = IdleSpins;
        var spinner = new SpinWait();
        int idle = 0;
        while (true)
        {
            // Read before RunOnce: only a call that began after stop was seen may end the loop.
            bool stopping = _stopping;
            if (work.RunOnce())
            {
                if (idle != 0)
                {
                    idle = 0;
                    spinner.Reset();
                }
                continue;
            }
            if (stopping)
                return;
            if (idle < idleSpins)
            {
                idle++;
                // sleep1Threshold -1: spin, then Thread.Yield/Sleep(0), never Sleep(1) (parking is the long wait).
                spinner.SpinOnce(sleep1Threshold: -1);
                continue;
            }
            if (Park())
            {
                idle = 0;
                spinner.Reset();
            }
        }
    }

    // Returns true when the thread waited on the event (woken or timed out), false when it came back at once
    // (work found on the final check, stop requested, or a deadline too close to sleep on).
    private bool Park()
    {
        _wakeEvent.Reset();
        Interlocked.Exchange(ref _sleeping, 1);
        // The final check, after _sleeping is visible: work published before a Wake that saw _sleeping == 0 is seen
        // here. _stopping is checked for the same reason (Stop writes it before its Wake).
        if (_stopping || _work.RunOnce())
        {
            Volatile.Write(ref _sleeping, 0);
            return false;
        }
        int timeoutMs = TimeoutMs(_work.NextDeadlineTimestamp);
        if (timeoutMs == 0)
        {
            Volatile.Write(ref _sleeping, 0);
            Thread.Yield();
            return false;
        }
        _wakeEvent.Wait(timeoutMs);
        Volatile.Write(ref _sleeping, 0);
        return true;
    }

    // Milliseconds to sleep until deadlineTimestamp, rounded up; Timeout.Infinite for none; 0 for a deadline past or
    // less than 1 ms away.
    private static int TimeoutMs(long deadlineTimestamp)
    {
        if (deadlineTimestamp == long.MaxValue)
            return Timeout.Infinite;
        long remainingTicks = deadlineTimestamp - Stopwatch.GetTimestamp();
        if (remainingTicks < Stopwatch.Frequency / 1000)
            return 0;
        double ms = Math.Ceiling(remainingTicks * 1000.0 / Stopwatch.Frequency);
        return ms >= int.MaxValue ? int.MaxValue - 1 : (int)ms;
    }
}
