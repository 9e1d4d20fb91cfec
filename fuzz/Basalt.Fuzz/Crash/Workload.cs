using System.Text;
using System.Text.Json;

namespace Basalt.Fuzz.Crash;

// The crash workload's schema and requests. Two tables:
//   items  pk (S) + sk (S); local index by_lv (pk, lv) KEYS_ONLY; global index by_g (g, ver) ALL
//   side   pk (S)            (so that transactions span tables)
// Each item carries ver (the write that produced it), sum (checksum of ver and data), data (B, 0 B to the 400 KB item
// limit), n (N) and, optionally, g and lv (so both indexes are sparse).
public static class Workload
{
    public const string Items = "items", Side = "side", LocalIndex = "by_lv", GlobalIndex = "by_g";
    // DynamoDB's item limit, counted as DynamoDB does (attribute names plus values).
    public const int ItemBytesMax = 400 * 1024;

    public static byte[] CreateItemsTable() => DynamoWire.Json(w =>
    {
        w.WriteString("TableName", Items);
        w.WriteString("BillingMode", "PAY_PER_REQUEST");
        w.WriteStartArray("AttributeDefinitions");
        foreach (var a in new[] { "pk", "sk", "lv", "g", "ver" })
        {
            w.WriteStartObject(); w.WriteString("AttributeName", a); w.WriteString("AttributeType", "S"); w.WriteEndObject();
        }
        w.WriteEndArray();
        KeySchema(w, "KeySchema", "pk", "sk");
        w.WriteStartArray("LocalSecondaryIndexes");
        w.WriteStartObject();
        w.WriteString("IndexName", LocalIndex);
        KeySchema(w, "KeySchema", "pk", "lv");
        w.WriteStartObject("Projection"); w.WriteString("ProjectionType", "KEYS_ONLY"); w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartArray("GlobalSecondaryIndexes");
        w.WriteStartObject();
        w.WriteString("IndexName", GlobalIndex);
        KeySchema(w, "KeySchema", "g", "ver");
        w.WriteStartObject("Projection"); w.WriteString("ProjectionType", "ALL"); w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
    });

    // A table's existence, as the model holds it: a pseudo-item of table "#table" whose key is the table's name.
    public static ItemKey TableKey(string table) => new("#table", table, null);
    public static ItemState TableState(string table) => new($"create.{table}", [], 0, null, null);

    public static byte[] CreateSideTable(string name = Side) => DynamoWire.Json(w =>
    {
        w.WriteString("TableName", name);
        w.WriteString("BillingMode", "PAY_PER_REQUEST");
        w.WriteStartArray("AttributeDefinitions");
        w.WriteStartObject(); w.WriteString("AttributeName", "pk"); w.WriteString("AttributeType", "S"); w.WriteEndObject();
        w.WriteEndArray();
        KeySchema(w, "KeySchema", "pk", null);
    });

    private static void KeySchema(Utf8JsonWriter w, string name, string hash, string? range)
    {
        w.WriteStartArray(name);
        w.WriteStartObject(); w.WriteString("AttributeName", hash); w.WriteString("KeyType", "HASH"); w.WriteEndObject();
        if (range is not null) { w.WriteStartObject(); w.WriteString("AttributeName", range); w.WriteString("KeyType", "RANGE"); w.WriteEndObject(); }
        w.WriteEndArray();
    }

    public static void WriteS(Utf8JsonWriter w, string name, string value)
    {
        w.WriteStartObject(name); w.WriteString("S", value); w.WriteEndObject();
    }

    public static void WriteKey(Utf8JsonWriter w, string property, ItemKey key)
    {
        w.WriteStartObject(property);
        WriteS(w, "pk", key.Pk);
        if (key.Sk is not null) WriteS(w, "sk", key.Sk);
        w.WriteEndObject();
    }

    public static void WriteItem(Utf8JsonWriter w, string property, ItemKey key, ItemState s)
    {
        w.WriteStartObject(property);
        WriteS(w, "pk", key.Pk);
        if (key.Sk is not null) WriteS(w, "sk", key.Sk);
        WriteS(w, "ver", s.Ver);
        WriteS(w, "sum", s.Sum);
        w.WriteStartObject("data"); w.WriteBase64String("B", s.Data); w.WriteEndObject();
        w.WriteStartObject("n"); w.WriteString("N", s.N.ToString(System.Globalization.CultureInfo.InvariantCulture)); w.WriteEndObject();
        if (s.G is not null) WriteS(w, "g", s.G);
        if (s.Lv is not null) WriteS(w, "lv", s.Lv);
        w.WriteEndObject();
    }

    // The item's size as DynamoDB counts it, with a number counted at its largest (21 bytes), so that a payload sized
    // to the limit by this count is never over it.
    public static int ItemBytes(ItemKey key, string ver, int dataBytes, string? g, string? lv)
    {
        int size = 2 + Encoding.UTF8.GetByteCount(key.Pk) + 3 + Encoding.UTF8.GetByteCount(ver) + 3 + 16 + 4 + dataBytes + 1 + 21;
        if (key.Sk is not null) size += 2 + Encoding.UTF8.GetByteCount(key.Sk);
        if (g is not null) size += 1 + Encoding.UTF8.GetByteCount(g);
        if (lv is not null) size += 2 + Encoding.UTF8.GetByteCount(lv);
        return size;
    }

    // Reads one item of a Scan or GetItem answer; what it cannot make sense of becomes the item's Problem.
    public static RecoveredItem ReadItem(string table, JsonElement item)
    {
        string? pk = null, sk = null, ver = null, sum = null, g = null, lv = null, problem = null;
        byte[]? data = null;
        long? n = null;
        foreach (var attribute in item.EnumerateObject())
        {
            var value = attribute.Value;
            string? S() => value.ValueKind == JsonValueKind.Object && value.TryGetProperty("S", out var s) ? s.GetString() : null;
            switch (attribute.Name)
            {
                case "pk": pk = S(); break;
                case "sk": sk = S(); break;
                case "ver": ver = S(); break;
                case "sum": sum = S(); break;
                case "g": g = S(); break;
                case "lv": lv = S(); break;
                case "data":
                    if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("B", out var b) && b.TryGetBytesFromBase64(out var bytes)) data = bytes;
                    else problem ??= $"data is not binary: {value.GetRawText()}";
                    break;
                case "n":
                    if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("N", out var num)
                        && long.TryParse(num.GetString(), System.Globalization.CultureInfo.InvariantCulture, out long parsed)) n = parsed;
                    else problem ??= $"n is not an integer: {value.GetRawText()}";
                    break;
                default: problem ??= $"unexpected attribute {attribute.Name}"; break;
            }
        }
        if (pk is null) problem ??= "no pk";
        if (table == Items && sk is null) problem ??= "no sk";
        return new RecoveredItem(new ItemKey(table, pk ?? "?", table == Items ? sk ?? "?" : null), ver, data, sum, n, g, lv, problem);
    }
}
