using Basalt.Engine.Storage;
using Basalt.Engine.Tables;

namespace Basalt.Engine.Database;

// The embedded DynamoDB API: tables and items over one StorageEngine, with DynamoDB's request and response shapes,
// validation and errors (DynamoDbException subclasses). Thread-safe: any number of callers on any threads.
//
// Control plane (this file): CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable; tags and
// DescribeLimits (BasaltDatabase.Tags.cs). The catalog
// (Tables/Catalog) is stored in the engine itself and loaded at open. Tables are ACTIVE as soon as CreateTable
// returns (there is no provisioning to wait for, as in DynamoDB Local).
// Data plane: PutItem, GetItem, DeleteItem, UpdateItem with their expressions, and TryGetItem, the allocation-free
// read (BasaltDatabase.Items.cs; conditional writes run as read-modify-writes on the key's shard, ItemTransform.cs);
// Query and Scan (BasaltDatabase.Query.cs); BatchGetItem and BatchWriteItem (BasaltDatabase.Batch.cs).
//
// Legacy (pre-2014) parameters are translated into expressions (LegacyParameters).
// Not here yet, and not pretended: transactions, indexes, streams, TTL, throttling (consumed capacity is reported, not
// enforced). docs/database.md and docs/compatibility.md say what is missing per operation.
public sealed partial class BasaltDatabase : IDisposable, IAsyncDisposable
{
    private readonly StorageEngine _engine;
    private readonly bool _ownsEngine;
    private readonly DatabaseOptions _options;
    private readonly Catalog _catalog;
    private readonly ChangeLog _changeLog;
    private int _disposed;

    private BasaltDatabase(StorageEngine engine, bool ownsEngine, DatabaseOptions options)
    {
        _engine = engine;
        _ownsEngine = ownsEngine;
        _options = options;
        _catalog = Catalog.Load(engine);
        // Records a crash left unapplied are applied at once (the appliers start signalled).
        _changeLog = new ChangeLog(engine, _catalog.ById);
        StartTimestamps();
        // Transactions a crash interrupted are finished or undone before the first request.
        ResolveTransactions();
        // Purges a crash (or a close) interrupted go on in the background; until they finish, the old items stay
        // unreachable as before (their table id is never reused).
        foreach (uint id in _catalog.PendingPurges) Track(PurgeAsync(id));
        ResumeIndexChanges();
    }

    private readonly CancellationTokenSource _closing = new();
    private readonly List<Task> _background = [];

    private void Track(Task task)
    {
        lock (_background) _background.Add(task);
    }

    // Completes when every background purge started so far has finished (tests, benchmarks).
    public Task WhenBackgroundIdleAsync()
    {
        lock (_background) return Task.WhenAll(_background.ToArray());
    }

    // Over an engine the caller owns (and disposes after the database).
    public static BasaltDatabase Open(StorageEngine engine, DatabaseOptions? options = null) => new(engine, false, options ?? new DatabaseOptions());

    // Opens its own engine on the data folder; disposing the database closes it.
    public static BasaltDatabase Open(StorageOptions storage, DatabaseOptions? options = null)
    {
        var engine = StorageEngine.Open(storage);
        try
        {
            return new BasaltDatabase(engine, true, options ?? new DatabaseOptions());
        }
        catch
        {
            engine.Dispose();
            throw;
        }
    }

    public StorageEngine Engine => _engine;

    // Read-only figures for monitoring (the server's GET /metrics), so that a host needs no storage types beyond the
    // counters themselves: each shard's counters (racy reads, see ShardMetrics; callers must not write them), its
    // memtable bytes, the block cache's hits and misses, and the number of tables.
    public IReadOnlyList<ShardMetrics> StorageMetrics => _engine.ShardMetrics;
    public long MemtableBytes(int shard) => _engine.MemtableBytes(shard);
    public long BlockCacheHits => _engine.BlockCacheHits;
    public long BlockCacheMisses => _engine.BlockCacheMisses;
    public int TableCount => _catalog.Count;

