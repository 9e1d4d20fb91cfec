using System.Text;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// PutItem, GetItem, DeleteItem: round trips for every key type, key validation at its edges, ReturnValues.
public class ItemOperationsTests : IDisposable
{
    private readonly DatabaseFixture _fx = new();
    private BasaltDatabase Db => _fx.Db;
    public void Dispose() => _fx.Dispose();

    private Task Put(string table, Dictionary<string, AttributeValue> item) => Db.PutItemAsync(new() { TableName = table, Item = item }).AsTask();

    private Dictionary<string, AttributeValue>? Get(string table, Dictionary<string, AttributeValue> key) =>
        Db.GetItem(new() { TableName = table, Key = key, ConsistentRead = true }).Item;

    private async Task Invalid(Func<Task> call, string message)
    {
        var e = await Assert.ThrowsAsync<ValidationException>(call);
        Assert.Equal(message, e.Message);
        Assert.Equal("ValidationException", e.ErrorType);
    }

    public static TheoryData<ScalarAttributeType, ScalarAttributeType?> KeyTypes => new()
    {
        { ScalarAttributeType.S, null }, { ScalarAttributeType.N, null }, { ScalarAttributeType.B, null },
        { ScalarAttributeType.S, ScalarAttributeType.S }, { ScalarAttributeType.N, ScalarAttributeType.N },
        { ScalarAttributeType.B, ScalarAttributeType.B }, { ScalarAttributeType.S, ScalarAttributeType.N },
    };

    private static AttributeValue KeyValue(ScalarAttributeType type, int i) => type switch
    {
        ScalarAttributeType.S => S("key" + i),
        ScalarAttributeType.N => N(i + ".5"), // canonical text, so the stored form compares equal
        _ => B((byte)i, 0xFF, 0),
    };

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public async Task Items_round_trip_for_every_key_type(ScalarAttributeType hash, ScalarAttributeType? range)
    {
        await Db.CreateTableAsync(Table("items", hash, range));
        Dictionary<string, AttributeValue> KeyOf(int p, int s) => range is ScalarAttributeType r
            ? Item(("pk", KeyValue(hash, p)), ("sk", KeyValue(r, s)))
            : Item(("pk", KeyValue(hash, p)));
        int sorts = range is null ? 1 : 4;
        for (int p = 0; p < 5; p++)
            for (int s = 0; s < sorts; s++)
            {
                var item = KeyOf(p, s);
                item["payload"] = AttributeValue.Map(new Dictionary<string, AttributeValue> { ["n"] = N($"{p + 1}{s}"), ["l"] = AttributeValue.List(S("x"), AttributeValue.Null) });
                await Put("items", item);
            }
        for (int p = 0; p < 5; p++)
            for (int s = 0; s < sorts; s++)
            {
                var got = Get("items", KeyOf(p, s));
                Assert.NotNull(got);
                Assert.Equal(KeyOf(p, s)["pk"], got["pk"]);
                Assert.Equal(N($"{p + 1}{s}"), got["payload"].AsMap()["n"]);
            }
        Assert.Null(Get("items", KeyOf(9, 0)));

        await Db.DeleteItemAsync(new() { TableName = "items", Key = KeyOf(2, 0) });
        Assert.Null(Get("items", KeyOf(2, 0)));
        Assert.NotNull(Get("items", KeyOf(3, 0)));
        // Deleting an absent item succeeds.
        await Db.DeleteItemAsync(new() { TableName = "items", Key = KeyOf(2, 0) });
    }

    [Fact]
    public async Task Number_keys_are_normalised()
    {
        await Db.CreateTableAsync(Table("nums", ScalarAttributeType.N, ScalarAttributeType.N));
        await Put("nums", Item(("pk", N("1.0")), ("sk", N("100")), ("v", N("0.50"))));
        var got = Get("nums", Item(("pk", N("1")), ("sk", N("1E2"))));
        Assert.NotNull(got);
        Assert.Equal(N("1"), got["pk"]);     // stored canonical
        Assert.Equal(N("0.5"), got["v"]);
        await Put("nums", Item(("pk", N("01")), ("sk", N("100.000")), ("v", N("2"))));
        Assert.Equal(N("2"), Get("nums", Item(("pk", N("1")), ("sk", N("100"))))!["v"]);
        await Invalid(() => Put("nums", Item(("pk", N("abc")), ("sk", N("1")))), "The parameter cannot be converted to a numeric value: abc");
    }

    [Fact]
    public async Task Items_of_one_partition_are_stored_together_in_sort_key_order()
    {
        await Db.CreateTableAsync(Table("sorted", ScalarAttributeType.S, ScalarAttributeType.N));
        string[] numbers = ["10", "-3", "2.5", "0", "1E5", "-100"];
        foreach (var n in numbers) await Put("sorted", Item(("pk", S("p")), ("sk", N(n))));
        await Put("sorted", Item(("pk", S("q")), ("sk", N("1"))));
        var routing = new byte[] { 0, 0, 0, 1, (byte)'p' };
        var seen = new List<string>();
        using (var it = Db.Engine.Iterate(routing))
            while (it.MoveNext()) seen.Add(ItemCodec.Decode(it.Value)["sk"].AsNumber());
        Assert.Equal(["-100", "-3", "0", "2.5", "10", "100000"], seen);
    }

