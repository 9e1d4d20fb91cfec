using System.Text;
using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Engine.Tables;

// One table as the catalog holds it: immutable (UpdateTable publishes a new instance), shared by every thread that
// touches the table. Id is the u32 that prefixes every stored key of the table's items (never reused, so a deleted
// table's leftovers are unreachable from a new table of the same name); the key attribute names are kept as UTF-8
// too, for in-place lookups in encoded items. Tags are the table's (TagResource), in the order their keys were first
// added; DescribeTable does not show them (DynamoDB's TableDescription has no tags).
internal sealed class TableDefinition
{
    public TableDefinition(string name, uint id, Guid tableId, DateTimeOffset created, IReadOnlyList<KeySchemaElement> keySchema,
        IReadOnlyList<AttributeDefinition> attributeDefinitions, BillingMode billingMode, ProvisionedThroughput throughput,
        DateTimeOffset? lastUpdateToPayPerRequest, DateTimeOffset? lastIncrease, DateTimeOffset? lastDecrease,
        IReadOnlyList<Tag>? tags = null, IReadOnlyList<IndexDefinition>? localIndexes = null, IReadOnlyList<IndexDefinition>? globalIndexes = null)
    {
        Name = name;
        Id = id;
        TableId = tableId;
        Created = created;
        KeySchema = keySchema;
        AttributeDefinitions = attributeDefinitions;
        BillingMode = billingMode;
        Throughput = throughput;
        LastUpdateToPayPerRequest = lastUpdateToPayPerRequest;
        LastIncrease = lastIncrease;
        LastDecrease = lastDecrease;
        Tags = tags ?? [];
        LocalIndexes = localIndexes ?? [];
        GlobalIndexes = globalIndexes ?? [];
        PartitionKey = KeyOf(keySchema[0]);
        if (keySchema.Count == 2) SortKey = KeyOf(keySchema[1]);

        KeySlot KeyOf(KeySchemaElement element) =>
            new(element.AttributeName, Encoding.UTF8.GetBytes(element.AttributeName),
                (AttributeType)attributeDefinitions.First(d => d.AttributeName == element.AttributeName).AttributeType);
    }

    public string Name { get; }
    public uint Id { get; }
    public Guid TableId { get; }
    public DateTimeOffset Created { get; }
    public IReadOnlyList<KeySchemaElement> KeySchema { get; }
    public IReadOnlyList<AttributeDefinition> AttributeDefinitions { get; }
    public BillingMode BillingMode { get; }
    public ProvisionedThroughput Throughput { get; }
    public DateTimeOffset? LastUpdateToPayPerRequest { get; }
    public DateTimeOffset? LastIncrease { get; }
    public DateTimeOffset? LastDecrease { get; }
    public IReadOnlyList<Tag> Tags { get; }
    // Local secondary indexes, in CreateTable's order; empty when none. Fixed at creation (as DynamoDB's).
    public IReadOnlyList<IndexDefinition> LocalIndexes { get; }

    // Global secondary indexes, in CreateTable's (then UpdateTable's) order; empty when none.
    public IReadOnlyList<IndexDefinition> GlobalIndexes { get; }

    public bool HasIndexes => LocalIndexes.Count > 0 || GlobalIndexes.Count > 0;

    public IEnumerable<IndexDefinition> Indexes => LocalIndexes.Concat(GlobalIndexes);

    // An index of either kind by name, or null.
    public IndexDefinition? Index(string name)
    {
        foreach (var index in LocalIndexes)
            if (index.Name == name) return index;
        foreach (var index in GlobalIndexes)
            if (index.Name == name) return index;
        return null;
    }

    // The slot of a key attribute by name, from the table's definitions (index key attributes are defined there too).
    public static KeySlot Slot(string name, IReadOnlyList<AttributeDefinition> definitions) =>
        new(name, Encoding.UTF8.GetBytes(name), (AttributeType)definitions.First(d => d.AttributeName == name).AttributeType);

    public KeySlot PartitionKey { get; }
    public KeySlot? SortKey { get; }

    // Statistics for DescribeTable, refreshed by a scan (BasaltDatabase.RefreshTableStatisticsAsync); not persisted.
    public long ItemCount;
    public long TableSizeBytes;

    // A billing change takes the global indexes along: on demand they have no throughput; provisioned again, each gets
    // the table's new throughput unless it has its own (DynamoDB asks for each index's in the same call; Basalt does
    // not read GlobalSecondaryIndexUpdates together with a billing change yet).
    public TableDefinition With(BillingMode billingMode, ProvisionedThroughput throughput, DateTimeOffset? lastUpdateToPayPerRequest,
        DateTimeOffset? lastIncrease, DateTimeOffset? lastDecrease) =>
        new(Name, Id, TableId, Created, KeySchema, AttributeDefinitions, billingMode, throughput, lastUpdateToPayPerRequest, lastIncrease, lastDecrease, Tags, LocalIndexes,
            billingMode == BillingMode ? GlobalIndexes
                : GlobalIndexes.Select(g => g.With(g.Status, billingMode == BillingMode.PayPerRequest ? new ProvisionedThroughput(0, 0)
                    : g.Throughput.ReadCapacityUnits > 0 ? g.Throughput : throughput, AttributeDefinitions)).ToArray())
        {
            ItemCount = ItemCount,
            TableSizeBytes = TableSizeBytes,
        };

    // The same table with other global indexes and attribute definitions (UpdateTable's index changes).
    public TableDefinition WithGlobalIndexes(IReadOnlyList<IndexDefinition> globalIndexes, IReadOnlyList<AttributeDefinition> definitions) =>
        new(Name, Id, TableId, Created, KeySchema, definitions, BillingMode, Throughput, LastUpdateToPayPerRequest, LastIncrease, LastDecrease, Tags, LocalIndexes, globalIndexes)
        {
            ItemCount = ItemCount,
            TableSizeBytes = TableSizeBytes,
        };

    public TableDefinition WithTags(IReadOnlyList<Tag> tags) =>
        new(Name, Id, TableId, Created, KeySchema, AttributeDefinitions, BillingMode, Throughput, LastUpdateToPayPerRequest, LastIncrease, LastDecrease, tags, LocalIndexes, GlobalIndexes)
        {
            ItemCount = ItemCount,
            TableSizeBytes = TableSizeBytes,
        };

    public string Arn(DatabaseOptions options) => $"arn:aws:dynamodb:{options.Region}:{options.AccountId}:table/{Name}";

    public TableDescription Describe(TableStatus status, DatabaseOptions options) => new()
    {
        TableName = Name,
        TableStatus = status,
        KeySchema = KeySchema,
        AttributeDefinitions = AttributeDefinitions,
        CreationDateTime = Created,
        ItemCount = Volatile.Read(ref ItemCount),
        TableSizeBytes = Volatile.Read(ref TableSizeBytes),
        TableArn = Arn(options),
        TableId = TableId.ToString(),
        BillingModeSummary = new BillingModeSummary(BillingMode, LastUpdateToPayPerRequest),
        ProvisionedThroughput = new ProvisionedThroughputDescription(Throughput.ReadCapacityUnits, Throughput.WriteCapacityUnits, 0, LastIncrease, LastDecrease),
        LocalSecondaryIndexes = LocalIndexes.Count == 0 ? null : LocalIndexes.Select(i => i.DescribeLocal(Arn(options))).ToArray(),
        GlobalSecondaryIndexes = GlobalIndexes.Count == 0 ? null : GlobalIndexes.Select(i => i.DescribeGlobal(Arn(options))).ToArray(),
    };

    internal sealed record KeySlot(string Name, byte[] Utf8Name, AttributeType Type);
}
