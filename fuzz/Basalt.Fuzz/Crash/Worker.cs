using System.Text.Json;

namespace Basalt.Fuzz.Crash;

// Counters of one iteration's workload, shared by its workers.
public sealed class WorkloadStats
{
    public long Sent, Acked, Refused, Unknown, ConditionFailed;
    public readonly List<string> Unexpected = new();   // refusals the workload did not plan for (printed)
    public readonly List<Violation> Violations = new(); // the server disagreed with the model while it ran

    public void Note(string text)
    {
        lock (Unexpected) if (Unexpected.Count < 20) Unexpected.Add(text);
    }

    public void Violate(Violation v)
    {
        lock (Violations) Violations.Add(v);
    }
}

// One client of the workload: owns its keys (no other worker writes them), sends one request at a time, records each
// answer in the model. Its requests come from its own Random, seeded by the iteration's seed and its number, and from
// the model's state of its keys, so a rerun with the same seed sends the same requests as long as the answers are
// the same. It stops at its op budget, when told to, or at the first answer it cannot interpret (no answer, a 5xx):
// that request stays in flight in the model.
public sealed class Worker
{
    private readonly int _id;
    private readonly Random _random;
    private readonly WorkloadModel _model;
    private readonly DynamoWire _wire;
    private readonly WorkloadStats _stats;
    private readonly List<ItemKey> _keys = new();
    private int _op;

    public Worker(int id, int seed, WorkloadModel model, DynamoWire wire, WorkloadStats stats, Func<ItemKey, int> shardOf)
    {
        _id = id;
        _random = new Random(Seeds.Mix(seed, id + 1));
        _model = model;
        _wire = wire;
        _stats = stats;
        for (int p = 0; p < 3; p++)
            for (int s = 0; s < 4; s++) _keys.Add(new ItemKey(Workload.Items, $"w{id}p{p}", $"s{s}"));
        for (int p = 0; p < 4; p++) _keys.Add(new ItemKey(Workload.Side, $"w{id}x{p}", null));
        foreach (var key in _keys) model.Add(key, shardOf(key));
    }

    public int OpsSent => _op;

    public async Task RunAsync(int opsMax, CancellationToken stop)
    {
        while (_op < opsMax && !stop.IsCancellationRequested)
        {
            var op = Plan();
            if (!await ExecuteAsync(op)) return;
        }
    }

    // One planned write of one key: the state it leaves if applied; a condition on the key (null: none).
    private sealed record Write(ItemKey Key, string Kind, ItemState? After, Condition? Condition);
    private sealed record Condition(string? ExpectVer, bool ExpectAbsent, bool Holds);
    private sealed record Op(long Id, string Kind, List<Write> Writes, (ItemKey Key, Condition Condition)? Check)
    {
        public bool Holds => Writes.All(w => w.Condition?.Holds ?? true) && (Check?.Condition.Holds ?? true);
        public string Describe => $"{Kind} [{string.Join(", ", Writes.Select(w => $"{w.Kind} {w.Key}{(w.Condition is { } c ? $" if {(c.ExpectAbsent ? "absent" : "ver=" + c.ExpectVer)}" : "")}"))}{(Check is { } k ? $", check {k.Key} {(k.Condition.ExpectAbsent ? "absent" : "ver=" + k.Condition.ExpectVer)}" : "")}]";
    }

    private Op Plan()
    {
        long id = (long)_id * 1_000_000 + _op;
        int part = 0;
        string NewVer() => $"{_id}.{_op}.{part++}";
        double x = _random.NextDouble();
        Op op;
        if (x < 0.25)
        {
            var key = Pick();
            var cond = _random.Next(10) == 0 ? AbsentCondition(key) : null;
            op = new Op(id, cond is null ? "PutItem" : "PutItem(if absent)", [new Write(key, "put", NewPut(key, NewVer()), cond)], null);
        }
        else if (x < 0.50)
        {
            var key = Pick();
            var cond = _random.Next(10) < 7 ? VerCondition(key) : null;
            op = new Op(id, "UpdateItem", [new Write(key, "update", NewUpdate(key, NewVer()), cond)], null);
        }
        else if (x < 0.60)
        {
            var key = Pick();
            var cond = _random.Next(2) == 0 ? VerCondition(key) : null;
            op = new Op(id, "DeleteItem", [new Write(key, "delete", null, cond)], null);
        }
        else if (x < 0.78)
        {
            var keys = PickDistinct(_random.Next(2, 9));
            op = new Op(id, "BatchWriteItem", keys.Select(k => _random.Next(4) == 0
                ? new Write(k, "delete", null, null) : new Write(k, "put", NewPut(k, NewVer()), null)).ToList(), null);
        }
        else
        {
            var keys = PickDistinct(_random.Next(2, 6) + 1);
            (ItemKey, Condition)? check = null;
            if (_random.Next(10) < 3) check = (keys[^1], VerCondition(keys[^1]));
            var writes = new List<Write>();
            foreach (var k in check is null ? keys : keys.Take(keys.Count - 1))
            {
                int kind = _random.Next(10);
                writes.Add(kind < 4 ? new Write(k, "put", NewPut(k, NewVer()), _random.Next(8) == 0 ? VerCondition(k) : null)
                    : kind < 8 ? new Write(k, "update", NewUpdate(k, NewVer()), _random.Next(4) == 0 ? VerCondition(k) : null)
                    : new Write(k, "delete", null, null));
            }
            op = new Op(id, "TransactWriteItems", writes, check);
        }
        _op++;
        return op;
    }

