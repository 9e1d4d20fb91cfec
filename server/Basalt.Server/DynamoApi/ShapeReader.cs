using System.Text;
using System.Text.Json;
using Basalt.Engine.Database;

namespace Basalt.Server.DynamoApi;

// Where an attribute value is read, for the wording of its errors: DynamoDB wraps a bad value in
// ExpressionAttributeValues as "ExpressionAttributeValues contains invalid value: <message> for key <:v>" and one in
// ExclusiveStartKey as "The provided starting key is invalid: <message>" (the engine's own messages and dynalite's
// test/scan.js show both forms); items, keys and legacy condition values carry the bare message.
internal enum ValueContext : byte
{
    Plain = 0,
    ExpressionValues = 1,
    StartKey = 2,
}

// Reads one request body by DynamoDB's shapes (String, Boolean, Integer, Long, Blob, List, Map, Structure, enums)
// over a Utf8JsonReader it does not own. One per request, on the request's thread; a ref struct, never stored.
//
// Errors come in DynamoDB's three stages. A JSON type that does not fit the shape throws SerializationException at
// once (Coral's deserializer stops there). A member constraint the wire layer checks (an enum value outside its set,
// a required member of a nested structure that is null) is collected, as DynamoDB collects them into one
// "N validation error(s) detected: a; b" (at most 10, as dynalite caps them). A semantic error (an attribute value
// with no type or two, NULL false) is kept, first one only, and reported only when no constraint failed, as
// DynamoDB checks constraints first. ThrowIfInvalid raises what was collected once the body has been read.
//
// A JSON null member is an absent member, as DynamoDB treats it; unknown members are skipped.
internal ref struct ShapeReader
{
    // DynamoDB allows 32 levels of nested attribute values, two JSON levels each ({"M":{"a":...}}), under at most four
    // levels of request (BatchWriteItem.RequestItems.<table>[].PutRequest.Item). 128 lets a too-deep item through
    // to the engine, which answers DynamoDB's "Nesting Levels have exceeded supported limits", and still bounds the
    // recursion of AttributeValueJson.ReadValue well inside the stack.
    public const int JsonDepthMax = 128;
    private const int ConstraintErrorsMax = 10;

    public static readonly JsonReaderOptions Options = new() { MaxDepth = JsonDepthMax };

    // Held by value: a ref field cannot refer to a ref struct. Callers that lend their own reader
    // (AttributeValueJson.ReadItem) take the advanced copy back from Json.
    private Utf8JsonReader _json;
    private List<string>? _constraintErrors;
    private string? _semanticError;

    public ShapeReader(Utf8JsonReader json) => _json = json;

    public readonly Utf8JsonReader Json => _json;

    public ValueContext Context;
    // The ExpressionAttributeValues placeholder being read (for ValueContext.ExpressionValues).
    public string? ContextKey;

    public readonly JsonTokenType Token => _json.TokenType;

    // Moves to the next token; a body that ends early is malformed JSON (Utf8JsonReader throws JsonException on a
    // truncated final block; false here means the document had already ended).
    public void Advance()
    {
        if (!_json.Read()) throw new SerializationException("Unexpected end of the request body");
    }

    // ---- structures and maps: positioned on a member name between NextMember and the value read ----

    // The next member of the current structure or map: true on its name, false at the closing brace.
    public bool NextMember()
    {
        Advance();
        return _json.TokenType == JsonTokenType.PropertyName;
    }

    public readonly bool Is(ReadOnlySpan<byte> name) => _json.ValueTextEquals(name);

    public readonly string MemberName() => GetString();

    // Skips the value of the member whose name is current.
    public void Skip() => _json.Skip();

    // The type member of an attribute value ({"S": ...}) as its AttributeType, 0 when unknown. Compares raw bytes
    // when the name has no escapes (always, from the SDKs), else its unescaped form.
    public readonly Engine.Model.AttributeType TypeTag()
    {
        scoped ReadOnlySpan<byte> name;
        Span<byte> unescaped = stackalloc byte[48];
        if (!_json.ValueIsEscaped) name = _json.ValueSpan;
        else if (_json.ValueSpan.Length <= 48 && CopyString(unescaped) is int length && length <= 4) name = unescaped[..length];
        else return 0;
        return name.Length switch
        {
            1 => name[0] switch
            {
                (byte)'S' => Engine.Model.AttributeType.S,
                (byte)'N' => Engine.Model.AttributeType.N,
                (byte)'B' => Engine.Model.AttributeType.B,
                (byte)'M' => Engine.Model.AttributeType.M,
                (byte)'L' => Engine.Model.AttributeType.L,
                _ => 0,
            },
            2 when name[1] == (byte)'S' => name[0] switch
            {
                (byte)'S' => Engine.Model.AttributeType.SS,
                (byte)'N' => Engine.Model.AttributeType.NS,
                (byte)'B' => Engine.Model.AttributeType.BS,
                _ => 0,
            },
            4 when name.SequenceEqual("BOOL"u8) => Engine.Model.AttributeType.Bool,
            4 when name.SequenceEqual("NULL"u8) => Engine.Model.AttributeType.Null,
            _ => 0,
        };
    }

    // ---- containers: each advances to the member's value; false when it is null (absent) ----

    public bool BeginStructure()
    {
        Advance();
        return CurrentIsStructure();
    }

    public readonly bool CurrentIsStructure() => _json.TokenType switch
    {
        JsonTokenType.Null => false,
        JsonTokenType.StartObject => true,
        JsonTokenType.StartArray => throw new SerializationException(ListNotExpected),
        _ => throw new SerializationException("Expected null"),
    };

    public bool BeginMap()
    {
        Advance();
        return CurrentIsMap();
    }

    public readonly bool CurrentIsMap() => _json.TokenType switch
    {
        JsonTokenType.Null => false,
        JsonTokenType.StartObject => true,
        JsonTokenType.StartArray => throw new SerializationException(ListNotExpected),
        _ => throw new SerializationException("Expected map or null"),
    };

    public bool BeginList()
    {
        Advance();
        return _json.TokenType switch
        {
            JsonTokenType.Null => false,
            JsonTokenType.StartArray => true,
            JsonTokenType.StartObject => throw new SerializationException(StructureNotExpected),
            _ => throw new SerializationException("Expected list or null"),
        };
    }

    // The next element of the current list: true positioned on it, false at the closing bracket.
    public bool NextElement()
    {
        Advance();
        return _json.TokenType != JsonTokenType.EndArray;
    }

    // ---- scalars: String() reads the member's value, CurrentString() the current token (a list element) ----

    public string? String()
    {
        Advance();
        return CurrentString();
    }

    public readonly string? CurrentString() => _json.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => GetString(),
        _ => throw Mismatch("an String"),
    };

    public bool? Boolean()
    {
        Advance();
        return CurrentBoolean();
    }

    // Coral converts the strings TRUE/1/YES and FALSE/0/NO (any case) to a Boolean and refuses other strings with
    // the upper-cased text (dynalite's checkTypes, recorded from DynamoDB).
    public readonly bool? CurrentBoolean()
    {
        switch (_json.TokenType)
        {
            case JsonTokenType.Null: return null;
            case JsonTokenType.True: return true;
            case JsonTokenType.False: return false;
            case JsonTokenType.String:
                string text = GetString().ToUpperInvariant();
                return text switch
                {
                    "TRUE" or "1" or "YES" => true,
                    "FALSE" or "0" or "NO" => false,
                    _ => throw new SerializationException($"'{text}' can not be converted to an Boolean"),
                };
            default:
                throw Mismatch("an Boolean");
        }
    }

    // Integer members (Limit, Segment, TotalSegments). Coral truncates a fraction toward negative infinity (dynalite:
    // Math.floor). A value beyond 32 bits is refused with a message of ours: what DynamoDB answers is not recorded.
    public int? Integer()
    {
        Advance();
        if (_json.TokenType == JsonTokenType.Null) return null;
        if (_json.TokenType != JsonTokenType.Number) throw Mismatch("an Integer");
        if (_json.TryGetInt32(out int value)) return value;
        double floored = Math.Floor(_json.GetDouble());
        if (floored is >= int.MinValue and <= int.MaxValue) return (int)floored;
        throw new SerializationException($"Value {Encoding.UTF8.GetString(_json.ValueSpan)} is out of range for an Integer");
    }

    // Long members (ReadCapacityUnits, WriteCapacityUnits); as Integer.
    public long? Long()
    {
        Advance();
        if (_json.TokenType == JsonTokenType.Null) return null;
        if (_json.TokenType != JsonTokenType.Number) throw Mismatch("an Long");
        if (_json.TryGetInt64(out long value)) return value;
        double floored = Math.Floor(_json.GetDouble());
        if (floored is >= long.MinValue and < 9.2233720368547758E18) return (long)floored;
        throw new SerializationException($"Value {Encoding.UTF8.GetString(_json.ValueSpan)} is out of range for an Long");
    }

    // An enum member: its value, or null when absent or outside the set (then a constraint error is recorded, with
    // the member's path as DynamoDB names it: pathStart + pathMiddle + pathEnd, built only on failure).
    public T? Enum<T>(WireEnum<T> set, string pathStart, string? pathMiddle = null, string? pathEnd = null) where T : struct, System.Enum
    {
        Advance();
        if (_json.TokenType == JsonTokenType.Null) return null;
        if (_json.TokenType != JsonTokenType.String) throw Mismatch("an String");
        for (int i = 0; i < set.Count; i++)
            if (_json.ValueTextEquals(set.Name(i))) return set.Value(i);
        Constraint($"Value '{GetString()}' at '{pathStart}{pathMiddle}{pathEnd}' failed to satisfy constraint: " +
            $"Member must satisfy enum value set: {set.Allowed}");
        return null;
    }

    // A Blob (B, BS members): the current token's base64 text, checked as Coral checks it, decoded into `bytes`
    // (at least DecodedLengthMax long). Returns the decoded length.
    public readonly int CurrentBlob(Span<byte> bytes)
    {
        if (_json.TokenType != JsonTokenType.String) throw Mismatch("a Blob");
        if (!_json.ValueIsEscaped) return Base64Wire.Decode(_json.ValueSpan, bytes);
        // An escaped base64 text ("\/" for "/") is legal JSON; unescape it first.
        byte[] text = Encoding.UTF8.GetBytes(GetString());
        return Base64Wire.Decode(text, bytes);
    }

    // The current string token unescaped into `destination`; invalid UTF-8 as GetString reports it (the
    // input-fuzzing target json-request found the reader's InvalidOperationException escaping from TypeTag as an
    // InternalServerError).
    private readonly int CopyString(Span<byte> destination)
    {
        try
        {
            return _json.CopyString(destination);
        }
        catch (InvalidOperationException e)
        {
            throw new SerializationException("The request body is not valid JSON: " + e.Message);
        }
    }

    // The current string token's text. Utf8JsonReader validates UTF-8 only here (InvalidOperationException for
    // invalid UTF-8 or a lone surrogate escape): that is malformed JSON to the client.
    private readonly string GetString()
    {
        try
        {
            return _json.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new SerializationException("The request body is not valid JSON: " + e.Message);
        }
    }

    // An upper bound of the decoded length of the current Blob token (exact for unpadded, unescaped base64). A text
    // whose length is not a multiple of 4 is refused by CurrentBlob before anything is decoded.
    public readonly int BlobBytesMax => _json.ValueSpan.Length / 4 * 3;

    // ---- errors ----

    public void Constraint(string message)
    {
        _constraintErrors ??= [];
        if (_constraintErrors.Count < ConstraintErrorsMax) _constraintErrors.Add(message);
    }

    // "Value null at '<path>' failed to satisfy constraint: Member must not be null".
    public void NotNull(string pathStart, string? pathMiddle = null, string? pathEnd = null) =>
        Constraint($"Value null at '{pathStart}{pathMiddle}{pathEnd}' failed to satisfy constraint: Member must not be null");

    public void Semantic(string message)
    {
        if (_semanticError is not null) return;
        _semanticError = Context switch
        {
            ValueContext.ExpressionValues => $"ExpressionAttributeValues contains invalid value: {message} for key {ContextKey}",
            ValueContext.StartKey => $"The provided starting key is invalid: {message}",
            _ => message,
        };
    }

    public readonly void ThrowIfInvalid()
    {
        if (_constraintErrors is { Count: > 0 } errors)
            throw new ValidationException($"{errors.Count} validation error{(errors.Count > 1 ? "s" : "")} detected: {string.Join("; ", errors)}");
        if (_semanticError is not null) throw new ValidationException(_semanticError);
    }

    // After the body's closing brace: anything but whitespace after it is malformed (Utf8JsonReader throws).
    public void EndRequest()
    {
        if (_json.Read()) throw new SerializationException("Unexpected content after the request body");
        ThrowIfInvalid();
    }

    private const string ListNotExpected = "Start of list found where not expected";
    private const string StructureNotExpected = "Start of structure or map found where not expected.";

    // DynamoDB's message for a JSON token of the wrong type; `target` keeps Coral's article ("an String", "a Blob").
    private readonly SerializationException Mismatch(string target) => new(_json.TokenType switch
    {
        JsonTokenType.StartArray => ListNotExpected,
        JsonTokenType.StartObject => StructureNotExpected,
        JsonTokenType.True or JsonTokenType.False => $"class java.lang.Boolean can not be converted to {target}",
        JsonTokenType.String => $"class java.lang.String can not be converted to {target}",
        _ => $"class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to {target}",
    });

    // Parses one request body: `body` reads the members of its top-level object. Malformed JSON (and invalid UTF-8
    // in a string, see GetString) becomes SerializationException. DynamoDB answers malformed JSON with a SerializationException
    // that has no message at all (dynalite's index.js); ours carries the reader's description instead, which the
    // SDKs show and ignore alike.
    public static T Parse<T>(ReadOnlySpan<byte> json, Body<T> body)
    {
        try
        {
            var reader = new Utf8JsonReader(json, Options);
            if (!reader.Read()) throw new SerializationException("The request body is empty");
            if (reader.TokenType == JsonTokenType.Null)
            {
                // A body of `null` is a request with no members.
                if (reader.Read()) throw new SerializationException("Unexpected content after the request body");
                reader = new Utf8JsonReader("{}"u8, Options);
                reader.Read();
            }
            var r = new ShapeReader(reader);
            if (!r.CurrentIsStructure()) throw new SerializationException("Expected null");
            var result = body(ref r);
            r.EndRequest();
            return result;
        }
        catch (JsonException e)
        {
            throw new SerializationException("The request body is not valid JSON: " + e.Message);
        }
    }

    public delegate T Body<T>(ref ShapeReader r);
}

