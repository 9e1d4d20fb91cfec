using Basalt.Fuzz.Crash;

namespace Basalt.Tests.Fuzz;

// The crash fuzzer's model checker on fabricated recovered states: it passes the states a correct recovery may leave
// and fails, with the right kind and check, on a lost acknowledged write, a half-applied transaction, a corrupt value,
// a write whose condition failed, an unknown item, and (async after power loss) a hole in the log.
public class RecoveryCheckerTests
{
    private static readonly ItemKey A = new("items", "w0p0", "s0"), B = new("items", "w0p0", "s1"), C = new("side", "w0x0", null);

    private static ItemState State(string ver, int bytes = 8, long n = 1, string? g = "g1", string? lv = "lv1") =>
        new(ver, Enumerable.Range(0, bytes).Select(i => (byte)(i * 7 + ver.Length)).ToArray(), n, g, lv);

    private static RecoveredItem Recovered(ItemKey key, ItemState s, string? sum = null) => new(key, s.Ver, s.Data, sum ?? s.Sum, s.N, s.G, s.Lv, null);

    private static Dictionary<ItemKey, RecoveredItem> Items(params RecoveredItem[] items) => items.ToDictionary(i => i.Key);

    // A acked twice (a1, a2), B acked once (b1), then a transaction over A, B and C in flight (t).
    private static WorkloadModel Scenario(out ItemState a1, out ItemState a2, out ItemState b1, out ItemState ta, out ItemState tb, out ItemState tc)
    {
        var model = new WorkloadModel();
        foreach (var k in new[] { A, B, C }) model.Add(k);
        a1 = State("0.0.0"); a2 = State("0.1.0", 400); b1 = State("0.2.0", g: null);
        model[A].Acknowledge(0, "PutItem put", a1, model.Tick(), model.Tick());
        model[A].Acknowledge(1, "UpdateItem update", a2, model.Tick(), model.Tick());
        model[B].Acknowledge(2, "PutItem put", b1, model.Tick(), model.Tick());
        ta = State("0.3.0"); tb = State("0.3.1"); tc = State("0.3.2", g: null, lv: null);
        long sent = model.Tick();
        model[A].SetInFlight(3, "TransactWriteItems put", ta, sent);
        model[B].SetInFlight(3, "TransactWriteItems update", tb, sent);
        model[C].SetInFlight(3, "TransactWriteItems put", tc, sent);
        model.AddGroup(new AtomicGroup(3, "TransactWriteItems", [A, B, C]));
        return model;
    }

    [Fact]
    public void An_in_flight_transaction_wholly_applied_or_wholly_absent_passes()
    {
        var model = Scenario(out var a1, out var a2, out var b1, out var ta, out var tb, out var tc);
        var absent = RecoveryChecker.Check(model, Items(Recovered(A, a2), Recovered(B, b1)), DurabilityPromise.AllAcknowledged);
        Assert.True(absent.Passed, string.Join("\n", absent.Violations));
        var applied = RecoveryChecker.Check(model, Items(Recovered(A, ta), Recovered(B, tb), Recovered(C, tc)), DurabilityPromise.AllAcknowledged);
        Assert.True(applied.Passed, string.Join("\n", applied.Violations));
        Assert.Equal(3, model.AckedWrites); // a1, a2, b1
    }

    [Fact]
    public void A_lost_acknowledged_write_is_reported_lost()
    {
        var model = Scenario(out var a1, out _, out var b1, out _, out _, out _);
        // A shows its first write: the acknowledged update a2 is gone.
        var report = RecoveryChecker.Check(model, Items(Recovered(A, a1), Recovered(B, b1)), DurabilityPromise.AllAcknowledged);
        var v = Assert.Single(report.Violations);
        Assert.Equal(ViolationKind.Lost, v.Kind);
        Assert.Equal(A, v.Key);
        Assert.Contains("acknowledged write missing", v.Check);
        Assert.Equal(1, report.Lost);
        Assert.Equal(0, report.Corrupt);
    }

    [Fact]
    public void An_acknowledged_item_that_is_absent_is_reported_lost()
    {
        var model = Scenario(out _, out var a2, out _, out _, out _, out _);
        var report = RecoveryChecker.Check(model, Items(Recovered(A, a2)), DurabilityPromise.AllAcknowledged);
        var v = Assert.Single(report.Violations);
        Assert.Equal(ViolationKind.Lost, v.Kind);
        Assert.Equal(B, v.Key);
    }