    private ItemKey Pick() => _keys[_random.Next(_keys.Count)];

    private List<ItemKey> PickDistinct(int count)
    {
        var picked = _keys.OrderBy(_ => _random.Next()).Take(count).ToList();
        return picked;
    }

    // `ver = :v` with the key's current ver (holds) or, one time in six, a ver it does not have (fails); on an absent
    // item the condition fails too.
    private Condition VerCondition(ItemKey key)
    {
        var current = _model[key].Current;
        bool wrong = _random.Next(6) == 0;
        string ver = wrong || current is null ? $"none.{_random.Next(1000)}" : current.Ver;
        return new Condition(ver, false, current is not null && current.Ver == ver);
    }

    private Condition AbsentCondition(ItemKey key) => new(null, true, _model[key].Current is null);

    private int PayloadBytes(ItemKey key, string ver, string? g, string? lv)
    {
        int limit = Workload.ItemBytesMax - Workload.ItemBytes(key, ver, 0, g, lv);
        double x = _random.NextDouble();
        return x < 0.70 ? _random.Next(0, 600)
            : x < 0.90 ? _random.Next(600, 16 << 10)
            : x < 0.97 ? _random.Next(16 << 10, 128 << 10)
            : _random.Next(2) == 0 ? limit : _random.Next(128 << 10, limit + 1);
    }

    private byte[] Payload(int bytes)
    {
        var data = new byte[bytes];
        _random.NextBytes(data);
        return data;
    }

    private string? NewG() => _random.Next(5) == 0 ? null : $"g{_random.Next(4)}";
    private string? NewLv() => _random.Next(6) == 0 ? null : $"lv{_random.Next(100)}";

    private ItemState NewPut(ItemKey key, string ver)
    {
        string? g = key.Table == Workload.Items ? NewG() : null, lv = key.Table == Workload.Items ? NewLv() : null;
        return new ItemState(ver, Payload(PayloadBytes(key, ver, g, lv)), _random.Next(1000), g, lv);
    }

    // SET data, ver, sum (and sometimes g, lv), REMOVE g or lv sometimes, ADD n 1: the state it leaves on the key's
    // current state (an absent item is created from its key).
    private ItemState NewUpdate(ItemKey key, string ver)
    {
        var current = _model[key].Current;
        string? g = current?.G, lv = current?.Lv;
        if (key.Table == Workload.Items)
        {
            int gc = _random.Next(10), lc = _random.Next(10);
            if (gc < 5) g = $"g{_random.Next(4)}"; else if (gc < 7) g = null;
            if (lc < 7) lv = $"lv{_random.Next(100)}"; else if (lc < 8) lv = null;
        }
        return new ItemState(ver, Payload(PayloadBytes(key, ver, g, lv)), (current?.N ?? 0) + 1, g, lv);
    }

    private static void WriteCondition(Utf8JsonWriter w, Condition c, Dictionary<string, string> names, Dictionary<string, string> values)
    {
        if (c.ExpectAbsent) w.WriteString("ConditionExpression", "attribute_not_exists(pk)");
        else
        {
            names["#v"] = "ver";
            values[":prev"] = c.ExpectVer!;
            w.WriteString("ConditionExpression", "#v = :prev");
        }
    }

