using System.Buffers;
using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;

namespace Basalt.Engine.Database;

// One conditional PutItem / DeleteItem or one UpdateItem as a read-modify-write of its key
// (StorageEngine.TransformAsync): the shard's writer calls Apply with the current item, so the condition, the
// update and the write see the same item and no other write of the key comes between them. Built by the
// request's thread, applied once on the writer's thread, then read (Failed, Old, New) by the request's thread
// after the write completed: the completion orders the fields. One per request.
//
// On a table with local secondary indexes (IndexedTable, set by BasaltDatabase.Transform) the write carries the
// item's index entries as side writes (Tables/LocalIndexes), logged with the item in one atomic batch.
//
// A transaction's commit is one too (docs/transactions.md): it writes the prepared image (or keeps the item, for a
// ConditionCheck), deletes the intent record (ExtraDelete) and releases the item's lock (LockOwner, LockChange).
// Every other ItemTransform has LockOwner 0, so it is refused on a key that a transaction holds.
//
// On a table with local secondary indexes it also keeps the item collection's size (the partition key's items and
// their local index entries, DynamoDB's sizes): a record beside the items, read through the transform's context and
// rewritten in the same atomic write (Tables/LocalIndexes.CollectionSize...). A write that would grow the collection
// past the limit fails with ItemCollectionSizeLimitExceededException and writes nothing.
internal sealed class ItemTransform : IWriteTransformWithSideWrites, ILockingTransform, IWriteTransformWithContext
{
    public ConditionEvaluator? Condition;
    public UpdateEvaluator? Update;
    public byte[]? PutItem;         // a put: the new item
    public bool IsDelete;
    public byte[]? KeyItem;         // an update: the item holding only its key, the base of an item created
    public bool KeepOld;            // copy the old item (ALL_OLD, UPDATED_OLD)
    public bool KeepOldOnFailure;   // ReturnValuesOnConditionCheckFailure ALL_OLD
    public bool KeepNew;            // copy the new item (ALL_NEW, UPDATED_NEW)
    public ReturnConsumedCapacity Capacity; // not None: measure the old and new item for the units consumed
    public string? TableName;
    public Tables.TableDefinition? IndexedTable;
    public Tables.ChangeLog? Log;        // with IndexedTable when it has global indexes
    public int ItemVPartition;           // the item's virtual partition (the change log record goes to its shard)
    public long WrittenAtUs;             // the change record's time (Unix µs)
    public int LoggedShard = -1;         // the shard whose change log got a record (its applier is signalled after the write)
    public bool KeepItem;                // a transaction's ConditionCheck commit: the item stays, only side writes
    public long Owner;                   // a transaction's commit: its id (the lock it holds on the key)
    public LockChange Lock;              // ... and Release
    public (int VPartition, byte[] Routing, byte[] Key)? ExtraDelete; // ... and its intent record, deleted with the write

    public long LockOwner => Owner;
    public LockChange LockChange => Lock;

    public long CollectionLimit = long.MaxValue;   // the database's ItemCollectionSizeLimitBytes, for tables with local indexes
    public long CollectionSize = -1;               // after the write: its item collection's size (ReturnItemCollectionMetrics)
    public Dictionary<string, AttributeValue>? MetricsKey;  // ReturnItemCollectionMetrics SIZE: the collection's key
    public bool WantsContext => IndexedTable is { LocalIndexes.Count: > 0 };

    // DynamoDB's estimate as a range of whole gigabytes around the collection's size.
    public ItemCollectionMetrics? Metrics()
    {
        if (MetricsKey is null || CollectionSize < 0) return null;
        double lower = Math.Floor(CollectionSize / (1024.0 * 1024 * 1024));
        return new ItemCollectionMetrics(MetricsKey, [lower, lower + 1]);
    }
    public ITransformContext? Context { get; set; }

    public bool Failed;             // the condition was false: nothing was written
    public byte[]? Old;
    public byte[]? New;
    public int OldSize;             // DynamoDB sizes (ItemSize) when Capacity is asked for; 0 when absent
    public int NewSize;

    // The request's ConsumedCapacity, or null for NONE: a write costs its larger image, rounded up to 1 KB.
    public List<IndexUnits>? IndexUnits; // with Capacity on an indexed table: what the write cost each index it touched

    public ConsumedCapacity? Consumed() => CapacityUnits.Report(Capacity, TableName!, WriteUnits, isWrite: true, IndexUnits);

