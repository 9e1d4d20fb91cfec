using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;
using Basalt.Engine.Tables;

namespace Basalt.Engine.Database;

// TransactWriteItems and TransactGetItems (docs/transactions.md): prepare with key locks, a durable commit record,
// then commit; no global lock, and nobody waits (a transaction that meets another's lock is cancelled with
// TransactionConflict, as DynamoDB cancels it).
//
//   intent      := vpartition: the home partition of the item's shard; routing [0xFFFFFFFD];
//                  rest [transaction id u64 BE][action index u16 BE];
//                  value [format u8 = 1][table id u32 LE][routing length u16 LE][routing][rest length u16 LE][rest]
//                        [kind u8: 0 PUT, 1 DELETE, 2 CHECK][image: the new item, for PUT]
//   transaction := vpartition: the home partition of shard 0; routing [0xFFFFFFFC]; rest [transaction id u64 BE];
//                  value [format u8 = 1]: the transaction committed (written at the commit point, deleted after)
//   token       := vpartition: the home partition of shard 0; routing [0xFFFFFFFB]; rest [ClientRequestToken UTF-8];
//                  value [format u8 = 1][committed at: i64 LE, Unix ms][SHA-256 of the request's actions: 32 bytes]
//                  written in the commit point's batch, so a token is recorded exactly when its transaction commits
// Reserved routing parts: table ids stop below them (ChangeLog takes 0xFFFFFFFF).
public sealed partial class BasaltDatabase
{
    public const int TransactItemsMax = 100;
    public const long TransactBytesMax = 4L * 1024 * 1024;
    public const string TransactDuplicateItemMessage = "Transaction request cannot include multiple operations on one item";
    internal static readonly byte[] IntentRouting = [0xFF, 0xFF, 0xFF, 0xFD];
    internal static readonly byte[] TransactionRouting = [0xFF, 0xFF, 0xFF, 0xFC];
    internal static readonly byte[] TokenRouting = [0xFF, 0xFF, 0xFF, 0xFB];
    public const int ClientRequestTokenLengthMax = 36;
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(10);
    public const string IdempotentMismatchMessage = "The request uses the same client token as a previous, but non-identical request.";
    public const string TransactionInProgressMessage = "The transaction with the given request token is already in progress.";
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _tokensInFlight = new(StringComparer.Ordinal);
    private readonly TimestampOracle _clock = new();
    private TimestampCache[] _timestamps = [];

    // At open: one timestamp table per shard, its watermark the open's time (nothing before it is known).
    private void StartTimestamps()
    {
        long now = _clock.Next();
        _timestamps = Enumerable.Range(0, _engine.ShardCount).Select(_ => new TimestampCache(now)).ToArray();
    }

    // The key of an item in the timestamp tables: its routing part's length, routing part and rest.
    private static byte[] TimestampKey(byte[] routing, byte[] rest)
    {
        var key = new byte[2 + routing.Length + rest.Length];
        BinaryPrimitives.WriteUInt16BigEndian(key, (ushort)routing.Length);
        routing.CopyTo(key, 2);
        rest.CopyTo(key, 2 + routing.Length);
        return key;
    }
    private const byte IntentPut = 0, IntentDelete = 1, IntentCheck = 2;

    // For tests: awaited once the transaction has its timestamp, before any prepare (-3), after every prepare succeeded
    // (-2), after the commit point (-1), and after each item's commit (its index; the items are then committed one by
    // one). Null in production.
    internal Func<int, Task>? TransactionStepHook { get; set; }

    private sealed class TransactAction
    {
        public required TableDefinition Table;
        public required byte[] Routing;
        public required byte[] Rest;
        public required ItemTransform Evaluation; // the condition and the update, run at prepare
        public AttributeValue PartitionKeyValue = null!; // as given: ItemCollectionMetrics' key
        public bool Check;
        public bool KeepOldOnFailure;
        public int Index;
    }