    [Fact]
    public async Task Missing_or_mistyped_key_attributes_are_rejected()
    {
        await Db.CreateTableAsync(Table("keys", ScalarAttributeType.S, ScalarAttributeType.N));
        await Invalid(() => Put("keys", Item(("sk", N("1")))), "One or more parameter values were invalid: Missing the key pk in the item");
        await Invalid(() => Put("keys", Item(("pk", S("a")))), "One or more parameter values were invalid: Missing the key sk in the item");
        await Invalid(() => Put("keys", Item(("pk", N("1")), ("sk", N("1")))), "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N");

        const string mismatch = "The provided key element does not match the schema";
        Assert.Equal(mismatch, Assert.Throws<ValidationException>(() => Get("keys", Item(("pk", S("a"))))).Message);
        Assert.Equal(mismatch, Assert.Throws<ValidationException>(() => Get("keys", Item(("pk", S("a")), ("sk", S("1"))))).Message);
        Assert.Equal(mismatch, Assert.Throws<ValidationException>(() => Get("keys", Item(("pk", S("a")), ("sk", N("1")), ("x", N("1"))))).Message);
        Assert.Equal(mismatch, Assert.Throws<ValidationException>(() => Get("keys", Item(("pk", S("a")), ("other", N("1"))))).Message);
        await Invalid(() => Db.DeleteItemAsync(new() { TableName = "keys", Key = Item(("pk", S("a"))) }).AsTask(), mismatch);
    }

