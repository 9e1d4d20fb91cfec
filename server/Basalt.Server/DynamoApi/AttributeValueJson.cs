using System.Buffers;
using System.Text.Json;
using Basalt.Engine.Model;

namespace Basalt.Server.DynamoApi;

// DynamoDB's JSON form of attribute values: {"S":"x"}, {"N":"1.5"} (numbers as text), {"B":"<base64>"},
// {"BOOL":true}, {"NULL":true}, {"M":{...}}, {"L":[...]}, {"SS":[...]}, {"NS":[...]}, {"BS":[<base64>...]}, and items
// as {"name": <value>, ...}. Stateless; any thread.
//
// Reading is faithful, not validating: number text is passed on as sent (the engine parses and canonicalises it),
// sets keep their members as sent (the engine refuses empty sets and duplicates), and nesting depth is the
// engine's to check. What only the wire can see is checked here, with DynamoDB's messages (dynalite's
// validations/index.js validateAttributeValue; test/putItem.js runs them against DynamoDB):
//   no type member (or only unknown ones, or a JSON null value): "Supplied AttributeValue is empty, must contain
//       exactly one of the supported datatypes"
//   two type members: "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the
//       supported datatypes"
//   NULL false: "One or more parameter values were invalid: Null attribute value types must have the value of true"
// These are semantic errors (ShapeReader.Semantic), worded for where the value sits (ValueContext). Unknown members
// of a value are ignored, as DynamoDB ignores them ({"a": ""} is empty; {"S": "x", "a": 1} is a string).
internal static class AttributeValueJson
{
    public const string EmptyMessage = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
    public const string MoreThanOneMessage = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes";
    public const string NullFalseMessage = "One or more parameter values were invalid: Null attribute value types must have the value of true";

    // Blobs up to this many decoded bytes are decoded on the stack, larger ones into a pooled array.
    private const int StackBlobBytesMax = 512;

    // ---- writing ----

    public static void WriteItem(Utf8JsonWriter w, IReadOnlyDictionary<string, AttributeValue> item)
    {
        if (item is Dictionary<string, AttributeValue> dictionary)
        {
            WriteItem(w, dictionary);
            return;
        }
        w.WriteStartObject();
        foreach (var (name, value) in item)
        {
            w.WritePropertyName(name);
            WriteValue(w, value);
        }
        w.WriteEndObject();
    }

    // The engine's items are Dictionaries: enumerating one directly avoids boxing its enumerator.
    public static void WriteItem(Utf8JsonWriter w, Dictionary<string, AttributeValue> item)
    {
        w.WriteStartObject();
        foreach (var (name, value) in item)
        {
            w.WritePropertyName(name);
            WriteValue(w, value);
        }
        w.WriteEndObject();
    }

    public static void WriteValue(Utf8JsonWriter w, AttributeValue value)
    {
        w.WriteStartObject();
        switch (value.Type)
        {
            case AttributeType.S:
                w.WriteString("S"u8, value.AsString());
                break;
            case AttributeType.N:
                w.WriteString("N"u8, value.AsNumber());
                break;
            case AttributeType.B:
                w.WriteBase64String("B"u8, value.AsBinary().Span);
                break;
            case AttributeType.Bool:
                w.WriteBoolean("BOOL"u8, value.AsBool());
                break;
            case AttributeType.Null:
                w.WriteBoolean("NULL"u8, true);
                break;
            case AttributeType.M:
                w.WritePropertyName("M"u8);
                WriteItem(w, value.AsMap());
                break;
            case AttributeType.L:
            {
                w.WriteStartArray("L"u8);
                var list = value.AsList();
                for (int i = 0; i < list.Count; i++) WriteValue(w, list[i]);
                w.WriteEndArray();
                break;
            }
            case AttributeType.SS or AttributeType.NS:
            {
                w.WriteStartArray(value.Type == AttributeType.SS ? "SS"u8 : "NS"u8);
                var members = value.Type == AttributeType.SS ? value.AsStringSet() : value.AsNumberSet();
                for (int i = 0; i < members.Count; i++) w.WriteStringValue(members[i]);
                w.WriteEndArray();
                break;
            }
            case AttributeType.BS:
            {
                w.WriteStartArray("BS"u8);
                var members = value.AsBinarySet();
                for (int i = 0; i < members.Count; i++) w.WriteBase64StringValue(members[i].Span);
                w.WriteEndArray();
                break;
            }
            default:
                throw new InvalidOperationException($"attribute type {value.Type} has no JSON form");
        }
        w.WriteEndObject();
    }

    // ---- reading ----

    // An item or map from a Utf8JsonReader positioned at its StartObject (or at null: returns null), for callers
    // outside RequestReader; on return the reader is on the closing brace. Errors throw as in RequestReader. The
    // caller's reader should use ShapeReader.Options (its default depth of 64 stops items nested 30 levels deep).
    public static Dictionary<string, AttributeValue>? ReadItem(ref Utf8JsonReader reader)
    {
        try
        {
            var r = new ShapeReader(reader);
            var item = ReadCurrentMap(ref r);
            reader = r.Json;
            r.ThrowIfInvalid();
            return item;
        }
        catch (JsonException e)
        {
            throw new SerializationException("The request body is not valid JSON: " + e.Message);
        }
    }