    private static void WriteNamesAndValues(Utf8JsonWriter w, Dictionary<string, string> names, Dictionary<string, string> values, ItemState? update)
    {
        if (names.Count > 0)
        {
            w.WriteStartObject("ExpressionAttributeNames");
            foreach (var (k, v) in names) w.WriteString(k, v);
            w.WriteEndObject();
        }
        if (values.Count > 0 || update is not null)
        {
            w.WriteStartObject("ExpressionAttributeValues");
            foreach (var (k, v) in values) Workload.WriteS(w, k, v);
            if (update is not null)
            {
                w.WriteStartObject(":d"); w.WriteBase64String("B", update.Data); w.WriteEndObject();
                w.WriteStartObject(":one"); w.WriteString("N", "1"); w.WriteEndObject();
            }
            w.WriteEndObject();
        }
    }

    // The members of a write action (PutItem, UpdateItem, DeleteItem, or a transaction's Put/Update/Delete).
    private void WriteAction(Utf8JsonWriter w, Write write)
    {
        w.WriteString("TableName", write.Key.Table);
        var names = new Dictionary<string, string>();
        var values = new Dictionary<string, string>();
        ItemState? update = null;
        if (write.Kind == "put") Workload.WriteItem(w, "Item", write.Key, write.After!);
        else Workload.WriteKey(w, "Key", write.Key);
        if (write.Kind == "update")
        {
            update = write.After!;
            var current = _model[write.Key].Current;
            names["#d"] = "data"; names["#v"] = "ver"; names["#s"] = "sum"; names["#n"] = "n";
            values[":v"] = update.Ver; values[":s"] = update.Sum;
            var set = new List<string> { "#d = :d", "#v = :v", "#s = :s" };
            var remove = new List<string>();
            if (write.Key.Table == Workload.Items)
            {
                if (update.G is not null && update.G != current?.G) { names["#g"] = "g"; values[":g"] = update.G; set.Add("#g = :g"); }
                else if (update.G is null && current?.G is not null) { names["#g"] = "g"; remove.Add("#g"); }
                if (update.Lv is not null && update.Lv != current?.Lv) { names["#l"] = "lv"; values[":l"] = update.Lv; set.Add("#l = :l"); }
                else if (update.Lv is null && current?.Lv is not null) { names["#l"] = "lv"; remove.Add("#l"); }
            }
            w.WriteString("UpdateExpression", $"SET {string.Join(", ", set)}{(remove.Count > 0 ? " REMOVE " + string.Join(", ", remove) : "")} ADD #n :one");
        }
        if (write.Condition is { } c) WriteCondition(w, c, names, values);
        WriteNamesAndValues(w, names, values, update);
    }