    public async Task<CreateTableResponse> CreateTableAsync(CreateTableRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        TableValidation.CreateTable(request);
        var now = _options.Clock();
        var mode = request.BillingMode ?? BillingMode.Provisioned;
        var table = await _catalog.ChangeAsync(change =>
        {
            if (change.TryGet(request.TableName!, out _)) throw new ResourceInUseException($"Table already exists: {request.TableName}");
            uint id = change.AllocateId();
            var definitions = request.AttributeDefinitions!.ToArray();
            // Each index gets its own id, from the same sequence as tables: its entries' routing prefix.
            var localIndexes = request.LocalSecondaryIndexes?.Select(i => new IndexDefinition(i.IndexName!, change.AllocateId(), isGlobal: false,
                i.KeySchema!.ToArray(), definitions, i.Projection!.ProjectionType!.Value, i.Projection.NonKeyAttributes?.ToArray())).ToArray();
            // Global indexes of a new table have nothing to fill: ACTIVE at once, as the table is.
            var globalIndexes = request.GlobalSecondaryIndexes?.Select(i => new IndexDefinition(i.IndexName!, change.AllocateId(), isGlobal: true,
                i.KeySchema!.ToArray(), definitions, i.Projection!.ProjectionType!.Value, i.Projection.NonKeyAttributes?.ToArray(),
                IndexStatus.Active, mode == BillingMode.PayPerRequest ? null : i.ProvisionedThroughput)).ToArray();
            var definition = new TableDefinition(request.TableName!, id, Guid.NewGuid(), now,
                request.KeySchema!.ToArray(), definitions, mode,
                mode == BillingMode.PayPerRequest ? new ProvisionedThroughput(0, 0) : request.ProvisionedThroughput!,
                mode == BillingMode.PayPerRequest ? now : null, null, null, request.Tags?.ToArray(), localIndexes, globalIndexes);
            change.Put(definition);
            return definition;
        }).ConfigureAwait(false);
        return new CreateTableResponse(table.Describe(TableStatus.Active, _options));
    }

    public DescribeTableResponse DescribeTable(DescribeTableRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new DescribeTableResponse(Table(request.TableName).Describe(TableStatus.Active, _options));
    }

    public ListTablesResponse ListTables(ListTablesRequest? request = null)
    {
        request ??= new ListTablesRequest();
        TableValidation.ListTables(request);
        int limit = request.Limit ?? TableValidation.ListTablesLimitMax;
        var names = _catalog.SortedNames();
        int start = 0;
        if (request.ExclusiveStartTableName is string after)
        {
            start = names.BinarySearch(after, StringComparer.Ordinal);
            start = start >= 0 ? start + 1 : ~start;
        }
        var page = names.Skip(start).Take(limit).ToList();
        // As DynamoDB: LastEvaluatedTableName only when more names follow the page.
        string? last = start + page.Count < names.Count ? page[^1] : null;
        return new ListTablesResponse(page, last);
    }

