using System.Buffers.Text;
using System.Text;
using Basalt.Engine.Model;
using LiteDB;

namespace Basalt.Bench.Model;

// The data set of the `model` benchmark, shared by both sides so they store the same items and read the same keys.
// Item i: pk = "user#{i / 10:D8}" (S, ten items per partition key, so a Query of one pk returns 10), sk = i % 10
// (N), name (S 24), email (S 40), city (S 16), count (N, the UpdateItem counter), score (N) and payload (S) sized
// so that Basalt's encoded item is --item-bytes. Strings are slices of one seeded ASCII text, so both sides write
// the same characters without holding a copy per item. Immutable after construction; read by every worker thread.
public sealed class ModelData
{
    public const int ItemsPerPartition = 10;
    public const int QueryLimit = 10;
    private const int TextBytes = 1 << 16;

    private readonly byte[] _text;
    private readonly string _textString;

    public int Items { get; }
    public int PayloadBytes { get; }
    public int Partitions => (Items + ItemsPerPartition - 1) / ItemsPerPartition;
    // The key sequence of every timed phase: item indexes drawn once from the seed, the same for both sides.
    public int[] Sequence { get; }
    public byte[][] PartitionKeys { get; }
    public string[] PartitionKeyStrings { get; }

    public ModelData(int items, int itemBytes, ulong seed)
    {
        Items = items;
        var random = new Random(unchecked((int)seed));
        _text = new byte[TextBytes];
        for (int i = 0; i < _text.Length; i++) _text[i] = (byte)('a' + random.Next(26));
        _textString = Encoding.ASCII.GetString(_text);
        Sequence = new int[1 << 20];
        for (int i = 0; i < Sequence.Length; i++) Sequence[i] = random.Next(items);
        PartitionKeyStrings = new string[Partitions];
        PartitionKeys = new byte[Partitions][];
        for (int p = 0; p < Partitions; p++)
        {
            PartitionKeyStrings[p] = $"user#{p:D8}";
            PartitionKeys[p] = Encoding.UTF8.GetBytes(PartitionKeyStrings[p]);
        }
        using var writer = new ItemWriter();
        PayloadBytes = 0;
        Write(writer, 0, 0);
        PayloadBytes = Math.Max(0, itemBytes - writer.WrittenItem.Length);
    }

    public static int PartitionOf(int item) => item / ItemsPerPartition;
    public static int SortKeyOf(int item) => item % ItemsPerPartition;
    public static string CompositeId(string pk, int sk) => $"{pk}|{sk}";

    private ReadOnlySpan<byte> Slice(int item, int salt, int length) => _text.AsSpan((item * 131 + salt) % (TextBytes - length - 1), length);
    private string SliceString(int item, int salt, int length) => _textString.Substring((item * 131 + salt) % (TextBytes - length - 1), length);

    // Encodes item `item` with counter `count` into the writer (no allocation: numbers are formatted into the stack).
    public void Write(ItemWriter writer, int item, long count)
    {
        Span<byte> number = stackalloc byte[24];
        writer.BeginItem();
        writer.WriteName("pk"u8);
        writer.WriteString(PartitionKeys[PartitionOf(item)]);
        writer.WriteName("sk"u8);
        Utf8Formatter.TryFormat(SortKeyOf(item), number, out int n);
        writer.WriteNumber(number[..n]);
        writer.WriteName("name"u8);
        writer.WriteString(Slice(item, 1, 24));
        writer.WriteName("email"u8);
        writer.WriteString(Slice(item, 2, 40));
        writer.WriteName("city"u8);
        writer.WriteString(Slice(item, 3, 16));
        writer.WriteName("count"u8);
        Utf8Formatter.TryFormat(count, number, out n);
        writer.WriteNumber(number[..n]);
        writer.WriteName("score"u8);
        Utf8Formatter.TryFormat(1000 + item % 9000, number, out n);
        writer.WriteNumber(number[..n]);
        writer.WriteName("payload"u8);
        writer.WriteString(Slice(item, 4, PayloadBytes));
        writer.EndItem();
    }

    // The same item as a LiteDB document; _id is the composite key "pk|sk".
    public BsonDocument Document(int item, long count)
    {
        string pk = PartitionKeyStrings[PartitionOf(item)];
        int sk = SortKeyOf(item);
        return new BsonDocument
        {
            ["_id"] = CompositeId(pk, sk),
            ["pk"] = pk,
            ["sk"] = sk,
            ["name"] = SliceString(item, 1, 24),
            ["email"] = SliceString(item, 2, 40),
            ["city"] = SliceString(item, 3, 16),
            ["count"] = count,
            ["score"] = 1000 + item % 9000,
            ["payload"] = SliceString(item, 4, PayloadBytes),
        };
    }
}
