using System.Text.Json;
using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Server.DynamoApi;

// The engine's responses as DynamoDB's JSON 1.0 response bodies. Each method writes one whole object; a member the
// engine leaves null is omitted, as DynamoDB omits absent members (GetItem of a missing item is {}). Stateless; any
// thread; writes into the caller's Utf8JsonWriter.
//
// DynamoDB members the engine's types do not carry, and so never written yet: TableDescription's
// StreamSpecification, LatestStreamLabel, LatestStreamArn, SSEDescription, TableClassSummary,
// DeletionProtectionEnabled (DynamoDB now always sends it, false by default), OnDemandThroughput, WarmThroughput,
// Replicas, RestoreSummary, ArchivalSummary, and the OnDemandThroughput and WarmThroughput of a global secondary
// index; ItemCollectionMetrics of the item writes and BatchWriteItem (DynamoDB sends them only for tables with local
// secondary indexes).
internal static partial class ResponseWriter
{
    // ---- table operations ----

    public static void CreateTable(Utf8JsonWriter w, CreateTableResponse r)
    {
        w.WriteStartObject();
        w.WritePropertyName("TableDescription"u8);
        WriteTableDescription(w, r.TableDescription);
        w.WriteEndObject();
    }

    public static void DescribeTable(Utf8JsonWriter w, DescribeTableResponse r)
    {
        w.WriteStartObject();
        w.WritePropertyName("Table"u8);
        WriteTableDescription(w, r.Table);
        w.WriteEndObject();
    }

    public static void ListTables(Utf8JsonWriter w, ListTablesResponse r)
    {
        w.WriteStartObject();
        w.WriteStartArray("TableNames"u8);
        for (int i = 0; i < r.TableNames.Count; i++) w.WriteStringValue(r.TableNames[i]);
        w.WriteEndArray();
        if (r.LastEvaluatedTableName is not null) w.WriteString("LastEvaluatedTableName"u8, r.LastEvaluatedTableName);
        w.WriteEndObject();
    }

    public static void UpdateTable(Utf8JsonWriter w, UpdateTableResponse r)
    {
        w.WriteStartObject();
        w.WritePropertyName("TableDescription"u8);
        WriteTableDescription(w, r.TableDescription);
        w.WriteEndObject();
    }

    public static void DeleteTable(Utf8JsonWriter w, DeleteTableResponse r)
    {
        w.WriteStartObject();
        w.WritePropertyName("TableDescription"u8);
        WriteTableDescription(w, r.TableDescription);
        w.WriteEndObject();
    }

