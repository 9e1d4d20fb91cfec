using System.Buffers;
using Basalt.Engine.Model;
using Basalt.Engine.Shards;
using Basalt.Engine.Storage;
using Basalt.Engine.Tables;

namespace Basalt.Engine.Database;

// UpdateTable's GlobalSecondaryIndexUpdates: a global index added to a table with items, or dropped from it
// (docs/database.md, "Secondary indexes"). Both finish in the background, as DynamoDB's:
//   - Create: the index is published CREATING (Backfilling true) with its key attributes merged into the table's
//     definitions, so every write from then on logs a change record for it; then every item of the table is
//     refreshed through its shard's writer (a change record of the item as it is, WriteDecision.Keep), so the
//     backfill is ordered with concurrent writes of the item and can never put back an entry a later write removed.
//     Once the change log has caught up with the refreshes, the index becomes ACTIVE. Reads of a CREATING index are
//     refused, as DynamoDB refuses them.
//   - Delete: the index is published DELETING (reads and index writes stop), its entries purged, then it is removed
//     and attribute definitions no key uses any more are dropped.
// A close stops either between shards; the next open resumes both from the status the catalog holds.
public sealed partial class BasaltDatabase
{
    public const string BackfillingReadMessagePrefix = "Cannot read from backfilling global secondary index: ";

    private async Task<UpdateTableResponse> UpdateGlobalIndexesAsync(UpdateTableRequest request)
    {
        var updates = request.GlobalSecondaryIndexUpdates!;
        TableValidation.GlobalIndexUpdates(request);
        var update = updates[0];
        string? started = null;
        bool dropping = false;
        var table = await _catalog.ChangeAsync(change =>
        {
            if (!change.TryGet(request.TableName!, out var current)) throw ResourceNotFoundException.Table(request.TableName!);
            var globals = current.GlobalIndexes.ToList();
            var definitions = current.AttributeDefinitions.ToList();
            if (update.Create is { } create)
            {
                if (current.Index(create.IndexName!) is not null)
                    throw new ValidationException("One or more parameter values were invalid: Attempting to create an index which already exists");
                if (globals.Any(g => g.Status is IndexStatus.Creating or IndexStatus.Deleting))
                    throw new LimitExceededException("Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table");
                if (globals.Count >= TableValidation.GlobalIndexesMax)
                    throw new LimitExceededException($"Subscriber limit exceeded: Number of global secondary indexes exceeds per-table limit of {TableValidation.GlobalIndexesMax}");
                definitions = TableValidation.MergeDefinitions(current, create, request.AttributeDefinitions);
                if (current.BillingMode == BillingMode.Provisioned && create.ProvisionedThroughput is null)
                    throw new ValidationException($"One or more parameter values were invalid: ProvisionedThroughput is not specified for index: {create.IndexName}");
                if (current.BillingMode == BillingMode.PayPerRequest && create.ProvisionedThroughput is not null)
                    throw new ValidationException($"One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: {create.IndexName} when BillingMode is PAY_PER_REQUEST");
                globals.Add(new IndexDefinition(create.IndexName!, change.AllocateId(), isGlobal: true, create.KeySchema!.ToArray(), definitions,
                    create.Projection!.ProjectionType!.Value, create.Projection.NonKeyAttributes?.ToArray(), IndexStatus.Creating, create.ProvisionedThroughput));
                started = create.IndexName;
            }
            else
            {
                string name = update.Update?.IndexName ?? update.Delete!.IndexName!;
                int at = globals.FindIndex(g => g.Name == name);
                if (at < 0) throw new ResourceNotFoundException($"Requested resource not found: Index {name} for table {current.Name}");
                var index = globals[at];
                if (update.Update is { } change2)
                {
                    if (current.BillingMode == BillingMode.PayPerRequest)
                        throw new ValidationException($"One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: {name} when BillingMode is PAY_PER_REQUEST");
                    globals[at] = index.With(index.Status, change2.ProvisionedThroughput!, definitions);
                }
                else
                {
                    if (index.Status == IndexStatus.Deleting) throw new ResourceInUseException($"Attempt to change a resource which is still in use: Index {name} is being deleted");
                    globals[at] = index.With(IndexStatus.Deleting, index.Throughput, definitions);
                    change.PurgeIndex(index.Id);
                    started = name;
                    dropping = true;
                }
            }
            var updated = current.WithGlobalIndexes(globals, definitions);
            change.Put(updated);
            return updated;
        }).ConfigureAwait(false);
        if (started is not null) Track(dropping ? DropIndexAsync(table.Name, started) : BackfillAsync(table.Name, started));
        return new UpdateTableResponse(table.Describe(TableStatus.Active, _options));
    }