    public async Task<TransactWriteItemsResponse> TransactWriteItemsAsync(TransactWriteItemsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var capacity = CapacityMode(request.ReturnConsumedCapacity);
        if (request.ClientRequestToken is { } token && (token.Length is < 1 or > ClientRequestTokenLengthMax))
            throw new ValidationException($"1 validation error detected: Value '{token}' at 'clientRequestToken' failed to satisfy constraint: Member must have length {(token.Length < 1 ? "greater than or equal to 1" : $"less than or equal to {ClientRequestTokenLengthMax}")}");
        var actions = ParseWrites(request);
        if (request.ClientRequestToken is not { } clientToken) return await TransactWriteAsync(request, actions, capacity, null, null).ConfigureAwait(false);
        // Idempotency: a token seen within 10 minutes answers as its first call did, without writing again.
        var hash = RequestHash(request, actions);
        if (!_tokensInFlight.TryAdd(clientToken, 0)) throw new TransactionInProgressException(TransactionInProgressMessage);
        try
        {
            var tokenKey = System.Text.Encoding.UTF8.GetBytes(clientToken);
            using (var it = _engine.Iterate(_engine.HomeVPartition(0), TokenRouting, tokenKey, Successor(tokenKey)))
            {
                if (it.MoveNext() && it.Value.Length == 41
                    && DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(it.Value[1..])) > _options.Clock() - TokenLifetime)
                {
                    if (!it.Value[9..].SequenceEqual(hash)) throw new IdempotentParameterMismatchException(IdempotentMismatchMessage);
                    return new TransactWriteItemsResponse(capacity == ReturnConsumedCapacity.None ? null
                        : actions.GroupBy(a => a.Table.Name, StringComparer.Ordinal).Select(g => CapacityUnits.Report(capacity, g.Key, 0, isWrite: true)!).ToList());
                }
            }
            return await TransactWriteAsync(request, actions, capacity, tokenKey, hash).ConfigureAwait(false);
        }
        finally
        {
            _tokensInFlight.TryRemove(clientToken, out _);
        }
    }

    // The request's actions as DynamoDB compares two calls with one token: a SHA-256 over every action's kind, table,
    // key, item and expressions (with their names and values).
    private static byte[] RequestHash(TransactWriteItemsRequest request, List<TransactAction> actions)
    {
        var text = new System.Text.StringBuilder();
        foreach (var (entry, action) in request.TransactItems!.Zip(actions))
        {
            text.Append(action.Table.Name).Append('|').Append(Convert.ToHexString(action.Routing)).Append('|').Append(Convert.ToHexString(action.Rest)).Append('|');
            (string Kind, string? Condition, string? Update, Dictionary<string, string>? Names, Dictionary<string, AttributeValue>? Values, Dictionary<string, AttributeValue>? Item) parts =
                entry.Put is { } p ? ("put", p.ConditionExpression, null, p.ExpressionAttributeNames, p.ExpressionAttributeValues, p.Item)
                : entry.Update is { } u ? ("update", u.ConditionExpression, u.UpdateExpression, u.ExpressionAttributeNames, u.ExpressionAttributeValues, null)
                : entry.Delete is { } d ? ("delete", d.ConditionExpression, null, d.ExpressionAttributeNames, d.ExpressionAttributeValues, null)
                : ("check", entry.ConditionCheck!.ConditionExpression, null, entry.ConditionCheck.ExpressionAttributeNames, entry.ConditionCheck.ExpressionAttributeValues, null);
            var (kind, condition, update, names, values, item) = parts;
            text.Append(kind).Append('|').Append(condition).Append('|').Append(update).Append('|');
            if (names is not null) foreach (var (k, v) in names.OrderBy(n => n.Key, StringComparer.Ordinal)) text.Append(k).Append('=').Append(v).Append(';');
            text.Append('|');
            if (values is not null) foreach (var (k, v) in values.OrderBy(n => n.Key, StringComparer.Ordinal)) text.Append(k).Append('=').Append(v).Append(';');
            text.Append('|');
            if (item is not null) text.Append(Convert.ToHexString(ItemCodec.Encode(item)));
            text.Append('\n');
        }
        return SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString()));
    }

    private async Task<TransactWriteItemsResponse> TransactWriteAsync(TransactWriteItemsRequest request, List<TransactAction> actions,
        ReturnConsumedCapacity capacity, byte[]? tokenKey, byte[]? requestHash)
    {
        long txn = NewTransactionId();
        long timestamp = _clock.Next();
        if (TransactionStepHook is { } beforePrepare) await beforePrepare(-3).ConfigureAwait(false);

        // Prepare: every action at once, each on its item's shard.
        var prepares = actions.Select(a => new PrepareTransform(a, txn, timestamp, this)).ToArray();
        var outcomes = await Task.WhenAll(prepares.Select(p => RunAsync(_engine.TransformAsync(p.Action.Routing, p.Action.Rest, p)))).ConfigureAwait(false);
        var reasons = new CancellationReason[actions.Count];
        bool cancelled = false;
        Exception? failure = null;
        for (int i = 0; i < prepares.Length; i++)
        {
            var p = prepares[i];
            reasons[i] = CancellationReason.None;
            if (outcomes[i] is StorageException { Error: StorageError.Locked } || p.OutOfOrder)
                reasons[i] = new CancellationReason("TransactionConflict", TransactionConflictException.DefaultMessage);
            else if (outcomes[i] is ValidationException v) reasons[i] = new CancellationReason("ValidationError", v.Message);
            else if (outcomes[i] is { } other) failure ??= other; // an operating error (a shard refusing writes, a close)
            else if (p.CollectionFull)
                reasons[i] = new CancellationReason("ItemCollectionSizeLimitExceeded", "Collection size exceeded.");
            else if (p.Action.Evaluation.Failed)
                reasons[i] = new CancellationReason("ConditionalCheckFailed", ConditionalCheckFailedException.DefaultMessage,
                    p.Action.KeepOldOnFailure && p.Action.Evaluation.Old is { } old ? ItemCodec.Decode(old) : null);
            cancelled |= reasons[i] != CancellationReason.None;
        }
        if (failure is not null)
        {
            // Nothing is committed: release what was prepared (as far as the shards take writes; a restart drops the
            // rest, since no commit record exists), then report the error.
            foreach (var p in prepares.Where(p => p.Prepared)) _ = await RunAsync(Finish(p, commit: false)).ConfigureAwait(false);
            throw failure;
        }
        if (cancelled)
        {
            await Task.WhenAll(prepares.Where(p => p.Prepared).Select(p => Finish(p, commit: false).AsTask())).ConfigureAwait(false);
            throw TransactionCanceledException.For(reasons);
        }

        if (TransactionStepHook is { } beforeCommit) await beforeCommit(-2).ConfigureAwait(false);
        // The commit point: durable per the engine's mode, after which the transaction happens whatever fails.
        using (var record = new WriteBatch())
        {
            record.Put(_engine.HomeVPartition(0), TransactionRouting, TransactionKey(txn), [1]);
            if (tokenKey is not null)
            {
                var tokenValue = new byte[41];
                tokenValue[0] = 1;
                BinaryPrimitives.WriteInt64LittleEndian(tokenValue.AsSpan(1), _options.Clock().ToUnixTimeMilliseconds());
                requestHash!.CopyTo(tokenValue, 9);
                record.Put(_engine.HomeVPartition(0), TokenRouting, tokenKey, tokenValue);
            }
            await _engine.WriteAsync(record).ConfigureAwait(false);
        }
        if (TransactionStepHook is { } hook)
        {
            await hook(-1).ConfigureAwait(false);
            for (int i = 0; i < prepares.Length; i++)
            {
                await Finish(prepares[i], commit: true).ConfigureAwait(false);
                await hook(i).ConfigureAwait(false);
            }
        }
        else await Task.WhenAll(prepares.Select(p => Finish(p, commit: true).AsTask())).ConfigureAwait(false);
        var metrics = request.ReturnItemCollectionMetrics == ReturnItemCollectionMetrics.Size ? CollectionMetrics(prepares) : null;
        using (var forget = new WriteBatch())
        {
            forget.Delete(_engine.HomeVPartition(0), TransactionRouting, TransactionKey(txn));
            await _engine.WriteAsync(forget).ConfigureAwait(false);
        }
        return new TransactWriteItemsResponse(capacity == ReturnConsumedCapacity.None ? null : WriteCapacity(capacity, prepares), metrics);
    }

    // ItemCollectionMetrics of the actions that wrote an item of a table with local indexes (a ConditionCheck writes none).
    private static Dictionary<string, List<ItemCollectionMetrics>>? CollectionMetrics(PrepareTransform[] prepares)
    {
        Dictionary<string, List<ItemCollectionMetrics>>? metrics = null;
        foreach (var p in prepares)
        {
            if (p.Kind == IntentCheck || p.Finished?.Metrics() is not { } one) continue;
            metrics ??= new Dictionary<string, List<ItemCollectionMetrics>>(StringComparer.Ordinal);
            if (!metrics.TryGetValue(p.Action.Table.Name, out var list)) metrics[p.Action.Table.Name] = list = [];
            list.Add(one);
        }
        return metrics;
    }

    // A transactional write costs twice a plain one (DynamoDB's capacity arithmetic), per table.
    private static List<ConsumedCapacity> WriteCapacity(ReturnConsumedCapacity mode, PrepareTransform[] prepares) =>
        prepares.GroupBy(p => p.Action.Table.Name, StringComparer.Ordinal)
            .Select(g => CapacityUnits.Report(mode, g.Key, g.Sum(p => 2 * CapacityUnits.Write(Math.Max(p.OldSize, p.NewSize))), isWrite: true)!)
            .ToList();

    private static async Task<Exception?> RunAsync(ValueTask<ulong> write)
    {
        try
        {
            await write.ConfigureAwait(false);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    // Phase two for one prepared action: the image written (or the item kept, for a check), the intent deleted and
    // the lock released, in one atomic write of the item's shard; on abort only the intent and the lock go.
    private ValueTask<ulong> Finish(PrepareTransform p, bool commit)
    {
        var finish = new ItemTransform
        {
            TableName = p.Action.Table.Name,
            Owner = p.Owner,
            Lock = LockChange.Release,
            ExtraDelete = p.IntentPlace,
        };
        if (!commit || p.Kind == IntentCheck) finish.KeepItem = true;
        else if (p.Kind == IntentDelete) finish.IsDelete = true;
        else finish.PutItem = p.Image;
        if (commit && p.Action.Table.LocalIndexes.Count > 0)
            finish.MetricsKey = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { [p.Action.Table.PartitionKey.Name] = p.Action.PartitionKeyValue };
        p.Finished = finish;
        return TransformAt(p.Action.Table, p.Action.Routing, p.Action.Rest, finish);
    }

    private static long NewTransactionId()
    {
        long id;
        do id = BinaryPrimitives.ReadInt64LittleEndian(RandomNumberGenerator.GetBytes(8)) & long.MaxValue;
        while (id == 0);
        return id;
    }

    private static byte[] TransactionKey(long txn)
    {
        var key = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(key, (ulong)txn);
        return key;
    }

    // The request's actions, validated as DynamoDB validates them before anything is read.
    private List<TransactAction> ParseWrites(TransactWriteItemsRequest request)
    {
        var items = request.TransactItems ?? throw new ValidationException("1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null");
        if (items.Count is < 1 or > TransactItemsMax)
            throw new ValidationException($"1 validation error detected: Value '{items.Count} items' at 'transactItems' failed to satisfy constraint: Member must have length {(items.Count < 1 ? "greater than or equal to 1" : $"less than or equal to {TransactItemsMax}")}");
        var actions = new List<TransactAction>(items.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long bytes = 0;
        var writer = new ItemWriter();
        for (int i = 0; i < items.Count; i++)
        {
            var entry = items[i] ?? throw new ValidationException($"1 validation error detected: Value null at 'transactItems.{i + 1}.member' failed to satisfy constraint: Member must not be null");
            int given = (entry.Put is null ? 0 : 1) + (entry.Update is null ? 0 : 1) + (entry.Delete is null ? 0 : 1) + (entry.ConditionCheck is null ? 0 : 1);
            if (given != 1) throw new ValidationException("TransactItems can only contain one of Check, Put, Update or Delete");
            TransactAction action;
            if (entry.Put is { } put)
            {
                var table = Table(put.TableName);
                if (put.Item is null) throw new ValidationException($"1 validation error detected: Value null at 'transactItems.{i + 1}.member.put.item' failed to satisfy constraint: Member must not be null");
                var expressions = ParsedExpressions.Prepare(put.ExpressionAttributeNames, put.ExpressionAttributeValues, put.ConditionExpression, update: null, projection: null, keyNames: null);
                var item = Encode(writer, put.Item).ToArray();
                ItemKeys.FromItem(table, item, out var partitionKey, out var sortKey);
                LocalIndexes.Validate(table, item);
                bytes += item.Length;
                action = NewAction(table, partitionKey, sortKey, new ItemTransform { Condition = expressions.Condition, PutItem = item, KeepOldOnFailure = OldOnFailure(put.ReturnValuesOnConditionCheckFailure) });
            }
            else if (entry.Update is { } update)
            {
                var table = Table(update.TableName);
                if (update.UpdateExpression is null) throw new ValidationException($"1 validation error detected: Value null at 'transactItems.{i + 1}.member.update.updateExpression' failed to satisfy constraint: Member must not be null");
                string[] keyNames = table.SortKey is null ? [table.PartitionKey.Name] : [table.PartitionKey.Name, table.SortKey.Name];
                var expressions = ParsedExpressions.Prepare(update.ExpressionAttributeNames, update.ExpressionAttributeValues, update.ConditionExpression, update.UpdateExpression, projection: null, keyNames);
                ItemKeys.FromManaged(table, update.Key, out var partitionKey, out var sortKey);
                action = NewAction(table, partitionKey, sortKey, new ItemTransform
                {
                    Condition = expressions.Condition, Update = expressions.Update, KeyItem = Encode(writer, update.Key!).ToArray(),
                    KeepOldOnFailure = OldOnFailure(update.ReturnValuesOnConditionCheckFailure),
                });
            }
            else if (entry.Delete is { } delete)
            {
                var table = Table(delete.TableName);
                var expressions = ParsedExpressions.Prepare(delete.ExpressionAttributeNames, delete.ExpressionAttributeValues, delete.ConditionExpression, update: null, projection: null, keyNames: null);
                ItemKeys.FromManaged(table, delete.Key, out var partitionKey, out var sortKey);
                action = NewAction(table, partitionKey, sortKey, new ItemTransform { Condition = expressions.Condition, IsDelete = true, KeepOldOnFailure = OldOnFailure(delete.ReturnValuesOnConditionCheckFailure) });
            }
            else
            {
                var check = entry.ConditionCheck!;
                var table = Table(check.TableName);
                if (check.ConditionExpression is null)
                    throw new ValidationException($"1 validation error detected: Value null at 'transactItems.{i + 1}.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null");
                var expressions = ParsedExpressions.Prepare(check.ExpressionAttributeNames, check.ExpressionAttributeValues, check.ConditionExpression, update: null, projection: null, keyNames: null);
                ItemKeys.FromManaged(table, check.Key, out var partitionKey, out var sortKey);
                action = NewAction(table, partitionKey, sortKey, new ItemTransform { Condition = expressions.Condition, KeepItem = true, KeepOldOnFailure = OldOnFailure(check.ReturnValuesOnConditionCheckFailure) });
                action.Check = true;
            }
            action.Index = i;
            action.PartitionKeyValue = (entry.Put?.Item ?? entry.Update?.Key ?? entry.Delete?.Key ?? entry.ConditionCheck!.Key!)[action.Table.PartitionKey.Name];
            action.KeepOldOnFailure = action.Evaluation.KeepOldOnFailure;
            // The request's size, as DynamoDB counts it: every action's item or key, expressions, names and values.
            bytes += action.Routing.Length + action.Rest.Length + RequestBytes(entry);
            action.Evaluation.TableName = action.Table.Name;
            if (!seen.Add(Convert.ToHexString(action.Routing) + "/" + Convert.ToHexString(action.Rest))) throw new ValidationException(TransactDuplicateItemMessage);
            actions.Add(action);
        }
        if (bytes > TransactBytesMax) throw new ValidationException($"Transaction request size of {bytes} bytes exceeds the limit of {TransactBytesMax} bytes");
        return actions;

        static long RequestBytes(TransactWriteItem entry)
        {
            (string? condition, string? update, Dictionary<string, string>? names, Dictionary<string, AttributeValue>? values) parts =
                entry.Put is { } p ? (p.ConditionExpression, null, p.ExpressionAttributeNames, p.ExpressionAttributeValues)
                : entry.Update is { } u ? (u.ConditionExpression, u.UpdateExpression, u.ExpressionAttributeNames, u.ExpressionAttributeValues)
                : entry.Delete is { } d ? (d.ConditionExpression, null, d.ExpressionAttributeNames, d.ExpressionAttributeValues)
                : (entry.ConditionCheck!.ConditionExpression, null, entry.ConditionCheck.ExpressionAttributeNames, entry.ConditionCheck.ExpressionAttributeValues);
            long total = (parts.condition?.Length ?? 0) + (parts.update?.Length ?? 0);
            if (parts.names is not null) foreach (var (k, v) in parts.names) total += k.Length + v.Length;
            if (parts.values is not null) total += ItemCodec.Encode(parts.values).Length;
            return total;
        }

        static TransactAction NewAction(TableDefinition table, in KeyAttribute partitionKey, in KeyAttribute sortKey, ItemTransform evaluation)
        {
            StoredKeyOf(table, partitionKey, sortKey, out var routing, out var rest);
            return new TransactAction { Table = table, Routing = routing.ToArray(), Rest = rest.ToArray(), Evaluation = evaluation };
        }
    }

    // Prepare of one action, on the item's shard writer: refused if another transaction holds the item (the engine's
    // lock check, before Apply); else the condition and the update run against the item's latest value, and when the
    // condition holds the item is locked for this transaction and the intent (what the commit will write) is logged.
    private sealed class PrepareTransform(TransactAction action, long owner, long timestamp, BasaltDatabase database) : IWriteTransformWithSideWrites, ILockingTransform, IWriteTransformWithContext
    {
        public bool OutOfOrder { get; private set; } // a later transaction has read or written the item: TransactionConflict
        public bool WantsContext => Action.Table.LocalIndexes.Count > 0;
        public ITransformContext? Context { get; set; }
        public bool CollectionFull { get; private set; }
        private readonly WriteBatch _side = new();
        private LockChange _lock;

        public TransactAction Action { get; } = action;
        public long Owner { get; } = owner;
        public bool Prepared { get; private set; }
        public ItemTransform? Finished { get; set; }   // the commit, for its ItemCollectionMetrics
        public byte Kind { get; private set; }
        public byte[]? Image { get; private set; }
        public int OldSize, NewSize;
        public (int VPartition, byte[] Routing, byte[] Key) IntentPlace { get; private set; }

        public long LockOwner => Owner;
        public LockChange LockChange => _lock;
        public WriteBatch? SideWrites => _side;

        public WriteDecision Apply(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> newValue)
        {
            _lock = LockChange.None;
            _side.Clear();
            int itemShard = database._engine.ShardOfVPartition(Shards.Partitioner.VirtualPartitionFor(Action.Routing));
            // Timestamp ordering: refused when a later timestamp has read or written the item; else this write's
            // timestamp is recorded (a ConditionCheck is a read of the item at the transaction's timestamp).
            var stamps = database._timestamps[itemShard];
            var stampKey = TimestampKey(Action.Routing, Action.Rest);
            if (Action.Check ? !stamps.TryRead(stampKey, timestamp) : !stamps.TryWrite(stampKey, timestamp))
            {
                OutOfOrder = true;
                return WriteDecision.None;
            }
            var evaluation = Action.Evaluation;
            var scratch = new ArrayBufferWriter<byte>();
            var decision = evaluation.Apply(current, exists, scratch);
            if (evaluation.Failed) return WriteDecision.None;
            Kind = Action.Check ? IntentCheck : decision == WriteDecision.Put ? IntentPut : IntentDelete;
            if (Kind == IntentPut)
            {
                Image = scratch.WrittenSpan.ToArray();
                LocalIndexes.Validate(Action.Table, Image);
            }
            // The item collection limit, checked here where the transaction can still be cancelled (its commit
            // rewrites the size; this only looks at it).
            if (Context is { } context && Kind != IntentCheck)
            {
                using var discard = new WriteBatch();
                try
                {
                    LocalIndexes.UpdateCollectionSize(discard, Action.Table, context, exists ? current : default, Image ?? default,
                        database._options.ItemCollectionSizeLimitBytes, new ItemWriter());
                }
                catch (ItemCollectionSizeLimitExceededException)
                {
                    CollectionFull = true;
                    return WriteDecision.None;
                }
            }
            OldSize = exists ? ItemSize.Of(current) : 0;
            NewSize = Image is null ? 0 : ItemSize.Of(Image);
            var key = new byte[10];
            BinaryPrimitives.WriteUInt64BigEndian(key, (ulong)Owner);
            BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(8), (ushort)Action.Index);
            int shard = database._engine.ShardOfVPartition(Shards.Partitioner.VirtualPartitionFor(Action.Routing));
            IntentPlace = (database._engine.HomeVPartition(shard), IntentRouting, key);
            _side.Put(IntentPlace.VPartition, IntentRouting, key, EncodeIntent(Action.Table.Id, Action.Routing, Action.Rest, Kind, Image));
            _lock = LockChange.Acquire;
            Prepared = true;
            return WriteDecision.Keep;
        }
    }

    private static byte[] EncodeIntent(uint tableId, byte[] routing, byte[] rest, byte kind, byte[]? image)
    {
        var value = new byte[1 + 4 + 2 + routing.Length + 2 + rest.Length + 1 + (image?.Length ?? 0)];
        value[0] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(1), tableId);
        BinaryPrimitives.WriteUInt16LittleEndian(value.AsSpan(5), (ushort)routing.Length);
        routing.CopyTo(value, 7);
        int at = 7 + routing.Length;
        BinaryPrimitives.WriteUInt16LittleEndian(value.AsSpan(at), (ushort)rest.Length);
        rest.CopyTo(value, at + 2);
        at += 2 + rest.Length;
        value[at] = kind;
        image?.CopyTo(value, at + 1);
        return value;
    }

    // At open, before any request: every intent left by a transaction that a crash (or a close) interrupted is
    // resolved, committed if its transaction record says so, else dropped; then the records go. Idempotent: a crash
    // during this repeats it.
    private void ResolveTransactions()
    {
        var committed = new HashSet<long>();
        using (var records = _engine.Iterate(_engine.HomeVPartition(0), TransactionRouting))
            while (records.MoveNext()) committed.Add((long)BinaryPrimitives.ReadUInt64BigEndian(records.Rest));
        for (int shard = 0; shard < _engine.ShardCount; shard++)
        {
            var intents = new List<(byte[] Key, byte[] Value)>();
            using (var it = _engine.Iterate(_engine.HomeVPartition(shard), IntentRouting))
                while (it.MoveNext()) intents.Add((it.Rest.ToArray(), it.Value.ToArray()));
            foreach (var (key, value) in intents)
            {
                long txn = (long)BinaryPrimitives.ReadUInt64BigEndian(key);
                if (value.Length < 10 || value[0] != 1)
                    throw new StorageException(StorageError.Corruption, $"transactions: an intent of shard {shard} is malformed");
                uint tableId = BinaryPrimitives.ReadUInt32LittleEndian(value.AsSpan(1));
                int routingLength = BinaryPrimitives.ReadUInt16LittleEndian(value.AsSpan(5));
                var routing = value.AsSpan(7, routingLength).ToArray();
                int at = 7 + routingLength;
                int restLength = BinaryPrimitives.ReadUInt16LittleEndian(value.AsSpan(at));
                var rest = value.AsSpan(at + 2, restLength).ToArray();
                at += 2 + restLength;
                byte kind = value[at];
                var image = value.AsSpan(at + 1).ToArray();
                var finish = new ItemTransform { Owner = txn, Lock = LockChange.Release, ExtraDelete = (_engine.HomeVPartition(shard), IntentRouting, key) };
                bool commit = committed.Contains(txn);
                if (!commit || kind == IntentCheck) finish.KeepItem = true;
                else if (kind == IntentDelete) finish.IsDelete = true;
                else finish.PutItem = image;
                if (_catalog.ById(tableId) is { } table)
                {
                    finish.TableName = table.Name;
                    TransformAt(table, routing, rest, finish).AsTask().GetAwaiter().GetResult();
                }
                else
                {
                    // The table is gone: only the intent goes.
                    finish.KeepItem = true;
                    _engine.Transform(routing, rest, finish);
                }
            }
        }
        if (committed.Count == 0) return;
        using var forget = new WriteBatch();
        foreach (long txn in committed) forget.Delete(_engine.HomeVPartition(0), TransactionRouting, TransactionKey(txn));
        _engine.Write(forget);
    }

    public async Task<TransactGetItemsResponse> TransactGetItemsAsync(TransactGetItemsRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var capacity = CapacityMode(request.ReturnConsumedCapacity);
        var items = request.TransactItems ?? throw new ValidationException("1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null");
        if (items.Count is < 1 or > TransactItemsMax)
            throw new ValidationException($"1 validation error detected: Value '{items.Count} items' at 'transactItems' failed to satisfy constraint: Member must have length {(items.Count < 1 ? "greater than or equal to 1" : $"less than or equal to {TransactItemsMax}")}");
        var gets = new List<(TableDefinition Table, byte[] Routing, byte[] Key, ProjectionEvaluator? Projection)>(items.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < items.Count; i++)
        {
            var get = items[i]?.Get ?? throw new ValidationException($"1 validation error detected: Value null at 'transactItems.{i + 1}.member.get' failed to satisfy constraint: Member must not be null");
            var table = Table(get.TableName);
            var expressions = ParsedExpressions.Prepare(get.ExpressionAttributeNames, values: null, condition: null, update: null, get.ProjectionExpression, keyNames: null);
            ItemKeys.FromManaged(table, get.Key, out var partitionKey, out var sortKey);
            StoredKeyOf(table, partitionKey, sortKey, out var routing, out var rest);
            if (!seen.Add(Convert.ToHexString(routing) + "/" + Convert.ToHexString(rest))) throw new ValidationException(TransactDuplicateItemMessage);
            gets.Add((table, routing.ToArray(), rest.ToArray(), expressions.Projection));
        }

        // One round of reads at a timestamp, through the items' shard writers: each refused while a transaction holds the
        // item, or when a transaction with a later timestamp has written it (the read could not see the item as of its
        // timestamp); each recorded, so that a transaction with an earlier timestamp can no longer write the item. So
        // the items are read as of one timestamp: a serializable snapshot.
        long timestamp = _clock.Next();
        var read = await ReadRoundAsync(gets, timestamp).ConfigureAwait(false);
        var reasons = new CancellationReason[gets.Count];
        bool cancelled = false;
        for (int i = 0; i < gets.Count; i++)
        {
            reasons[i] = read[i].Conflict ? new CancellationReason("TransactionConflict", TransactionConflictException.DefaultMessage) : CancellationReason.None;
            cancelled |= read[i].Conflict;
        }
        if (cancelled) throw TransactionCanceledException.For(reasons);
        var writer = new ItemWriter();
        var responses = new List<ItemResponse>(gets.Count);
        for (int i = 0; i < gets.Count; i++)
        {
            var value = read[i].Value;
            responses.Add(new ItemResponse(value is null ? null
                : gets[i].Projection is { } projection ? ItemCodec.Decode(projection.Project(value, writer)) : ItemCodec.Decode(value)));
        }
        List<ConsumedCapacity>? consumed = capacity == ReturnConsumedCapacity.None ? null
            : gets.Select((g, i) => (g.Table.Name, Units: 2 * CapacityUnits.Read(read[i].Value is { } v ? ItemSize.Of(v) : 0, consistentRead: true)))
                .GroupBy(x => x.Name, StringComparer.Ordinal)
                .Select(g => CapacityUnits.Report(capacity, g.Key, g.Sum(x => x.Units), isWrite: false)!).ToList();
        return new TransactGetItemsResponse(responses, consumed);
    }

    private async Task<(byte[]? Value, bool Conflict)[]> ReadRoundAsync(List<(TableDefinition Table, byte[] Routing, byte[] Key, ProjectionEvaluator? Projection)> gets, long timestamp)
    {
        var reads = gets.Select(g => new ReadTransform(_timestamps[_engine.ShardOf(g.Routing)], TimestampKey(g.Routing, g.Key), timestamp)).ToArray();
        var outcomes = await Task.WhenAll(gets.Select((g, i) => RunAsync(_engine.TransformAsync(g.Routing, g.Key, reads[i])))).ConfigureAwait(false);
        var results = new (byte[]?, bool)[gets.Count];
        for (int i = 0; i < gets.Count; i++)
        {
            if (outcomes[i] is StorageException { Error: StorageError.Locked }) results[i] = (null, true);
            else if (outcomes[i] is { } error) throw error;
            else results[i] = (reads[i].Value, reads[i].OutOfOrder);
        }
        return results;
    }

    // A read at a timestamp through the shard's writer that writes nothing: refused (Locked) while a transaction holds
    // the key, out of order when a later transaction wrote it; complete only once what it read is durable.
    private sealed class ReadTransform(TimestampCache stamps, byte[] stampKey, long timestamp) : IWriteTransform
    {
        public byte[]? Value;
        public bool OutOfOrder;

        public WriteDecision Apply(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> newValue)
        {
            OutOfOrder = !stamps.TryRead(stampKey, timestamp);
            Value = exists && !OutOfOrder ? current.ToArray() : null;
            return WriteDecision.None;
        }
    }
}