    // The member's value as a map of attribute values (Item, Key, ExpressionAttributeValues, ...); null when absent.
    // In ValueContext.ExpressionValues each entry's name becomes the ContextKey of its errors.
    public static Dictionary<string, AttributeValue>? ReadMap(ref ShapeReader r)
    {
        r.Advance();
        return ReadCurrentMap(ref r);
    }

    // `nested`: an M value's map, whose member names are not ExpressionAttributeValues keys.
    public static Dictionary<string, AttributeValue>? ReadCurrentMap(ref ShapeReader r, bool nested = false)
    {
        if (!r.CurrentIsMap()) return null;
        var map = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        while (r.NextMember())
        {
            string name = r.MemberName();
            if (!nested && r.Context == ValueContext.ExpressionValues) r.ContextKey = name;
            map[name] = ReadValue(ref r);
        }
        return map;
    }

    // The member's value as one attribute value. Never null: an absent or invalid value records its error and reads
    // as NULL, a placeholder the request never reaches the engine with (ThrowIfInvalid throws first).
    public static AttributeValue ReadValue(ref ShapeReader r)
    {
        r.Advance();
        return ReadCurrentValue(ref r);
    }

    public static AttributeValue ReadCurrentValue(ref ShapeReader r)
    {
        if (!r.CurrentIsStructure())
        {
            r.Semantic(EmptyMessage);
            return AttributeValue.Null;
        }
        AttributeValue? value = null;
        int types = 0;
        while (r.NextMember())
        {
            var read = ReadTyped(ref r, r.TypeTag());
            if (read is null) continue;
            types++;
            value ??= read;
        }
        if (types == 0) r.Semantic(EmptyMessage);
        else if (types > 1) r.Semantic(MoreThanOneMessage);
        return value ?? AttributeValue.Null;
    }

    // One type member's value (the reader on its name); null when the member is null (absent) or unknown.
    private static AttributeValue? ReadTyped(ref ShapeReader r, AttributeType type)
    {
        switch (type)
        {
            case AttributeType.S:
                return r.String() is string s ? AttributeValue.String(s) : null;
            case AttributeType.N:
                return r.String() is string n ? AttributeValue.Number(n) : null;
            case AttributeType.B:
                r.Advance();
                return r.Token == JsonTokenType.Null ? null : ReadBinary(ref r);
            case AttributeType.Bool:
                return r.Boolean() is bool b ? AttributeValue.Bool(b) : null;
            case AttributeType.Null:
                if (r.Boolean() is not bool isNull) return null;
                if (!isNull) r.Semantic(NullFalseMessage);
                return AttributeValue.Null;
            case AttributeType.M:
            {
                r.Advance();
                var map = ReadCurrentMap(ref r, nested: true);
                return map is null ? null : AttributeValue.Map(map);
            }
            case AttributeType.L:
            {
                if (!r.BeginList()) return null;
                var elements = new List<AttributeValue>();
                while (r.NextElement()) elements.Add(ReadCurrentValue(ref r));
                return AttributeValue.List(elements);
            }
            case AttributeType.SS or AttributeType.NS:
            {
                if (!r.BeginList()) return null;
                var members = new List<string>();
                while (r.NextElement()) members.Add(r.CurrentString() ?? throw NullMember());
                return type == AttributeType.SS ? AttributeValue.StringSet(members) : AttributeValue.NumberSet(members);
            }
            case AttributeType.BS:
            {
                if (!r.BeginList()) return null;
                var members = new List<byte[]>();
                while (r.NextElement())
                {
                    if (r.Token == JsonTokenType.Null) throw NullMember();
                    // Exact for unpadded base64; padded members are trimmed by a copy.
                    var bytes = new byte[r.BlobBytesMax];
                    int length = r.CurrentBlob(bytes);
                    members.Add(length == bytes.Length ? bytes : bytes.AsSpan(0, length).ToArray());
                }
                return AttributeValue.BinarySet(members);
            }
            default:
                r.Skip();
                return null;
        }
    }

    private static AttributeValue ReadBinary(ref ShapeReader r)
    {
        int max = r.BlobBytesMax;
        if (max <= StackBlobBytesMax)
        {
            Span<byte> bytes = stackalloc byte[StackBlobBytesMax];
            return AttributeValue.Binary(bytes[..r.CurrentBlob(bytes)]);
        }
        byte[] rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            return AttributeValue.Binary(rented.AsSpan(0, r.CurrentBlob(rented)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // A null among a set's members. Coral's answer is not recorded anywhere we could find; the message is ours.
    private static SerializationException NullMember() => new("A set may not contain a null member");
}
