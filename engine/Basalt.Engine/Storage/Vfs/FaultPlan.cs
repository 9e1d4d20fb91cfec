namespace Basalt.Engine.Storage.Vfs;

// What a FaultInjectingFileSystem does to one operation: fail it (Kind), and before that, or instead, slow it
// down (DelayMs, bounded by FaultPlan.DelayMsMax) or hold it until a gate opens (Gate, bounded by
// FaultGate.HoldMsMax). default is "nothing".
public readonly record struct FaultDecision(FaultKind Kind, int DelayMs = 0, FaultGate? Gate = null)
{
    public bool IsNone => Kind == FaultKind.None && DelayMs <= 0 && Gate is null;
}

// A readable fault plan for FaultInjectingFileSystem: rules, each matching operations by kind, path and size,
// and saying which of the matching operations it hits and what it does to them.
//
//   var plan = new FaultPlan();
//   plan.When(FileOp.Sync, "wal-").Nth(3).Inject(FaultKind.IoError);     // the third WAL fsync fails
//   plan.When(FileOp.Sync, "wal-").Delay(20);                            // every WAL fsync takes 20 ms more
//   plan.When(FileOp.Write, "seg-").While(() => full).Inject(FaultKind.DiskFull);
//   var fs = new FaultInjectingFileSystem(inner, plan);
//
// Every rule sees every operation: a rule that matches counts it (Matches), whether or not it fires; the first
// firing rule with a fault decides the fault, and the delays and gates of all firing rules apply. Counting is
// per rule, so Nth(3) is the third operation this rule matched (While and Bytes included), not the third
// operation overall. Thread-safe (one lock around the counting; the FS waits outside it).
public sealed class FaultPlan
{
    // A delay longer than this is a mistake in a test: it would look like a hang.
    public const int DelayMsMax = 10_000;

    private readonly List<FaultRule> _rules = new();
    private readonly object _lock = new();

    // A rule for operations of `op` on paths containing `pathContains` (any path when null).
    public FaultRule When(FileOp op, string? pathContains = null) => Add(new FaultRule(op, pathContains));

    // A rule for every operation on paths containing `pathContains`.
    public FaultRule WhenAny(string? pathContains = null) => Add(new FaultRule(null, pathContains));

    private FaultRule Add(FaultRule rule)
    {
        lock (_lock) _rules.Add(rule);
        return rule;
    }

    // Drops every rule: from now on no operation is touched.
    public void Clear()
    {
        lock (_lock) _rules.Clear();
    }

    public FaultDecision Decide(FileOp op, string path, int bytes)
    {
        FaultKind kind = FaultKind.None;
        int delayMs = 0;
        FaultGate? gate = null;
        lock (_lock)
        {
            foreach (var rule in _rules)
            {
                if (!rule.TryFire(op, path, bytes)) continue;
                if (kind == FaultKind.None) kind = rule.Kind;
                delayMs = Math.Min(DelayMsMax, delayMs + rule.DelayMs);
                gate ??= rule.Gate;
            }
        }
        return new FaultDecision(kind, delayMs, gate);
    }

    // The plan as the raw injector delegate (faults only; delays and gates need the FaultPlan constructor).
    public FaultKind Inject(FileOp op, string path, int bytes) => Decide(op, path, bytes).Kind;
}

// One rule of a FaultPlan. Built with chained calls; its counters are read by tests (did the fault fire?).
// Mutated only under the plan's lock once added.
public sealed class FaultRule
{
    private readonly FileOp? _op;
    private readonly string? _pathContains;
    private int _minBytes;
    private int _maxBytes = int.MaxValue;
    private Func<bool>? _condition;
    private int _skip;
    private int _times = int.MaxValue;
    private int _matches;
    private int _hits;

    internal FaultRule(FileOp? op, string? pathContains)
    {
        _op = op;
        _pathContains = pathContains;
    }

    internal FaultKind Kind { get; private set; }
    internal int DelayMs { get; private set; }
    internal FaultGate? Gate { get; private set; }
    private Action? _then;

    // Operations this rule matched, and the ones it fired on.
    public int Matches => Volatile.Read(ref _matches);
    public int Hits => Volatile.Read(ref _hits);

    // Only operations whose byte count (a read's or write's length, 0 for others) lies in [min, max].
    public FaultRule Bytes(int min, int max = int.MaxValue)
    {
        (_minBytes, _maxBytes) = (min, max);
        return this;
    }

    // Only while the condition holds (a switch the test turns on and off). Operations outside it are not counted.
    public FaultRule While(Func<bool> condition)
    {
        _condition = condition;
        return this;
    }

    // Fires on the n-th matching operation only (1-based).
    public FaultRule Nth(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        (_skip, _times) = (n - 1, 1);
        return this;
    }

    // Lets the first n matching operations through, then fires.
    public FaultRule After(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        _skip = n;
        return this;
    }

    // Fires at most n times.
    public FaultRule Times(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        _times = n;
        return this;
    }

    public FaultRule Inject(FaultKind kind)
    {
        Kind = kind;
        return this;
    }

    // Slow I/O: the operation waits this long first (at most FaultPlan.DelayMsMax in total), then runs.
    public FaultRule Delay(int ms)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ms);
        DelayMs = Math.Min(ms, FaultPlan.DelayMsMax);
        return this;
    }

    // A stalled device: the operation waits until the gate opens (at most FaultGate.HoldMsMax), then runs.
    public FaultRule Hold(FaultGate gate)
    {
        Gate = gate;
        return this;
    }

    // Runs `action` each time the rule fires, before the operation (under the plan's lock: keep it short, and never
    // touch the file system from it). Marks a point in a sequence: "once MANIFEST.tmp was renamed, ...".
    public FaultRule Then(Action action)
    {
        _then = action;
        return this;
    }

    internal bool TryFire(FileOp op, string path, int bytes)
    {
        if (_op is { } want && want != op) return false;
        if (_pathContains is not null && !path.Contains(_pathContains, StringComparison.Ordinal)) return false;
        if (bytes < _minBytes || bytes > _maxBytes) return false;
        if (_condition is not null && !_condition()) return false;
        int match = ++_matches;
        if (match <= _skip || _hits >= _times) return false;
        _hits++;
        _then?.Invoke();
        return true;
    }
}

// Holds the operations of a FaultRule.Hold until a test opens it: a device that stops answering. Bounded: an
// operation never waits longer than HoldMsMax, so a test that forgets to open the gate fails slowly instead of
// hanging. Starts closed.
public sealed class FaultGate : IDisposable
{
    public const int HoldMsMax = 30_000;

    private readonly ManualResetEventSlim _open = new(false);
    private int _waiting;
    private int _held;

    // Operations waiting at the gate now, and all that ever waited.
    public int Waiting => Volatile.Read(ref _waiting);
    public int Held => Volatile.Read(ref _held);

    public void Open() => _open.Set();
    public void Close() => _open.Reset();

    internal void Wait()
    {
        Interlocked.Increment(ref _held);
        Interlocked.Increment(ref _waiting);
        try { _open.Wait(HoldMsMax); }
        finally { Interlocked.Decrement(ref _waiting); }
    }

    // Waits (polling) until an operation is held at the gate; false after the timeout.
    public async Task<bool> WhenHeldAsync(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (Waiting == 0)
        {
            if (DateTime.UtcNow >= until) return false;
            await Task.Delay(2);
        }
        return true;
    }

    // Opens the gate for good (the event is not disposed: an operation may still be leaving Wait).
    public void Dispose() => _open.Set();
}