// Base64 as DynamoDB accepts it for a Blob: standard alphabet, padded, canonical (the unused bits of the last
// character zero). The three refusals and their messages are Coral's, as dynalite's validations/index.js records
// them ("dectected" sic). They are SerializationExceptions, as for any Blob that cannot be deserialised.
internal static class Base64Wire
{
    // Decodes `text` into `bytes` (long enough: text.Length / 4 * 3); returns the decoded length.
    public static int Decode(ReadOnlySpan<byte> text, Span<byte> bytes)
    {
        if (text.Length % 4 != 0)
            throw Refused(text, $"Base64 encoded length is expected a multiple of 4 bytes but found: {text.Length}");
        for (int i = 0; i < text.Length; i++)
        {
            byte c = text[i];
            bool alphabet = c is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'+' or (byte)'/';
            if (alphabet) continue;
            // '=' may only be followed by '=' (dynalite's /[^a-zA-Z0-9+/=]|\=[^=]/): report the first offender.
            if (c == (byte)'=' && (i + 1 == text.Length || text[i + 1] == (byte)'=')) continue;
            throw Refused(text, $"Invalid Base64 character: '{(char)c}'");
        }
        int padding = text.Length == 0 ? 0 : text[^1] != (byte)'=' ? 0 : text[^2] != (byte)'=' ? 1 : 2;
        bool canonical = text.Length == 0 || text.Length >= 4 && text[^3] != (byte)'=' && padding switch
        {
            1 => (Sextet(text[^2]) & 0b11) == 0,
            2 => (Sextet(text[^3]) & 0b1111) == 0,
            _ => true,
        };
        if (!canonical) throw Refused(text, "Invalid last non-pad Base64 character dectected");
        var status = System.Buffers.Text.Base64.DecodeFromUtf8(text, bytes, out _, out int written);
        if (status != System.Buffers.OperationStatus.Done) throw Refused(text, "Invalid last non-pad Base64 character dectected");
        return written;
    }

    private static int Sextet(byte c) => c switch
    {
        >= (byte)'A' and <= (byte)'Z' => c - 'A',
        >= (byte)'a' and <= (byte)'z' => c - 'a' + 26,
        >= (byte)'0' and <= (byte)'9' => c - '0' + 52,
        (byte)'+' => 62,
        _ => 63,
    };

    private static SerializationException Refused(ReadOnlySpan<byte> text, string reason) =>
        new($"'{Encoding.UTF8.GetString(text)}' can not be converted to a Blob: {reason}");
}
