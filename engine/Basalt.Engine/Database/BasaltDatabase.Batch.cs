using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;
using Basalt.Engine.Tables;

namespace Basalt.Engine.Database;

// BatchGetItem and BatchWriteItem. Both validate the whole request first (shape and limits, then every table, then
// every key and item, then duplicates) and touch no data when anything is wrong: DynamoDB refuses the whole call on
// a validation error.
//
// BatchGetItem reads each key as GetItem does (strongly consistent, per item; the batch is not a snapshot). It
// stops at 16 MB of items and returns the keys it did not read as UnprocessedKeys.
// BatchWriteItem submits every put and delete to the engine before awaiting any, so the writes of one batch go to
// their shards concurrently; each write is atomic, the batch as a whole is not (as in DynamoDB). A storage failure
// of one write fails the call after all writes have finished (others may have been applied).
// UnprocessedKeys / UnprocessedItems are empty in normal operation: there is no throttling yet.
public sealed partial class BasaltDatabase
{
    public const int BatchGetKeysMax = 100;
    public const int BatchWriteRequestsMax = 25;
    public const int BatchGetResponseBytesMax = 16 * 1024 * 1024;

    public const string BatchGetTooManyMessage = "Too many items requested for the BatchGetItem call";
    public const string BatchWriteTooManyMessage = "Too many items requested for the BatchWriteItem call";
    // DynamoDB's per-table list constraint. Its Value part is Java's rendering of the map ("{t=[]}" for an empty
    // list, object hashes otherwise): exact for an empty list, "{t=[...]}" for a list over 25.
    public static string BatchWriteTableLengthMessage(string table, int count) =>
        $"1 validation error detected: Value '{{{table}={(count == 0 ? "[]" : "[...]")}}}' at 'requestItems' failed to satisfy constraint: " +
        "Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]";
    public const string BatchDuplicatesMessage = "Provided list of item keys contains duplicates";
    public const string RequestItemsNullMessage =
        "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null";
    public const string RequestItemsEmptyMessage =
        "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1";
    public const string WriteRequestShapeMessage =
        "Supplied WriteRequest must contain exactly one of PutRequest or DeleteRequest";
    public const string BatchResourceNotFoundMessage = "Requested resource not found";

    public BatchGetItemResponse BatchGetItem(BatchGetItemRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var requestItems = RequireItems(request.RequestItems);
        var capacity = CapacityMode(request.ReturnConsumedCapacity);
        int total = 0;
        foreach (var (name, part) in requestItems)
        {
            if (part?.Keys is null or { Count: 0 })
                throw new ValidationException($"1 validation error detected: Value '[]' at 'requestItems.{name}.member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1");
            total += part.Keys.Count;
        }
        if (total > BatchGetKeysMax) throw new ValidationException(BatchGetTooManyMessage);

        // Expression and legacy parameters may not mix anywhere in the request, even on different tables.
        if (requestItems.Values.Any(p => p.AttributesToGet is not null) && requestItems.Values.Any(p => p.ProjectionExpression is not null))
            throw new ValidationException(LegacyParameters.MixedMessage("AttributesToGet", ["ProjectionExpression"]));
        var tables = BatchTables(requestItems.Keys);
        var projections = new ProjectionEvaluator?[requestItems.Count];
        var seen = new HashSet<string>(total, StringComparer.Ordinal);
        int t = 0;
        foreach (var (name, part) in requestItems)
        {
            var (projectionText, names) = LegacyParameters.Projection(part.AttributesToGet, part.ProjectionExpression, part.ExpressionAttributeNames);
            projections[t] = ParsedExpressions.Prepare(names, values: null, condition: null, update: null,
                projectionText, keyNames: null).Projection;
            foreach (var key in part.Keys!)
            {
                ItemKeys.FromManaged(tables[t], key, out var partitionKey, out var sortKey);
                if (!seen.Add(KeyId(tables[t], partitionKey, sortKey))) throw new ValidationException(BatchDuplicatesMessage);
            }
            t++;
        }

        var responses = new Dictionary<string, List<Dictionary<string, AttributeValue>>>(requestItems.Count, StringComparer.Ordinal);
        var unprocessed = new Dictionary<string, KeysAndAttributes>(StringComparer.Ordinal);
        var writer = t_writer ??= new ItemWriter();
        var consumed = capacity == ReturnConsumedCapacity.None ? null : new List<ConsumedCapacity>(requestItems.Count);
        long bytes = 0;
        t = 0;
        foreach (var (name, part) in requestItems)
        {
            var items = new List<Dictionary<string, AttributeValue>>();
            responses.Add(name, items);
            double units = 0;
            bool consistent = part.ConsistentRead ?? false;
            for (int k = 0; k < part.Keys!.Count; k++)
            {
                if (bytes >= BatchGetResponseBytesMax)
                {
                    Unprocessed(unprocessed, name, part).Keys!.Add(part.Keys[k]);
                    continue;
                }
                ItemKeys.FromManaged(tables[t], part.Keys[k], out var partitionKey, out var sortKey);
                var sink = new BatchGetSink(projections[t], writer);
                if (!TryGetItem(tables[t], partitionKey, sortKey, ref sink))
                {
                    units += CapacityUnits.Read(0, consistent); // a key read and found absent costs as GetItem's
                    continue;
                }
                if (bytes + sink.Bytes > BatchGetResponseBytesMax)
                {
                    // This item would take the response over 16 MB: it and every key after it are left for a retry.
                    bytes = BatchGetResponseBytesMax;
                    Unprocessed(unprocessed, name, part).Keys!.Add(part.Keys[k]);
                    continue;
                }
                bytes += sink.Bytes;
                units += CapacityUnits.Read(sink.Bytes, consistent); // each item rounded up on its own
                items.Add(sink.Item!);
            }
            consumed?.Add(CapacityUnits.Report(capacity, tables[t].Name, units, isWrite: false)!);
            t++;
        }
        return new BatchGetItemResponse(responses, unprocessed, consumed);

        static KeysAndAttributes Unprocessed(Dictionary<string, KeysAndAttributes> unprocessed, string name, KeysAndAttributes part)
        {
            if (!unprocessed.TryGetValue(name, out var left))
            {
                left = new KeysAndAttributes
                {
                    Keys = [],
                    ProjectionExpression = part.ProjectionExpression,
                    ExpressionAttributeNames = part.ExpressionAttributeNames,
                    AttributesToGet = part.AttributesToGet,
                    ConsistentRead = part.ConsistentRead,
                };
                unprocessed.Add(name, left);
            }
            return left;
        }
    }