    private (string Operation, byte[] Body) Request(Op op)
    {
        switch (op.Kind)
        {
            case "PutItem" or "PutItem(if absent)": return ("PutItem", DynamoWire.Json(w => WriteAction(w, op.Writes[0])));
            case "UpdateItem": return ("UpdateItem", DynamoWire.Json(w => WriteAction(w, op.Writes[0])));
            case "DeleteItem": return ("DeleteItem", DynamoWire.Json(w => WriteAction(w, op.Writes[0])));
            case "BatchWriteItem":
                return ("BatchWriteItem", DynamoWire.Json(w =>
                {
                    w.WriteStartObject("RequestItems");
                    foreach (var table in op.Writes.GroupBy(x => x.Key.Table))
                    {
                        w.WriteStartArray(table.Key);
                        foreach (var write in table)
                        {
                            w.WriteStartObject();
                            if (write.Kind == "put")
                            {
                                w.WriteStartObject("PutRequest"); Workload.WriteItem(w, "Item", write.Key, write.After!); w.WriteEndObject();
                            }
                            else
                            {
                                w.WriteStartObject("DeleteRequest"); Workload.WriteKey(w, "Key", write.Key); w.WriteEndObject();
                            }
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    }
                    w.WriteEndObject();
                }));
            default:
                return ("TransactWriteItems", DynamoWire.Json(w =>
                {
                    w.WriteStartArray("TransactItems");
                    foreach (var write in op.Writes)
                    {
                        w.WriteStartObject();
                        w.WriteStartObject(write.Kind switch { "put" => "Put", "update" => "Update", _ => "Delete" });
                        WriteAction(w, write);
                        w.WriteEndObject();
                        w.WriteEndObject();
                    }
                    if (op.Check is { } check)
                    {
                        w.WriteStartObject();
                        w.WriteStartObject("ConditionCheck");
                        w.WriteString("TableName", check.Key.Table);
                        Workload.WriteKey(w, "Key", check.Key);
                        var names = new Dictionary<string, string>();
                        var values = new Dictionary<string, string>();
                        WriteCondition(w, check.Condition, names, values);
                        WriteNamesAndValues(w, names, values, null);
                        w.WriteEndObject();
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }));
        }
    }

    // Sends one request and records its outcome; false when the worker must stop (the outcome is unknown).
    private async Task<bool> ExecuteAsync(Op op)
    {
        var (operation, body) = Request(op);
        bool atomic = op.Kind != "BatchWriteItem";
        long sent = _model.Tick();
        Interlocked.Increment(ref _stats.Sent);
        var result = await _wire.SendAsync(operation, body);
        long at = _model.Tick();
        switch (result.Outcome)
        {
            case WireOutcome.Ok:
            {
                if (atomic && !op.Holds)
                    _stats.Violate(new Violation(ViolationKind.Corrupt, "condition outcome", op.Writes[0].Key,
                        $"op {op.Id} {op.Describe} was acknowledged, but by the model its condition does not hold (current: {string.Join("; ", op.Writes.Select(w => ItemState.Describe(_model[w.Key].Current)))})"));
                var unprocessed = op.Kind == "BatchWriteItem" ? Unprocessed(result.Json) : [];
                foreach (var write in op.Writes)
                {
                    if (unprocessed.Contains(write.Key))
                    {
                        _model[write.Key].Refuse(op.Id, $"{op.Kind} {write.Kind} (unprocessed)", write.After, sent, at);
                        continue;
                    }
                    _model[write.Key].Acknowledge(op.Id, $"{op.Kind} {write.Kind}", write.After, sent, at);
                }
                if (op.Kind == "TransactWriteItems" && op.Writes.Count > 1) _model.AddGroup(new AtomicGroup(op.Id, op.Describe, op.Writes.Select(w => w.Key).ToList()));
                Interlocked.Increment(ref _stats.Acked);
                return true;
            }
            case WireOutcome.Refused:
            {
                bool conditionFailed = result.ErrorType is "ConditionalCheckFailedException"
                    || (result.ErrorType == "TransactionCanceledException" && result.Body.Contains("ConditionalCheckFailed", StringComparison.Ordinal));
                if (conditionFailed)
                {
                    Interlocked.Increment(ref _stats.ConditionFailed);
                    if (op.Holds)
                        _stats.Violate(new Violation(ViolationKind.Corrupt, "condition outcome", op.Writes[0].Key,
                            $"op {op.Id} {op.Describe} failed its condition, but by the model it holds (current: {string.Join("; ", op.Writes.Select(w => ItemState.Describe(_model[w.Key].Current)))}): {result}"));
                }
                else
                {
                    Interlocked.Increment(ref _stats.Refused);
                    _stats.Note($"worker {_id} op {op.Id} {op.Kind}: {result}");
                }
                foreach (var write in op.Writes) _model[write.Key].Refuse(op.Id, $"{op.Kind} {write.Kind} ({result.ErrorType})", write.After, sent, at);
                return true;
            }
            default:
            {
                Interlocked.Increment(ref _stats.Unknown);
                if (op.Holds)
                {
                    foreach (var write in op.Writes) _model[write.Key].SetInFlight(op.Id, $"{op.Kind} {write.Kind} (in flight)", write.After, sent);
                    if (atomic && op.Writes.Count > 1) _model.AddGroup(new AtomicGroup(op.Id, op.Describe, op.Writes.Select(w => w.Key).ToList()));
                }
                else
                {
                    // By the model its condition fails: nothing of it may appear.
                    foreach (var write in op.Writes) _model[write.Key].Refuse(op.Id, $"{op.Kind} {write.Kind} (in flight, condition fails)", write.After, sent, at);
                }
                _stats.Note($"worker {_id} op {op.Id} {op.Kind} outcome unknown: {result}");
                return false;
            }
        }
    }

    private static HashSet<ItemKey> Unprocessed(JsonDocument? json)
    {
        var keys = new HashSet<ItemKey>();
        if (json is null || !json.RootElement.TryGetProperty("UnprocessedItems", out var tables) || tables.ValueKind != JsonValueKind.Object) return keys;
        foreach (var table in tables.EnumerateObject())
            foreach (var request in table.Value.EnumerateArray())
            {
                var item = request.TryGetProperty("PutRequest", out var put) ? put.GetProperty("Item") : request.GetProperty("DeleteRequest").GetProperty("Key");
                var read = Workload.ReadItem(table.Name, item);
                keys.Add(read.Key);
            }
        return keys;
    }
}
