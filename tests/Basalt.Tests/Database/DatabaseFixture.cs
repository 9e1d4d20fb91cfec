using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;
using Basalt.Tests.Storage;

namespace Basalt.Tests.Database;

// A BasaltDatabase over an engine on EngineFixture's in-memory file system, with a fake clock; Reopen closes both
// and opens them again on the same files (the catalog must come back from the engine).
public sealed class DatabaseFixture : IDisposable
{
    private readonly EngineFixture _engines = new();
    private StorageEngine _engine;

    public static readonly DateTimeOffset Now = new(2026, 11, 25, 3, 0, 0, TimeSpan.Zero);
    public static readonly DatabaseOptions Options = new() { Region = "eu-west-3", AccountId = "123456789012", Clock = () => Now };

    private readonly DatabaseOptions _options;

    public DatabaseFixture(Durability durability = Durability.Async, int shards = 2, DatabaseOptions? options = null)
    {
        _options = options ?? Options;
        _engine = _engines.Open(durability, shards);
        Db = BasaltDatabase.Open(_engine, _options);
    }

    public BasaltDatabase Db { get; private set; }

    public void Reopen()
    {
        Db.Dispose();
        _engines.Reopen(ref _engine, Durability.Async);
        Db = BasaltDatabase.Open(_engine, _options);
    }

    // Power loss: what was not synced is gone; the old database and engine are abandoned as a dead process leaves
    // them (their threads find their files gone), and new ones open on what survived.
    public void CrashAndReopen(Durability durability = Durability.Sync)
    {
        Crash();
        ReopenAfterCrash(durability);
    }

    public void Crash() => _engines.Crash();

    public void InjectFaults(Func<Basalt.Engine.Storage.Vfs.FileOp, string, int, Basalt.Engine.Storage.Vfs.FaultKind> faults) => _engines.InjectFaults(faults);

    public void ReopenAfterCrash(Durability durability = Durability.Sync)
    {
        _engine = _engines.Open(durability, 2);
        Db = BasaltDatabase.Open(_engine, _options);
    }

    public void Dispose()
    {
        Db.Dispose();
        _engines.Dispose();
    }

    public static CreateTableRequest Table(string name, ScalarAttributeType hashType = ScalarAttributeType.S, ScalarAttributeType? rangeType = null) => new()
    {
        TableName = name,
        KeySchema = rangeType is null
            ? [new("pk", KeyType.Hash)]
            : [new("pk", KeyType.Hash), new("sk", KeyType.Range)],
        AttributeDefinitions = rangeType is ScalarAttributeType r
            ? [new("pk", hashType), new("sk", r)]
            : [new("pk", hashType)],
        BillingMode = BillingMode.PayPerRequest,
    };

    // Every page of a Query, following LastEvaluatedKey (at most 10,000 pages).
    public static List<Dictionary<string, AttributeValue>> QueryAll(DatabaseFixture fx, QueryRequest request)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        for (int pages = 0; ; pages++)
        {
            Assert.True(pages < 10_000);
            var page = fx.Db.Query(request);
            items.AddRange(page.Items);
            if (page.LastEvaluatedKey is null) return items;
            request.ExclusiveStartKey = page.LastEvaluatedKey;
        }
    }

    public static Dictionary<string, AttributeValue> Item(params (string Name, AttributeValue Value)[] attributes) =>
        attributes.ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal);

    public static AttributeValue S(string s) => AttributeValue.String(s);
    public static AttributeValue N(string n) => AttributeValue.Number(n);
    public static AttributeValue B(params byte[] b) => AttributeValue.Binary(b);
}
