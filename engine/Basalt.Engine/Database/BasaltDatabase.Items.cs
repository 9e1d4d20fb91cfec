using System.Runtime.CompilerServices;
using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;
using Basalt.Engine.Tables;

namespace Basalt.Engine.Database;

// Item operations: PutItem, GetItem, DeleteItem, UpdateItem, and TryGetItem (the allocation-free read).
// Keys are validated against the table's schema (Tables/ItemKeys: DynamoDB's messages and key size limits); items
// against DynamoDB's rules by ItemWriter (400 KB, sets, nesting), numbers canonicalised here (items and
// ExpressionAttributeValues alike).
//
// A write that needs the current item (a ConditionExpression, ReturnValues other than NONE, any UpdateItem) is one
// read-modify-write of its key (ItemTransform through StorageEngine.TransformAsync): the shard's writer evaluates
// the condition and the update against the key's latest item and logs the result as the shard's next write, so
// no other write of the key comes between the read and the write (no lost update, ALL_OLD is exactly the item
// replaced). A plain put or delete skips the read. Expressions are parsed and checked (unused names and values,
// literal operand types) on the request's thread before anything is submitted.
public sealed partial class BasaltDatabase
{
    // In the "1 validation error detected: " envelope, as a 2026 conformance suite recorded it from DynamoDB (two regions).
    public const string ReturnValuesPutDeleteMessage = "1 validation error detected: ReturnValues can only be ALL_OLD or NONE";
    public const string EmptyAttributeValueMessage =
        "One or more parameter values were invalid: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";

    [ThreadStatic] private static ItemWriter? t_writer;

    // The key being read or written, per thread: StorageEngine.TryGet's routing and rest are not `scoped`, so with a
    // ref-struct sink they cannot be stack memory. The engine copies them into its stored key before it calls the
    // sink, so a sink that calls back into the database on the same thread does not disturb a read in progress.
    [ThreadStatic] private static byte[]? t_keyBuffer;

    public ValueTask<PutItemResponse> PutItemAsync(PutItemRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var table = Table(request.TableName);
        bool wantOld = ReturnsOld(request.ReturnValues);
        var capacity = CapacityMode(request.ReturnConsumedCapacity);
        if (request.Item is null) throw new ValidationException("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null");
        var (condition, names, values) = LegacyParameters.Condition(request.Expected, request.ConditionalOperator,
            request.ConditionExpression, request.ExpressionAttributeNames, request.ExpressionAttributeValues);
        var expressions = ParsedExpressions.Prepare(names, values, condition, update: null, projection: null, keyNames: null);
        var writer = t_writer ??= new ItemWriter();
        var item = Encode(writer, request.Item);
        // Without a condition, old item or capacity to report, a put is a plain write; else a read-modify-write
        // (the units consumed depend on the item it replaces).
        bool metrics = WantsMetrics(request.ReturnItemCollectionMetrics, table);
        if (expressions.Condition is null && !wantOld && capacity == ReturnConsumedCapacity.None && !metrics)
            return Complete(PutEncoded(table, item), static () => new PutItemResponse(null));
        ItemKeys.FromItem(table, item, out var partitionKey, out var sortKey);
        LocalIndexes.Validate(table, item);
        var transform = new ItemTransform
        {
            Condition = expressions.Condition,
            PutItem = item.ToArray(),
            KeepOld = wantOld,
            KeepOldOnFailure = OldOnFailure(request.ReturnValuesOnConditionCheckFailure),
            Capacity = capacity,
            TableName = table.Name,
            MetricsKey = metrics ? ManagedPartitionKey(table, request.Item) : null,
        };
        return CompleteTransform(Transform(table, partitionKey, sortKey, transform), transform,
            static t => new PutItemResponse(t.Old is null ? null : ItemCodec.Decode(t.Old), t.Consumed(), t.Metrics()));
    }

