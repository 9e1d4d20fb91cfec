using Basalt.Engine.Database;
using Basalt.Engine.Model;
using CsCheck;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// Random PutItem / GetItem / DeleteItem sequences against a dictionary keyed by the canonical key, over two tables
// (one with a number sort key written in varying forms, so normalisation is exercised), with a reopen in the middle.
// CsCheck prints its own seed when a sample fails and replays it from the CsCheck_Seed environment variable.
public class ItemModelTests
{
    private enum Op { Put, Get, Delete, PutReturnOld, DeleteReturnOld }

    private static readonly Gen<(Op Op, int Table, int Pk, int Sk, int NumberForm, int Value)> Step =
        Gen.Select(Gen.Enum<Op>(), Gen.Int[0, 1], Gen.Int[0, 6], Gen.Int[-3, 3], Gen.Int[0, 2], Gen.Int[0, 1000]);

    private static string NumberText(int value, int form) => form switch
    {
        0 => value.ToString(),
        1 => value + ".000",
        _ => value == 0 ? "0E5" : value + "0E-1",
    };

    [Fact]
    public void Random_operations_match_a_dictionary()
    {
        Step.Array[1, 120].Sample(steps =>
        {
            using var fx = new DatabaseFixture();
            fx.Db.CreateTableAsync(Table("hashonly", ScalarAttributeType.S)).GetAwaiter().GetResult();
            fx.Db.CreateTableAsync(Table("ranged", ScalarAttributeType.B, ScalarAttributeType.N)).GetAwaiter().GetResult();
            var model = new Dictionary<(int Table, int Pk, int Sk), int>();
            for (int i = 0; i < steps.Length; i++)
            {
                if (i == steps.Length / 2) fx.Reopen();
                var (op, t, pk, sk, form, value) = steps[i];
                if (t == 0) sk = 0;
                string table = t == 0 ? "hashonly" : "ranged";
                var key = t == 0 ? Item(("pk", S("p" + pk))) : Item(("pk", B((byte)pk)), ("sk", N(NumberText(sk, form))));
                model.TryGetValue((t, pk, sk), out int old);
                bool had = model.ContainsKey((t, pk, sk));
                switch (op)
                {
                    case Op.Put or Op.PutReturnOld:
                        var item = new Dictionary<string, AttributeValue>(key) { ["v"] = N(value.ToString()) };
                        var put = fx.Db.PutItemAsync(new() { TableName = table, Item = item, ReturnValues = op == Op.PutReturnOld ? ReturnValue.AllOld : null })
                            .AsTask().GetAwaiter().GetResult();
                        if (op == Op.PutReturnOld) Assert.Equal(had ? N(old.ToString()) : null, put.Attributes?["v"]);
                        else Assert.Null(put.Attributes);
                        model[(t, pk, sk)] = value;
                        break;
                    case Op.Delete or Op.DeleteReturnOld:
                        var del = fx.Db.DeleteItemAsync(new() { TableName = table, Key = key, ReturnValues = op == Op.DeleteReturnOld ? ReturnValue.AllOld : null })
                            .AsTask().GetAwaiter().GetResult();
                        if (op == Op.DeleteReturnOld) Assert.Equal(had ? N(old.ToString()) : null, del.Attributes?["v"]);
                        model.Remove((t, pk, sk));
                        break;
                    default:
                        var got = fx.Db.GetItem(new() { TableName = table, Key = key }).Item;
                        Assert.Equal(had ? N(old.ToString()) : null, got?["v"]);
                        break;
                }
            }
            foreach (var ((t, pk, sk), value) in model)
            {
                var key = t == 0 ? Item(("pk", S("p" + pk))) : Item(("pk", B((byte)pk)), ("sk", N(sk.ToString())));
                Assert.Equal(N(value.ToString()), fx.Db.GetItem(new() { TableName = t == 0 ? "hashonly" : "ranged", Key = key }).Item?["v"]);
            }
        }, iter: 60);
    }

    private enum CondOp { PutCreate, PutCas, UpdateSetAdd, UpdateAddExisting, DeleteIf, Get, Query }

    private static readonly Gen<(CondOp Op, int Pk, int Sk, int A, int B)> CondStep =
        Gen.Select(Gen.Enum<CondOp>(), Gen.Int[0, 2], Gen.Int[0, 3], Gen.Int[-3, 3], Gen.Int[-3, 3]);