    public double WriteUnits => CapacityUnits.Write(Math.Max(OldSize, NewSize));

    // The writer's thread's own writer: a transform never runs inside another on one thread (Apply does not
    // call the engine), and no request-thread code uses this one.
    [ThreadStatic] private static ItemWriter? t_writer;

    // The writer's thread's side batch and index-entry writer: the engine reads SideWrites right after Apply, on the
    // same thread, so one of each per thread is enough and nothing is allocated per write.
    [ThreadStatic] private static WriteBatch? t_side;
    [ThreadStatic] private static ItemWriter? t_indexWriter;
    private WriteBatch? _side;

    public WriteBatch? SideWrites => _side;

    private void MaintainIndexes(ReadOnlySpan<byte> oldItem, ReadOnlySpan<byte> newItem)
    {
        if (ExtraDelete is { } extra)
        {
            _side = t_side ??= new WriteBatch();
            _side.Clear();
            if (IndexedTable is not null) MaintainIndexesInto(_side, oldItem, newItem, clear: false);
            _side.Delete(extra.VPartition, extra.Routing, extra.Key);
            return;
        }
        if (IndexedTable is null) return;
        MaintainIndexesInto(t_side ??= new WriteBatch(), oldItem, newItem, clear: true);
    }

    // The item stays as it is; only the transaction's intent record goes.
    private WriteDecision KeepWithExtraDelete()
    {
        _side = t_side ??= new WriteBatch();
        _side.Clear();
        if (ExtraDelete is { } extra) _side.Delete(extra.VPartition, extra.Routing, extra.Key);
        return WriteDecision.Keep;
    }

    private void MaintainIndexesInto(WriteBatch side, ReadOnlySpan<byte> oldItem, ReadOnlySpan<byte> newItem, bool clear)
    {
        var table = IndexedTable!;
        if (Capacity != ReturnConsumedCapacity.None) IndexUnits = Tables.LocalIndexes.WriteUnits(table, oldItem, newItem, t_indexWriter ??= new ItemWriter());
        _side = side;
        if (clear) side.Clear();
        Tables.LocalIndexes.Maintain(side, table, oldItem, newItem, t_indexWriter ??= new ItemWriter(), clear);
        if (table.LocalIndexes.Count > 0 && Context is { } context)
            CollectionSize = Tables.LocalIndexes.UpdateCollectionSize(side, table, context, oldItem, newItem, CollectionLimit, t_indexWriter ??= new ItemWriter());
        if (table.GlobalIndexes.Count == 0 || Log is null) return;
        var (vpartition, rest, shard) = Log.Reserve(ItemVPartition);
        side.Put(vpartition, Tables.ChangeLog.Routing, rest, Tables.ChangeLog.Encode(table.Id, WrittenAtUs, oldItem, newItem));
        LoggedShard = shard;
    }

    public WriteDecision Apply(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> newValue)
    {
        _side = null;
        var item = exists ? current : default;
        if (Capacity != ReturnConsumedCapacity.None && exists) OldSize = ItemSize.Of(current);
        if (Condition is not null && !Condition.Evaluate(item))
        {
            Failed = true;
            if (KeepOldOnFailure && exists) Old = current.ToArray();
            return WriteDecision.None;
        }
        if (KeepOld && exists) Old = current.ToArray();
        if (IsDelete)
        {
            if (!exists)
            {
                // A transaction's delete of an absent item still removes its intent and lock.
                if (ExtraDelete is null) return WriteDecision.None;
                return KeepWithExtraDelete();
            }
            MaintainIndexes(current, default);
            return WriteDecision.Delete;
        }
        if (KeepItem) return KeepWithExtraDelete();

        ReadOnlySpan<byte> result;
        if (PutItem is not null) result = PutItem;
        else if (Update is null) result = exists ? current : KeyItem;
        else
        {
            var writer = t_writer ??= new ItemWriter();
            try
            {
                result = Update.Apply(exists ? current : KeyItem, writer, itemExists: exists);
            }
            catch (ExpressionException e)
            {
                writer.Reset();
                throw new ValidationException(e.Message);
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
        MaintainIndexes(item, result);
        if (KeepNew) New = result.ToArray();
        if (Capacity != ReturnConsumedCapacity.None) NewSize = ItemSize.Of(result);
        newValue.Write(result);
        return WriteDecision.Put;
    }
}
