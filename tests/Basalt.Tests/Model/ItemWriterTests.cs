using System.Buffers;
using Basalt.Engine.Model;
using static Basalt.Tests.Model.ItemTestData;

namespace Basalt.Tests.Model;

public class ItemWriterTests
{
    [Fact]
    public void EveryTypeRoundTrips()
    {
        var item = EveryType();
        var decoded = ItemCodec.Decode(ItemCodec.Encode(item));
        Assert.Equal(item.Keys.OrderBy(k => k, StringComparer.Ordinal), decoded.Keys);
        foreach (var (name, value) in item) Assert.Equal(value, decoded[name]);
    }

    [Fact]
    public void EmptyItemRoundTrips()
    {
        var encoded = ItemCodec.Encode(Item());
        Assert.Equal([ItemFormat.Version, 0, 0, 0, 0], encoded);
        Assert.Empty(ItemCodec.Decode(encoded));
    }

    [Fact]
    public void IncrementalNamesInAnyOrderAreSortedInTheTable()
    {
        using var writer = new ItemWriter();
        writer.BeginItem();
        writer.WriteName("zeta"); writer.WriteNumber("1");
        writer.WriteName("alpha");
        writer.BeginMap();
        writer.WriteName("y"); writer.WriteBool(true);
        writer.WriteName("x"); writer.WriteNull();
        writer.EndMap();
        writer.WriteName("mid"); writer.WriteString(U("m"));
        var encoded = writer.EndItem().ToArray();

        var reader = new ItemReader(encoded);
        Assert.Equal(["alpha", "mid", "zeta"], Names(reader));
        Assert.True(reader.TryGet(U("alpha"), out var alpha));
        var map = alpha.AsMap();
        Assert.Equal("x"u8.ToArray(), map.NameAt(0).ToArray());
        Assert.Equal("y"u8.ToArray(), map.NameAt(1).ToArray());
        Assert.Equal(M(A("x", AttributeValue.Null), A("y", AttributeValue.Bool(true))), ItemCodec.DecodeValue(alpha));
    }

    [Fact]
    public void DuplicateNamesKeepTheLastValue()
    {
        using var writer = new ItemWriter();
        writer.BeginItem();
        writer.WriteName("a"); writer.WriteString("first");
        writer.WriteName("b"); writer.BeginMap(); writer.WriteName("k"); writer.WriteNumber("1"); writer.WriteName("k"); writer.WriteNumber("2"); writer.EndMap();
        writer.WriteName("a"); writer.BeginList(); writer.WriteString("second"); writer.EndList();
        writer.WriteName("c"); writer.WriteNull();
        writer.WriteName("a"); writer.WriteString("third");
        var encoded = writer.EndItem().ToArray();

        var decoded = ItemCodec.Decode(encoded);
        Assert.Equal(Item(A("a", S("third")), A("b", M(A("k", N("2")))), A("c", AttributeValue.Null)), decoded);
        // The overwritten entries are gone from the bytes, not just from the table.
        Assert.Equal(ItemCodec.Encode(decoded).Length, encoded.Length);
        Assert.Equal(ItemSize.Of(decoded), writer.LastItemSize);
    }

    [Fact]
    public void ManyNamesAndMembersInRandomOrderAreSorted()
    {
        TestSeed.Run(seed =>
        {
            var random = new Random(seed);
            var names = Enumerable.Range(0, 300).Select(i => $"name{random.Next(1000)}").ToArray();   // repeats included
            var members = Enumerable.Range(0, 300).Select(i => i.ToString()).OrderBy(_ => random.Next()).ToArray();
            using var writer = new ItemWriter();
            writer.BeginItem();
            var expected = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
            for (int i = 0; i < names.Length; i++)
            {
                writer.WriteName(names[i]);
                writer.WriteNumber(i.ToString());
                expected[names[i]] = N(i.ToString());
            }
            writer.WriteName("set");
            writer.BeginSet(AttributeType.NS);
            foreach (var member in members) writer.WriteNumber(member);
            writer.EndSet();
            expected["set"] = AttributeValue.NumberSet(members);
            var encoded = writer.EndItem().ToArray();

            Assert.Equal(expected, ItemCodec.Decode(encoded));
            var reader = new ItemReader(encoded);
            for (int i = 1; i < reader.Count; i++) Assert.True(reader.NameAt(i - 1).SequenceCompareTo(reader.NameAt(i)) < 0);
            Assert.True(reader.TryGet("set"u8, out var set));
            foreach (var member in members) Assert.True(set.AsSet().Contains(U(member)));
        });
    }

    [Fact]
    public void IncrementalWritingAllocatesNothingOnceWarm()
    {
        using var writer = new ItemWriter();
        WriteUnsorted(writer);
        WriteUnsorted(writer);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int length = WriteUnsorted(writer);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(length > 0);
    }