    // The allocation-free put: the item is the one the writer last ended (ItemWriter validated it; numbers must be
    // canonical, as ItemWriter requires). Completes when the write is durable per the engine's mode.
    public ValueTask<ulong> PutItemAsync(string tableName, ItemWriter writtenItem)
    {
        var table = Table(tableName);
        return PutEncoded(table, writtenItem.WrittenItem);
    }

    public GetItemResponse GetItem(GetItemRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var table = Table(request.TableName);
        var capacity = CapacityMode(request.ReturnConsumedCapacity);
        var (projectionText, names) = LegacyParameters.Projection(request.AttributesToGet, request.ProjectionExpression, request.ExpressionAttributeNames);
        var expressions = ParsedExpressions.Prepare(names, values: null,
            condition: null, update: null, projectionText, keyNames: null);
        ItemKeys.FromManaged(table, request.Key, out var partitionKey, out var sortKey);
        bool measure = capacity != ReturnConsumedCapacity.None;
        bool consistent = request.ConsistentRead ?? false;
        if (expressions.Projection is null)
        {
            var sink = new DecodeSink { Measure = measure };
            bool found = TryGetItem(table, partitionKey, sortKey, ref sink);
            return new GetItemResponse(found ? sink.Item : null, ReadCapacity(capacity, table, sink.Size, consistent));
        }
        var projecting = new ProjectSink(expressions.Projection, t_writer ??= new ItemWriter()) { Measure = measure };
        bool hit = TryGetItem(table, partitionKey, sortKey, ref projecting);
        // Projection does not reduce the units: the whole item is read.
        return new GetItemResponse(hit ? projecting.Item : null, ReadCapacity(capacity, table, projecting.Size, consistent));
    }

    // The allocation-free read: the sink receives the item's encoded bytes (read them with ItemReader inside
    // OnValue; they are pinned only for the call). Returns false when there is no such item. sortKey is
    // KeyAttribute.None for a table without a sort key. Reads the latest acknowledged write (strongly consistent).
    public bool TryGetItem<TSink>(string tableName, KeyAttribute partitionKey, KeyAttribute sortKey, ref TSink sink)
        where TSink : IValueSink, allows ref struct
    {
        var table = Table(tableName);
        ItemKeys.Check(table, partitionKey, sortKey);
        return TryGetItem(table, partitionKey, sortKey, ref sink);
    }

    // The name of an existing table given as UTF-8 bytes, as the catalog holds it (no string is made): the server's
    // direct paths read table names off the wire and then call the string-named operations. False when there is no
    // such table, or the bytes are not a valid table name's (the caller then takes the checked path).
    public bool TryGetTableName(ReadOnlySpan<byte> utf8Name, out string name)
    {
        bool found = TryGetTable(utf8Name, out var table);
        name = found ? table!.Name : "";
        return found;
    }

    // The same, with the table's key schema, for a caller that reads keys off the wire itself (the server's GetItem
    // direct path): the key attributes' UTF-8 names and types; sortKeyType is 0 and its name empty for a table
    // without a sort key. One catalog lookup for both.
    public bool TryGetKeySchema(ReadOnlySpan<byte> utf8TableName, out string name, out ReadOnlyMemory<byte> partitionKeyName,
        out AttributeType partitionKeyType, out ReadOnlyMemory<byte> sortKeyName, out AttributeType sortKeyType)
    {
        name = "";
        partitionKeyName = sortKeyName = default;
        partitionKeyType = sortKeyType = 0;
        if (!TryGetTable(utf8TableName, out var table)) return false;
        name = table!.Name;
        partitionKeyName = table.PartitionKey.Utf8Name;
        partitionKeyType = table.PartitionKey.Type;
        if (table.SortKey is { } sort)
        {
            sortKeyName = sort.Utf8Name;
            sortKeyType = sort.Type;
        }
        return true;
    }

