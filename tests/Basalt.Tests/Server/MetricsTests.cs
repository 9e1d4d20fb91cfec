using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using BasaltDatabase = Basalt.Engine.Database.BasaltDatabase;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;
using Basalt.Server;
using Basalt.Server.Metrics;
using Microsoft.Extensions.Logging;

namespace Basalt.Tests.Server;

// GET /metrics (Server/Metrics/): what the SDK's calls leave in the Prometheus text, parsed as a scraper would, the
// histogram's bucketing at its edges, the 404 page for every other GET, and the Debug log line per request.
public class MetricsTests
{
    // One sample line: `name{label="value",...} number`.
    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);

    private sealed record Scrape(List<Sample> Samples, Dictionary<string, string> Types, HashSet<string> Helps)
    {
        public IEnumerable<Sample> Named(string name) => Samples.Where(s => s.Name == name);

        public double? Value(string name, params (string Key, string Value)[] labels) =>
            Named(name).SingleOrDefault(s => labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value) && s.Labels.Count == labels.Length)?.Value;
    }

    private static Scrape Parse(string text)
    {
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>();
        var helps = new HashSet<string>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.True(types.TryAdd(parts[2], parts[3]), $"{parts[2]} has two TYPE lines");
                continue;
            }
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                helps.Add(line.Split(' ')[2]);
                continue;
            }
            Assert.False(line.StartsWith('#'), line);
            int brace = line.IndexOf('{');
            int space = line.LastIndexOf(' ');
            var labels = new Dictionary<string, string>();
            string name;
            if (brace >= 0)
            {
                name = line[..brace];
                int close = line.LastIndexOf('}');
                foreach (var pair in line[(brace + 1)..close].Split(','))
                {
                    int eq = pair.IndexOf('=');
                    Assert.True(pair[eq + 1] == '"' && pair[^1] == '"', line);
                    labels.Add(pair[..eq], pair[(eq + 2)..^1]);
                }
            }
            else name = line[..space];
            Assert.Matches("^basalt_[a-z_]+$", name);
            double value = line[(space + 1)..] == "+Inf" ? double.PositiveInfinity : double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
            samples.Add(new Sample(name, labels, value));
        }
        return new Scrape(samples, types, helps);
    }

    private static async Task<Scrape> ScrapeAsync(ServerFixture fx)
    {
        var response = await fx.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        return Parse(await response.Content.ReadAsStringAsync());
    }

    // A request is counted in the handler's finally, which may run just after the client has its answer: scrape
    // until the condition holds (or fail with the last scrape's figures).
    private static async Task<Scrape> ScrapeUntilAsync(ServerFixture fx, Func<Scrape, bool> done)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var scrape = await ScrapeAsync(fx);
            if (done(scrape) || deadline.Elapsed > TimeSpan.FromSeconds(5)) return scrape;
            await Task.Delay(10);
        }
    }

    private static async Task CreateTableAsync(AmazonDynamoDBClient client) => await client.CreateTableAsync(new CreateTableRequest
    {
        TableName = "Things",
        KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
        AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
        BillingMode = BillingMode.PAY_PER_REQUEST,
    });

    private static Dictionary<string, AttributeValue> Key(string pk) => new() { ["pk"] = new AttributeValue { S = pk } };

    [Fact]
    public async Task Sdk_calls_are_counted_by_operation_with_their_errors_and_latency()
    {
        await using var fx = await ServerFixture.StartAsync();
        await CreateTableAsync(fx.Client);
        for (int i = 0; i < 3; i++)
            await fx.Client.PutItemAsync(new PutItemRequest { TableName = "Things", Item = new() { ["pk"] = new AttributeValue { S = $"k{i}" }, ["n"] = new AttributeValue { N = $"{i}" } } });
        await fx.Client.GetItemAsync(new GetItemRequest { TableName = "Things", Key = Key("k1") });
        await fx.Client.GetItemAsync(new GetItemRequest { TableName = "Things", Key = Key("absent") });
        var invalid = await Assert.ThrowsAsync<AmazonDynamoDBException>(() =>
            fx.Client.GetItemAsync(new GetItemRequest { TableName = "Things", Key = new() { ["wrong"] = new AttributeValue { S = "x" } } }));
        Assert.Equal("ValidationException", invalid.ErrorCode);
        var missing = await Assert.ThrowsAsync<ResourceNotFoundException>(() =>
            fx.Client.GetItemAsync(new GetItemRequest { TableName = "Nope", Key = Key("k1") }));
        // an operation Basalt does not implement, and a target that is no operation: both the "unknown" series
        using (var raw = ServerFixture.JsonRequest("DynamoDB_20120810.ExecuteStatement", "{}"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await fx.Http.SendAsync(raw)).StatusCode);
        }

        var scrape = await ScrapeUntilAsync(fx, s => s.Named("basalt_requests_total").Sum(x => x.Value) >= 9);
        double Requests(string op) => scrape.Value("basalt_requests_total", ("operation", op)) ?? -1;
        Assert.Equal(1, Requests("CreateTable"));
        Assert.Equal(3, Requests("PutItem"));
        Assert.Equal(4, Requests("GetItem"));
        Assert.Equal(1, Requests("unknown"));
        Assert.Equal(0, Requests("Scan")); // every implemented operation has its series from the start
        Assert.Equal(9, scrape.Named("basalt_requests_total").Sum(s => s.Value)); // the scrapes themselves are not counted

        // errors by type, and only where they happened
        var errors = scrape.Named("basalt_request_errors_total").Select(s => (s.Labels["operation"], s.Labels["error"], s.Value)).OrderBy(e => e.Item1).ThenBy(e => e.Item2).ToList();
        Assert.Equal([("GetItem", "ResourceNotFoundException", 1.0), ("GetItem", "ValidationException", 1.0), ("unknown", "UnknownOperationException", 1.0)], errors);
        Assert.Equal("ResourceNotFoundException", missing.ErrorCode);

        // the histogram: cumulative buckets in rising `le`, +Inf last and equal to _count, which is the request count
        foreach (var op in new[] { "CreateTable", "PutItem", "GetItem", "unknown" })
        {
            var buckets = scrape.Named("basalt_request_duration_seconds_bucket").Where(s => s.Labels["operation"] == op).ToList();
            Assert.Equal(ApiMetrics.BucketBoundsUs.Length + 1, buckets.Count);
            Assert.Equal("+Inf", buckets[^1].Labels["le"]);
            var bounds = buckets.Select(b => b.Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(b.Labels["le"], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(bounds.Order(), bounds);
            Assert.Equal(0.00005, bounds[0]);
            Assert.Equal(5, bounds[^2]);
            for (int i = 1; i < buckets.Count; i++) Assert.True(buckets[i].Value >= buckets[i - 1].Value, $"{op}: bucket {bounds[i]} below bucket {bounds[i - 1]}");
            double count = scrape.Value("basalt_request_duration_seconds_count", ("operation", op))!.Value;
            Assert.Equal(buckets[^1].Value, count);
            Assert.Equal(Requests(op), count);
            Assert.InRange(scrape.Value("basalt_request_duration_seconds_sum", ("operation", op))!.Value, 1e-7, 60);
        }
        Assert.DoesNotContain(scrape.Named("basalt_request_duration_seconds_count"), s => s.Labels["operation"] == "Scan"); // no requests, no histogram

        // every family is typed and described, histograms as histograms
        foreach (var name in scrape.Samples.Select(s => s.Name).Distinct())
        {
            string family = name.EndsWith("_bucket") || name.EndsWith("_sum") || name.EndsWith("_count") ? name[..name.LastIndexOf('_')] : name;
            Assert.True(scrape.Types.ContainsKey(family), $"{name} has no TYPE line");
            Assert.Contains(family, scrape.Helps);
        }
        Assert.Equal("histogram", scrape.Types["basalt_request_duration_seconds"]);
        Assert.Equal("counter", scrape.Types["basalt_requests_total"]);
        Assert.Equal("gauge", scrape.Types["basalt_memtable_bytes"]);

        // the engine's figures: one table, two shards, the puts in the memtables and the WAL
        Assert.Equal(1, scrape.Value("basalt_tables"));
        Assert.Equal(2, scrape.Value("basalt_shards"));
        Assert.Equal(["0", "1"], scrape.Named("basalt_memtable_bytes").Select(s => s.Labels["shard"]).Order());
        Assert.True(scrape.Named("basalt_memtable_bytes").Sum(s => s.Value) > 0);
        Assert.True(scrape.Named("basalt_writes_total").Sum(s => s.Value) >= 4, "the catalog write and three puts");
        // In memory, writes are acknowledged once in the memtable (no fsync to wait for), but they are logged.
        Assert.True(scrape.Named("basalt_wal_bytes_total").Sum(s => s.Value) > 0);
        Assert.Equal(2, scrape.Named("basalt_wal_syncs_total").Count());
        Assert.Equal(2, scrape.Named("basalt_write_stalls_total").Count());
        Assert.Equal(2, scrape.Named("basalt_flushes_total").Count());
        Assert.Equal(0, scrape.Value("basalt_http_rejected_total", ("reason", "not_found")));

        // the runtime's figures: one series per generation, counts that only grow with the generation's age
        var collections = scrape.Named("basalt_gc_collections_total").ToDictionary(s => s.Labels["generation"], s => s.Value);
        Assert.Equal(["0", "1", "2"], collections.Keys.Order());
        Assert.True(collections["0"] >= collections["1"] && collections["1"] >= collections["2"], "a collection of generation n counts in every younger one");
        Assert.True(scrape.Value("basalt_gc_allocated_bytes_total") > 0);
        Assert.True(scrape.Value("basalt_gc_pause_seconds_total") >= 0);
        Assert.True(scrape.Value("basalt_threadpool_threads") >= 1);
    }

    [Fact]
    public async Task Writes_to_a_table_with_a_global_index_show_their_index_lag()
    {
        await using var fx = await ServerFixture.StartAsync();
        await fx.Client.CreateTableAsync(new Amazon.DynamoDBv2.Model.CreateTableRequest
        {
            TableName = "lagged", KeySchema = [new("id", Amazon.DynamoDBv2.KeyType.HASH)],
            AttributeDefinitions = [new("id", Amazon.DynamoDBv2.ScalarAttributeType.S), new("g", Amazon.DynamoDBv2.ScalarAttributeType.S)],
            BillingMode = Amazon.DynamoDBv2.BillingMode.PAY_PER_REQUEST,
            GlobalSecondaryIndexes = [new Amazon.DynamoDBv2.Model.GlobalSecondaryIndex
            {
                IndexName = "by-g", KeySchema = [new("g", Amazon.DynamoDBv2.KeyType.HASH)], Projection = new() { ProjectionType = Amazon.DynamoDBv2.ProjectionType.KEYS_ONLY },
            }],
        });
        for (int i = 0; i < 5; i++)
            await fx.Client.PutItemAsync("lagged", new() { ["id"] = new() { S = $"i{i}" }, ["g"] = new() { S = "x" } });
        var scrape = await ScrapeUntilAsync(fx, s => s.Value("basalt_gsi_lag_seconds_count") >= 5);
        Assert.Equal("histogram", scrape.Types["basalt_gsi_lag_seconds"]);
        Assert.Equal(scrape.Value("basalt_gsi_lag_seconds_count"), scrape.Value("basalt_gsi_lag_seconds_bucket", ("le", "+Inf")));
        var buckets = scrape.Named("basalt_gsi_lag_seconds_bucket").Select(b => b.Value).ToList();
        Assert.Equal(buckets.Order(), buckets); // cumulative
        Assert.True(scrape.Value("basalt_gsi_lag_seconds_sum") > 0);
        Assert.True(scrape.Value("basalt_gsi_lag_max_seconds") > 0);
    }

    [Fact]
    public async Task Other_GETs_still_get_the_404_page_and_are_counted_as_rejected()
    {
        await using var fx = await ServerFixture.StartAsync();
        foreach (var path in new[] { "/", "/metricsx", "/metrics/x", "/other" })
        {
            var response = await fx.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("<UnknownOperationException/>\n", await response.Content.ReadAsStringAsync());
        }
        // POST /metrics is a DynamoDB request like any other path
        using (var post = ServerFixture.JsonRequest("DynamoDB_20120810.ListTables", "{}", path: "/metrics"))
        {
            var response = await fx.Http.SendAsync(post);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("""{"TableNames":[]}""", await response.Content.ReadAsStringAsync());
        }
        var scrape = await ScrapeUntilAsync(fx, s => s.Value("basalt_http_rejected_total", ("reason", "not_found")) >= 4
            && s.Value("basalt_requests_total", ("operation", "ListTables")) >= 1);
        Assert.Equal(4, scrape.Value("basalt_http_rejected_total", ("reason", "not_found")));
        Assert.Equal(0, scrape.Value("basalt_http_rejected_total", ("reason", "request_too_large")));
        Assert.Equal(1, scrape.Value("basalt_requests_total", ("operation", "ListTables")));
        Assert.Equal(1, scrape.Named("basalt_requests_total").Sum(s => s.Value)); // a 404 page is no operation
    }

    [Fact]
    public async Task A_body_over_16_MB_is_counted_as_rejected()
    {
        await using var fx = await ServerFixture.StartAsync();
        // Raw HTTP: the Content-Length alone earns the 413, before any body byte is sent.
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync(fx.Server.Endpoint.Host, fx.Server.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("POST / HTTP/1.1\r\nHost: basalt\r\nX-Amz-Target: DynamoDB_20120810.PutItem\r\n" +
                "Content-Type: application/x-amz-json-1.0\r\nContent-Length: 17000000\r\n\r\n"));
            var buffer = new byte[64];
            int read = await stream.ReadAsync(buffer);
            Assert.StartsWith("HTTP/1.1 413", Encoding.ASCII.GetString(buffer, 0, read));
        }
        var scrape = await ScrapeUntilAsync(fx, s => s.Value("basalt_http_rejected_total", ("reason", "request_too_large")) >= 1);
        Assert.Equal(1, scrape.Value("basalt_http_rejected_total", ("reason", "request_too_large")));
        Assert.Equal(0, scrape.Value("basalt_requests_total", ("operation", "PutItem"))); // it never reached PutItem
    }

    [Fact]
    public void Recording_a_request_allocates_nothing()
    {
        var api = new ApiMetrics();
        const string target = "DynamoDB_20120810.GetItem", error = "com.amazon.coral.validate#ValidationException";
        api.Find(target).Record(100, ApiMetrics.ErrorOf(error)); // warm up (JIT, statics)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            api.Find(target).Record(i * 1000L, -1);
            api.Find("DynamoDB_20120810.NoSuchThing").Record(i, ApiMetrics.ErrorOf(error));
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1001, Enumerable.Range(0, ApiMetrics.BucketCount).Sum(b => api.Find(target).Bucket(b)));
        Assert.Equal(1000, api.Find("").Errors(ApiMetrics.ErrorOf("ValidationException")));
    }

    [Fact]
    public void A_duration_on_a_bucket_bound_counts_in_that_bucket_and_one_tick_more_in_the_next()
    {
        var bounds = ApiMetrics.BucketBoundsTicks;
        Assert.Equal(ApiMetrics.BucketBoundsUs.Length, bounds.Length);
        for (int i = 0; i < bounds.Length; i++)
        {
            Assert.Equal(ApiMetrics.BucketBoundsUs[i] * Stopwatch.Frequency / 1_000_000, bounds[i]);
            Assert.Equal(i, ApiMetrics.BucketOf(bounds[i]));
            Assert.Equal(i + 1, ApiMetrics.BucketOf(bounds[i] + 1));
        }
        Assert.Equal(0, ApiMetrics.BucketOf(0));
        Assert.Equal(bounds.Length, ApiMetrics.BucketOf(long.MaxValue)); // +Inf
        Assert.Equal(50, ApiMetrics.BucketBoundsUs[0]);
        Assert.Equal(5_000_000, ApiMetrics.BucketBoundsUs[^1]);
    }

    [Fact]
    public void Recorded_durations_come_out_as_cumulative_buckets_with_their_sum()
    {
        var api = new ApiMetrics();
        var getItem = api.Find("DynamoDB_20120810.GetItem");
        long fiftyUs = ApiMetrics.BucketBoundsTicks[0];
        getItem.Record(fiftyUs, error: -1);                               // le=0.00005
        getItem.Record(fiftyUs + 1, error: -1);                           // le=0.0001
        getItem.Record(ApiMetrics.BucketBoundsTicks[^1], ApiMetrics.ErrorOf("com.amazon.coral.validate#ValidationException")); // le=5
        getItem.Record(10 * Stopwatch.Frequency, error: -1);              // +Inf only
        using var database = BasaltDatabase.Open(new StorageOptions { Directory = "/db", FileSystem = new MemoryFileSystem(crashable: false), Shards = 1 });
        var scrape = Parse(PrometheusWriter.Render(api, database));
        double Bucket(string le) => scrape.Value("basalt_request_duration_seconds_bucket", ("operation", "GetItem"), ("le", le))!.Value;
        Assert.Equal(1, Bucket("0.00005"));
        Assert.Equal(2, Bucket("0.0001"));
        Assert.Equal(2, Bucket("2.5"));
        Assert.Equal(3, Bucket("5"));
        Assert.Equal(4, Bucket("+Inf"));
        Assert.Equal(4, scrape.Value("basalt_request_duration_seconds_count", ("operation", "GetItem")));
        Assert.Equal(4, scrape.Value("basalt_requests_total", ("operation", "GetItem")));
        double expectedSum = (2.0 * fiftyUs + 1 + ApiMetrics.BucketBoundsTicks[^1] + 10 * Stopwatch.Frequency) / Stopwatch.Frequency;
        Assert.Equal(expectedSum, scrape.Value("basalt_request_duration_seconds_sum", ("operation", "GetItem"))!.Value, 9);
        Assert.Equal(1, scrape.Value("basalt_request_errors_total", ("operation", "GetItem"), ("error", "ValidationException")));
        Assert.Equal(0, scrape.Value("basalt_tables"));
        Assert.Equal(1, scrape.Value("basalt_shards"));
    }

    [Theory]
    [InlineData("DynamoDB_20120810.GetItem", "GetItem")]
    [InlineData("DynamoDB_20111205.PutItem", "PutItem")]
    [InlineData("DynamoDB_20120810.ExecuteStatement", "unknown")]     // DynamoDB's, not implemented
    [InlineData("DynamoDB_20120810.TransactWriteItems", "TransactWriteItems")]
    [InlineData("DynamoDB_20120810.NoSuchThing", "unknown")]
    [InlineData("DynamoDBStreams_20120810.GetRecords", "unknown")]
    [InlineData("GetItem", "unknown")]
    [InlineData("", "unknown")]
    public void Targets_map_to_the_operation_the_handler_runs(string target, string series) =>
        Assert.Equal(series, new ApiMetrics().Find(target).Name);

    [Theory]
    [InlineData("com.amazon.coral.validate#ValidationException", "ValidationException")]
    [InlineData("com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", "ConditionalCheckFailedException")]
    [InlineData("com.amazon.coral.service#InvalidSignatureException", "InvalidSignatureException")]
    [InlineData("InternalServerError", "InternalServerError")]
    [InlineData("com.amazonaws.dynamodb.v20120810#SomethingNew", "Other")]
    public void Error_types_are_labelled_without_their_namespace(string type, string label) =>
        Assert.Equal(label, ApiMetrics.ErrorTypes[ApiMetrics.ErrorOf(type)]);

    [Theory]
    [InlineData(LogLevel.Debug, true)]
    [InlineData(LogLevel.Warning, false)]
    public async Task Debug_logs_one_line_per_request(LogLevel level, bool logged)
    {
        var lines = new List<string>();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new ListLoggerProvider(lines)).SetMinimumLevel(level));
        await using var server = new BasaltServer(new ServerOptions { InMemory = true, Shards = 1, Port = 0, BinaryPort = 0 }, loggers);
        await server.StartAsync();
        using var client = new AmazonDynamoDBClient(new Amazon.Runtime.BasicAWSCredentials("basalt", "secret"),
            new AmazonDynamoDBConfig { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
        using var http = new HttpClient { BaseAddress = server.Endpoint };
        await CreateTableAsync(client);
        await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.PutItemAsync(new PutItemRequest { TableName = "Things", Item = new() { ["n"] = new AttributeValue { N = "1" } } }));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/nothing")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/metrics")).StatusCode);
        var deadline = Stopwatch.StartNew();
        while (logged && Count() < 3 && deadline.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(10);
        await server.StopAsync();
        var requests = Snapshot().Where(l => l.StartsWith("Basalt.DynamoApi|", StringComparison.Ordinal)).ToList();
        if (!logged)
        {
            Assert.Empty(requests);
            return;
        }
        Assert.Equal(3, requests.Count); // one per request; the scrape is not one
        // (each is written in its request's finally, so two connections' lines may come in either order)
        Assert.Single(requests, l => Regex.IsMatch(l, @"^Basalt\.DynamoApi\|Debug\|CreateTable 200 - \d+us$"));
        Assert.Single(requests, l => Regex.IsMatch(l, @"^Basalt\.DynamoApi\|Debug\|PutItem 400 ValidationException \d+us$"));
        Assert.Single(requests, l => Regex.IsMatch(l, @"^Basalt\.DynamoApi\|Debug\|- 404 not_found \d+us$"));

        int Count() => Snapshot().Count(l => l.StartsWith("Basalt.DynamoApi|", StringComparison.Ordinal));
        List<string> Snapshot()
        {
            lock (lines) return [.. lines];
        }
    }

    // Collects "category|level|message" lines.
    private sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(categoryName, lines);
        public void Dispose() { }

        private sealed class ListLogger(string category, List<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (lines) lines.Add($"{category}|{logLevel}|{formatter(state, exception)}");
            }
        }
    }
}