    [Fact]
    public void A_half_applied_transaction_is_reported_corrupt()
    {
        var model = Scenario(out _, out var a2, out var b1, out var ta, out _, out var tc);
        // A and C show the transaction, B does not.
        var report = RecoveryChecker.Check(model, Items(Recovered(A, ta), Recovered(B, b1), Recovered(C, tc)), DurabilityPromise.AllAcknowledged);
        var v = Assert.Single(report.Violations);
        Assert.Equal(ViolationKind.Corrupt, v.Kind);
        Assert.Equal("transaction partly applied", v.Check);
        Assert.Contains($"{B}: not applied", v.Detail);
        Assert.Contains($"{A}: applied", v.Detail);
        Assert.Equal(0, report.Lost);
    }

    [Fact]
    public void A_half_applied_acknowledged_transaction_is_lost_and_partly_applied()
    {
        var model = new WorkloadModel();
        model.Add(A);
        model.Add(C);
        var ta = State("1.0.0");
        var tc = State("1.0.1", g: null, lv: null);
        model[A].Acknowledge(5, "TransactWriteItems put", ta, model.Tick(), model.Tick());
        model[C].Acknowledge(5, "TransactWriteItems put", tc, 1, 2);
        model.AddGroup(new AtomicGroup(5, "TransactWriteItems", [A, C]));
        var report = RecoveryChecker.Check(model, Items(Recovered(A, ta)), DurabilityPromise.AllAcknowledged);
        Assert.Equal(1, report.Lost);
        Assert.Contains(report.Violations, v => v.Check == "transaction partly applied");
    }

    [Fact]
    public void A_corrupt_value_is_reported_by_its_checksum_and_by_the_model()
    {
        var model = Scenario(out _, out var a2, out var b1, out _, out _, out _);
        // One bit flipped in A's data, its sum left as written: the item's own checksum no longer matches.
        var flipped = (byte[])a2.Data.Clone();
        flipped[100] ^= 0x10;
        var bad = new RecoveredItem(A, a2.Ver, flipped, a2.Sum, a2.N, a2.G, a2.Lv, null);
        var report = RecoveryChecker.Check(model, Items(bad, Recovered(B, b1)), DurabilityPromise.AllAcknowledged);
        var v = Assert.Single(report.Violations);
        Assert.Equal(ViolationKind.Corrupt, v.Kind);
        Assert.Equal("checksum", v.Check);

        // Consistent checksum, wrong content (n changed): the model tells.
        var wrongN = new ItemState(a2.Ver, a2.Data, a2.N + 1, a2.G, a2.Lv);
        report = RecoveryChecker.Check(model, Items(Recovered(A, wrongN), Recovered(B, b1)), DurabilityPromise.AllAcknowledged);
        v = Assert.Single(report.Violations);
        Assert.Equal("unknown value", v.Check);
        Assert.Contains("content differs", v.Detail);

        // Unparseable.
        report = RecoveryChecker.Check(model, Items(new RecoveredItem(A, null, null, null, null, null, null, "data is not binary"), Recovered(B, b1)), DurabilityPromise.AllAcknowledged);
        Assert.Equal("malformed item", Assert.Single(report.Violations).Check);
    }

    [Fact]
    public void A_write_whose_condition_failed_must_not_appear()
    {
        var model = new WorkloadModel();
        model.Add(A);
        var a1 = State("2.0.0");
        model[A].Acknowledge(0, "PutItem put", a1, 1, 2);
        var refused = State("2.1.0");
        model[A].Refuse(1, "UpdateItem update (ConditionalCheckFailedException)", refused, 3, 4);
        Assert.True(RecoveryChecker.Check(model, Items(Recovered(A, a1)), DurabilityPromise.AllAcknowledged).Passed);
        var report = RecoveryChecker.Check(model, Items(Recovered(A, refused)), DurabilityPromise.AllAcknowledged);
        Assert.Contains(report.Violations, v => v.Check == "unknown value" && v.Detail.Contains("refused or whose condition failed"));
        Assert.Contains(report.Violations, v => v.Kind == ViolationKind.Corrupt);
    }

