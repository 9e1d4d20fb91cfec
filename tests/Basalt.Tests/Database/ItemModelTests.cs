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
}
