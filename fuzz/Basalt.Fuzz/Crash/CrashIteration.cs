using System.Diagnostics;
using System.Text.Json;

namespace Basalt.Fuzz.Crash;

// What one iteration did and found.
public sealed class IterationResult
{
    public required int IterationSeed { get; init; }
    public required int OpsPerWorkerMax { get; init; }
    public required KillPlan Plan { get; init; }
    public required string DataDir { get; init; }
    public string Kill { get; set; } = "";
    public WorkloadModel Model { get; } = new();
    public WorkloadStats Stats { get; } = new();
    public CheckReport Report { get; } = new();
    public int OpsPerWorkerSent { get; set; }
    public List<string> ServerOutput { get; } = new();
    public TimeSpan Duration { get; set; }
    public bool Passed => Report.Passed;
}

// One iteration: start the server on a fresh folder, create the tables, run the workers, kill the server (SIGKILL at
// the planned moment, or the crash point fires inside it), start it again on the same folder, and check: every item
// against the model (RecoveryChecker), each index against its table, and that it takes writes again.
public static class CrashIteration
{
    public static async Task<IterationResult> RunAsync(CrashFuzzOptions options, string serverDll, int iterationSeed, int opsPerWorkerMax, CancellationToken cancel)
    {
        var plan = KillPlan.For(iterationSeed, options);
        string dir = Path.Combine(options.WorkRoot, $"basalt-crash-{options.Seed}-{iterationSeed:x8}-{Guid.NewGuid().ToString("N")[..6]}");
        var result = new IterationResult { IterationSeed = iterationSeed, OpsPerWorkerMax = opsPerWorkerMax, Plan = plan, DataDir = dir };
        var clock = Stopwatch.StartNew();
        ServerProcess? server = null;
        try
        {
            server = await ServerProcess.StartAsync(serverDll, dir, options.Durability, options.ShardCount, options.MemtableMb, plan.CrashPoint, options.StartTimeout, cancel);
            using (var wire = new DynamoWire(server.Port, TimeSpan.FromSeconds(20)))
            {
                // A table's creation is an acknowledged write like any other (in async mode a power loss may take it
                // back, with everything after it): the model holds it as a pseudo-item whose presence is the table's.
                // A crash point may fire during the creation (its WAL fsync): that creation is then in flight, and the
                // iteration goes on to the restart and the check with no workload.
                int t = 0;
                bool setUp = true;
                foreach (var (table, create) in new[] { (Workload.Items, Workload.CreateItemsTable()), (Workload.Side, Workload.CreateSideTable()) })
                {
                    long sent = result.Model.Tick();
                    var created = await wire.SendAsync("CreateTable", create, cancel);
                    var history = result.Model.Add(Workload.TableKey(table));
                    if (created.Outcome == WireOutcome.Ok)
                        history.Acknowledge(-100 - t++, $"CreateTable {table}", Workload.TableState(table), sent, result.Model.Tick());
                    else if (created.Outcome == WireOutcome.Unknown && plan.CrashPoint is not null)
                    {
                        history.SetInFlight(-100 - t++, $"CreateTable {table} (in flight)", Workload.TableState(table), sent);
                        setUp = false;
                        break;
                    }
                    else throw new InvalidOperationException($"CreateTable failed: {created}");
                }
                var workers = !setUp ? [] : Enumerable.Range(0, options.Workers).Select(i => new Worker(i, iterationSeed, result.Model, wire, result.Stats, _ => 0)).ToList();
                using var stop = new CancellationTokenSource();
                var work = Stopwatch.StartNew();
                var all = Task.WhenAll(workers.Select(w => Task.Run(() => w.RunAsync(opsPerWorkerMax, stop.Token), CancellationToken.None)));
                var exited = server.WaitForExitAsync(TimeSpan.FromSeconds(plan.KillAtSeconds));
                var first = await Task.WhenAny(all, exited);
                // Workers that all stopped before the planned moment most likely saw the server die: give the exit (and
                // the last lines of its output) a moment to arrive before telling a kill from a workload that ended.
                bool died = server.HasExited || (first == all && (result.Stats.Unknown > 0 || !setUp) && await server.WaitForExitAsync(TimeSpan.FromSeconds(2)));
                if (died) await server.WaitForExitAsync(TimeSpan.FromSeconds(5));
                if (died && plan.CrashPoint is not null && server.CrashPointLine is { } line)
                    result.Kill = $"crash point {plan.CrashPoint} fired at {work.Elapsed.TotalSeconds:0.00} s ({line[(line.IndexOf(" at ", StringComparison.Ordinal) + 4)..line.IndexOf(';')]})";
                else if (died)
                {
                    result.Kill = $"the server exited by itself with {server.ExitCode} at {work.Elapsed.TotalSeconds:0.00} s";
                    result.Report.Add(ViolationKind.Corrupt, "server died", null, $"{result.Kill}: {string.Join(" | ", server.Output.TakeLast(5))}");
                }
                else
                {
                    server.Kill();
                    string why = first == all ? "the workload ended" : plan.CrashPoint is null ? "planned" : $"crash point {plan.CrashPoint} did not fire within {plan.KillAtSeconds:0.0} s; fallback";
                    result.Kill = $"SIGKILL at {work.Elapsed.TotalSeconds:0.00} s ({why})";
                }
                await server.WaitForExitAsync(TimeSpan.FromSeconds(10));
                stop.Cancel();
                if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60), CancellationToken.None)) != all)
                    throw new TimeoutException("the workers did not stop within 60 s of the kill");
                await all;
                result.OpsPerWorkerSent = workers.Count == 0 ? 0 : workers.Max(w => w.OpsSent);
                if (!setUp) result.Kill += " during the tables' creation";
            }
            result.ServerOutput.AddRange(server.Output);
            server.Dispose();
            server = null;
            foreach (var v in result.Stats.Violations) result.Report.Violations.Add(v);

            try
            {
                server = await ServerProcess.StartAsync(serverDll, dir, options.Durability, options.ShardCount, options.MemtableMb, null, options.StartTimeout, cancel);
            }
            catch (ServerStartException e)
            {
                result.Report.Add(ViolationKind.Corrupt, "restart", null, e.Message);
                return result;
            }
            using (var wire = new DynamoWire(server.Port, TimeSpan.FromSeconds(30)))
            {
                try
                {
                    await CheckAsync(wire, options, result, cancel);
                }
                catch (InvalidOperationException e)
                {
                    result.Report.Add(ViolationKind.Corrupt, "read after restart", null, e.Message);
                }
            }
            result.ServerOutput.AddRange(server.Output);
        }
        finally
        {
            server?.Dispose();
            result.Duration = clock.Elapsed;
            if (cancel.IsCancellationRequested) CrashFuzzer.TryDelete(dir); // cut short: nothing to keep
        }
        return result;
    }

    private static async Task CheckAsync(DynamoWire wire, CrashFuzzOptions options, IterationResult result, CancellationToken cancel)
    {
        var report = result.Report;
        var itemsScan = await ScanAsync(wire, Workload.Items, null, consistent: true, cancel);
        var sideScan = await ScanAsync(wire, Workload.Side, null, consistent: true, cancel);
        var recovered = new Dictionary<ItemKey, RecoveredItem>();
        foreach (var (table, list) in new[] { (Workload.Items, itemsScan), (Workload.Side, sideScan) })
        {
            if (list is null) continue; // the table is gone: its pseudo-item is absent, and so are its items
            var pseudo = Workload.TableState(table);
            recovered[Workload.TableKey(table)] = new RecoveredItem(Workload.TableKey(table), pseudo.Ver, pseudo.Data, pseudo.Sum, pseudo.N, null, null, null);
            foreach (var element in list)
            {
                var item = Workload.ReadItem(table, element);
                if (!recovered.TryAdd(item.Key, item)) report.Add(ViolationKind.Corrupt, "duplicate item", item.Key, "the scan returned the key twice");
            }
        }
        // A kill is not a power loss: every mode promises that acknowledged writes survive it. After a power loss (the
        // WAL's unsynced tail torn away) sync and group still do; async may lose a suffix of its log (Durability.cs).
        var promise = result.Plan.LosesUnsyncedWal && options.Durability == "async" ? DurabilityPromise.SuffixPerShard : DurabilityPromise.AllAcknowledged;
        foreach (var v in RecoveryChecker.Check(result.Model, recovered, promise).Violations) report.Violations.Add(v);

        var items = itemsScan ?? [];
        // The local index is updated with its item, atomically: it must agree at once.
        var expectedLocal = items.Where(i => i.TryGetProperty("lv", out _)).Select(i => Canonical(i, ["pk", "sk", "lv"])).Order(StringComparer.Ordinal).ToList();
        var local = (await ScanAsync(wire, Workload.Items, Workload.LocalIndex, consistent: true, cancel) ?? []).Select(i => Canonical(i, null)).Order(StringComparer.Ordinal).ToList();
        CompareIndex(report, "local index agrees with its table", expectedLocal, local);

        // The global index catches up asynchronously: wait for it (bounded), then it must agree exactly.
        var expectedGlobal = items.Where(i => i.TryGetProperty("g", out _)).Select(i => Canonical(i, null)).Order(StringComparer.Ordinal).ToList();
        var waited = Stopwatch.StartNew();
        List<string> global;
        while (true)
        {
            global = (await ScanAsync(wire, Workload.Items, Workload.GlobalIndex, consistent: false, cancel) ?? []).Select(i => Canonical(i, null)).Order(StringComparer.Ordinal).ToList();
            if (global.SequenceEqual(expectedGlobal) || waited.Elapsed > options.IndexCatchUpTimeout) break;
            await Task.Delay(100, cancel);
        }
        CompareIndex(report, "global index agrees with its table", expectedGlobal, global, $" after waiting {waited.Elapsed.TotalSeconds:0.0} s");

        // It takes writes again: a new table, an item, read back.
        const string after = "after";
        var key = new ItemKey(after, "after-restart", null);
        var state = new ItemState("after.0", [1, 2, 3], 7, null, null);
        var create = await wire.SendAsync("CreateTable", Workload.CreateSideTable(after), cancel);
        var put = await wire.SendAsync("PutItem", DynamoWire.Json(w => { w.WriteString("TableName", after); Workload.WriteItem(w, "Item", key, state); }), cancel);
        var get = await wire.SendAsync("GetItem", DynamoWire.Json(w => { w.WriteString("TableName", after); Workload.WriteKey(w, "Key", key); w.WriteBoolean("ConsistentRead", true); }), cancel);
        var back = get.Json is { } doc && doc.RootElement.TryGetProperty("Item", out var it) ? Workload.ReadItem(after, it).AsState() : null;
        if (create.Outcome != WireOutcome.Ok || put.Outcome != WireOutcome.Ok || !ItemState.Same(back, state))
            report.Add(ViolationKind.Corrupt, "writes after restart", key, $"create table: {create}; put: {put}; read back: {ItemState.Describe(back)}");
    }

    private static void CompareIndex(CheckReport report, string check, List<string> expected, List<string> actual, string when = "")
    {
        if (expected.SequenceEqual(actual)) return;
        var missing = expected.Except(actual).Take(3).ToList();
        var extra = actual.Except(expected).Take(3).ToList();
        report.Add(ViolationKind.Corrupt, check, null,
            $"expected {expected.Count} entries, found {actual.Count}{when}; missing: {string.Join(" ; ", missing.Select(Short))}; extra: {string.Join(" ; ", extra.Select(Short))}");
    }

    private static string Short(string s) => s.Length > 200 ? s[..200] + "..." : s;

    // An item as text with its attributes in name order (only `only`'s when given): equal items, equal text.
    private static string Canonical(JsonElement item, string[]? only)
    {
        var parts = item.EnumerateObject().Where(p => only is null || only.Contains(p.Name)).OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value.GetRawText()}");
        return string.Join(",", parts);
    }

    // Every item of a table or index, page by page; null when the table does not exist.
    private static async Task<List<JsonElement>?> ScanAsync(DynamoWire wire, string table, string? index, bool consistent, CancellationToken cancel)
    {
        var items = new List<JsonElement>();
        JsonElement? start = null;
        for (int page = 0; page < 100_000; page++)
        {
            var body = DynamoWire.Json(w =>
            {
                w.WriteString("TableName", table);
                if (index is not null) w.WriteString("IndexName", index);
                if (consistent) w.WriteBoolean("ConsistentRead", true);
                if (start is { } s) { w.WritePropertyName("ExclusiveStartKey"); s.WriteTo(w); }
            });
            var result = await wire.SendAsync("Scan", body, cancel);
            if (result.ErrorType == "ResourceNotFoundException" && page == 0) return null;
            if (result.Outcome != WireOutcome.Ok || result.Json is null) throw new InvalidOperationException($"Scan of {table}{(index is null ? "" : "/" + index)} failed: {result}");
            var root = result.Json.RootElement;
            foreach (var item in root.GetProperty("Items").EnumerateArray()) items.Add(item.Clone());
            if (!root.TryGetProperty("LastEvaluatedKey", out var last)) return items;
            start = last.Clone();
        }
        throw new InvalidOperationException($"Scan of {table} did not end");
    }
}
