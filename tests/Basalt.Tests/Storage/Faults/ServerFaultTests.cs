using System.Net;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;
using Basalt.Server;
using Basalt.Tests.Server;

namespace Basalt.Tests.Storage.Faults;

// Storage faults as a DynamoDB client sees them (docs/dynamodb-api.md): a full disk, and writes refused after a failed
// fsync, are HTTP 500 InternalServerError with the engine's message; GetItem goes on; writes resume when space returns.
public class ServerFaultTests
{
    private const string Table = """{"TableName":"Faults","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}""";
    private static string Put(string id, string v) => "{\"TableName\":\"Faults\",\"Item\":{\"id\":{\"S\":\"" + id + "\"},\"v\":{\"S\":\"" + v + "\"}}}";
    private static string Get(string id) => "{\"TableName\":\"Faults\",\"Key\":{\"id\":{\"S\":\"" + id + "\"}},\"ConsistentRead\":true}";

    private static Task<ServerFixture> Start(FaultInjectingFileSystem fs) => ServerFixture.StartAsync(new ServerOptions
    {
        DataDir = "/faults-data",
        FileSystem = fs,
        Durability = Durability.Sync,
        Shards = 2,
    });

    private static async Task Ok(ServerFixture fx, string operation, string body)
    {
        var (status, text, _) = await fx.PostAsync(operation, body);
        Assert.True(status == HttpStatusCode.OK, $"{operation}: {status} {text}");
    }

    [Fact]
    public async Task A_full_disk_answers_writes_with_500_and_a_clear_message_while_GetItem_goes_on()
    {
        var fs = new FaultInjectingFileSystem(new MemoryFileSystem(crashable: false));
        await using var fx = await Start(fs);
        await Ok(fx, "CreateTable", Table);
        await Ok(fx, "PutItem", Put("a", "before"));

        fs.DiskFull = true;
        var (status, body, _) = await fx.PostAsync("PutItem", Put("b", "lost"));
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("InternalServerError", body);
        Assert.Contains("disk full", body);

        (status, body, _) = await fx.PostAsync("GetItem", Get("a"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"before\"", body);
        (status, body, _) = await fx.PostAsync("GetItem", Get("b"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain("Item", body);

        fs.DiskFull = false;
        await Ok(fx, "PutItem", Put("b", "after"));
        (_, body, _) = await fx.PostAsync("GetItem", Get("b"));
        Assert.Contains("\"after\"", body);
    }

    [Fact]
    public async Task A_failed_fsync_answers_writes_with_500_and_GetItem_goes_on()
    {
        var plan = new FaultPlan();
        bool failing = false;
        plan.When(FileOp.Sync, "wal-").While(() => failing).Inject(FaultKind.IoError);
        await using var fx = await Start(new FaultInjectingFileSystem(new MemoryFileSystem(crashable: false), plan));
        await Ok(fx, "CreateTable", Table);
        await Ok(fx, "PutItem", Put("a", "before"));
        failing = true;
        // The item's shard refuses writes from its first failed fsync on, even once the device is healthy again.
        for (int i = 0; i < 2; i++)
        {
            var (status, body, _) = await fx.PostAsync("PutItem", Put("a", "refused"));
            Assert.Equal(HttpStatusCode.InternalServerError, status);
            Assert.Contains("InternalServerError", body);
            Assert.Contains("refuses writes", body);
            failing = false;
        }
        var (getStatus, getBody, _) = await fx.PostAsync("GetItem", Get("a"));
        Assert.Equal(HttpStatusCode.OK, getStatus);
        Assert.Contains("\"before\"", getBody);
    }
}