    // Billing mode and provisioned throughput; applied at once (the table stays ACTIVE). Index updates arrive with
    // indexes. DynamoDB's daily limits on throughput decreases and billing switches are not enforced.
    public async Task<UpdateTableResponse> UpdateTableAsync(UpdateTableRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Table(request.TableName);
        if (request.GlobalSecondaryIndexUpdates is not null)
        {
            if (request.BillingMode is null && request.ProvisionedThroughput is null) return await UpdateGlobalIndexesAsync(request).ConfigureAwait(false);
            await UpdateTableAsync(new UpdateTableRequest { TableName = request.TableName, BillingMode = request.BillingMode, ProvisionedThroughput = request.ProvisionedThroughput }).ConfigureAwait(false);
            return await UpdateGlobalIndexesAsync(new UpdateTableRequest
            {
                TableName = request.TableName, AttributeDefinitions = request.AttributeDefinitions, GlobalSecondaryIndexUpdates = request.GlobalSecondaryIndexUpdates,
            }).ConfigureAwait(false);
        }
        var now = _options.Clock();
        var table = await _catalog.ChangeAsync(change =>
        {
            if (!change.TryGet(request.TableName!, out var current)) throw ResourceNotFoundException.Table(request.TableName!);
            var (mode, throughput) = TableValidation.UpdateTable(request, current);
            var old = current.Throughput;
            bool increase = throughput.ReadCapacityUnits > old.ReadCapacityUnits || throughput.WriteCapacityUnits > old.WriteCapacityUnits;
            bool decrease = throughput.ReadCapacityUnits < old.ReadCapacityUnits || throughput.WriteCapacityUnits < old.WriteCapacityUnits;
            var updated = current.With(mode, throughput,
                mode == BillingMode.PayPerRequest && current.BillingMode != BillingMode.PayPerRequest ? now : current.LastUpdateToPayPerRequest,
                mode == BillingMode.Provisioned && increase ? now : current.LastIncrease,
                mode == BillingMode.Provisioned && decrease ? now : current.LastDecrease);
            change.Put(updated);
            return updated;
        }).ConfigureAwait(false);
        return new UpdateTableResponse(table.Describe(TableStatus.Active, _options));
    }

    // Removes the table from the catalog (durably), which makes its items unreachable at once: every item key
    // starts with the table's id, and ids are never reused, so a new table of the same name starts empty. Then it
    // deletes the old items by scanning each shard for keys with the table's prefix (docs/database.md, "Deleting a
    // table"); a crash during that scan leaves unreachable garbage, never visible data. Returns the description
    // with status DELETING, as DynamoDB does.
    public async Task<DeleteTableResponse> DeleteTableAsync(DeleteTableRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Table(request.TableName);
        var table = await _catalog.ChangeAsync(change =>
        {
            if (!change.TryGet(request.TableName!, out var current)) throw ResourceNotFoundException.Table(request.TableName!);
            change.Remove(current);
            return current;
        }).ConfigureAwait(false);
        await PurgeAsync(table.Id).ConfigureAwait(false);
        foreach (var index in table.Indexes) await PurgeAsync(index.Id).ConfigureAwait(false);
        // The item collection size records of a table with local indexes (a crash before this leaves them: unreachable,
        // as the table's id is never reused).
        if (table.LocalIndexes.Count > 0)
            await VisitPrefixAsync(LocalIndexes.CollectionPrefix(table.Id), DeleteVisited, flush: true, _closing.Token).ConfigureAwait(false);
        return new DeleteTableResponse(table.Describe(TableStatus.Deleting, _options));
    }

    // Counts the table's items and sums their DynamoDB sizes (a scan of every shard) for DescribeTable's ItemCount
    // and TableSizeBytes, which DynamoDB itself refreshes only about every six hours.
    public async Task RefreshTableStatisticsAsync(string tableName)
    {
        var table = Table(tableName);
        var (count, bytes) = await CountAsync(table.Id).ConfigureAwait(false);
        Volatile.Write(ref table.ItemCount, count);
        Volatile.Write(ref table.TableSizeBytes, bytes);
        foreach (var index in table.Indexes)
        {
            var (entries, entryBytes) = await CountAsync(index.Id).ConfigureAwait(false);
            Volatile.Write(ref index.ItemCount, entries);
            Volatile.Write(ref index.IndexSizeBytes, entryBytes);
        }
    }

    // The entries under a table's or an index's id, and the sum of their DynamoDB sizes.
    private async Task<(long Count, long Bytes)> CountAsync(uint id)
    {
        long count = 0, bytes = 0;
        await VisitTableKeysAsync(id, (batch, vpartition, routing, rest, value) =>
        {
            count++;
            bytes += Model.ItemSize.Of(value);
        }).ConfigureAwait(false);
        return (count, bytes);
    }

    private const int PurgeBatchEntries = 1024;

    // Deletes a removed table's items, then its purge record (so a purge a crash or a close interrupts is resumed at
    // the next open). A close stops it between shards.
    private async Task PurgeAsync(uint tableId)
    {
        bool finished = await VisitTableKeysAsync(tableId, DeleteVisited, flush: true, _closing.Token).ConfigureAwait(false);
        if (finished) await _engine.DeleteAsync(CatalogFormat.Routing, CatalogFormat.PurgeRest(tableId)).ConfigureAwait(false);
    }