    private static int WriteUnsorted(ItemWriter writer)
    {
        writer.BeginItem();
        writer.WriteName("z"u8); writer.WriteString("last"u8);
        writer.WriteName("m"u8);
        writer.BeginMap();
        writer.WriteName("y"u8); writer.WriteNumber("2"u8);
        writer.WriteName("x"u8); writer.WriteNumber("1"u8);
        writer.EndMap();
        writer.WriteName("s"u8);
        writer.BeginSet(AttributeType.SS);
        writer.WriteString("b"u8); writer.WriteString("a"u8);
        writer.EndSet();
        writer.WriteName("a"u8); writer.WriteBool(true);
        return writer.EndItem().Length;
    }

    [Fact]
    public void WritesIntoABufferWriterAndASpan()
    {
        var item = EveryType();
        var expected = ItemCodec.Encode(item);
        using var writer = new ItemWriter();

        var output = new ArrayBufferWriter<byte>();
        writer.BeginItem();
        foreach (var (name, value) in item) { writer.WriteName(name); writer.WriteValue(value); }
        Assert.Equal(expected.Length, writer.EndItem(output));
        Assert.Equal(expected, output.WrittenSpan.ToArray());

        writer.WriteItem(item);
        var small = new byte[expected.Length - 1];
        writer.BeginItem();
        foreach (var (name, value) in item) { writer.WriteName(name); writer.WriteValue(value); }
        Assert.False(writer.TryEndItem(small, out _));
        var exact = new byte[expected.Length];
        Assert.True(writer.WrittenItem.TryCopyTo(exact));
        Assert.Equal(expected, exact);
    }

    [Fact]
    public void WriterIsReusableAfterAnError()
    {
        using var writer = new ItemWriter();
        writer.BeginItem();
        writer.WriteName("s");
        Assert.Throws<ItemValidationException>(() => { writer.BeginSet(AttributeType.SS); writer.EndSet(); });
        var encoded = writer.WriteItem(Item(A("ok", S("yes")))).ToArray();
        Assert.Equal(Item(A("ok", S("yes"))), ItemCodec.Decode(encoded));
    }

