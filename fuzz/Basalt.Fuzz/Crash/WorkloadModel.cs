namespace Basalt.Fuzz.Crash;

// What the supervisor knows of the workload: per key, the states acknowledged writes left it in (in order), and at
// most one write in flight when the server died (its outcome unknown). Each worker owns its keys and runs one request
// at a time, so a key's history is a sequence and a worker has at most one request in flight: the recovered state must
// be the model's state with each in-flight request wholly applied or wholly absent.
//
// Sequence numbers (Sent, Acked) come from one counter shared by all workers: if A.Acked < B.Sent, the server had
// acknowledged A before B was sent, so a log that holds B holds A (the `async` promise after a power loss).
public sealed class WorkloadModel
{
    private readonly Dictionary<ItemKey, KeyHistory> _keys = new();
    private readonly List<AtomicGroup> _groups = new();
    private long _clock;

    public IReadOnlyDictionary<ItemKey, KeyHistory> Keys => _keys;
    public IReadOnlyList<AtomicGroup> Groups => _groups;

    public long Tick() => Interlocked.Increment(ref _clock);

    // Registers a key (absent at the start) and the shard whose log holds its writes (0 when not known).
    public KeyHistory Add(ItemKey key, int shard = 0)
    {
        var history = new KeyHistory(key, shard);
        lock (_keys) _keys.Add(key, history);
        return history;
    }

    public KeyHistory this[ItemKey key] => _keys[key];

    public void AddGroup(AtomicGroup group)
    {
        lock (_groups) _groups.Add(group);
    }

    public long AckedWrites
    {
        get
        {
            lock (_keys) return _keys.Values.Sum(h => h.Entries.Count(e => e.Acked && e.OpId >= 0));
        }
    }
}

// One write of one key. OpId < 0 is the initial (absent) state.
public sealed record HistoryEntry(long OpId, string Op, ItemState? After, long Sent, long AckedAt, bool Acked);

// The writes of one key, in order: Entries[0] is the initial absent state, then one entry per acknowledged write, then
// (last) at most one write in flight. Failed writes (a condition that did not hold, a refused request) are kept apart
// in Refused for the report: none of them may ever appear.
public sealed class KeyHistory(ItemKey key, int shard)
{
    private readonly List<HistoryEntry> _entries = [new HistoryEntry(-1, "initial", null, 0, 0, true)];
    private readonly List<HistoryEntry> _refused = new();

    public ItemKey Key => key;
    public int Shard => shard;
    public IReadOnlyList<HistoryEntry> Entries => _entries;
    public IReadOnlyList<HistoryEntry> Refused => _refused;
    public HistoryEntry? InFlight => _entries[^1].Acked ? null : _entries[^1];

    // The state acknowledged writes left the key in: what a new request sees.
    public ItemState? Current => _entries.Last(e => e.Acked).After;

    public int LastAckedIndex => _entries.FindLastIndex(e => e.Acked);

    public void Acknowledge(long opId, string op, ItemState? after, long sent, long acked)
    {
        if (InFlight is not null) throw new InvalidOperationException($"{key}: a write after one in flight");
        _entries.Add(new HistoryEntry(opId, op, after, sent, acked, true));
    }

    public void SetInFlight(long opId, string op, ItemState? after, long sent)
    {
        if (InFlight is not null) throw new InvalidOperationException($"{key}: two writes in flight");
        _entries.Add(new HistoryEntry(opId, op, after, sent, 0, false));
    }

    public void Refuse(long opId, string op, ItemState? wouldBe, long sent, long at) =>
        _refused.Add(new HistoryEntry(opId, op, wouldBe, sent, at, false));
}

// The keys one transaction wrote: all of them or none must show its writes.
public sealed record AtomicGroup(long OpId, string Op, IReadOnlyList<ItemKey> Keys);