    public async Task<BatchWriteItemResponse> BatchWriteItemAsync(BatchWriteItemRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var requestItems = RequireItems(request.RequestItems);
        var capacity = CapacityMode(request.ReturnConsumedCapacity);
        int total = 0;
        foreach (var (name, writes) in requestItems)
        {
            if (writes is null or { Count: 0 } || writes.Count > BatchWriteRequestsMax)
                throw new ValidationException(BatchWriteTableLengthMessage(name, writes?.Count ?? 0));
            total += writes.Count;
        }
        if (total > BatchWriteRequestsMax) throw new ValidationException(BatchWriteTooManyMessage);
        foreach (var (_, writes) in requestItems)
            foreach (var write in writes)
                if (write is null || (write.PutRequest is null) == (write.DeleteRequest is null))
                    throw new ValidationException(WriteRequestShapeMessage);

        // Every item encoded and every key checked before anything is written.
        var tables = BatchTables(requestItems.Keys);
        var puts = new byte[total][];
        var seen = new HashSet<string>(total, StringComparer.Ordinal);
        var writer = t_writer ??= new ItemWriter();
        int i = 0, t = 0;
        foreach (var (_, writes) in requestItems)
        {
            var table = tables[t++];
            foreach (var write in writes)
            {
                KeyAttribute partitionKey, sortKey;
                if (write.PutRequest is { } put)
                {
                    if (put.Item is null)
                        throw new ValidationException("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null");
                    var item = Encode(writer, put.Item);
                    ItemKeys.FromItem(table, item, out partitionKey, out sortKey);
                    LocalIndexes.Validate(table, item);
                    if (!seen.Add(KeyId(table, partitionKey, sortKey))) throw new ValidationException(BatchDuplicatesMessage);
                    puts[i] = item.ToArray();
                }
                else
                {
                    ItemKeys.FromManaged(table, write.DeleteRequest!.Key, out partitionKey, out sortKey);
                    if (!seen.Add(KeyId(table, partitionKey, sortKey))) throw new ValidationException(BatchDuplicatesMessage);
                }
                i++;
            }
        }

        // All writes submitted, then awaited together. With capacity to report, each is a read-modify-write that
        // measures the item it replaces or deletes (a write costs its larger image, as PutItem and DeleteItem).
        var pending = new Task<ulong>[total];
        bool wantsMetrics = request.ReturnItemCollectionMetrics == ReturnItemCollectionMetrics.Size;
        if (request.ReturnItemCollectionMetrics is { } m && !Enum.IsDefined(m))
            throw new ValidationException($"1 validation error detected: Value '{m}' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]");
        var measured = capacity == ReturnConsumedCapacity.None && !wantsMetrics ? null : new ItemTransform[total];
        i = 0;
        t = 0;
        foreach (var (_, writes) in requestItems)
        {
            var table = tables[t++];
            foreach (var write in writes)
            {
                if (measured is not null)
                {
                    KeyAttribute partitionKey, sortKey;
                    if (puts[i] is { } putItem) ItemKeys.FromItem(table, putItem, out partitionKey, out sortKey);
                    else ItemKeys.FromManaged(table, write.DeleteRequest!.Key, out partitionKey, out sortKey);
                    measured[i] = new ItemTransform
                    {
                        PutItem = puts[i], IsDelete = puts[i] is null, Capacity = capacity, TableName = table.Name,
                        MetricsKey = wantsMetrics && table.LocalIndexes.Count > 0
                            ? ManagedPartitionKey(table, write.PutRequest?.Item ?? write.DeleteRequest!.Key!) : null,
                    };
                    pending[i] = Transform(table, partitionKey, sortKey, measured[i]).AsTask();
                }
                else if (puts[i] is { } item) pending[i] = PutEncoded(table, item).AsTask();
                else
                {
                    ItemKeys.FromManaged(table, write.DeleteRequest!.Key, out var partitionKey, out var sortKey);
                    pending[i] = WriteItem(table, partitionKey, sortKey, newItem: default, delete: true).AsTask();
                }
                i++;
            }
        }
        await Task.WhenAll(pending).ConfigureAwait(false);
        List<ConsumedCapacity>? consumed = null;
        Dictionary<string, List<ItemCollectionMetrics>>? metrics = null;
        if (measured is not null && wantsMetrics)
        {
            i = 0;
            t = 0;
            foreach (var (_, writes) in requestItems)
            {
                var table = tables[t++];
                for (int w = 0; w < writes.Count; w++, i++)
                    if (measured[i].Metrics() is { } one)
                    {
                        metrics ??= new Dictionary<string, List<ItemCollectionMetrics>>(StringComparer.Ordinal);
                        if (!metrics.TryGetValue(table.Name, out var list)) metrics[table.Name] = list = [];
                        list.Add(one);
                    }
            }
        }
        if (measured is not null && capacity != ReturnConsumedCapacity.None)
        {
            consumed = new List<ConsumedCapacity>(requestItems.Count);
            i = 0;
            t = 0;
            foreach (var (_, writes) in requestItems)
            {
                double units = 0;
                var indexUnits = new List<IndexUnits>();
                for (int w = 0; w < writes.Count; w++, i++)
                {
                    units += measured[i].WriteUnits;
                    if (measured[i].IndexUnits is { } u) indexUnits.AddRange(u);
                }
                consumed.Add(CapacityUnits.Report(capacity, tables[t++].Name, units, isWrite: true, indexUnits)!);
            }
        }
        return new BatchWriteItemResponse(new Dictionary<string, List<WriteRequest>>(StringComparer.Ordinal), consumed, metrics);
    }