    [SkipLocalsInit]
    private bool TryGetTable(ReadOnlySpan<byte> utf8Name, out TableDefinition? table)
    {
        table = null;
        Span<char> chars = stackalloc char[TableValidation.TableNameLengthMax];
        if (utf8Name.Length > chars.Length) return false;
        if (System.Text.Unicode.Utf8.ToUtf16(utf8Name, chars, out _, out int written, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
            return false;
        return _catalog.TryGet(chars[..written], out table!);
    }

    public ValueTask<DeleteItemResponse> DeleteItemAsync(DeleteItemRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var table = Table(request.TableName);
        bool wantOld = ReturnsOld(request.ReturnValues);
        var capacity = CapacityMode(request.ReturnConsumedCapacity);
        var (condition, names, values) = LegacyParameters.Condition(request.Expected, request.ConditionalOperator,
            request.ConditionExpression, request.ExpressionAttributeNames, request.ExpressionAttributeValues);
        var expressions = ParsedExpressions.Prepare(names, values, condition, update: null, projection: null, keyNames: null);
        ItemKeys.FromManaged(table, request.Key, out var partitionKey, out var sortKey);
        bool metrics = WantsMetrics(request.ReturnItemCollectionMetrics, table);
        if (expressions.Condition is null && !wantOld && capacity == ReturnConsumedCapacity.None && !metrics)
        {
            var write = WriteItem(table, partitionKey, sortKey, newItem: default, delete: true);
            return Complete(write, static () => new DeleteItemResponse(null));
        }
        var transform = new ItemTransform
        {
            Condition = expressions.Condition,
            IsDelete = true,
            KeepOld = wantOld,
            KeepOldOnFailure = OldOnFailure(request.ReturnValuesOnConditionCheckFailure),
            Capacity = capacity,
            TableName = table.Name,
            MetricsKey = metrics ? ManagedPartitionKey(table, request.Key!) : null,
        };
        return CompleteTransform(Transform(table, partitionKey, sortKey, transform), transform,
            static t => new DeleteItemResponse(t.Old is null ? null : ItemCodec.Decode(t.Old), t.Consumed(), t.Metrics()));
    }

    // UpdateItem: an atomic read-modify-write of the item (see the file header). Creates the item from its key when
    // it does not exist (and the condition, evaluated against no item, holds).
    public ValueTask<UpdateItemResponse> UpdateItemAsync(UpdateItemRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var table = Table(request.TableName);
        var returnValues = request.ReturnValues ?? ReturnValue.None;
        if (!Enum.IsDefined(returnValues)) throw new ValidationException($"Unsupported ReturnValues: {returnValues}");
        var capacity = CapacityMode(request.ReturnConsumedCapacity);
        string[] keyNames = table.SortKey is null ? [table.PartitionKey.Name] : [table.PartitionKey.Name, table.SortKey.Name];
        var (condition, update, names, values) = LegacyParameters.Update(request.AttributeUpdates, request.Expected, request.ConditionalOperator,
            request.ConditionExpression, request.UpdateExpression, request.ExpressionAttributeNames, request.ExpressionAttributeValues);
        var expressions = ParsedExpressions.Prepare(names, values, condition, update, projection: null, keyNames);
        ItemKeys.FromManaged(table, request.Key, out var partitionKey, out var sortKey);
        var writer = t_writer ??= new ItemWriter();
        var transform = new ItemTransform
        {
            Condition = expressions.Condition,
            Update = expressions.Update,
            KeyItem = Encode(writer, request.Key!).ToArray(),
            KeepOld = returnValues is ReturnValue.AllOld or ReturnValue.UpdatedOld,
            KeepNew = returnValues is ReturnValue.AllNew or ReturnValue.UpdatedNew,
            KeepOldOnFailure = OldOnFailure(request.ReturnValuesOnConditionCheckFailure),
            Capacity = capacity,
            TableName = table.Name,
            MetricsKey = WantsMetrics(request.ReturnItemCollectionMetrics, table) ? ManagedPartitionKey(table, request.Key!) : null,
        };
        var write = Transform(table, partitionKey, sortKey, transform);
        return returnValues switch
        {
            ReturnValue.AllOld => CompleteTransform(write, transform, static t => new UpdateItemResponse(Decode(t.Old), t.Consumed(), t.Metrics())),
            ReturnValue.AllNew => CompleteTransform(write, transform, static t => new UpdateItemResponse(Decode(t.New), t.Consumed(), t.Metrics())),
            ReturnValue.UpdatedOld => CompleteTransform(write, transform, static t => new UpdateItemResponse(Updated(t, t.Old), t.Consumed(), t.Metrics())),
            ReturnValue.UpdatedNew => CompleteTransform(write, transform, static t => new UpdateItemResponse(Updated(t, t.New), t.Consumed(), t.Metrics())),
            _ => CompleteTransform(write, transform, static t => new UpdateItemResponse(null, t.Consumed(), t.Metrics())),
        };

        static Dictionary<string, AttributeValue>? Decode(byte[]? item) => item is null ? null : ItemCodec.Decode(item);

        // The updated paths of the item; null when none of them is there (DynamoDB then returns no Attributes).
        static Dictionary<string, AttributeValue>? Updated(ItemTransform t, byte[]? item)
        {
            if (item is null || t.Update is null) return null;
            var projected = ItemCodec.Decode(t.Update.UpdatedProjection.Project(item, t_writer ??= new ItemWriter()));
            return projected.Count == 0 ? null : projected;
        }
    }

    // ReturnItemCollectionMetrics SIZE on a table with local secondary indexes (other tables answer nothing, as DynamoDB's).
    private static bool WantsMetrics(ReturnItemCollectionMetrics? mode, TableDefinition table)
    {
        if (mode is { } m && !Enum.IsDefined(m))
            throw new ValidationException($"1 validation error detected: Value '{m}' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]");
        return mode == ReturnItemCollectionMetrics.Size && table.LocalIndexes.Count > 0;
    }

    // The item collection's key of ItemCollectionMetrics: the partition key attribute as given.
    private static Dictionary<string, AttributeValue> ManagedPartitionKey(TableDefinition table, Dictionary<string, AttributeValue> item) =>
        new(StringComparer.Ordinal) { [table.PartitionKey.Name] = item[table.PartitionKey.Name] };

    private static ReturnConsumedCapacity CapacityMode(ReturnConsumedCapacity? mode)
    {
        CapacityUnits.Validate(mode);
        return mode ?? ReturnConsumedCapacity.None;
    }

    private static ConsumedCapacity? ReadCapacity(ReturnConsumedCapacity mode, TableDefinition table, long itemBytes, bool consistent) =>
        mode == ReturnConsumedCapacity.None ? null
            : CapacityUnits.Report(mode, table.Name, CapacityUnits.Read(itemBytes, consistent), isWrite: false);

    private static bool OldOnFailure(ReturnValuesOnConditionCheckFailure? value) => value switch
    {
        null or Database.ReturnValuesOnConditionCheckFailure.None => false,
        Database.ReturnValuesOnConditionCheckFailure.AllOld => true,
        _ => throw new ValidationException($"Unsupported ReturnValuesOnConditionCheckFailure: {value}"),
    };

    private ValueTask<ulong> Transform(TableDefinition table, in KeyAttribute partitionKey, in KeyAttribute sortKey, ItemTransform transform)
    {
        StoredKeyOf(table, partitionKey, sortKey, out var routing, out var rest);
        return TransformAt(table, routing, rest, transform);
    }

    // The same for a key already in its engine form. A key that a transaction holds refuses the write: DynamoDB's
    // TransactionConflictException (a transaction's own commit holds the lock it releases, so it goes through).
    private ValueTask<ulong> TransformAt(TableDefinition table, ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, ItemTransform transform)
    {
        if (!table.HasIndexes) return ConflictAware(_engine.TransformAsync(routing, rest, transform));
        transform.IndexedTable = table;
        // A transaction's commit never refuses: it is past its commit point (the limit is not checked in transactions yet).
        transform.CollectionLimit = transform.Owner != 0 ? long.MaxValue : _options.ItemCollectionSizeLimitBytes;
        if (table.GlobalIndexes.Count == 0) return ConflictAware(_engine.TransformAsync(routing, rest, transform));
        transform.Log = _changeLog;
        transform.ItemVPartition = Shards.Partitioner.VirtualPartitionFor(routing);
        transform.WrittenAtUs = ChangeLog.NowUs(); // real time: the lag is measured against it
        return SignalAfter(_engine.TransformAsync(routing, rest, transform), transform, _changeLog);

        // The shard's applier learns of the record once it is durable (and readable).
        static async ValueTask<ulong> SignalAfter(ValueTask<ulong> write, ItemTransform transform, ChangeLog log)
        {
            try
            {
                return await ConflictAware(write).ConfigureAwait(false);
            }
            finally
            {
                if (transform.LoggedShard >= 0) log.Signal(transform.LoggedShard);
            }
        }
    }

    // An engine write, with StorageError.Locked (the key is held by a transaction) as DynamoDB's
    // TransactionConflictException. Free when the write completed at once.
    private static ValueTask<ulong> ConflictAware(ValueTask<ulong> write)
    {
        if (write.IsCompletedSuccessfully) return write;
        return Await(write);

        static async ValueTask<ulong> Await(ValueTask<ulong> write)
        {
            try
            {
                return await write.ConfigureAwait(false);
            }
            catch (StorageException e) when (e.Error == StorageError.Locked)
            {
                throw new TransactionConflictException(TransactionConflictException.DefaultMessage);
            }
        }
    }

    // The engine key of an item: routing = table id + partition key, rest = sort key (docs/database.md), written
    // into this thread's key buffer (valid until the thread's next call).
    private static void StoredKeyOf(TableDefinition table, scoped in KeyAttribute partitionKey, scoped in KeyAttribute sortKey, out Span<byte> routing, out Span<byte> rest)
    {
        var buffer = t_keyBuffer ??= new byte[ItemKeys.RoutingBytesMax + ItemKeys.RestBytesMax];
        routing = buffer.AsSpan(0, ItemKeys.WriteRouting(table.Id, partitionKey, buffer));
        rest = buffer.AsSpan(ItemKeys.RoutingBytesMax, ItemKeys.WriteRest(sortKey, buffer.AsSpan(ItemKeys.RoutingBytesMax)));
    }

    // After the read-modify-write: a false condition is DynamoDB's ConditionalCheckFailedException (with the current
    // item when ReturnValuesOnConditionCheckFailure is ALL_OLD), else the response built from the transform.
    private static ValueTask<TResponse> CompleteTransform<TResponse>(ValueTask<ulong> write, ItemTransform transform, Func<ItemTransform, TResponse> response)
    {
        if (write.IsCompletedSuccessfully)
        {
            write.GetAwaiter().GetResult();
            return new ValueTask<TResponse>(Finish(transform, response));
        }
        return Await(write, transform, response);

        static async ValueTask<TResponse> Await(ValueTask<ulong> write, ItemTransform transform, Func<ItemTransform, TResponse> response)
        {
            await write.ConfigureAwait(false);
            return Finish(transform, response);
        }

        static TResponse Finish(ItemTransform transform, Func<ItemTransform, TResponse> response)
        {
            if (transform.Failed)
                throw new ConditionalCheckFailedException(ConditionalCheckFailedException.DefaultMessage,
                    transform.Old is null ? null : ItemCodec.Decode(transform.Old));
            return response(transform);
        }
    }

    private static bool ReturnsOld(ReturnValue? returnValues) => returnValues switch
    {
        null or ReturnValue.None => false,
        ReturnValue.AllOld => true,
        _ => throw new ValidationException(ReturnValuesPutDeleteMessage),
    };

    private ValueTask<ulong> PutEncoded(TableDefinition table, ReadOnlySpan<byte> item)
    {
        ItemKeys.FromItem(table, item, out var partitionKey, out var sortKey);
        LocalIndexes.Validate(table, item);
        return WriteItem(table, partitionKey, sortKey, item, delete: false);
    }

    // The write path of the unconditional item operations (no condition, no old item: those are transforms).
    // On a table with local secondary indexes every write is a read-modify-write: its index entries depend on the
    // item it replaces.
    internal ValueTask<ulong> WriteItem(TableDefinition table, in KeyAttribute partitionKey, in KeyAttribute sortKey, ReadOnlySpan<byte> newItem, bool delete)
    {
        if (table.HasIndexes)
            return Transform(table, partitionKey, sortKey, new ItemTransform { PutItem = delete ? null : newItem.ToArray(), IsDelete = delete, TableName = table.Name });
        StoredKeyOf(table, partitionKey, sortKey, out var routing, out var rest);
        return ConflictAware(delete ? _engine.DeleteAsync(routing, rest) : _engine.PutAsync(routing, rest, newItem));
    }

    private bool TryGetItem<TSink>(TableDefinition table, in KeyAttribute partitionKey, in KeyAttribute sortKey, ref TSink sink)
        where TSink : IValueSink, allows ref struct
    {
        StoredKeyOf(table, partitionKey, sortKey, out var routing, out var rest);
        return _engine.TryGet(routing, rest, ref sink);
    }

    // An unconditional write's response, once the write is durable per the engine's mode.
    private static ValueTask<TResponse> Complete<TResponse>(ValueTask<ulong> write, Func<TResponse> response)
    {
        if (write.IsCompletedSuccessfully)
        {
            write.GetAwaiter().GetResult();
            return new ValueTask<TResponse>(response());
        }
        return Await(write, response);

        static async ValueTask<TResponse> Await(ValueTask<ulong> write, Func<TResponse> response)
        {
            await write.ConfigureAwait(false);
            return response();
        }
    }

    private struct DecodeSink : IValueSink
    {
        public Dictionary<string, AttributeValue>? Item;
        public bool Measure;    // record the item's DynamoDB size (for ConsumedCapacity)
        public int Size;

        public void OnValue(scoped ReadOnlySpan<byte> value)
        {
            if (Measure) Size = ItemSize.Of(value);
            Item = ItemCodec.Decode(value);
        }
    }

    // GetItem with a ProjectionExpression: projects the stored bytes, then decodes only what is left. An item none of
    // whose projected paths resolve gives an empty Item, as DynamoDB does.
    private struct ProjectSink(ProjectionEvaluator projection, ItemWriter writer) : IValueSink
    {
        public Dictionary<string, AttributeValue>? Item;
        public bool Measure;    // as DecodeSink's: the whole item's size, before projection
        public int Size;

        public void OnValue(scoped ReadOnlySpan<byte> value)
        {
            if (Measure) Size = ItemSize.Of(value);
            Item = ItemCodec.Decode(projection.Project(value, writer));
        }
    }

    // A request's expressions, parsed and checked together (DynamoDB's order: each expression's own errors, then
    // unused ExpressionAttributeNames, then unused values), as DynamoDB's ValidationExceptions.
    private readonly record struct ParsedExpressions(ConditionEvaluator? Condition, UpdateEvaluator? Update, ProjectionEvaluator? Projection)
    {
        public static ParsedExpressions Prepare(Dictionary<string, string>? names, Dictionary<string, AttributeValue>? values,
            string? condition, string? update, string? projection, IReadOnlyCollection<string>? keyNames)
        {
            try
            {
                var attributes = new ExpressionAttributes(names, values?.Keys);
                var conditionAst = condition is null ? null : ExpressionParser.ParseCondition(condition, attributes);
                var updateAst = update is null ? null : ExpressionParser.ParseUpdate(update, attributes);
                var projectionAst = projection is null ? null : ExpressionParser.ParseProjection(projection, attributes);
                attributes.CheckAllUsed();
                var encoded = values is null || values.Count == 0
                    ? ExpressionValues.Empty
                    : new ExpressionValues(values.Select(v => KeyValuePair.Create(v.Key, Canonical(v.Value))).ToArray());
                return new ParsedExpressions(
                    conditionAst is null ? null : new ConditionEvaluator(conditionAst, encoded),
                    updateAst is null ? null : new UpdateEvaluator(updateAst, encoded, keyNames ?? []),
                    projectionAst is null ? null : new ProjectionEvaluator(projectionAst));
            }
            catch (ExpressionException e)
            {
                throw new ValidationException(e.Message);
            }
        }

        // ExpressionValues compares numbers by their canonical text: parse and re-format every number.
        private static AttributeValue Canonical(AttributeValue? value)
        {
            if (value is null) throw new ValidationException(EmptyAttributeValueMessage);
            return value.Type switch
            {
                AttributeType.N => AttributeValue.Number(CanonicalNumber(value.AsNumber())),
                AttributeType.NS => AttributeValue.NumberSet(value.AsNumberSet().Select(CanonicalNumber).ToArray()),
                AttributeType.M => AttributeValue.Map(value.AsMap().Select(m => KeyValuePair.Create(m.Key, Canonical(m.Value))).ToArray()),
                AttributeType.L => AttributeValue.List(value.AsList().Select(Canonical).ToArray()),
                _ => value,
            };
        }

        private static string CanonicalNumber(string text) =>
            DynamoNumber.TryParse(text, out var number, out var error) ? number.ToString() : throw new ValidationException(error!);
    }

    // Encodes a managed item, validating and canonicalising its numbers (ItemWriter trusts numbers to be canonical
    // already), so "1.0" and "1" are stored, compared and keyed alike. Errors are DynamoDB's ValidationExceptions.
    private static ReadOnlySpan<byte> Encode(ItemWriter writer, Dictionary<string, AttributeValue> item)
    {
        try
        {
            writer.BeginItem();
            foreach (var (name, value) in item)
            {
                writer.WriteName(name);
                WriteValue(writer, value, 1);
            }
            return writer.EndItem();
        }
        catch (ItemValidationException e)
        {
            writer.Reset();
            throw new ValidationException(e.Message);
        }
        catch
        {
            writer.Reset();
            throw;
        }
    }

    private static void WriteValue(ItemWriter writer, AttributeValue? value, int level)
    {
        if (value is null) throw new ValidationException(EmptyAttributeValueMessage);
        switch (value.Type)
        {
            case AttributeType.N:
                WriteNumber(writer, value.AsNumber());
                break;
            case AttributeType.NS:
                writer.BeginSet(AttributeType.NS);
                foreach (var member in value.AsNumberSet()) WriteNumber(writer, member);
                writer.EndSet();
                break;
            case AttributeType.M:
                writer.BeginMap();
                foreach (var (name, member) in value.AsMap())
                {
                    writer.WriteName(name);
                    WriteValue(writer, member, level + 1);
                }
                writer.EndMap();
                break;
            case AttributeType.L:
                writer.BeginList();
                foreach (var element in value.AsList()) WriteValue(writer, element, level + 1);
                writer.EndList();
                break;
            default:
                writer.WriteValue(value);
                break;
        }
    }

    [SkipLocalsInit]
    private static void WriteNumber(ItemWriter writer, string text)
    {
        if (!DynamoNumber.TryParse(text, out var number, out var error)) throw new ValidationException(error!);
        Span<byte> canonical = stackalloc byte[DynamoNumber.TextLengthMax];
        number.TryFormat(canonical, out int length);
        writer.WriteNumber(canonical[..length]);
    }
}
