using System.Collections.Concurrent;
using System.Text;
using Basalt.Engine.Storage;

namespace Basalt.Engine.Tables;

// The table catalog: every table's definition, held in memory for lookups and persisted in the storage engine
// under the system routing part (CatalogFormat). Owned by one BasaltDatabase.
//
// Threads: lookups (TryGet, Names) run on any thread without a lock: the dictionary maps a name to an immutable
// TableDefinition, replaced whole. Changes (create, replace, remove) are serialised by one async lock and are
// published to the dictionary only after the catalog write is durable per the engine's mode, so a reader never
// sees a table that a crash could take back.
internal sealed class Catalog : IDisposable
{
    private readonly StorageEngine _engine;
    private readonly ConcurrentDictionary<string, TableDefinition> _tables = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<uint, TableDefinition> _byId = new();
    private readonly SemaphoreSlim _changes = new(1, 1);
    private uint _nextId;

    private Catalog(StorageEngine engine, uint nextId)
    {
        _engine = engine;
        _nextId = nextId;
    }

    public static Catalog Load(StorageEngine engine)
    {
        var next = engine.Get(CatalogFormat.Routing, CatalogFormat.NextIdRest);
        var catalog = new Catalog(engine, next is null ? CatalogFormat.FirstTableId : CatalogFormat.DecodeNextId(next));
        using var it = engine.Iterate(CatalogFormat.Routing, restFrom: [CatalogFormat.TableRecordTag], restTo: [CatalogFormat.TableRecordTag + 1]);
        while (it.MoveNext())
        {
            string name = Encoding.UTF8.GetString(it.Rest[1..]);
            var table = CatalogFormat.DecodeTable(name, it.Value);
            if (table.Id >= catalog._nextId || table.Indexes.Any(i => i.Id >= catalog._nextId))
                throw new StorageException(StorageError.Corruption, $"catalog: table {name} has an id at or above the next id {catalog._nextId}");
            catalog._tables[name] = table;
            catalog._byId[table.Id] = table;
        }
        using var purges = engine.Iterate(CatalogFormat.Routing, restFrom: [CatalogFormat.PurgeRecordTag], restTo: [CatalogFormat.PurgeRecordTag + 1]);
        while (purges.MoveNext()) catalog.PendingPurges.Add(CatalogFormat.DecodePurgeRest(purges.Rest));
        return catalog;
    }

    // Deleted tables whose purge had not finished when the catalog was last open (a crash, or a close during it).
    public List<uint> PendingPurges { get; } = [];

    public bool TryGet(string name, out TableDefinition table) => _tables.TryGetValue(name, out table!);

    // A live table by its id (the change log's records name their table by id), or null.
    public TableDefinition? ById(uint id) => _byId.TryGetValue(id, out var table) ? table : null;

    // The same lookup by a name in a span (no string made): the server's direct paths read table names off the wire.
    public bool TryGet(ReadOnlySpan<char> name, out TableDefinition table) =>
        _tables.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out table!);

    public int Count => _tables.Count;

    public List<string> SortedNames()
    {
        var names = _tables.Keys.ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    // Runs change under the catalog lock: it sees the current definitions and returns what to write.
    public async Task<T> ChangeAsync<T>(Func<Change, T> change)
    {
        await _changes.WaitAsync().ConfigureAwait(false);
        try
        {
            var c = new Change(this);
            try
            {
                T result = change(c);
                if (c.Batch.Count > 0)
                {
                    await _engine.WriteAsync(c.Batch).ConfigureAwait(false);
                    c.Publish();
                }
                return result;
            }
            finally
            {
                c.Batch.Dispose();
            }
        }
        finally
        {
            _changes.Release();
        }
    }

    // One catalog change: writes go into one batch (all under the system routing part, so one shard: atomic).
    internal sealed class Change(Catalog catalog)
    {
        public WriteBatch Batch { get; } = new();
        private readonly List<(string Name, TableDefinition? Table)> _publish = [];
        private uint? _nextId;

        public bool TryGet(string name, out TableDefinition table) => catalog._tables.TryGetValue(name, out table!);

        public uint AllocateId()
        {
            uint id = _nextId ?? catalog._nextId;
            if (id == uint.MaxValue) throw new StorageException(StorageError.InvalidArgument, "catalog: table ids are exhausted");
            _nextId = id + 1;
            Batch.Put(CatalogFormat.Routing, CatalogFormat.NextIdRest, CatalogFormat.EncodeNextId(id + 1));
            return id;
        }

        public void Put(TableDefinition table)
        {
            Batch.Put(CatalogFormat.Routing, CatalogFormat.TableRest(table.Name), CatalogFormat.EncodeTable(table));
            _publish.Add((table.Name, table));
        }

        // Removes a table and, in the same atomic batch, records that its items and index entries are to be purged.
        public void Remove(TableDefinition table)
        {
            Batch.Delete(CatalogFormat.Routing, CatalogFormat.TableRest(table.Name));
            Batch.Put(CatalogFormat.Routing, CatalogFormat.PurgeRest(table.Id), CatalogFormat.PurgeValue);
            foreach (var index in table.Indexes)
                Batch.Put(CatalogFormat.Routing, CatalogFormat.PurgeRest(index.Id), CatalogFormat.PurgeValue);
            _publish.Add((table.Name, null));
        }

        // Records that an index's entries are to be purged (a dropped global index), in the same batch as its status.
        public void PurgeIndex(uint indexId) => Batch.Put(CatalogFormat.Routing, CatalogFormat.PurgeRest(indexId), CatalogFormat.PurgeValue);

        public void Publish()
        {
            if (_nextId is uint next) catalog._nextId = next;
            foreach (var (name, table) in _publish)
            {
                if (table is null)
                {
                    if (catalog._tables.TryRemove(name, out var removed)) catalog._byId.TryRemove(removed.Id, out _);
                }
                else
                {
                    catalog._tables[name] = table;
                    catalog._byId[table.Id] = table;
                }
            }
        }
    }

    public void Dispose() => _changes.Dispose();
}
