using System.Buffers;
using System.Text.Json;

namespace Basalt.Server.Auth;

// Why SigV4Verifier refused a request, as DynamoDB answers it: HTTP 400 with `{"__type": Type, "message": Message}`.
// DynamoDB's AccessDeniedException is the one answer that spells its member "Message" (dynalite's
// test/helpers.js, written against DynamoDB, asserts `res.body.Message` for it and `res.body.message` for the rest),
// and it lives in com.amazon.coral.service like the other authentication errors. Immutable.
internal sealed record AuthRefusal(string Type, string Message, string MessageMember = "message")
{
    public const string CoralPrefix = "com.amazon.coral.service#";
    public const string MissingToken = CoralPrefix + "MissingAuthenticationTokenException";
    public const string IncompleteSignature = CoralPrefix + "IncompleteSignatureException";
    public const string InvalidSignature = CoralPrefix + "InvalidSignatureException";
    public const string UnrecognizedClient = CoralPrefix + "UnrecognizedClientException";
    public const string AccessDenied = CoralPrefix + "AccessDeniedException";
    public const string Serialization = CoralPrefix + "SerializationException";

    public const int Status = 400;

    public ReadOnlyMemory<byte> Body()
    {
        var output = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteString("__type", Type);
            json.WriteString(MessageMember, Message);
            json.WriteEndObject();
        }
        return output.WrittenMemory;
    }
}