    [Fact]
    public async Task Empty_string_and_binary_keys_are_rejected()
    {
        await Db.CreateTableAsync(Table("empty", ScalarAttributeType.S, ScalarAttributeType.B));
        await Invalid(() => Put("empty", Item(("pk", S("")), ("sk", B(1)))),
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk");
        await Invalid(() => Put("empty", Item(("pk", S("a")), ("sk", B()))),
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: sk");
        Assert.Throws<ValidationException>(() => Get("empty", Item(("pk", S("")), ("sk", B(1)))));
        // Empty non-key strings are fine.
        await Put("empty", Item(("pk", S("a")), ("sk", B(1)), ("v", S(""))));
        Assert.Equal(S(""), Get("empty", Item(("pk", S("a")), ("sk", B(1))))!["v"]);
    }

    [Fact]
    public async Task Key_sizes_at_their_limits()
    {
        await Db.CreateTableAsync(Table("big", ScalarAttributeType.S, ScalarAttributeType.B));
        string pk2048 = new('p', 2048);
        var sk1024 = Enumerable.Repeat((byte)7, 1024).ToArray();
        await Put("big", Item(("pk", S(pk2048)), ("sk", AttributeValue.Binary(sk1024))));
        Assert.NotNull(Get("big", Item(("pk", S(pk2048)), ("sk", AttributeValue.Binary(sk1024)))));
        // 2048 bytes of UTF-8 in fewer characters also fits; one more byte does not.
        await Put("big", Item(("pk", S(new string('é', 1024))), ("sk", B(1))));

        const string hashTooLarge = "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes";
        const string rangeTooLarge = "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes";
        await Invalid(() => Put("big", Item(("pk", S(pk2048 + "p")), ("sk", B(1)))), hashTooLarge);
        await Invalid(() => Put("big", Item(("pk", S(new string('é', 1024) + "x")), ("sk", B(1)))), hashTooLarge);
        await Invalid(() => Put("big", Item(("pk", S("a")), ("sk", AttributeValue.Binary(new byte[1025])))), rangeTooLarge);
        Assert.Equal(hashTooLarge, Assert.Throws<ValidationException>(() => Get("big", Item(("pk", S(pk2048 + "p")), ("sk", B(1))))).Message);
        Assert.Equal(rangeTooLarge, Assert.Throws<ValidationException>(() => Get("big", Item(("pk", S("a")), ("sk", AttributeValue.Binary(new byte[1025]))))).Message);
    }

    [Fact]
    public async Task Items_up_to_400_KB()
    {
        await Db.CreateTableAsync(Table("large"));
        // Size = "pk" (2) + "a" (1) + "v" (1) + value: exactly 409,600 fits, one byte more does not.
        var item = Item(("pk", S("a")), ("v", S(new string('x', 409_600 - 4))));
        await Put("large", item);
        Assert.Equal(409_596, Get("large", Item(("pk", S("a"))))!["v"].AsString().Length);
        await Invalid(() => Put("large", Item(("pk", S("b")), ("v", S(new string('x', 409_600 - 3))))), "Item size has exceeded the maximum allowed size");
        Assert.Null(Get("large", Item(("pk", S("b")))));
    }

    [Fact]
    public async Task Return_values_none_and_all_old()
    {
        await Db.CreateTableAsync(Table("rvs"));
        var first = await Db.PutItemAsync(new() { TableName = "rvs", Item = Item(("pk", S("a")), ("v", N("1"))), ReturnValues = ReturnValue.AllOld });
        Assert.Null(first.Attributes);
        var second = await Db.PutItemAsync(new() { TableName = "rvs", Item = Item(("pk", S("a")), ("v", N("2"))), ReturnValues = ReturnValue.AllOld });
        Assert.Equal(N("1"), second.Attributes!["v"]);
        var none = await Db.PutItemAsync(new() { TableName = "rvs", Item = Item(("pk", S("a")), ("v", N("3"))), ReturnValues = ReturnValue.None });
        Assert.Null(none.Attributes);
        var deleted = await Db.DeleteItemAsync(new() { TableName = "rvs", Key = Item(("pk", S("a"))), ReturnValues = ReturnValue.AllOld });
        Assert.Equal(N("3"), deleted.Attributes!["v"]);
        Assert.Null((await Db.DeleteItemAsync(new() { TableName = "rvs", Key = Item(("pk", S("a"))), ReturnValues = ReturnValue.AllOld })).Attributes);

        await Invalid(() => Db.PutItemAsync(new() { TableName = "rvs", Item = Item(("pk", S("a"))), ReturnValues = ReturnValue.AllNew }).AsTask(),
            "1 validation error detected: ReturnValues can only be ALL_OLD or NONE");
        await Invalid(() => Db.DeleteItemAsync(new() { TableName = "rvs", Key = Item(("pk", S("a"))), ReturnValues = ReturnValue.UpdatedOld }).AsTask(),
            "1 validation error detected: ReturnValues can only be ALL_OLD or NONE");
    }

    [Fact]
    public async Task Item_validation_errors_are_ValidationExceptions()
    {
        await Db.CreateTableAsync(Table("val"));
        await Invalid(() => Put("val", Item(("pk", S("a")), ("s", AttributeValue.StringSet([])))),
            "One or more parameter values were invalid: An string set  may not be empty");
        await Invalid(() => Put("val", Item(("pk", S("a")), ("s", AttributeValue.NumberSet(["1", "1.0"])))), "Input collection contains duplicates");
        await Invalid(() => Put("val", Item(("pk", S("a")), ("x", null!))), BasaltDatabase.EmptyAttributeValueMessage);
        // The writer is reusable after a failure.
        await Put("val", Item(("pk", S("a")), ("ns", AttributeValue.NumberSet(["1.50", "2"]))));
        Assert.Equal(["1.5", "2"], Get("val", Item(("pk", S("a"))))!["ns"].AsNumberSet());
    }

    private ref struct ReaderSink : IValueSink
    {
        public int Count;
        public string? V;
        public void OnValue(scoped ReadOnlySpan<byte> value)
        {
            var reader = new ItemReader(value);
            Count = reader.Count;
            if (reader.TryGet("v"u8, out var v)) V = Encoding.UTF8.GetString(v.Bytes);
        }
    }

    [Fact]
    public async Task TryGetItem_reads_in_place_and_the_encoded_put_writes()
    {
        await Db.CreateTableAsync(Table("raw", ScalarAttributeType.N, ScalarAttributeType.S));
        using var writer = new ItemWriter();
        writer.BeginItem();
        writer.WriteName("pk"); writer.WriteNumber("42"u8);
        writer.WriteName("sk"); writer.WriteString("s"u8);
        writer.WriteName("v"); writer.WriteString("hello"u8);
        writer.EndItem();
        await Db.PutItemAsync("raw", writer);

        var sink = new ReaderSink();
        Assert.True(Db.TryGetItem("raw", KeyAttribute.FromNumber(DynamoNumber.Parse("42.0")), KeyAttribute.String("s"u8), ref sink));
        Assert.Equal(3, sink.Count);
        Assert.Equal("hello", sink.V);
        Assert.False(Db.TryGetItem("raw", KeyAttribute.FromNumber(DynamoNumber.Parse("41")), KeyAttribute.String("s"u8), ref sink));
        Assert.Throws<ValidationException>(() => { var s = new ReaderSink(); Db.TryGetItem("raw", KeyAttribute.FromNumber(DynamoNumber.Parse("41")), KeyAttribute.None, ref s); });
        Assert.Throws<ResourceNotFoundException>(() => { var s = new ReaderSink(); Db.TryGetItem("none", KeyAttribute.String("a"u8), KeyAttribute.None, ref s); });
    }

    [Fact]
    public async Task Items_survive_reopening()
    {
        await Db.CreateTableAsync(Table("durable", ScalarAttributeType.B));
        await Put("durable", Item(("pk", B(0, 1)), ("v", S("kept"))));
        _fx.Reopen();
        Assert.Equal(S("kept"), Get("durable", Item(("pk", B(0, 1))))!["v"]);
    }
}