    [Fact]
    public void An_item_no_write_produced_or_of_an_unknown_key_is_corrupt()
    {
        var model = Scenario(out _, out var a2, out var b1, out _, out _, out _);
        var stray = new ItemKey("items", "nobody", "s0");
        var report = RecoveryChecker.Check(model, Items(Recovered(A, a2), Recovered(B, b1), Recovered(stray, State("9.9.9"))), DurabilityPromise.AllAcknowledged);
        Assert.Equal("unexpected item", Assert.Single(report.Violations).Check);
        report = RecoveryChecker.Check(model, Items(Recovered(A, State("7.7.7")), Recovered(B, b1)), DurabilityPromise.AllAcknowledged);
        Assert.Contains("no write produced", Assert.Single(report.Violations).Detail);
    }

    [Fact]
    public void Async_after_power_loss_allows_a_missing_suffix_but_not_a_hole()
    {
        var model = new WorkloadModel();
        model.Add(A);
        model.Add(B);
        var a1 = State("3.0.0");
        var b1 = State("3.1.0");
        // a1 acknowledged, then b1 sent and acknowledged: b1 follows a1 in the shard's log.
        long s1 = model.Tick(), k1 = model.Tick();
        model[A].Acknowledge(0, "PutItem put", a1, s1, k1);
        long s2 = model.Tick(), k2 = model.Tick();
        model[B].Acknowledge(1, "PutItem put", b1, s2, k2);

        // A suffix missing: b1 (or both) gone is within the promise; not under AllAcknowledged.
        Assert.True(RecoveryChecker.Check(model, Items(Recovered(A, a1)), DurabilityPromise.SuffixPerShard).Passed);
        Assert.True(RecoveryChecker.Check(model, Items(), DurabilityPromise.SuffixPerShard).Passed);
        Assert.Equal(1, RecoveryChecker.Check(model, Items(Recovered(A, a1)), DurabilityPromise.AllAcknowledged).Lost);

        // A hole: b1 survived but a1, acknowledged before b1 was sent, did not.
        var report = RecoveryChecker.Check(model, Items(Recovered(B, b1)), DurabilityPromise.SuffixPerShard);
        var v = Assert.Single(report.Violations);
        Assert.Equal(ViolationKind.Lost, v.Kind);
        Assert.Equal("hole in the log", v.Check);

        // Other shards' logs are their own: no hole across shards.
        var sharded = new WorkloadModel();
        sharded.Add(A, shard: 0);
        sharded.Add(B, shard: 1);
        sharded[A].Acknowledge(0, "PutItem put", a1, s1, k1);
        sharded[B].Acknowledge(1, "PutItem put", b1, s2, k2);
        Assert.True(RecoveryChecker.Check(sharded, Items(Recovered(B, b1)), DurabilityPromise.SuffixPerShard).Passed);
    }
    [Fact]
    public void A_lost_table_is_a_lost_write_and_in_async_the_start_of_a_suffix()
    {
        var model = new WorkloadModel();
        var table = Workload.TableKey("side");
        var pseudo = Workload.TableState("side");
        model.Add(table).Acknowledge(-100, "CreateTable side", pseudo, model.Tick(), model.Tick());
        model.Add(C);
        var c1 = State("4.0.0", g: null, lv: null);
        long sent = model.Tick();
        model[C].Acknowledge(0, "PutItem put", c1, sent, model.Tick());
        var tableThere = new RecoveredItem(table, pseudo.Ver, pseudo.Data, pseudo.Sum, pseudo.N, null, null, null);

        Assert.True(RecoveryChecker.Check(model, Items(tableThere, Recovered(C, c1)), DurabilityPromise.AllAcknowledged).Passed);
        // The table gone with everything after it: a suffix under async's power-loss promise, lost writes otherwise.
        Assert.True(RecoveryChecker.Check(model, Items(), DurabilityPromise.SuffixPerShard).Passed);
        Assert.Equal(2, RecoveryChecker.Check(model, Items(), DurabilityPromise.AllAcknowledged).Lost);
        // The table gone but a later item there: a hole.
        Assert.Contains(RecoveryChecker.Check(model, Items(Recovered(C, c1)), DurabilityPromise.SuffixPerShard).Violations, v => v.Check == "hole in the log");
    }
}
