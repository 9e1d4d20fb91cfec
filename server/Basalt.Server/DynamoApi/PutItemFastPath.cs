using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Server.DynamoApi;

// PutItem without the managed detour: the item is read off the wire straight into the engine's item encoding
// (ItemWriter, one per thread), and BasaltDatabase.PutItemAsync(table, ItemWriter) writes it. No Dictionary, no
// AttributeValue, no string per attribute.
//
// It takes only the plain request: TableName and Item (and ReturnValues NONE, ReturnConsumedCapacity NONE,
// ReturnItemCollectionMetrics NONE, which ask for nothing). Anything else (a condition, ReturnValues ALL_OLD, a legacy
// member, an unknown member) and anything wrong (an unexpected JSON shape, an attribute value DynamoDB would refuse,
// a key that does not match the schema, an unknown table) makes TryStart return false before anything is written,
// and the handler takes the checked path, which answers every one of those exactly as before. The checks that can
// fail here all run before the write is handed to the engine; once it is, its outcome is the answer.
internal static class PutItemFastPath
{
    [ThreadStatic] private static ItemWriter? t_writer;

    public static bool TryStart(BasaltDatabase database, ReadOnlySpan<byte> body, out ValueTask<ulong> write)
    {
        write = default;
        var writer = t_writer ??= new ItemWriter();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 80 });
        byte[]? scratch = null;
        bool started = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            string? table = null;
            bool item = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("TableName"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String || table is not null || reader.ValueIsEscaped) return false;
                    // The catalog's own string for the name: no string made per request. Unknown: the checked path.
                    if (!database.TryGetTableName(reader.ValueSpan, out string name)) return false;
                    table = name;
                }
                else if (reader.ValueTextEquals("Item"u8))
                {
                    if (item || !reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
                    writer.BeginItem();
                    if (!TryWriteMembers(ref reader, writer, ref scratch)) return false;
                    writer.EndItem();
                    item = true;
                }
                else if (reader.ValueTextEquals("ReturnValues"u8) || reader.ValueTextEquals("ReturnConsumedCapacity"u8)
                         || reader.ValueTextEquals("ReturnItemCollectionMetrics"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String || !reader.ValueTextEquals("NONE"u8)) return false;
                }
                else return false;
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || table is null || !item) return false;
            // Throws, before the write is handed over, for an unknown table or a key that does not match the schema.
            write = database.PutItemAsync(table, writer);
            started = true;
            return true;
        }
        catch (Exception e) when (e is JsonException or ItemValidationException or DynamoDbException or FormatException)
        {
            return false;
        }
        finally
        {
            if (scratch is not null) ArrayPool<byte>.Shared.Return(scratch);
            if (!started) writer.Reset(); // a bail-out may leave it in the middle of an item
        }
    }

    // The members of an object whose StartObject was just read, through its EndObject: name, value, ...
    private static bool TryWriteMembers(ref Utf8JsonReader reader, ItemWriter writer, ref byte[]? scratch)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped || !System.Text.Unicode.Utf8.IsValid(reader.ValueSpan)) return false;
            writer.WriteName(reader.ValueSpan);
            if (!TryWriteValue(ref reader, writer, ref scratch)) return false;
        }
        return reader.TokenType == JsonTokenType.EndObject;
    }

    // {"S": ...} and the other nine forms, exactly one type member, as the checked path requires.
    private static bool TryWriteValue(ref Utf8JsonReader reader, ItemWriter writer, ref byte[]? scratch)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName) return false;
        var type = TypeOf(ref reader);
        if (type is null || !reader.Read()) return false;
        switch (type.Value)
        {
            case AttributeType.S:
                if (reader.TokenType != JsonTokenType.String || !TryUnescaped(ref reader, ref scratch, out var text)) return false;
                writer.WriteString(text);
                break;
            case AttributeType.N:
                if (reader.TokenType != JsonTokenType.String || !TryWriteNumber(ref reader, writer)) return false;
                break;
            case AttributeType.B:
                if (reader.TokenType != JsonTokenType.String || !TryWriteBinary(ref reader, writer, ref scratch)) return false;
                break;
            case AttributeType.Bool:
                if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False)) return false;
                writer.WriteBool(reader.TokenType == JsonTokenType.True);
                break;
            case AttributeType.Null:
                if (reader.TokenType != JsonTokenType.True) return false;
                writer.WriteNull();
                break;
            case AttributeType.M:
                if (reader.TokenType != JsonTokenType.StartObject) return false;
                writer.BeginMap();
                if (!TryWriteMembers(ref reader, writer, ref scratch)) return false;
                writer.EndMap();
                break;
            case AttributeType.L:
                if (reader.TokenType != JsonTokenType.StartArray) return false;
                writer.BeginList();
                while (reader.TokenType != JsonTokenType.EndArray)
                {
                    // Peek: an element starts with '{'; the array ends with ']'.
                    var copy = reader;
                    if (!copy.Read()) return false;
                    if (copy.TokenType == JsonTokenType.EndArray)
                    {
                        reader.Read();
                        break;
                    }
                    if (!TryWriteValue(ref reader, writer, ref scratch)) return false;
                }
                writer.EndList();
                break;
            default: // SS, NS, BS
                if (reader.TokenType != JsonTokenType.StartArray) return false;
                writer.BeginSet(type.Value);
                while (reader.Read() && reader.TokenType == JsonTokenType.String)
                {
                    if (type.Value == AttributeType.SS)
                    {
                        if (!TryUnescaped(ref reader, ref scratch, out var member)) return false;
                        writer.WriteString(member);
                    }
                    else if (type.Value == AttributeType.NS ? !TryWriteNumber(ref reader, writer) : !TryWriteBinary(ref reader, writer, ref scratch))
                        return false;
                }
                if (reader.TokenType != JsonTokenType.EndArray) return false;
                writer.EndSet();
                break;
        }
        // Exactly one type member: the value object ends here.
        return reader.Read() && reader.TokenType == JsonTokenType.EndObject;
    }

    private static AttributeType? TypeOf(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("S"u8)) return AttributeType.S;
        if (reader.ValueTextEquals("N"u8)) return AttributeType.N;
        if (reader.ValueTextEquals("B"u8)) return AttributeType.B;
        if (reader.ValueTextEquals("BOOL"u8)) return AttributeType.Bool;
        if (reader.ValueTextEquals("NULL"u8)) return AttributeType.Null;
        if (reader.ValueTextEquals("M"u8)) return AttributeType.M;
        if (reader.ValueTextEquals("L"u8)) return AttributeType.L;
        if (reader.ValueTextEquals("SS"u8)) return AttributeType.SS;
        if (reader.ValueTextEquals("NS"u8)) return AttributeType.NS;
        if (reader.ValueTextEquals("BS"u8)) return AttributeType.BS;
        return null;
    }

    // The string's UTF-8 bytes: the raw span when it has no escapes, else unescaped into the scratch buffer. False
    // for invalid UTF-8 (raw bytes, or an escaped lone surrogate), which the checked path refuses as malformed JSON:
    // Utf8JsonReader validates UTF-8 only when it transcodes, and then throws InvalidOperationException. (The
    // input-fuzzing target json-request found both: an item stored with invalid UTF-8 in a string, and the
    // exception escaping as an InternalServerError.)
    private static bool TryUnescaped(ref Utf8JsonReader reader, ref byte[]? scratch, out ReadOnlySpan<byte> text)
    {
        text = default;
        if (!reader.ValueIsEscaped)
        {
            if (!System.Text.Unicode.Utf8.IsValid(reader.ValueSpan)) return false;
            text = reader.ValueSpan;
            return true;
        }
        var buffer = Scratch(ref scratch, reader.ValueSpan.Length);
        int length;
        try
        {
            length = reader.CopyString(buffer);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        text = buffer.AsSpan(0, length);
        return true;
    }

    [System.Runtime.CompilerServices.SkipLocalsInit]
    private static bool TryWriteNumber(ref Utf8JsonReader reader, ItemWriter writer)
    {
        if (reader.ValueIsEscaped || !DynamoNumber.TryParse(reader.ValueSpan, out var number)) return false;
        Span<byte> canonical = stackalloc byte[DynamoNumber.TextLengthMax];
        number.TryFormat(canonical, out int length);
        writer.WriteNumber(canonical[..length]);
        return true;
    }

    private static bool TryWriteBinary(ref Utf8JsonReader reader, ItemWriter writer, ref byte[]? scratch)
    {
        if (reader.ValueIsEscaped) return false;
        var text = reader.ValueSpan;
        var buffer = Scratch(ref scratch, Base64.GetMaxDecodedFromUtf8Length(text.Length));
        if (Base64.DecodeFromUtf8(text, buffer, out _, out int written) != OperationStatus.Done) return false;
        writer.WriteBinary(buffer.AsSpan(0, written));
        return true;
    }

    private static byte[] Scratch(ref byte[]? scratch, int bytes)
    {
        if (scratch is not null && scratch.Length >= bytes) return scratch;
        if (scratch is not null) ArrayPool<byte>.Shared.Return(scratch);
        return scratch = ArrayPool<byte>.Shared.Rent(Math.Max(bytes, 1024));
    }
}
