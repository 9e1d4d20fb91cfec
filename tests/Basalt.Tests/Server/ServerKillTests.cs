using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace Basalt.Tests.Server;

// The server as a separate process on a real data folder, killed (SIGKILL) while clients run transfers as
// transactions, then started again on the same folder: every transaction is all or nothing (the accounts' total
// holds), every transaction that was acknowledged is there (its receipt, written in the same transaction, exists),
// and the server takes transactions again. Three kills at different moments.
public class ServerKillTests
{
    private static string ServerDll()
    {
        // The test assembly's configuration (bin/<Configuration>/net10.0) is the one the solution built the server in.
        string here = AppContext.BaseDirectory;
        string configuration = new DirectoryInfo(here).Parent!.Name;
        string root = here;
        while (!File.Exists(Path.Combine(root, "Engine.sln"))) root = Directory.GetParent(root)?.FullName ?? throw new InvalidOperationException("the repository root was not found");
        string dll = Path.Combine(root, "server", "Basalt.Server", "bin", configuration, "net10.0", "Basalt.Server.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is not built (the test command builds the solution)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<Process> StartAsync(string dll, string dataDir, int port)
    {
        var process = Process.Start(new ProcessStartInfo("dotnet", $"\"{dll}\" --data-dir \"{dataDir}\" --durability sync --shards 2 --port {port} --binary-port 0")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited) throw new InvalidOperationException($"the server exited with {process.ExitCode}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return process;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException("the server did not start listening within 30 s");
    }

    private static AmazonDynamoDBClient Client(int port) => new(new BasicAWSCredentials("basalt", "secret"), new AmazonDynamoDBConfig
    {
        ServiceURL = $"http://127.0.0.1:{port}", AuthenticationRegion = "us-east-1", MaxErrorRetry = 0, Timeout = TimeSpan.FromSeconds(10),
    });

    private static Dictionary<string, AttributeValue> Account(int i) => new() { ["id"] = new AttributeValue { S = $"acct{i}" } };

    [Fact]
    public async Task Killing_the_server_during_transactions_leaves_each_all_or_nothing_and_keeps_every_acknowledged_one()
    {
        string dll = ServerDll();
        string dataDir = Path.Combine(Path.GetTempPath(), $"basalt-kill-{Guid.NewGuid():N}");
        const int accounts = 10, start = 100;
        int port = FreePort();
        var server = await StartAsync(dll, dataDir, port);
        try
        {
            using (var setup = Client(port))
            {
                await setup.CreateTableAsync(new CreateTableRequest
                {
                    TableName = "bank", KeySchema = [new KeySchemaElement("id", KeyType.HASH)],
                    AttributeDefinitions = [new AttributeDefinition("id", ScalarAttributeType.S)], BillingMode = BillingMode.PAY_PER_REQUEST,
                });
                for (int i = 0; i < accounts; i++)
                    await setup.PutItemAsync("bank", new Dictionary<string, AttributeValue>(Account(i)) { ["balance"] = new AttributeValue { N = $"{start}" } });
            }
            var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
            for (int round = 0; round < 3; round++)
            {
                using var client = Client(port);
                using var stop = new CancellationTokenSource();
                var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
                {
                    var random = new Random(round * 10 + w);
                    while (!stop.IsCancellationRequested)
                    {
                        int from = random.Next(accounts), to = (from + 1 + random.Next(accounts - 1)) % accounts;
                        string receipt = $"receipt-{round}-{w}-{Guid.NewGuid():N}";
                        try
                        {
                            await client.TransactWriteItemsAsync(new TransactWriteItemsRequest
                            {
                                TransactItems =
                                [
                                    new TransactWriteItem { Update = new Update
                                    {
                                        TableName = "bank", Key = Account(from), UpdateExpression = "ADD balance :d", ConditionExpression = "balance >= :n",
                                        ExpressionAttributeValues = new() { [":d"] = new AttributeValue { N = "-3" }, [":n"] = new AttributeValue { N = "3" } },
                                    } },
                                    new TransactWriteItem { Update = new Update
                                    {
                                        TableName = "bank", Key = Account(to), UpdateExpression = "ADD balance :d",
                                        ExpressionAttributeValues = new() { [":d"] = new AttributeValue { N = "3" } },
                                    } },
                                    new TransactWriteItem { Put = new Put { TableName = "bank", Item = new() { ["id"] = new AttributeValue { S = receipt } } } },
                                ],
                            });
                            acknowledged.Add(receipt);
                        }
                        catch (Exception)
                        {
                            // cancelled by a conflict, or the server is gone: not acknowledged
                            if (stop.IsCancellationRequested) return;
                        }
                    }
                })).ToList();
                await Task.Delay(300 + 250 * round);
                server.Kill(entireProcessTree: true); // SIGKILL: no shutdown, no flush
                await server.WaitForExitAsync();
                stop.Cancel();
                await Task.WhenAll(writers);
                server.Dispose();

                server = await StartAsync(dll, dataDir, port);
                using var check = Client(port);
                long total = 0;
                for (int i = 0; i < accounts; i++)
                    total += long.Parse((await check.GetItemAsync(new GetItemRequest { TableName = "bank", Key = Account(i), ConsistentRead = true })).Item["balance"].N);
                Assert.Equal(accounts * start, total);
                foreach (var receipt in acknowledged)
                    Assert.True((await check.GetItemAsync(new GetItemRequest { TableName = "bank", Key = new() { ["id"] = new AttributeValue { S = receipt } }, ConsistentRead = true })).IsItemSet,
                        $"acknowledged transaction {receipt} is missing after the kill");
            }
            Assert.True(acknowledged.Count > 10, $"only {acknowledged.Count} transactions were acknowledged");
            using var last = Client(port);
            await last.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                TransactItems = [new TransactWriteItem { Put = new Put { TableName = "bank", Item = new() { ["id"] = new AttributeValue { S = "after" } } } }],
            });
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            server.Dispose();
            try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
        }
    }
}