    [Theory]
    [InlineData(AttributeType.SS, "One or more parameter values were invalid: An string set  may not be empty")]
    [InlineData(AttributeType.NS, "One or more parameter values were invalid: An number set  may not be empty")]
    [InlineData(AttributeType.BS, "One or more parameter values were invalid: Binary sets should not be empty")]
    public void EmptySetIsRefusedWithDynamoDbsMessage(AttributeType setType, string message)
    {
        var empty = setType switch
        {
            AttributeType.SS => AttributeValue.StringSet([]),
            AttributeType.NS => AttributeValue.NumberSet([]),
            _ => AttributeValue.BinarySet([]),
        };
        var e = Assert.Throws<ItemValidationException>(() => ItemCodec.Encode(Item(A("set", M(A("inner", empty))))));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void DuplicateSetMembersAreRefusedWithDynamoDbsMessages()
    {
        var ss = Assert.Throws<ItemValidationException>(() => ItemCodec.Encode(Item(A("s", AttributeValue.StringSet(["a", "a"])))));
        Assert.Equal("One or more parameter values were invalid: Input collection [a, a] contains duplicates.", ss.Message);

        var ns = Assert.Throws<ItemValidationException>(() => ItemCodec.Encode(Item(A("s", AttributeValue.NumberSet(["1", "2", "1"])))));
        Assert.Equal("Input collection contains duplicates", ns.Message);

        var bs = Assert.Throws<ItemValidationException>(() => ItemCodec.Encode(Item(A("s", AttributeValue.BinarySet([[(byte)'b'], [(byte)'b']])))));
        Assert.Equal("One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains duplicates.", bs.Message);

        // Members that differ are fine, empty members included, in any order.
        var ok = ItemCodec.Encode(Item(A("s", AttributeValue.StringSet(["b", "", "a"]))));
        Assert.Equal(AttributeValue.StringSet(["", "a", "b"]), ItemCodec.Decode(ok)["s"]);
    }

    [Fact]
    public void ThirtyTwoLevelsAreAcceptedAndThirtyThreeRefused()
    {
        // The item is level 1; 31 maps inside it make 32 levels (DynamoDB accepts 31 nested maps, refuses 32).
        var deepest = Item(A("a", Nested(31, S("leaf"))));
        Assert.Equal(deepest, ItemCodec.Decode(ItemCodec.Encode(deepest)));

        var tooDeep = Item(A("a", Nested(32, S("leaf"))));
        var e = Assert.Throws<ItemValidationException>(() => ItemCodec.Encode(tooDeep));
        Assert.Equal("Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit", e.Message);

        // Lists count as levels too; a set at the deepest level is a value, not a level.
        var lists = AttributeValue.StringSet(["x"]);
        for (int i = 0; i < 31; i++) lists = i % 2 == 0 ? L(lists) : M(A("k", lists));
        Assert.Equal(lists, ItemCodec.Decode(ItemCodec.Encode(Item(A("a", lists))))["a"]);
        Assert.Throws<ItemValidationException>(() => ItemCodec.Encode(Item(A("a", L(lists)))));
    }

    [Fact]
    public void ItemOfExactly400KbIsAcceptedAndOneByteMoreRefused()
    {
        // Name "a" (1 byte) + a string of 409,599 bytes = 409,600 bytes.
        var atLimit = Item(A("a", S(new string('x', ItemFormat.ItemBytesMax - 1))));
        var encoded = ItemCodec.Encode(atLimit);
        Assert.Equal(ItemFormat.ItemBytesMax, ItemSize.Of(encoded));

        var over = Item(A("a", S(new string('x', ItemFormat.ItemBytesMax))));
        var e = Assert.Throws<ItemValidationException>(() => ItemCodec.Encode(over));
        Assert.Equal("Item size has exceeded the maximum allowed size", e.Message);

        // Over by one byte of name, in a nested map, counted the same way.
        var nested = Item(A("m", M(A("ab", S(new string('x', ItemFormat.ItemBytesMax - 1 - 3 - 2 - 1))))));
        Assert.Equal(ItemFormat.ItemBytesMax, ItemSize.Of(ItemCodec.Encode(nested)));
        var nestedOver = Item(A("m", M(A("abc", S(new string('x', ItemFormat.ItemBytesMax - 1 - 3 - 2 - 1))))));
        Assert.Throws<ItemValidationException>(() => ItemCodec.Encode(nestedOver));
    }

    [Fact]
    public void TheItemWithTheLargestEncodingPerByteOfSizeFitsTheScratch()
    {
        // Sets of one empty member cost 0 bytes of size, so each list element is 1 byte of size and 21 of encoding.
        using var writer = new ItemWriter();
        writer.BeginItem();
        writer.WriteName("l"u8);
        writer.BeginList();
        int elements = ItemFormat.ItemBytesMax - 1 - 3;
        for (int i = 0; i < elements; i++)
        {
            writer.BeginSet(AttributeType.SS);
            writer.WriteString(""u8);
            writer.EndSet();
        }
        writer.EndList();
        var encoded = writer.EndItem();
        Assert.Equal(ItemFormat.ItemBytesMax, writer.LastItemSize);
        Assert.True(encoded.Length > 20 * ItemFormat.ItemBytesMax);
    }

    [Fact]
    public void HugeInputStopsAtTheScratchBoundWithTheSizeError()
    {
        using var writer = new ItemWriter();
        writer.BeginItem();
        var e = Assert.Throws<ItemValidationException>(() =>
        {
            var chunk = new byte[60_000];
            for (int i = 0; i < 1000; i++) { writer.WriteName($"n{i}"); writer.WriteBinary(chunk); }   // 60 MB
        });
        Assert.Equal(ItemFormat.ItemTooLargeMessage, e.Message);
    }

    [Fact]
    public void AttributeNamesAreNonEmptyAndAtMost65535Bytes()
    {
        Assert.Throws<ItemValidationException>(() => ItemCodec.Encode(Item(A("", S("x")))));
        Assert.Throws<ItemValidationException>(() => ItemCodec.Encode(Item(A("m", M(A("", S("x")))))));

        var longest = new string('n', ItemFormat.AttributeNameBytesMax);
        var decoded = ItemCodec.Decode(ItemCodec.Encode(Item(A(longest, N("1")))));
        Assert.True(decoded.ContainsKey(longest));
        Assert.Throws<ItemValidationException>(() => ItemCodec.Encode(Item(A(longest + "n", N("1")))));
        // Counted in UTF-8 bytes: 21,846 three-byte characters are 65,538 bytes.
        Assert.Throws<ItemValidationException>(() => ItemCodec.Encode(Item(A(new string('✓', 21_846), N("1")))));
    }

    [Fact]
    public void MisuseIsAnInvalidOperation()
    {
        using var writer = new ItemWriter();
        Assert.Throws<InvalidOperationException>(() => writer.WriteName("a"));
        writer.BeginItem();
        Assert.Throws<InvalidOperationException>(() => writer.WriteNull());           // value without a name
        writer.WriteName("a");
        Assert.Throws<InvalidOperationException>(() => writer.WriteName("b"));        // name after name
        writer.BeginSet(AttributeType.NS);
        Assert.Throws<InvalidOperationException>(() => writer.WriteString("x"));      // S in an NS
        writer.BeginItem();
        writer.WriteName("a");
        writer.BeginList();
        Assert.Throws<InvalidOperationException>(() => writer.EndMap());
        Assert.Throws<InvalidOperationException>(() => writer.EndItem());
    }

    private static List<string> Names(ItemReader reader)
    {
        var names = new List<string>();
        while (reader.TryReadAttribute(out var name, out _)) names.Add(System.Text.Encoding.UTF8.GetString(name));
        return names;
    }
}
