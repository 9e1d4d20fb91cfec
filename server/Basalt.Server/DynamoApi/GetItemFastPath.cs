using System.Text.Json;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;

namespace Basalt.Server.DynamoApi;

// GetItem without the managed detour: the key is read off the wire straight into KeyAttributes (spans over the
// request body), the engine's TryGetItem hands the stored item to a sink, and the sink writes the response JSON from
// the item encoding itself (ItemReader). No Dictionary, no AttributeValue, no string per attribute.
//
// It takes only the plain request: TableName, Key with the table's own key attributes in S, N or B, and optionally
// ConsistentRead (every read is strong anyway). Anything else (a projection, ReturnConsumedCapacity, a legacy
// member, an unknown member, an unexpected JSON shape, an unknown table, a key that does not match the schema, an
// empty or malformed key value) makes TryRun return false without side effects, and the handler takes the checked
// path, which answers every one of those exactly as before. So this path can only differ from the checked one on
// requests that the checked one would also have served.
internal static class GetItemFastPath
{
    private const int KeyTextBytesMax = 4096;

    public static bool TryRun(BasaltDatabase database, ReadOnlySpan<byte> body, Utf8JsonWriter json)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 8 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            scoped ReadOnlySpan<byte> tableName = default;
            scoped ReadOnlySpan<byte> name1 = default, name2 = default, value1 = default, value2 = default;
            AttributeType type1 = 0, type2 = 0;
            int keys = -1;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("TableName"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String || tableName.Length > 0 || reader.ValueIsEscaped) return false;
                    tableName = reader.ValueSpan;
                    if (tableName.IsEmpty) return false;
                }
                else if (reader.ValueTextEquals("ConsistentRead"u8))
                {
                    if (!reader.Read() || reader.TokenType is not (JsonTokenType.True or JsonTokenType.False)) return false;
                }
                else if (reader.ValueTextEquals("Key"u8))
                {
                    if (keys >= 0 || !reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
                    keys = 0;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (++keys > 2 || reader.ValueIsEscaped) return false;
                        var name = reader.ValueSpan;
                        if (!TryReadKeyValue(ref reader, out var type, out var value)) return false;
                        if (keys == 1) { name1 = name; type1 = type; value1 = value; }
                        else { name2 = name; type2 = type; value2 = value; }
                    }
                    if (reader.TokenType != JsonTokenType.EndObject) return false;
                }
                else return false;
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || tableName.IsEmpty || keys < 1) return false;

            // One catalog lookup for the table's own name string (none made per request) and its key schema; an
            // unknown table is the checked path's to answer.
            if (!database.TryGetKeySchema(tableName, out string table, out var pkName, out var pkType, out var skName, out var skType)) return false;
            // Which of the given attributes is the partition key and which the sort key.
            bool firstIsPartition = name1.SequenceEqual(pkName.Span);
            var pName = firstIsPartition ? name1 : name2;
            var pType = firstIsPartition ? type1 : type2;
            var pValue = firstIsPartition ? value1 : value2;
            var sName = firstIsPartition ? name2 : name1;
            var sType = firstIsPartition ? type2 : type1;
            var sValue = firstIsPartition ? value2 : value1;
            if (!pName.SequenceEqual(pkName.Span) || pType != pkType) return false;
            if (skType == 0 ? keys != 1 : keys != 2 || !sName.SequenceEqual(skName.Span) || sType != skType) return false;

            // Key values: S as its UTF-8 bytes (already unescaped-free), B decoded, N parsed to its canonical form.
            Span<byte> pBinary = stackalloc byte[pType == AttributeType.B ? pValue.Length : 0];
            Span<byte> sBinary = stackalloc byte[sType == AttributeType.B ? sValue.Length : 0];
            if (!TryKey(pType, pValue, pBinary, out var partitionKey) || !TryKey(sType, sValue, sBinary, out var sortKey)) return false;

            // From here on the answer is this path's: a failure to read the stored item (a FormatException, never
            // expected: items are validated when written) propagates as the checked path's would, an HTTP 500.
            var sink = new JsonItemSink(json);
            json.WriteStartObject();
            database.TryGetItem(table, partitionKey, sortKey, ref sink);
            json.WriteEndObject();
            return true;
        }
        catch (JsonException)
        {
            return false; // malformed: the checked path answers SerializationException
        }
        catch (ValidationException)
        {
            return false; // e.g. a key over its size limit: the checked path answers with DynamoDB's message
        }
    }

    // {"S": "..."} | {"N": "..."} | {"B": "..."}, nothing else; the string unescaped-free and not empty.
    private static bool TryReadKeyValue(ref Utf8JsonReader reader, out AttributeType type, out ReadOnlySpan<byte> value)
    {
        type = 0;
        value = default;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName) return false;
        if (reader.ValueTextEquals("S"u8)) type = AttributeType.S;
        else if (reader.ValueTextEquals("N"u8)) type = AttributeType.N;
        else if (reader.ValueTextEquals("B"u8)) type = AttributeType.B;
        else return false;
        // Bounded: a key is at most 2048 bytes (its base64 a third more); longer ones are the checked path's to refuse,
        // and the binary form is decoded on the stack.
        if (!reader.Read() || reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.ValueSpan.IsEmpty
            || reader.ValueSpan.Length > KeyTextBytesMax) return false;
        value = reader.ValueSpan;
        return reader.Read() && reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool TryKey(AttributeType type, ReadOnlySpan<byte> text, Span<byte> binary, out KeyAttribute key)
    {
        key = KeyAttribute.None;
        switch (type)
        {
            case 0:
                return true;
            case AttributeType.S:
                // Utf8JsonReader does not validate the UTF-8 of a string it is not asked to transcode; the checked
                // path refuses invalid UTF-8 (SerializationException), so this path must not serve it.
                if (!System.Text.Unicode.Utf8.IsValid(text)) return false;
                key = KeyAttribute.String(text);
                return true;
            case AttributeType.B:
                if (System.Buffers.Text.Base64.DecodeFromUtf8(text, binary, out _, out int written) != System.Buffers.OperationStatus.Done || written == 0)
                    return false;
                key = KeyAttribute.Binary(binary[..written]);
                return true;
            case AttributeType.N:
                if (!DynamoNumber.TryParse(text, out var number)) return false;
                key = KeyAttribute.FromNumber(number);
                return true;
            default:
                return false;
        }
    }

    // Writes "Item": {...} from the stored encoding.
    private readonly struct JsonItemSink(Utf8JsonWriter json) : IValueSink
    {
        public void OnValue(scoped ReadOnlySpan<byte> value)
        {
            json.WritePropertyName("Item"u8);
            WriteMap(json, new ItemReader(value).Attributes);
        }
    }

    private static void WriteMap(Utf8JsonWriter json, MapView map)
    {
        json.WriteStartObject();
        for (int i = 0; i < map.Count; i++)
        {
            map.GetAt(i, out var name, out var value);
            json.WritePropertyName(name);
            WriteValue(json, value);
        }
        json.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter json, AttributeView value)
    {
        json.WriteStartObject();
        switch (value.Type)
        {
            case AttributeType.S: json.WriteString("S"u8, value.Bytes); break;
            case AttributeType.N: json.WriteString("N"u8, value.Bytes); break;
            case AttributeType.B: json.WriteBase64String("B"u8, value.Bytes); break;
            case AttributeType.Bool: json.WriteBoolean("BOOL"u8, value.Bool); break;
            case AttributeType.Null: json.WriteBoolean("NULL"u8, true); break;
            case AttributeType.M:
                json.WritePropertyName("M"u8);
                WriteMap(json, value.AsMap());
                break;
            case AttributeType.L:
            {
                var list = value.AsList();
                json.WriteStartArray("L"u8);
                for (int i = 0; i < list.Count; i++) WriteValue(json, list[i]);
                json.WriteEndArray();
                break;
            }
            case AttributeType.SS or AttributeType.NS or AttributeType.BS:
            {
                var set = value.AsSet();
                json.WriteStartArray(value.Type == AttributeType.SS ? "SS"u8 : value.Type == AttributeType.NS ? "NS"u8 : "BS"u8);
                for (int i = 0; i < set.Count; i++)
                {
                    if (value.Type == AttributeType.BS) json.WriteBase64StringValue(set[i]);
                    else json.WriteStringValue(set[i]);
                }
                json.WriteEndArray();
                break;
            }
            default:
                throw new FormatException($"item encoding: unknown attribute type {value.Type}");
        }
        json.WriteEndObject();
    }
}
