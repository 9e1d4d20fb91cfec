using System.Text;
using Basalt.Engine.Model;
using CsCheck;

namespace Basalt.Tests.Model;

// Random items with random nesting: encode, decode, look every attribute up in place, and compare sizes.
// CsCheck prints its own seed when a sample fails and replays it from the CsCheck_Seed environment variable.
public class ItemPropertyTests
{
    private static readonly Gen<string> Name =
        Gen.String[Gen.OneOf(Gen.Char['a', 'f'], Gen.Const('é'), Gen.Const('日'), Gen.Const('.')), 1, 5];

    // Canonical decimal text: no leading or trailing zeros, optional exponent.
    private static readonly Gen<string> Number =
        Gen.Select(Gen.Bool, Gen.Long[1, 999_999_999_999], Gen.Int[-130, 120], Gen.Int[0, 2], (negative, digits, exponent, form) =>
        {
            string mantissa = digits.ToString().TrimEnd('0');
            string sign = negative ? "-" : "";
            return form switch
            {
                0 => sign + mantissa,
                1 => mantissa.Length > 1 ? sign + mantissa[0] + "." + mantissa[1..] : sign + "0." + mantissa,
                _ => sign + (mantissa.Length > 1 ? mantissa[0] + "." + mantissa[1..] : mantissa) + "E" + exponent,
            };
        });

    private static readonly Gen<AttributeValue> Scalar = Gen.Frequency(
        (4, Gen.String[Gen.Char.AlphaNumeric, 0, 20].Select(AttributeValue.String)),
        (2, Gen.String[Gen.Char, 0, 8].Select(AttributeValue.String)),
        (3, Number.Select(AttributeValue.Number)),
        (2, Gen.Byte.Array[0, 16].Select(b => AttributeValue.Binary(b))),
        (1, Gen.Bool.Select(AttributeValue.Bool)),
        (1, Gen.Const(AttributeValue.Null)),
        (1, Gen.String[Gen.Char.AlphaNumeric, 0, 4].Array[1, 6].Select(m => AttributeValue.StringSet(m.Distinct()))),
        (1, Number.Array[1, 6].Select(m => AttributeValue.NumberSet(m.Distinct()))),
        (1, Gen.Byte.Array[0, 4].Array[1, 6].Select(m => AttributeValue.BinarySet(m.DistinctBy(Convert.ToBase64String)))));

    private static readonly Gen<AttributeValue> Value = Gen.Recursive<AttributeValue>((depth, value) =>
        depth >= 5
            ? Scalar
            : Gen.Frequency(
                (6, Scalar),
                (1, value.Array[0, 5].Select(AttributeValue.List)),
                (1, Gen.Select(Name.Array[0, 5], value.Array[5], Pair).Select(AttributeValue.Map))));

    private static readonly Gen<Dictionary<string, AttributeValue>> Item =
        Gen.Select(Name.Array[0, 16], Value.Array[16], Pair)
            .Select(entries => entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));

    private static KeyValuePair<string, AttributeValue>[] Pair(string[] names, AttributeValue[] values) =>
        names.Distinct().Select((n, i) => new KeyValuePair<string, AttributeValue>(n, values[i])).ToArray();

    [Fact]
    public void RandomItemsRoundTripAndEveryAttributeIsFound()
    {
        Item.Sample(item =>
        {
            using var writer = new ItemWriter();
            var encoded = writer.WriteItem(item).ToArray();
            Assert.Equal(ItemSize.Of(encoded), writer.LastItemSize);   // the writer's running sum
            var decoded = ItemCodec.Decode(encoded);
            Assert.Equal(item.Count, decoded.Count);
            foreach (var (name, value) in item) Assert.Equal(value, decoded[name]);

            var reader = new ItemReader(encoded);
            Assert.Equal(item.Count, reader.Count);
            foreach (var (name, value) in item)
            {
                Assert.True(reader.TryGet(Encoding.UTF8.GetBytes(name), out var view), name);
                Assert.Equal(value, ItemCodec.DecodeValue(view));
            }
            Assert.False(reader.TryGet("absent-name"u8, out _));
            Assert.Equal(ItemSize.Of(item), ItemSize.Of(encoded));
        }, iter: 2000, threads: 1);
    }

    [Fact]
    public void ArrivalOrderAndRepeatedNamesDoNotChangeTheItem()
    {
        Gen.Select(Item, Gen.Int).Sample((item, shuffleSeed) =>
        {
            // Write the attributes shuffled, each preceded by a throwaway value under the same name.
            var shuffled = item.ToArray();
            new Random(shuffleSeed).Shuffle(shuffled);
            using var writer = new ItemWriter();
            writer.BeginItem();
            foreach (var (name, value) in shuffled)
            {
                writer.WriteName(name);
                writer.WriteString("overwritten");
                writer.WriteName(name);
                writer.WriteValue(value);
            }
            var encoded = writer.EndItem().ToArray();
            Assert.Equal(item, ItemCodec.Decode(encoded));
            Assert.Equal(ItemCodec.Encode(item).Length, encoded.Length);
            Assert.Equal(ItemSize.Of(item), writer.LastItemSize);
        }, iter: 500, threads: 1);
    }
}
