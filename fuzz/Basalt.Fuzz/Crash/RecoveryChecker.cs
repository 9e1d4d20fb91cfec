namespace Basalt.Fuzz.Crash;

// What a durability mode promises about a crash, as docs/storage-engine.md and Durability.cs state it.
public enum DurabilityPromise
{
    // Every acknowledged write survives: `sync` and `group` always, `async` across a kill of the process (the OS
    // holds the bytes it was given).
    AllAcknowledged,
    // `async` after a power loss: per shard, a suffix of the acknowledged writes may be missing, never a hole.
    SuffixPerShard,
}

public enum ViolationKind { Lost, Corrupt }

public sealed record Violation(ViolationKind Kind, string Check, ItemKey? Key, string Detail)
{
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}: {Check}{(Key is { } k ? $" {k}" : "")}: {Detail}";
}

public sealed class CheckReport
{
    public List<Violation> Violations { get; } = new();
    public int Lost => Violations.Count(v => v.Kind == ViolationKind.Lost);
    public int Corrupt => Violations.Count(v => v.Kind == ViolationKind.Corrupt);
    public bool Passed => Violations.Count == 0;

    public void Add(ViolationKind kind, string check, ItemKey? key, string detail) => Violations.Add(new Violation(kind, check, key, detail));
}

// Judges a recovered state against the model: pure, so tests feed it fabricated states and see it fail.
//
// Per key, the recovered item (or its absence) must equal the state some entry of the key's history left (an
// acknowledged write, the initial absence, or the write in flight); an item whose `sum` does not match its content, or
// that no write produced, or that differs from what its `ver`'s write wrote, is corrupt. Under AllAcknowledged the
// matching entry must be the last acknowledged one or the one in flight after it, else the acknowledged writes after
// it are lost. Under SuffixPerShard any entry may match, but a write that survived (an item whose ver names it) must
// not have been sent after a lost write of its shard was acknowledged: that would be a hole. Every transaction's keys
// must agree on whether it was applied. Items of keys the workload never wrote are corrupt.
public static class RecoveryChecker
{
    public static CheckReport Check(WorkloadModel model, IReadOnlyDictionary<ItemKey, RecoveredItem> recovered, DurabilityPromise promise)
    {
        var report = new CheckReport();
        // Per key, the history indexes its recovered state matches (the in-flight entry included); null: no match.
        var matches = new Dictionary<ItemKey, List<int>>();
        var lostByShard = new Dictionary<int, List<(ItemKey Key, HistoryEntry Entry)>>();
        var survivors = new List<(ItemKey Key, int Shard, HistoryEntry Entry)>();

        foreach (var item in recovered.Values)
            if (!model.Keys.ContainsKey(item.Key))
                report.Add(ViolationKind.Corrupt, "unexpected item", item.Key, $"the workload never wrote this key (ver={item.Ver ?? "?"})");

        foreach (var (key, history) in model.Keys)
        {
            recovered.TryGetValue(key, out var item);
            ItemState? state = null;
            if (item is not null)
            {
                if (item.Problem is not null)
                {
                    report.Add(ViolationKind.Corrupt, "malformed item", key, item.Problem);
                    continue;
                }
                state = item.AsState();
                if (state is null)
                {
                    report.Add(ViolationKind.Corrupt, "malformed item", key, "missing ver, data or n");
                    continue;
                }
                if (item.Sum != state.Sum)
                {
                    report.Add(ViolationKind.Corrupt, "checksum", key, $"sum {item.Sum ?? "(none)"} does not match the item's content ({ItemState.Describe(state)})");
                    continue;
                }
            }
            var entries = history.Entries;
            var found = new List<int>();
            for (int i = 0; i < entries.Count; i++)
                if (ItemState.Same(entries[i].After, state)) found.Add(i);
            if (found.Count == 0)
            {
                if (state is null)
                {
                    var last = entries[history.LastAckedIndex];
                    report.Add(ViolationKind.Lost, "acknowledged write missing", key, $"item absent; expected {ItemState.Describe(last.After)} from op {last.OpId} ({last.Op})");
                    continue;
                }
                var named = entries.FirstOrDefault(e => e.After?.Ver == state.Ver);
                var refused = history.Refused.FirstOrDefault(e => e.After?.Ver == state.Ver);
                string detail = named is not null ? $"content differs from what op {named.OpId} ({named.Op}) wrote: expected {ItemState.Describe(named.After)}, got {ItemState.Describe(state)}"
                    : refused is not null ? $"a write that was refused or whose condition failed was applied: op {refused.OpId} ({refused.Op}), got {ItemState.Describe(state)}"
                    : $"no write produced this item: got {ItemState.Describe(state)}";
                report.Add(ViolationKind.Corrupt, "unknown value", key, detail);
                continue;
            }
            matches[key] = found;
            int lastAcked = history.LastAckedIndex;
            int best = found[^1];
            if (promise == DurabilityPromise.AllAcknowledged)
            {
                if (best < lastAcked)
                {
                    var lostEntry = entries[lastAcked];
                    int lostCount = entries.Skip(best + 1).Count(e => e.Acked);
                    report.Add(ViolationKind.Lost, "acknowledged write missing", key,
                        $"{lostCount} acknowledged write(s) missing: expected {ItemState.Describe(lostEntry.After)} from op {lostEntry.OpId} ({lostEntry.Op}), got {ItemState.Describe(state)} (op {entries[best].OpId})");
                }
            }
            else
            {
                for (int i = best + 1; i < entries.Count; i++)
                    if (entries[i].Acked)
                    {
                        if (!lostByShard.TryGetValue(history.Shard, out var list)) lostByShard[history.Shard] = list = new();
                        list.Add((key, entries[i]));
                    }
                if (state is not null && found.Count == 1 && entries[best].OpId >= 0) survivors.Add((key, history.Shard, entries[best]));
            }
        }

        if (promise == DurabilityPromise.SuffixPerShard)
        {
            foreach (var (shard, lost) in lostByShard)
            {
                var first = lost.MinBy(l => l.Entry.AckedAt);
                foreach (var survivor in survivors.Where(s => s.Shard == shard && s.Entry.Sent > first.Entry.AckedAt))
                    report.Add(ViolationKind.Lost, "hole in the log", first.Key,
                        $"op {first.Entry.OpId} ({first.Entry.Op}) was acknowledged (t={first.Entry.AckedAt}) and is missing, but op {survivor.Entry.OpId} on {survivor.Key}, sent later (t={survivor.Entry.Sent}), survived");
            }
        }

        foreach (var group in model.Groups)
        {
            // Per key, whether the transaction's write is visible: a set, because a write that left the key as it was
            // (a delete of an absent item) reads as applied and as not applied.
            bool canApplied = true, canNot = true;
            var seen = new List<string>();
            foreach (var key in group.Keys)
            {
                if (!matches.TryGetValue(key, out var found)) continue; // already reported
                var entries = model[key].Entries;
                int at = -1;
                for (int i = 0; i < entries.Count; i++)
                    if (entries[i].OpId == group.OpId) at = i;
                if (at < 0) continue;
                bool applied = found.Any(i => i >= at), notApplied = found.Any(i => i < at);
                canApplied &= applied;
                canNot &= notApplied;
                seen.Add($"{key}: {(applied && notApplied ? "either" : applied ? "applied" : "not applied")}");
            }
            if (!canApplied && !canNot)
                report.Add(ViolationKind.Corrupt, "transaction partly applied", null, $"op {group.OpId} ({group.Op}): {string.Join("; ", seen)}");
        }
        return report;
    }
}