    private static Dictionary<TPart, TValue> RequireItems<TPart, TValue>(Dictionary<TPart, TValue>? requestItems) where TPart : notnull
    {
        if (requestItems is null) throw new ValidationException(RequestItemsNullMessage);
        if (requestItems.Count == 0) throw new ValidationException(RequestItemsEmptyMessage);
        return requestItems;
    }

    // The tables of a batch, in the request's order; a name that is not a table fails the whole call with DynamoDB's
    // batch message (which, unlike the single-item operations', names no table).
    private TableDefinition[] BatchTables(IEnumerable<string> names)
    {
        var tables = new List<TableDefinition>();
        foreach (var name in names)
        {
            if (name is not null && _catalog.TryGet(name, out var table)) tables.Add(table);
            else
            {
                TableValidation.TableName(name);
                throw new ResourceNotFoundException(BatchResourceNotFoundMessage);
            }
        }
        return tables.ToArray();
    }

    // A key's stored form (table id, partition key, sort key) as a string, to find duplicates within one batch.
    private static string KeyId(TableDefinition table, in KeyAttribute partitionKey, in KeyAttribute sortKey)
    {
        Span<byte> buffer = stackalloc byte[ItemKeys.RoutingBytesMax + ItemKeys.RestBytesMax];
        int routing = ItemKeys.WriteRouting(table.Id, partitionKey, buffer);
        int rest = ItemKeys.WriteRest(sortKey, buffer[ItemKeys.RoutingBytesMax..]);
        return string.Concat(Convert.ToHexString(buffer[..routing]), "/", Convert.ToHexString(buffer.Slice(ItemKeys.RoutingBytesMax, rest)));
    }

    // One BatchGetItem key: the item (projected when asked) and its stored size, which counts towards the 16 MB.
    private struct BatchGetSink(ProjectionEvaluator? projection, ItemWriter writer) : IValueSink
    {
        public Dictionary<string, AttributeValue>? Item;
        public int Bytes;

        public void OnValue(scoped ReadOnlySpan<byte> value)
        {
            Bytes = ItemSize.Of(value);
            Item = ItemCodec.Decode(projection is null ? value : projection.Project(value, writer));
        }
    }
}
