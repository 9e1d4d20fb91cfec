using System.Text;
using Basalt.Engine.Model;
using BenchmarkDotNet.Attributes;

namespace Basalt.Bench.Micro;

// The item encoding's two hot paths, on one ~1 KB item (22 attributes: keys, strings, numbers, a nested map,
// a list, a string set; about what a typical DynamoDB item holds):
//   EncodeIncremental: what the JSON layer does, names and values already UTF-8 and in request order
//                      (unsorted), through a reused ItemWriter. Must show Allocated = -.
//   EncodeManaged:     the same item from the managed AttributeValue form (embedded API; allocates for the
//                      dictionary enumerators, not for the encoding).
//   Size:              ItemSize.Of on the encoded item (part of every encode: the 400 KB check).
//   Lookup:            in-place lookup of one top-level attribute by name (binary search over the offset
//                      table), one present name in the middle of the order. Must show Allocated = -.
// Measured (ShortRun, 2 shared cores, so rough): EncodeIncremental 1.6 us / 0 B, EncodeManaged 2.7 us / 176 B,
// Size 450 ns / 0 B, Lookup 16-24 ns / 0 B.
[MemoryDiagnoser]
public class ItemEncodingBenchmarks
{
    private const int LookupsPerInvoke = 1024;

    private Dictionary<string, AttributeValue> _item = [];
    private byte[][] _names = [];
    private byte[][] _strings = [];
    private byte[][] _address = [];
    private byte[] _encoded = [];
    private byte[] _lookupName = [];
    private readonly ItemWriter _writer = new();

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        string Text(int length)
        {
            var chars = new char[length];
            for (int i = 0; i < length; i++) chars[i] = (char)('a' + random.Next(26));
            return new string(chars);
        }

        _item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            ["pk"] = AttributeValue.String("customer#" + Text(16)),
            ["sk"] = AttributeValue.String("order#2026-11-25T03:00:00Z#" + Text(8)),
            ["status"] = AttributeValue.String("SHIPPED"),
            ["total"] = AttributeValue.Number("1234.56"),
            ["quantity"] = AttributeValue.Number("3"),
            ["createdAt"] = AttributeValue.Number("1764039600"),
            ["gift"] = AttributeValue.Bool(false),
            ["coupon"] = AttributeValue.Null,
            ["tags"] = AttributeValue.StringSet(["priority", "fragile", "international", "repeat"]),
            ["items"] = AttributeValue.List(Enumerable.Range(0, 5).Select(i => AttributeValue.Number((i * 7 + 3).ToString()))),
            ["address"] = AttributeValue.Map(new Dictionary<string, AttributeValue>
            {
                ["street"] = AttributeValue.String(Text(30)),
                ["city"] = AttributeValue.String(Text(12)),
                ["zip"] = AttributeValue.String("75001"),
                ["country"] = AttributeValue.String("FR"),
            }),
        };
        for (int i = 0; i < 11; i++) _item[$"note{i:D2}"] = AttributeValue.String(Text(60));

        // The incremental form: the top-level strings in a scrambled order, then the rest, as literals.
        var flat = _item.Where(a => a.Value.Type == AttributeType.S).ToArray();
        random.Shuffle(flat);
        _names = flat.Select(a => Encoding.UTF8.GetBytes(a.Key)).ToArray();
        _strings = flat.Select(a => Encoding.UTF8.GetBytes(a.Value.AsString())).ToArray();

        var address = _item["address"].AsMap();
        _address = new[] { "street", "city", "zip", "country" }.Select(n => Encoding.UTF8.GetBytes(address[n].AsString())).ToArray();

        _encoded = ItemCodec.Encode(_item);
        _lookupName = "note05"u8.ToArray();
        if (ItemSize.Of(_encoded) is < 900 or > 1200) throw new InvalidOperationException($"item is {ItemSize.Of(_encoded)} bytes, not ~1 KB");
    }

    [GlobalCleanup]
    public void Cleanup() => _writer.Dispose();

    [Benchmark]
    public int EncodeIncremental()
    {
        var writer = _writer;
        writer.BeginItem();
        var names = _names;
        var strings = _strings;
        for (int i = 0; i < names.Length; i++)
        {
            writer.WriteName(names[i]);
            writer.WriteString(strings[i]);
        }
        writer.WriteName("total"u8); writer.WriteNumber("1234.56"u8);
        writer.WriteName("quantity"u8); writer.WriteNumber("3"u8);
        writer.WriteName("createdAt"u8); writer.WriteNumber("1764039600"u8);
        writer.WriteName("gift"u8); writer.WriteBool(false);
        writer.WriteName("coupon"u8); writer.WriteNull();
        writer.WriteName("tags"u8);
        writer.BeginSet(AttributeType.SS);
        writer.WriteString("priority"u8); writer.WriteString("fragile"u8); writer.WriteString("international"u8); writer.WriteString("repeat"u8);
        writer.EndSet();
        writer.WriteName("items"u8);
        writer.BeginList();
        writer.WriteNumber("3"u8); writer.WriteNumber("10"u8); writer.WriteNumber("17"u8); writer.WriteNumber("24"u8); writer.WriteNumber("31"u8);
        writer.EndList();
        writer.WriteName("address"u8);
        writer.BeginMap();
        writer.WriteName("zip"u8); writer.WriteString(_address[2]);
        writer.WriteName("street"u8); writer.WriteString(_address[0]);
        writer.WriteName("country"u8); writer.WriteString(_address[3]);
        writer.WriteName("city"u8); writer.WriteString(_address[1]);
        writer.EndMap();
        return writer.EndItem().Length;
    }

    [Benchmark]
    public int EncodeManaged() => _writer.WriteItem(_item).Length;

    // The DynamoDB size walk that EncodeIncremental runs at EndItem, alone.
    [Benchmark]
    public int Size() => ItemSize.Of(_encoded);

    [Benchmark(OperationsPerInvoke = LookupsPerInvoke)]
    public int Lookup()
    {
        var encoded = _encoded;
        var name = _lookupName;
        int bytes = 0;
        for (int i = 0; i < LookupsPerInvoke; i++)
        {
            var reader = new ItemReader(encoded);
            if (!reader.TryGet(name, out var value)) throw new InvalidOperationException("miss");
            bytes += value.Bytes.Length;
        }
        return bytes;
    }
}
