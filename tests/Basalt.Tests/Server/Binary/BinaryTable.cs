using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Tests.Server.Binary;

// The table the binary protocol's tests use, created the same way on a server's database and on an embedded one:
// "tbl" with pk (S) and sk (N), a local index on l (S) and a global index on g (S).
public static class BinaryTable
{
    public const string Name = "tbl";

    public static Task CreateAsync(BasaltDatabase db) => db.CreateTableAsync(new CreateTableRequest
    {
        TableName = Name,
        KeySchema = [new("pk", KeyType.Hash), new("sk", KeyType.Range)],
        AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.N), new("l", ScalarAttributeType.S), new("g", ScalarAttributeType.S)],
        BillingMode = BillingMode.PayPerRequest,
        LocalSecondaryIndexes = [new LocalSecondaryIndex
        {
            IndexName = "lsi", KeySchema = [new("pk", KeyType.Hash), new("l", KeyType.Range)], Projection = new Projection { ProjectionType = ProjectionType.All },
        }],
        GlobalSecondaryIndexes = [new GlobalSecondaryIndex
        {
            IndexName = "gsi", KeySchema = [new("g", KeyType.Hash)], Projection = new Projection { ProjectionType = ProjectionType.All },
        }],
    });

    public static AttributeValue S(string s) => AttributeValue.String(s);
    public static AttributeValue N(string n) => AttributeValue.Number(n);

    public static Dictionary<string, AttributeValue> Key(string pk, int sk) => new() { ["pk"] = S(pk), ["sk"] = N(sk.ToString()) };

    public static Dictionary<string, AttributeValue> Item(string pk, int sk, params (string Name, AttributeValue Value)[] rest)
    {
        var item = Key(pk, sk);
        foreach (var (name, value) in rest) item[name] = value;
        return item;
    }

    // An encoded key or item, as the lean path takes them.
    public static byte[] Encode(Dictionary<string, AttributeValue> item) => ItemCodec.Encode(item);
}
