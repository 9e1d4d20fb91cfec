using System.Text.Json;
using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Server.DynamoApi;

// Error bodies. Which error type and HTTP status an exception gets is DynamoApiHandler.WriteError's; these write the
// body for it.
internal static partial class ResponseWriter
{
    // {"__type": type, "message": message, "Item": item?}. No message member when `message` is null (DynamoDB sends
    // none with UnknownOperationException); Item is ConditionalCheckFailedException's with ALL_OLD.
    public static void Error(Utf8JsonWriter w, string type, string? message, IReadOnlyDictionary<string, AttributeValue>? item = null)
    {
        w.WriteStartObject();
        w.WriteString("__type"u8, type);
        if (message is not null) w.WriteString("message"u8, message);
        if (item is not null)
        {
            w.WritePropertyName("Item"u8);
            AttributeValueJson.WriteItem(w, item);
        }
        w.WriteEndObject();
    }

    // {"__type": type, "CancellationReasons": [{"Code": ..., "Message": ...?, "Item": {...}?}, ...], "Message": ...},
    // one reason per action in action order; a reason without a message ("None") has no Message member. The members,
    // their order and the capital M of the top-level Message are DynamoDB's, as captured from it (PynamoDB #1144:
    // {"__type": ..., "CancellationReasons": [{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "The
    // conditional request failed"}], "Message": "Transaction cancelled, please refer cancellation reasons for specific
    // reasons [None, ConditionalCheckFailed]"}); the capture has no Item, which goes last here, as in moto. The AWS
    // SDK for .NET reads this Message as the exception's message (TransactionWireTests).
    public static void TransactionCanceled(Utf8JsonWriter w, string type, TransactionCanceledException e)
    {
        w.WriteStartObject();
        w.WriteString("__type"u8, type);
        w.WriteStartArray("CancellationReasons"u8);
        foreach (var reason in e.CancellationReasons)
        {
            w.WriteStartObject();
            w.WriteString("Code"u8, reason.Code);
            if (reason.Message is not null) w.WriteString("Message"u8, reason.Message);
            if (reason.Item is not null)
            {
                w.WritePropertyName("Item"u8);
                AttributeValueJson.WriteItem(w, reason.Item);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("Message"u8, e.Message);
        w.WriteEndObject();
    }
}
