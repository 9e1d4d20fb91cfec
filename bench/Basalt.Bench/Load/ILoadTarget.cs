namespace Basalt.Bench.Load;

// A server the load generator drives, whatever its protocol: DynamoDB's JSON API (DynamoTarget), RESP (RespTarget:
// Redis, Garnet) and Basalt's binary protocol (BinaryTarget).
// The runner opens one connection per worker and keeps one request in flight on it, so every target sees the same
// concurrency and no pipelining beyond it. Thread-safe: workers share one target; each owns its connection.
public interface ILoadTarget : IDisposable
{
    // The protocol, for the summary line's target= ("dynamodb", "resp").
    string Protocol { get; }

    Uri Endpoint { get; }

    // Whether the target can run a workload that scans (e: Query) or inserts into the sort-keyed layout.
    bool SupportsLayout(KeyLayout layout);

    // Makes the store ready for records of the layout: creates the table (DynamoDB), nothing for a key-value store.
    Task PrepareAsync(KeyLayout layout);

    // A connection of its own for one worker; `random` seeds the record's field values.
    ILoadConnection Connect(ItemShape shape, Random random);
}

// One worker's connection: one request in flight at a time; not thread-safe.
public interface ILoadConnection : IDisposable
{
    // Ok only when the item exists (every read is of a loaded or inserted key).
    ValueTask<OpResult> GetAsync(LoadKey key);

    // Writes the whole record under the key, changing one of its field values first so that successive puts differ.
    ValueTask<OpResult> PutAsync(LoadKey key, Random random);

    // Workload e's scan (ScanLayout): the items of `partition` from sort key `sortFrom` on, at most `limit`. Ok when it
    // returned at least `expectedMin` items.
    ValueTask<OpResult> QueryAsync(string partition, long sortFrom, int limit, long expectedMin);
}

// A record's key: the hash key, and the sort key in the ranged layout (-1 in the hash layout).
public readonly record struct LoadKey(string Partition, long Sort = -1)
{
    public static LoadKey For(KeyLayout layout, long sequence) => layout == KeyLayout.Hash
        ? new LoadKey(YcsbKeys.Key(sequence))
        : new LoadKey(ScanLayout.Partition(sequence), ScanLayout.Sort(sequence));
}

// A record's shape: YCSB's fieldcount fields of fieldlength bytes. ItemBytes is what a key-value store stores as one
// value (the fields concatenated), so both kinds of peer carry the same payload.
public readonly record struct ItemShape(int FieldCount, int FieldBytes)
{
    public int ItemBytes => FieldCount * FieldBytes;

    // --item-bytes N: N bytes over `fieldCount` fields (at least one byte each, the remainder dropped).
    public static ItemShape FromItemBytes(int itemBytes, int fieldCount)
    {
        int fields = Math.Clamp(fieldCount, 1, Math.Max(1, itemBytes));
        return new ItemShape(fields, Math.Max(1, itemBytes / fields));
    }
}

public readonly record struct OpResult(bool Ok, string? Error)
{
    public static readonly OpResult Success = new(true, null);

    public static OpResult Fail(string error) => new(false, error);
}

// A record's field values, per connection: random alphanumeric text, one field replaced by another per put.
public sealed class RecordValues(ItemShape shape, Random random)
{
    // The attribute names of the fields on DynamoDB's model (field0, field1, ...; --field-count is at most 64).
    public static readonly string[] FieldNames = Enumerable.Range(0, 64).Select(i => "field" + i).ToArray();

    public readonly string[] Fields = Enumerable.Range(0, shape.FieldCount).Select(_ => RandomText(random, shape.FieldBytes)).ToArray();

    public void Mutate(Random random) => Fields[random.Next(Fields.Length)] = Fields[random.Next(Fields.Length)];

    private static string RandomText(Random random, int bytes)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        return string.Create(bytes, random, static (span, r) => { for (int i = 0; i < span.Length; i++) span[i] = alphabet[r.Next(alphabet.Length)]; });
    }
}

// The targets by name, for --target: dynamodb (http://host:port), resp (tcp://host:port), binary (basalt://host:port,
// with the server's DynamoDB API at `admin` for creating tables; default http://host:8000).
public static class LoadTargets
{
    public const string Names = "dynamodb, resp, binary";

    // Null and a reason when the name is not a target.
    public static ILoadTarget? Create(string name, Uri endpoint, int connections, out string? problem, Uri? admin = null)
    {
        problem = null;
        switch (name)
        {
            case "dynamodb": return new DynamoTarget(endpoint, connections);
            case "resp": return new RespTarget(endpoint);
            case "binary": return new BinaryTarget(endpoint, admin ?? BinaryTarget.DefaultAdmin(endpoint));
            default: problem = $"--target {name}: unknown ({Names})"; return null;
        }
    }
}
