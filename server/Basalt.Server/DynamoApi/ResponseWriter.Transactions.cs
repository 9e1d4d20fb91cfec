using System.Text.Json;
using Basalt.Engine.Database;

namespace Basalt.Server.DynamoApi;

// TransactWriteItems and TransactGetItems answers. ConsumedCapacity is a list, one entry per table, as for the
// batches; ItemCollectionMetrics is never written (the engine's response does not carry it, as for the other writes).
internal static partial class ResponseWriter
{
    // {} or {"ConsumedCapacity": [...]}.
    public static void TransactWriteItems(Utf8JsonWriter w, TransactWriteItemsResponse r)
    {
        w.WriteStartObject();
        if (r.ConsumedCapacity is not null) WriteConsumedCapacityList(w, r.ConsumedCapacity);
        if (r.ItemCollectionMetrics is not null) WriteItemCollectionMetricsMap(w, r.ItemCollectionMetrics);
        w.WriteEndObject();
    }

    // {"Responses": [{"Item": {...}} or {} for an item that does not exist, ...], "ConsumedCapacity": [...]?}, the
    // responses in the order of the Gets.
    public static void TransactGetItems(Utf8JsonWriter w, TransactGetItemsResponse r)
    {
        w.WriteStartObject();
        w.WriteStartArray("Responses"u8);
        foreach (var response in r.Responses)
        {
            w.WriteStartObject();
            if (response.Item is not null)
            {
                w.WritePropertyName("Item"u8);
                AttributeValueJson.WriteItem(w, response.Item);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (r.ConsumedCapacity is not null) WriteConsumedCapacityList(w, r.ConsumedCapacity);
        w.WriteEndObject();
    }
}