    // DynamoDB's TableDescription. Dates are JSON numbers of epoch seconds with the milliseconds as a fraction, as
    // DynamoDB sends them (e.g. 1700000000.123).
    public static void WriteTableDescription(Utf8JsonWriter w, TableDescription t)
    {
        w.WriteStartObject();
        w.WriteStartArray("AttributeDefinitions"u8);
        for (int i = 0; i < t.AttributeDefinitions.Count; i++)
        {
            var definition = t.AttributeDefinitions[i];
            w.WriteStartObject();
            w.WriteString("AttributeName"u8, definition.AttributeName);
            w.WriteString("AttributeType"u8, definition.AttributeType.WireName());
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("TableName"u8, t.TableName);
        WriteKeySchema(w, t.KeySchema);
        w.WriteString("TableStatus"u8, t.TableStatus.WireName());
        WriteDate(w, "CreationDateTime"u8, t.CreationDateTime);
        WriteProvisionedThroughput(w, t.ProvisionedThroughput);
        w.WriteNumber("TableSizeBytes"u8, t.TableSizeBytes);
        w.WriteNumber("ItemCount"u8, t.ItemCount);
        w.WriteString("TableArn"u8, t.TableArn);
        w.WriteString("TableId"u8, t.TableId);
        w.WriteStartObject("BillingModeSummary"u8);
        w.WriteString("BillingMode"u8, t.BillingModeSummary.BillingMode.WireName());
        if (t.BillingModeSummary.LastUpdateToPayPerRequestDateTime is DateTimeOffset switched)
            WriteDate(w, "LastUpdateToPayPerRequestDateTime"u8, switched);
        w.WriteEndObject();
        if (t.LocalSecondaryIndexes is not null) WriteLocalSecondaryIndexes(w, t.LocalSecondaryIndexes);
        if (t.GlobalSecondaryIndexes is not null) WriteGlobalSecondaryIndexes(w, t.GlobalSecondaryIndexes);
        w.WriteEndObject();
    }

    // DynamoDB's ProvisionedThroughputDescription, the table's and a global secondary index's alike.
    private static void WriteProvisionedThroughput(Utf8JsonWriter w, ProvisionedThroughputDescription throughput)
    {
        w.WriteStartObject("ProvisionedThroughput"u8);
        if (throughput.LastIncreaseDateTime is DateTimeOffset increased) WriteDate(w, "LastIncreaseDateTime"u8, increased);
        if (throughput.LastDecreaseDateTime is DateTimeOffset decreased) WriteDate(w, "LastDecreaseDateTime"u8, decreased);
        w.WriteNumber("NumberOfDecreasesToday"u8, throughput.NumberOfDecreasesToday);
        w.WriteNumber("ReadCapacityUnits"u8, throughput.ReadCapacityUnits);
        w.WriteNumber("WriteCapacityUnits"u8, throughput.WriteCapacityUnits);
        w.WriteEndObject();
    }

    private static void WriteKeySchema(Utf8JsonWriter w, IReadOnlyList<KeySchemaElement> keySchema)
    {
        w.WriteStartArray("KeySchema"u8);
        for (int i = 0; i < keySchema.Count; i++)
        {
            var element = keySchema[i];
            w.WriteStartObject();
            w.WriteString("AttributeName"u8, element.AttributeName);
            w.WriteString("KeyType"u8, element.KeyType.WireName());
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    // [{IndexName, KeySchema, Projection, IndexSizeBytes, ItemCount, IndexArn}], in the member order of DynamoDB's
    // LocalSecondaryIndexDescription shape (as the table's members follow TableDescription's).
    private static void WriteLocalSecondaryIndexes(Utf8JsonWriter w, IReadOnlyList<LocalSecondaryIndexDescription> indexes)
    {
        w.WriteStartArray("LocalSecondaryIndexes"u8);
        for (int i = 0; i < indexes.Count; i++)
        {
            var index = indexes[i];
            w.WriteStartObject();
            w.WriteString("IndexName"u8, index.IndexName);
            WriteKeySchema(w, index.KeySchema);
            WriteProjection(w, index.ProjectionType, index.NonKeyAttributes);
            w.WriteNumber("IndexSizeBytes"u8, index.IndexSizeBytes);
            w.WriteNumber("ItemCount"u8, index.ItemCount);
            w.WriteString("IndexArn"u8, index.IndexArn);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    // [{IndexName, KeySchema, Projection, IndexStatus, Backfilling, ProvisionedThroughput, IndexSizeBytes, ItemCount,
    // IndexArn}], in the member order of DynamoDB's GlobalSecondaryIndexDescription shape. Backfilling only while an
    // index is being filled (DynamoDB leaves it out otherwise); ProvisionedThroughput always, 0 and 0 on a
    // PAY_PER_REQUEST table, as the table's.
    private static void WriteGlobalSecondaryIndexes(Utf8JsonWriter w, IReadOnlyList<GlobalSecondaryIndexDescription> indexes)
    {
        w.WriteStartArray("GlobalSecondaryIndexes"u8);
        for (int i = 0; i < indexes.Count; i++)
        {
            var index = indexes[i];
            w.WriteStartObject();
            w.WriteString("IndexName"u8, index.IndexName);
            WriteKeySchema(w, index.KeySchema);
            WriteProjection(w, index.ProjectionType, index.NonKeyAttributes);
            w.WriteString("IndexStatus"u8, index.IndexStatus.WireName());
            if (index.Backfilling is bool backfilling) w.WriteBoolean("Backfilling"u8, backfilling);
            WriteProvisionedThroughput(w, index.ProvisionedThroughput);
            w.WriteNumber("IndexSizeBytes"u8, index.IndexSizeBytes);
            w.WriteNumber("ItemCount"u8, index.ItemCount);
            w.WriteString("IndexArn"u8, index.IndexArn);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    // {ProjectionType, NonKeyAttributes}. NonKeyAttributes only when the index has them: an INCLUDE index; DynamoDB
    // refuses them with any other projection type.
    private static void WriteProjection(Utf8JsonWriter w, ProjectionType type, IReadOnlyList<string>? nonKeyAttributes)
    {
        w.WriteStartObject("Projection"u8);
        w.WriteString("ProjectionType"u8, type.WireName());
        if (nonKeyAttributes is not null)
        {
            w.WriteStartArray("NonKeyAttributes"u8);
            for (int i = 0; i < nonKeyAttributes.Count; i++) w.WriteStringValue(nonKeyAttributes[i]);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    // Epoch seconds, milliseconds as the fraction: decimal keeps the text exact ("1700000000.123", not a binary
    // double's nearest neighbour).
    private static void WriteDate(Utf8JsonWriter w, ReadOnlySpan<byte> name, DateTimeOffset date) =>
        w.WriteNumber(name, date.ToUnixTimeMilliseconds() / 1000m);

    // ---- item operations ----

    public static void PutItem(Utf8JsonWriter w, PutItemResponse r) => WriteAttributes(w, r.Attributes, r.ConsumedCapacity, r.ItemCollectionMetrics);

    public static void GetItem(Utf8JsonWriter w, GetItemResponse r)
    {
        w.WriteStartObject();
        if (r.Item is not null)
        {
            w.WritePropertyName("Item"u8);
            AttributeValueJson.WriteItem(w, r.Item);
        }
        if (r.ConsumedCapacity is not null) WriteConsumedCapacity(w, r.ConsumedCapacity);
        w.WriteEndObject();
    }

    public static void DeleteItem(Utf8JsonWriter w, DeleteItemResponse r) => WriteAttributes(w, r.Attributes, r.ConsumedCapacity, r.ItemCollectionMetrics);

    public static void UpdateItem(Utf8JsonWriter w, UpdateItemResponse r) => WriteAttributes(w, r.Attributes, r.ConsumedCapacity, r.ItemCollectionMetrics);

    private static void WriteAttributes(Utf8JsonWriter w, Dictionary<string, AttributeValue>? attributes, ConsumedCapacity? consumed,
        ItemCollectionMetrics? metrics = null)
    {
        w.WriteStartObject();
        if (attributes is not null)
        {
            w.WritePropertyName("Attributes"u8);
            AttributeValueJson.WriteItem(w, attributes);
        }
        if (consumed is not null) WriteConsumedCapacity(w, consumed);
        if (metrics is not null)
        {
            w.WritePropertyName("ItemCollectionMetrics"u8);
            WriteItemCollectionMetrics(w, metrics);
        }
        w.WriteEndObject();
    }

    // {"ItemCollectionKey": {<partition key>}, "SizeEstimateRangeGB": [lower, upper]}
    private static void WriteItemCollectionMetrics(Utf8JsonWriter w, ItemCollectionMetrics metrics)
    {
        w.WriteStartObject();
        w.WritePropertyName("ItemCollectionKey"u8);
        AttributeValueJson.WriteItem(w, metrics.ItemCollectionKey);
        w.WriteStartArray("SizeEstimateRangeGB"u8);
        foreach (double gb in metrics.SizeEstimateRangeGB) w.WriteNumberValue(gb);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    // BatchWriteItem's and TransactWriteItems': "ItemCollectionMetrics": {<table>: [<metrics>, ...]}.
    internal static void WriteItemCollectionMetricsMap(Utf8JsonWriter w, Dictionary<string, List<ItemCollectionMetrics>> metrics)
    {
        w.WriteStartObject("ItemCollectionMetrics"u8);
        foreach (var (table, list) in metrics)
        {
            w.WriteStartArray(table);
            foreach (var one in list) WriteItemCollectionMetrics(w, one);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    // ---- reads ----

    // countOnly (Select COUNT): DynamoDB's response has no Items member.
    public static void Query(Utf8JsonWriter w, QueryResponse r, bool countOnly) =>
        WritePage(w, r.Items, r.Count, r.ScannedCount, r.LastEvaluatedKey, r.ConsumedCapacity, countOnly);

    public static void Scan(Utf8JsonWriter w, ScanResponse r, bool countOnly) =>
        WritePage(w, r.Items, r.Count, r.ScannedCount, r.LastEvaluatedKey, r.ConsumedCapacity, countOnly);

    private static void WritePage(Utf8JsonWriter w, List<Dictionary<string, AttributeValue>> items, int count, int scannedCount,
        Dictionary<string, AttributeValue>? lastEvaluatedKey, ConsumedCapacity? consumed, bool countOnly)
    {
        w.WriteStartObject();
        if (!countOnly) WriteItems(w, "Items"u8, items);
        w.WriteNumber("Count"u8, count);
        w.WriteNumber("ScannedCount"u8, scannedCount);
        if (lastEvaluatedKey is not null)
        {
            w.WritePropertyName("LastEvaluatedKey"u8);
            AttributeValueJson.WriteItem(w, lastEvaluatedKey);
        }
        if (consumed is not null) WriteConsumedCapacity(w, consumed);
        w.WriteEndObject();
    }

    private static void WriteItems(Utf8JsonWriter w, ReadOnlySpan<byte> name, List<Dictionary<string, AttributeValue>> items)
    {
        w.WriteStartArray(name);
        foreach (var item in items) AttributeValueJson.WriteItem(w, item);
        w.WriteEndArray();
    }

    // ---- batches ----

    public static void BatchGetItem(Utf8JsonWriter w, BatchGetItemResponse r)
    {
        w.WriteStartObject();
        w.WriteStartObject("Responses"u8);
        foreach (var (table, items) in r.Responses)
        {
            w.WriteStartArray(table);
            foreach (var item in items) AttributeValueJson.WriteItem(w, item);
            w.WriteEndArray();
        }
        w.WriteEndObject();
        w.WriteStartObject("UnprocessedKeys"u8);
        foreach (var (table, keys) in r.UnprocessedKeys)
        {
            w.WritePropertyName(table);
            WriteKeysAndAttributes(w, keys);
        }
        w.WriteEndObject();
        if (r.ConsumedCapacity is not null) WriteConsumedCapacityList(w, r.ConsumedCapacity);
        w.WriteEndObject();
    }

    // One table's UnprocessedKeys entry, as the request gave it (so it can be sent again as it is).
    private static void WriteKeysAndAttributes(Utf8JsonWriter w, KeysAndAttributes keys)
    {
        w.WriteStartObject();
        if (keys.Keys is not null) WriteItems(w, "Keys"u8, keys.Keys);
        if (keys.ProjectionExpression is not null) w.WriteString("ProjectionExpression"u8, keys.ProjectionExpression);
        if (keys.ExpressionAttributeNames is not null)
        {
            w.WriteStartObject("ExpressionAttributeNames"u8);
            foreach (var (placeholder, name) in keys.ExpressionAttributeNames) w.WriteString(placeholder, name);
            w.WriteEndObject();
        }
        if (keys.ConsistentRead is bool consistent) w.WriteBoolean("ConsistentRead"u8, consistent);
        if (keys.AttributesToGet is not null)
        {
            w.WriteStartArray("AttributesToGet"u8);
            foreach (var name in keys.AttributesToGet) w.WriteStringValue(name);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    public static void BatchWriteItem(Utf8JsonWriter w, BatchWriteItemResponse r)
    {
        w.WriteStartObject();
        w.WriteStartObject("UnprocessedItems"u8);
        foreach (var (table, writes) in r.UnprocessedItems)
        {
            w.WriteStartArray(table);
            foreach (var write in writes)
            {
                w.WriteStartObject();
                if (write.PutRequest is { } put)
                {
                    w.WriteStartObject("PutRequest"u8);
                    if (put.Item is not null)
                    {
                        w.WritePropertyName("Item"u8);
                        AttributeValueJson.WriteItem(w, put.Item);
                    }
                    w.WriteEndObject();
                }
                if (write.DeleteRequest is { } delete)
                {
                    w.WriteStartObject("DeleteRequest"u8);
                    if (delete.Key is not null)
                    {
                        w.WritePropertyName("Key"u8);
                        AttributeValueJson.WriteItem(w, delete.Key);
                    }
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
        if (r.ConsumedCapacity is not null) WriteConsumedCapacityList(w, r.ConsumedCapacity);
        if (r.ItemCollectionMetrics is not null) WriteItemCollectionMetricsMap(w, r.ItemCollectionMetrics);
        w.WriteEndObject();
    }

    // ---- consumed capacity ----

    private static void WriteConsumedCapacity(Utf8JsonWriter w, ConsumedCapacity c)
    {
        w.WritePropertyName("ConsumedCapacity"u8);
        WriteConsumedCapacityObject(w, c);
    }

    // Batch operations return one ConsumedCapacity per table, as a list.
    private static void WriteConsumedCapacityList(Utf8JsonWriter w, List<ConsumedCapacity> list)
    {
        w.WriteStartArray("ConsumedCapacity"u8);
        foreach (var c in list) WriteConsumedCapacityObject(w, c);
        w.WriteEndArray();
    }

    // {TableName, CapacityUnits, ReadCapacityUnits?, WriteCapacityUnits?, Table?, LocalSecondaryIndexes?,
    // GlobalSecondaryIndexes?}; an index map is {name: Capacity}.
    public static void WriteConsumedCapacityObject(Utf8JsonWriter w, ConsumedCapacity c)
    {
        w.WriteStartObject();
        w.WriteString("TableName"u8, c.TableName);
        w.WriteNumber("CapacityUnits"u8, c.CapacityUnits);
        if (c.ReadCapacityUnits is double read) w.WriteNumber("ReadCapacityUnits"u8, read);
        if (c.WriteCapacityUnits is double write) w.WriteNumber("WriteCapacityUnits"u8, write);
        if (c.Table is not null)
        {
            w.WritePropertyName("Table"u8);
            WriteCapacity(w, c.Table);
        }
        if (c.LocalSecondaryIndexes is not null) WriteIndexCapacities(w, "LocalSecondaryIndexes"u8, c.LocalSecondaryIndexes);
        if (c.GlobalSecondaryIndexes is not null) WriteIndexCapacities(w, "GlobalSecondaryIndexes"u8, c.GlobalSecondaryIndexes);
        w.WriteEndObject();
    }

    private static void WriteIndexCapacities(Utf8JsonWriter w, ReadOnlySpan<byte> name, Dictionary<string, Capacity> indexes)
    {
        w.WriteStartObject(name);
        foreach (var (index, capacity) in indexes)
        {
            w.WritePropertyName(index);
            WriteCapacity(w, capacity);
        }
        w.WriteEndObject();
    }

    private static void WriteCapacity(Utf8JsonWriter w, Capacity c)
    {
        w.WriteStartObject();
        w.WriteNumber("CapacityUnits"u8, c.CapacityUnits);
        if (c.ReadCapacityUnits is double read) w.WriteNumber("ReadCapacityUnits"u8, read);
        if (c.WriteCapacityUnits is double write) w.WriteNumber("WriteCapacityUnits"u8, write);
        w.WriteEndObject();
    }
}