    // Conditional writes and update expressions against a model of two attributes (v, c, either may be absent):
    // create-only puts, compare-and-set puts, an upserting SET with if_not_exists, an ADD that requires the item,
    // a conditional delete, and reads by GetItem and by Query over the partition, with a reopen in the middle. A
    // write whose condition fails must throw ConditionalCheckFailedException and change nothing.
    [Fact]
    public void Conditional_writes_and_updates_match_a_model()
    {
        CondStep.Array[1, 100].Sample(steps =>
        {
            using var fx = new DatabaseFixture();
            fx.Db.CreateTableAsync(Table("cond", ScalarAttributeType.S, ScalarAttributeType.N)).GetAwaiter().GetResult();
            var model = new SortedDictionary<(int Pk, int Sk), (int? V, int? C)>();
            static string Text(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            for (int i = 0; i < steps.Length; i++)
            {
                if (i == steps.Length / 2) fx.Reopen();
                var (op, pk, sk, a, b) = steps[i];
                var key = Item(("pk", S("p" + pk)), ("sk", N(Text(sk))));
                bool exists = model.TryGetValue((pk, sk), out var state);
                bool Fails(Func<Task> write)
                {
                    try
                    {
                        write().GetAwaiter().GetResult();
                        return false;
                    }
                    catch (Basalt.Engine.Database.ConditionalCheckFailedException)
                    {
                        return true;
                    }
                }
                switch (op)
                {
                    case CondOp.PutCreate:
                    {
                        bool failed = Fails(() => fx.Db.PutItemAsync(new()
                        {
                            TableName = "cond", Item = new(key) { ["v"] = N(Text(a)) }, ConditionExpression = "attribute_not_exists(pk)",
                        }).AsTask());
                        Assert.Equal(exists, failed);
                        if (!failed) model[(pk, sk)] = (a, null);
                        break;
                    }
                    case CondOp.PutCas:
                    {
                        bool failed = Fails(() => fx.Db.PutItemAsync(new()
                        {
                            TableName = "cond", Item = new(key) { ["v"] = N(Text(b)) }, ConditionExpression = "v = :e",
                            ExpressionAttributeValues = new() { [":e"] = N(Text(a)) },
                        }).AsTask());
                        Assert.Equal(!(exists && state.V == a), failed);
                        if (!failed) model[(pk, sk)] = (b, null);
                        break;
                    }
                    case CondOp.UpdateSetAdd:
                    {
                        var response = fx.Db.UpdateItemAsync(new()
                        {
                            TableName = "cond", Key = key, UpdateExpression = "SET v = if_not_exists(v, :zero) + :d",
                            ExpressionAttributeValues = new() { [":zero"] = N("0"), [":d"] = N(Text(a)) },
                            ReturnValues = ReturnValue.UpdatedNew,
                        }).AsTask().GetAwaiter().GetResult();
                        int v = (exists ? state.V ?? 0 : 0) + a;
                        Assert.Equal(N(Text(v)), response.Attributes!["v"]);
                        Assert.Single(response.Attributes);
                        model[(pk, sk)] = (v, exists ? state.C : null);
                        break;
                    }
                    case CondOp.UpdateAddExisting:
                    {
                        UpdateItemResponse? response = null;
                        bool failed = Fails(async () => response = await fx.Db.UpdateItemAsync(new()
                        {
                            TableName = "cond", Key = key, UpdateExpression = "ADD c :d", ConditionExpression = "attribute_exists(pk)",
                            ExpressionAttributeValues = new() { [":d"] = N(Text(a)) }, ReturnValues = ReturnValue.AllOld,
                        }));
                        Assert.Equal(!exists, failed);
                        if (!failed)
                        {
                            Assert.Equal(state.C is int c ? N(Text(c)) : null, response!.Attributes!.GetValueOrDefault("c"));
                            model[(pk, sk)] = (state.V, (state.C ?? 0) + a);
                        }
                        break;
                    }
                    case CondOp.DeleteIf:
                    {
                        bool failed = Fails(() => fx.Db.DeleteItemAsync(new()
                        {
                            TableName = "cond", Key = key, ConditionExpression = "v < :x", ExpressionAttributeValues = new() { [":x"] = N(Text(a)) },
                        }).AsTask());
                        Assert.Equal(!(exists && state.V is int v && v < a), failed);
                        if (!failed) model.Remove((pk, sk));
                        break;
                    }
                    case CondOp.Get:
                    {
                        var item = fx.Db.GetItem(new() { TableName = "cond", Key = key }).Item;
                        Assert.Equal(exists, item is not null);
                        if (exists) AssertState(state, item!);
                        break;
                    }
                    default:
                    {
                        var page = fx.Db.Query(new()
                        {
                            TableName = "cond", KeyConditionExpression = "pk = :p", ExpressionAttributeValues = new() { [":p"] = S("p" + pk) },
                        });
                        var expected = model.Where(e => e.Key.Pk == pk).ToList();
                        Assert.Equal(expected.Count, page.Count);
                        for (int k = 0; k < expected.Count; k++)
                        {
                            Assert.Equal(N(Text(expected[k].Key.Sk)), page.Items[k]["sk"]);
                            AssertState(expected[k].Value, page.Items[k]);
                        }
                        break;
                    }
                }
            }
        }, iter: 60);

        static void AssertState((int? V, int? C) state, Dictionary<string, AttributeValue> item)
        {
            Assert.Equal(state.V is int v ? N(v.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null, item.GetValueOrDefault("v"));
            Assert.Equal(state.C is int c ? N(c.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null, item.GetValueOrDefault("c"));
        }
    }
}
