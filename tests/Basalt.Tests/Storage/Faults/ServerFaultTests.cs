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

    // A torn log tail, cut when the server opens its data folder, shows in GET /metrics.
    [Fact]
    public async Task A_cut_log_tail_shows_in_the_metrics()
    {
        var memory = new MemoryFileSystem(crashable: false);
        await using (var fx = await Start(new FaultInjectingFileSystem(memory)))
        {
            await Ok(fx, "CreateTable", Table);
            for (int i = 0; i < 20; i++) await Ok(fx, "PutItem", Put($"k{i}", "v"));
        }
        // The start of a record's header with a plausible length, then nothing: a write torn by a crash.
        string dir = memory.List("/faults-data").Count > 0 ? "/faults-data/shard-000" : throw new InvalidOperationException("no data folder");
        string log = dir + "/" + memory.List(dir).Where(n => n.StartsWith("wal-", StringComparison.Ordinal)).OrderBy(n => n).Last();
        var bytes = memory.ReadAll(log);
        int end = 0; // walk the records (WalFormat: a 21-byte header whose bytes 4..7 are the payload length) to the end marker
        while (bytes.AsSpan(end, 21).ContainsAnyExcept((byte)0)) end += 21 + BitConverter.ToInt32(bytes, end + 4);
        Assert.True(end > 0);
        memory.Poke(log, end, [0x12, 0x34, 0x56, 0x78, 40, 0, 0, 0, 0x55]);
        await using (var fx = await Start(new FaultInjectingFileSystem(memory)))
        {
            string text = await fx.Http.GetStringAsync("/metrics");
            var cut = text.Split('\n').Where(l => l.StartsWith("basalt_wal_tails_cut{", StringComparison.Ordinal))
                .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(1, cut);
            for (int i = 0; i < 20; i++) Assert.Contains("\"v\"", (await fx.PostAsync("GetItem", Get($"k{i}"))).Body);
        }
    }

    // The catalog is stored like any table: a CreateTable on a full disk fails whole, and succeeds once space returns.
    [Fact]
    public async Task CreateTable_on_a_full_disk_fails_whole_and_succeeds_when_space_returns()
    {
        var fs = new FaultInjectingFileSystem(new MemoryFileSystem(crashable: false));
        await using var fx = await Start(fs);
        fs.DiskFull = true;
        var (status, body, _) = await fx.PostAsync("CreateTable", Table);
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("disk full", body);
        (status, body, _) = await fx.PostAsync("PutItem", Put("a", "x"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("ResourceNotFoundException", body); // no half-made table
        fs.DiskFull = false;
        await Ok(fx, "CreateTable", Table);
        await Ok(fx, "PutItem", Put("a", "after"));
        (_, body, _) = await fx.PostAsync("GetItem", Get("a"));
        Assert.Contains("\"after\"", body);
    }
}