    // Resumes the index changes a close or a crash interrupted.
    private void ResumeIndexChanges()
    {
        foreach (var name in _catalog.SortedNames())
        {
            if (!_catalog.TryGet(name, out var table)) continue;
            foreach (var index in table.GlobalIndexes)
            {
                if (index.Status == IndexStatus.Creating) Track(BackfillAsync(table.Name, index.Name));
                else if (index.Status == IndexStatus.Deleting) Track(DropIndexAsync(table.Name, index.Name));
            }
        }
    }

    private async Task BackfillAsync(string tableName, string indexName)
    {
        if (!_catalog.TryGet(tableName, out var table) || table.Index(indexName) is not { Status: IndexStatus.Creating }) return;
        var stop = _closing.Token;
        var shardsTouched = new HashSet<int>();
        bool finished = await VisitTableKeysAsync(table.Id, (_, vpartition, routing, rest, _) =>
        {
            // The table as it is now (another index change may have published a newer definition).
            if (!_catalog.TryGet(tableName, out var current) || current.Id != table.Id) return;
            var refresh = new RefreshTransform(current, _changeLog, vpartition);
            try
            {
                _engine.Transform(routing, rest, refresh);
            }
            finally
            {
                refresh.SideWrites?.Dispose();
            }
            if (refresh.LoggedShard >= 0 && shardsTouched.Add(refresh.LoggedShard)) _changeLog.Signal(refresh.LoggedShard);
        }, stop: stop).ConfigureAwait(false);
        if (!finished) return; // resumed at the next open
        try
        {
            await _changeLog.WhenCaughtUpAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return; // a close: resumed at the next open
        }
        await _catalog.ChangeAsync(change =>
        {
            if (!change.TryGet(tableName, out var current) || current.Id != table.Id) return 0;
            var globals = current.GlobalIndexes.ToList();
            int at = globals.FindIndex(g => g.Name == indexName && g.Status == IndexStatus.Creating);
            if (at < 0) return 0;
            globals[at] = globals[at].With(IndexStatus.Active, globals[at].Throughput, current.AttributeDefinitions);
            change.Put(current.WithGlobalIndexes(globals, current.AttributeDefinitions));
            return 0;
        }).ConfigureAwait(false);
    }

    private async Task DropIndexAsync(string tableName, string indexName)
    {
        if (!_catalog.TryGet(tableName, out var table) || table.Index(indexName) is not { Status: IndexStatus.Deleting } index) return;
        await PurgeAsync(index.Id).ConfigureAwait(false);
        if (_closing.IsCancellationRequested) return;
        await _catalog.ChangeAsync(change =>
        {
            if (!change.TryGet(tableName, out var current) || current.Id != table.Id) return 0;
            var globals = current.GlobalIndexes.Where(g => g.Id != index.Id).ToList();
            // Attribute definitions that no key uses any more go with the index, as DynamoDB prunes them.
            var used = current.KeySchema.Select(k => k.AttributeName).Concat(current.Indexes.Where(i => i.Id != index.Id).SelectMany(i => i.KeySchema).Select(k => k.AttributeName)).ToHashSet();
            var definitions = current.AttributeDefinitions.Where(d => used.Contains(d.AttributeName)).ToList();
            change.Put(current.WithGlobalIndexes(globals, definitions));
            return 0;
        }).ConfigureAwait(false);
    }

    // The backfill's refresh of one item: a change record of the item as it is (before = after), logged through the
    // item's shard writer without changing the item.
    private sealed class RefreshTransform(TableDefinition table, ChangeLog log, int vpartition) : IWriteTransformWithSideWrites
    {
        private WriteBatch? _side;
        public int LoggedShard = -1;

        public WriteBatch? SideWrites => _side;

        public WriteDecision Apply(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> newValue)
        {
            _side = null;
            if (!exists) return WriteDecision.None;
            var (at, key, shard) = log.Reserve(vpartition);
            _side = new WriteBatch(current.Length * 2 + 64);
            _side.Put(at, ChangeLog.Routing, key, ChangeLog.Encode(table.Id, ChangeLog.NowUs(), current, current));
            LoggedShard = shard;
            return WriteDecision.Keep;
        }
    }
}
