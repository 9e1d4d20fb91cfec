namespace Basalt.Server.DynamoApi;

// The request body is not JSON, or a member has the wrong JSON type for its shape (a number where a string is
// expected, a list where a structure is expected, a Blob that is not base64). The host answers HTTP 400 with
// __type "com.amazon.coral.service#SerializationException" and this message (under "Message", capital M, as
// DynamoDB sends it). The type-mismatch messages are DynamoDB's (Coral's deserializer), as dynalite's
// validations/index.js (checkTypes) reproduces them from DynamoDB's answers, a/an grammar included.
internal sealed class SerializationException(string message) : Exception(message);
