using System.Buffers;
using System.Text;
using Basalt.Engine.Model;

namespace Basalt.Engine.Expressions;

// The ExpressionAttributeValues of one request, bound for evaluation. Each value is encoded once, when the
// request is bound, into the item encoding's value form (ItemFormat's Value: tag and payload), all of them
// into one byte array; evaluation then reads them in place through AttributeView like any item attribute,
// so a comparison between an item attribute and a :value is a comparison of two encoded values and nothing
// is decoded per item. The managed form is kept as well, for the update evaluator, which builds managed
// values for the few attributes it changes.
//
// Encoding checks what DynamoDB checks of a value (empty sets, duplicate members, nesting): a bad value is an
// ExpressionException, "ExpressionAttributeValues contains invalid value: <DynamoDB's message> for key :v". Numbers must already be canonical (DynamoNumber's text),
// as for AttributeValue everywhere. Lookup: placeholders the parser hands out are the request's own string
// instances (ExpressionAttributes.TryUseValue), so a reference comparison usually finds them; a linear scan
// with ordinal comparison backs it up (maps hold a handful of entries; DynamoDB allows at most a few hundred).
// Immutable after construction; one request, but safe to read from any thread.
public sealed class ExpressionValues
{
    private readonly string[] _keys;
    private readonly AttributeValue[] _values;
    private readonly int[] _starts;
    private readonly int[] _lengths;
    private readonly byte[] _encoded;

    public static ExpressionValues Empty { get; } = new([]);

    public ExpressionValues(IEnumerable<KeyValuePair<string, AttributeValue>> values)
    {
        var list = values as KeyValuePair<string, AttributeValue>[] ?? values.ToArray();
        _keys = new string[list.Length];
        _values = new AttributeValue[list.Length];
        _starts = new int[list.Length];
        _lengths = new int[list.Length];
        using var writer = new ItemWriter();
        var buffer = new ArrayBufferWriter<byte>();
        for (int i = 0; i < list.Length; i++)
        {
            _keys[i] = list[i].Key;
            _values[i] = list[i].Value;
            // One value at a time, as the single attribute "v" of an item, then its encoded value copied out.
            ItemReader item;
            try
            {
                writer.BeginItem();
                writer.WriteName("v"u8);
                writer.WriteValue(list[i].Value);
                item = new ItemReader(writer.EndItem());
            }
            catch (ItemValidationException e)
            {
                throw new ExpressionException($"ExpressionAttributeValues contains invalid value: {e.Message} for key {list[i].Key}");
            }
            item.TryGet("v"u8, out var view);
            _starts[i] = buffer.WrittenCount;
            _lengths[i] = view.Encoded.Length;
            buffer.Write(view.Encoded);
        }
        _encoded = buffer.WrittenSpan.ToArray();
    }

    public int Count => _keys.Length;

    public bool TryGet(string placeholder, out AttributeView value)
    {
        int i = IndexOf(placeholder);
        value = i >= 0 ? new AttributeView(_encoded.AsSpan(_starts[i], _lengths[i])) : default;
        return i >= 0;
    }

    // The encoded value of a placeholder the parser accepted; a missing one is a caller bug (the parser
    // checked every placeholder against the same request's map).
    public AttributeView Get(string placeholder)
    {
        if (!TryGet(placeholder, out var value)) throw new InvalidOperationException($"no ExpressionAttributeValues entry {placeholder}");
        return value;
    }

    public AttributeValue GetManaged(string placeholder)
    {
        int i = IndexOf(placeholder);
        return i >= 0 ? _values[i] : throw new InvalidOperationException($"no ExpressionAttributeValues entry {placeholder}");
    }

    private int IndexOf(string placeholder)
    {
        for (int i = 0; i < _keys.Length; i++)
            if (ReferenceEquals(_keys[i], placeholder)) return i;
        for (int i = 0; i < _keys.Length; i++)
            if (string.Equals(_keys[i], placeholder, StringComparison.Ordinal)) return i;
        return -1;
    }

    // DynamoDB's rendering of a literal in messages: "AttributeValue: {N:10}".
    internal static string Render(AttributeView value)
    {
        string text = value.Type switch
        {
            AttributeType.S or AttributeType.N => Encoding.UTF8.GetString(value.Bytes),
            AttributeType.B => Convert.ToBase64String(value.Bytes),
            AttributeType.Bool => value.Bool ? "true" : "false",
            AttributeType.Null => "true",
            _ => "...",
        };
        return $"AttributeValue: {{{value.Type.WireName()}:{text}}}";
    }
}