    // A purge's visitor: deletes each key (placed: an index entry lives in its item's partition, not its own routing
    // part's), writing every PurgeBatchEntries.
    private void DeleteVisited(WriteBatch batch, int vpartition, ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> value)
    {
        batch.Delete(vpartition, routing, rest);
        if (batch.Count < PurgeBatchEntries) return;
        _engine.Write(batch);
        batch.Clear();
    }

    private delegate void TableKeyVisitor(WriteBatch batch, int vpartition, ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest, ReadOnlySpan<byte> value);

    // Visits every live key of one table, shard by shard, on a dedicated thread (a long synchronous scan). A table's
    // keys are spread over every virtual partition, so this reads every shard whole: fine for a control-plane call,
    // and the reason DeleteTable's purge cost grows with the whole data set, not the table (docs/database.md).
    // Returns false when `stop` ended it early.
    private Task<bool> VisitTableKeysAsync(uint tableId, TableKeyVisitor visit, bool flush = false, CancellationToken stop = default)
    {
        var prefix = new byte[ItemKeys.TableIdBytes];
        ItemKeys.WriteTablePrefix(tableId, prefix);
        return VisitPrefixAsync(prefix, visit, flush, stop);
    }

    // The same for every key whose routing part starts with `prefix` (a table's item collection size records).
    private Task<bool> VisitPrefixAsync(byte[] prefix, TableKeyVisitor visit, bool flush = false, CancellationToken stop = default) => Task.Factory.StartNew(() =>
    {
        using var batch = new WriteBatch();
        for (int shard = 0; shard < _engine.ShardCount; shard++)
        {
            if (stop.IsCancellationRequested) return false;
            using (var it = _engine.IterateShard(shard))
            {
                long seen = 0;
                while (it.MoveNext())
                {
                    if ((++seen & 4095) == 0 && stop.IsCancellationRequested) return false;
                    if (it.Routing.StartsWith(prefix)) visit(batch, StoredKey.VPartitionOf(it.StoredKey), it.Routing, it.Rest, it.Value);
                }
            }
            if (flush && batch.Count > 0)
            {
                _engine.Write(batch);
                batch.Clear();
            }
        }
        return true;
    }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    // The table of a request, or DynamoDB's error. A name found is valid by construction, so the hot path (a hit)
    // does no validation work and allocates nothing.
    internal TableDefinition Table(string? name)
    {
        if (name is not null && _catalog.TryGet(name, out var table)) return table;
        TableValidation.TableName(name);
        throw ResourceNotFoundException.Table(name!);
    }

    // Completes once every global index has caught up with the writes made before the call (its entries written).
    public Task WhenIndexesCaughtUpAsync(CancellationToken cancel = default) => _changeLog.WhenCaughtUpAsync(cancel);

    // Writes applied to global indexes since open, and the lag between a write and its index entries being durable:
    // its sum and maximum (microseconds) and a histogram over GlobalIndexLagBoundsUs (the last bucket: above them).
    public (long Applied, long SumUs, long MaxUs) GlobalIndexLag => (_changeLog.Applied, _changeLog.LagSumUs, _changeLog.LagMaxUs);

    public static IReadOnlyList<long> GlobalIndexLagBoundsUs => ChangeLog.LagBoundsUs;

    public long GlobalIndexLagBucket(int bucket) => _changeLog.LagBucket(bucket);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // Background purges stop at their next shard; what they leave is resumed at the next open.
        _closing.Cancel();
        try
        {
            WhenBackgroundIdleAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is StorageException or ObjectDisposedException)
        {
            // A purge that failed (the engine refused writes, or closed under it) is resumed at the next open.
        }
        _closing.Dispose();
        _changeLog.Dispose();
        _catalog.Dispose();
        if (_ownsEngine) _engine.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
