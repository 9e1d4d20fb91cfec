using Basalt.Engine;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// TransactWriteItems and TransactGetItems on the embedded API: all or nothing across tables and shards, cancellation
// reasons in action order, conflicts with other transactions and with plain writes, a bank-transfer workload whose
// total never moves (also under TransactGetItems, and across a power loss in the middle of commits), and the limits.
public class TransactionTests
{
    private static CreateTableRequest Accounts(string name) => new()
    {
        TableName = name, KeySchema = [new("id", KeyType.Hash)], AttributeDefinitions = [new("id", ScalarAttributeType.S)], BillingMode = BillingMode.PayPerRequest,
    };

    private static Dictionary<string, AttributeValue> Key(string id) => Item(("id", S(id)));

    private static TransactWriteItem Transfer(string table, string id, int delta, bool checkFunds) => new()
    {
        Update = new TransactUpdate
        {
            TableName = table, Key = Key(id), UpdateExpression = "ADD balance :d",
            ConditionExpression = checkFunds ? "balance >= :need" : null,
            ExpressionAttributeValues = checkFunds ? Item((":d", N($"{delta}")), (":need", N($"{-delta}"))) : Item((":d", N($"{delta}"))),
        },
    };

    private static async Task<long> Balance(DatabaseFixture fx, string table, string id) =>
        long.Parse((await Task.FromResult(fx.Db.GetItem(new GetItemRequest { TableName = table, Key = Key(id) }))).Item!["balance"].AsNumber());

    [Fact]
    public async Task A_transaction_across_tables_and_shards_is_all_or_nothing_with_reasons_in_action_order()
    {
        using var fx = new DatabaseFixture(Durability.Sync);
        await fx.Db.CreateTableAsync(Accounts("checking"));
        await fx.Db.CreateTableAsync(Accounts("savings"));
        for (int i = 0; i < 8; i++) await fx.Db.PutItemAsync(new PutItemRequest { TableName = i % 2 == 0 ? "checking" : "savings", Item = Item(("id", S($"a{i}")), ("balance", N("100"))) });

        await fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems =
            [
                Transfer("checking", "a0", -30, checkFunds: true),
                Transfer("savings", "a1", 30, checkFunds: false),
                new TransactWriteItem { Put = new TransactPut { TableName = "checking", Item = Item(("id", S("log1")), ("note", S("a0 -> a1"))) } },
                new TransactWriteItem { Delete = new TransactDelete { TableName = "savings", Key = Key("a3") } },
                new TransactWriteItem { ConditionCheck = new TransactConditionCheck { TableName = "checking", Key = Key("a2"), ConditionExpression = "balance = :b", ExpressionAttributeValues = Item((":b", N("100"))) } },
            ],
        });
        Assert.Equal(70, await Balance(fx, "checking", "a0"));
        Assert.Equal(130, await Balance(fx, "savings", "a1"));
        Assert.NotNull(fx.Db.GetItem(new GetItemRequest { TableName = "checking", Key = Key("log1") }).Item);
        Assert.Null(fx.Db.GetItem(new GetItemRequest { TableName = "savings", Key = Key("a3") }).Item);

        // the second action's condition fails: nothing of the transaction is written
        var cancelled = await Assert.ThrowsAsync<TransactionCanceledException>(() => fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems =
            [
                Transfer("savings", "a5", 10, checkFunds: false),
                new TransactWriteItem { ConditionCheck = new TransactConditionCheck
                {
                    TableName = "checking", Key = Key("a2"), ConditionExpression = "balance > :b", ExpressionAttributeValues = Item((":b", N("1000"))),
                    ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.AllOld,
                } },
                Transfer("checking", "a4", -10, checkFunds: true),
            ],
        }));
        Assert.Equal(["None", "ConditionalCheckFailed", "None"], cancelled.CancellationReasons.Select(r => r.Code));
        Assert.Equal("Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, None]", cancelled.Message);
        Assert.Equal("100", cancelled.CancellationReasons[1].Item!["balance"].AsNumber());
        Assert.Equal(100, await Balance(fx, "savings", "a5"));
        Assert.Equal(100, await Balance(fx, "checking", "a4"));
        // the locks of the cancelled transaction are gone: plain writes of its items go through
        await fx.Db.PutItemAsync(new PutItemRequest { TableName = "savings", Item = Item(("id", S("a5")), ("balance", N("100"))) });

        var read = await fx.Db.TransactGetItemsAsync(new TransactGetItemsRequest
        {
            TransactItems = [new TransactGetItem { Get = new TransactGet { TableName = "checking", Key = Key("a0") } },
                             new TransactGetItem { Get = new TransactGet { TableName = "savings", Key = Key("a3") } },
                             new TransactGetItem { Get = new TransactGet { TableName = "savings", Key = Key("a1"), ProjectionExpression = "balance" } }],
        });
        Assert.Equal("70", read.Responses[0].Item!["balance"].AsNumber());
        Assert.Null(read.Responses[1].Item);
        Assert.Equal(["balance"], read.Responses[2].Item!.Keys);
    }

    [Fact]
    public async Task Requests_are_validated_as_DynamoDB_validates_them()
    {
        using var fx = new DatabaseFixture();
        await fx.Db.CreateTableAsync(Accounts("acct"));
        Assert.Equal(BasaltDatabase.TransactDuplicateItemMessage, (await Assert.ThrowsAsync<ValidationException>(() => fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems = [Transfer("acct", "x", 1, false), new TransactWriteItem { Delete = new TransactDelete { TableName = "acct", Key = Key("x") } }],
        }))).Message);
        await Assert.ThrowsAsync<ValidationException>(() => fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems = Enumerable.Range(0, 101).Select(i => Transfer("acct", $"k{i}", 1, false)).ToList(),
        }));
        // 100 actions is the edge, and is accepted
        await fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = Enumerable.Range(0, 100).Select(i => Transfer("acct", $"k{i}", 1, false)).ToList() });
        Assert.Equal(100, fx.Db.Scan(new ScanRequest { TableName = "acct" }).Count);
        Assert.Equal("TransactItems can only contain one of Check, Put, Update or Delete", (await Assert.ThrowsAsync<ValidationException>(() => fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems = [new TransactWriteItem()],
        }))).Message);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = [Transfer("nope", "x", 1, false)] }));
    }

    // Transfers between accounts on both shards, concurrent, each a transaction that checks the funds; readers take
    // TransactGetItems of every account at once. No transfer is half applied and no read is torn: every successful
    // read, and the end state, sum to the starting total.
    [Fact]
    public async Task A_bank_transfer_workload_keeps_its_total_under_contention()
    {
        using var fx = new DatabaseFixture(Durability.Async);
        await fx.Db.CreateTableAsync(Accounts("bank"));
        const int accounts = 12, start = 100;
        for (int i = 0; i < accounts; i++) await fx.Db.PutItemAsync(new PutItemRequest { TableName = "bank", Item = Item(("id", S($"acct{i}")), ("balance", N($"{start}"))) });
        long committed = 0, cancelled = 0, reads = 0, readConflicts = 0;
        var until = DateTime.UtcNow.AddSeconds(2);
        var writers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            while (DateTime.UtcNow < until)
            {
                int from = random.Next(accounts), to = (from + 1 + random.Next(accounts - 1)) % accounts, amount = random.Next(1, 30);
                try
                {
                    await fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest
                    {
                        TransactItems = [Transfer("bank", $"acct{from}", -amount, checkFunds: true), Transfer("bank", $"acct{to}", amount, checkFunds: false)],
                    });
                    Interlocked.Increment(ref committed);
                }
                catch (TransactionCanceledException e)
                {
                    Assert.Contains(e.CancellationReasons, r => r.Code is "ConditionalCheckFailed" or "TransactionConflict");
                    Interlocked.Increment(ref cancelled);
                }
            }
        })).ToList();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (DateTime.UtcNow < until)
            {
                try
                {
                    var all = await fx.Db.TransactGetItemsAsync(new TransactGetItemsRequest
                    {
                        TransactItems = Enumerable.Range(0, accounts).Select(i => new TransactGetItem { Get = new TransactGet { TableName = "bank", Key = Key($"acct{i}") } }).ToList(),
                    });
                    Assert.Equal(accounts * start, all.Responses.Sum(r => long.Parse(r.Item!["balance"].AsNumber())));
                    Interlocked.Increment(ref reads);
                }
                catch (TransactionCanceledException e)
                {
                    Assert.Contains(e.CancellationReasons, r => r.Code == "TransactionConflict");
                    Interlocked.Increment(ref readConflicts);
                }
            }
        })).ToList();
        await Task.WhenAll(writers.Concat(readers));
        long total = 0;
        for (int i = 0; i < accounts; i++) total += await Balance(fx, "bank", $"acct{i}");
        Assert.Equal(accounts * start, total);
        Assert.True(committed > 20, $"committed {committed}, cancelled {cancelled}");
        Assert.True(reads > 0, $"reads {reads}, read conflicts {readConflicts}");
        for (int i = 0; i < accounts; i++) Assert.True(await Balance(fx, "bank", $"acct{i}") >= 0);
    }

    [Fact]
    public async Task A_plain_write_of_an_item_a_transaction_holds_is_a_TransactionConflictException()
    {
        using var fx = new DatabaseFixture(Durability.Async);
        await fx.Db.CreateTableAsync(Accounts("hot"));
        await fx.Db.PutItemAsync(new PutItemRequest { TableName = "hot", Item = Item(("id", S("x")), ("balance", N("0"))) });
        // Transactions and plain writes race on one item: plain writes either succeed or meet a lock; the counter
        // ends at exactly the number of successful increments of both kinds.
        long ok = 0, conflicts = 0;
        var until = DateTime.UtcNow.AddSeconds(1);
        var tasks = Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            while (DateTime.UtcNow < until)
            {
                try
                {
                    if (t % 2 == 0)
                        await fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = [Transfer("hot", "x", 1, checkFunds: false), Transfer("hot", $"other{t}", 1, false)] });
                    else
                        await fx.Db.UpdateItemAsync(new UpdateItemRequest { TableName = "hot", Key = Key("x"), UpdateExpression = "ADD balance :one", ExpressionAttributeValues = Item((":one", N("1"))) });
                    Interlocked.Increment(ref ok);
                }
                catch (TransactionConflictException e)
                {
                    Assert.Equal("Transaction is ongoing for the item", e.Message);
                    Interlocked.Increment(ref conflicts);
                }
                catch (TransactionCanceledException)
                {
                    Interlocked.Increment(ref conflicts);
                }
            }
        })).ToList();
        await Task.WhenAll(tasks);
        Assert.Equal(ok, await Balance(fx, "hot", "x"));
        Assert.True(ok > 0);
    }

    // Power loss while transfers commit: after the restart every transfer is all or nothing (the total holds), the
    // intents are resolved, and the database takes transactions again.
    [Fact]
    public async Task A_power_loss_during_commits_leaves_every_transaction_all_or_nothing()
    {
        using var fx = new DatabaseFixture(Durability.Sync);
        await fx.Db.CreateTableAsync(Accounts("bank"));
        const int accounts = 8, start = 100;
        for (int i = 0; i < accounts; i++) await fx.Db.PutItemAsync(new PutItemRequest { TableName = "bank", Item = Item(("id", S($"acct{i}")), ("balance", N($"{start}"))) });
        for (int round = 0; round < 5; round++)
        {
            var db = fx.Db;
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                var random = new Random(round * 10 + w);
                while (!stop.IsCancellationRequested)
                {
                    int from = random.Next(accounts), to = (from + 1 + random.Next(accounts - 1)) % accounts;
                    try
                    {
                        await db.TransactWriteItemsAsync(new TransactWriteItemsRequest
                        {
                            TransactItems = [Transfer("bank", $"acct{from}", -5, checkFunds: true), Transfer("bank", $"acct{to}", 5, checkFunds: false)],
                        });
                    }
                    catch (Exception e) when (e is TransactionCanceledException or StorageException or TransactionConflictException or ObjectDisposedException)
                    {
                        if (e is StorageException) return; // the power went out under it
                    }
                }
            })).ToList();
            await Task.Delay(30 + round * 20);
            fx.CrashAndReopen();
            stop.Cancel();
            try { await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(10)); } catch (Exception) { /* the old database's calls fail after the crash */ }
            long total = 0;
            for (int i = 0; i < accounts; i++) total += await Balance(fx, "bank", $"acct{i}");
            Assert.Equal(accounts * start, total);
        }
        // and it takes transactions again
        await fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = [Transfer("bank", "acct0", -1, true), Transfer("bank", "acct1", 1, false)] });
    }

    // Power loss at each step of one transfer's commit, on purpose: before the commit point nothing happens; after it
    // everything does, however few items had been committed when the power went out (recovery finishes them).
    [Theory]
    [InlineData(-2, false)]
    [InlineData(-1, true)]
    [InlineData(0, true)]
    [InlineData(1, true)]
    public async Task A_power_loss_at_each_step_of_a_commit_resolves_to_all_or_nothing(int step, bool applied)
    {
        using var fx = new DatabaseFixture(Durability.Sync);
        await fx.Db.CreateTableAsync(Accounts("bank"));
        // accounts on both shards, so the transfer is a cross-shard transaction
        for (int i = 0; i < 4; i++) await fx.Db.PutItemAsync(new PutItemRequest { TableName = "bank", Item = Item(("id", S($"acct{i}")), ("balance", N("100"))) });
        fx.Db.TransactionStepHook = s =>
        {
            if (s == step)
            {
                fx.Crash();
                throw new OperationCanceledException("the power went out");
            }
            return Task.CompletedTask;
        };
        await Assert.ThrowsAnyAsync<Exception>(() => fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems = [Transfer("bank", "acct0", -40, checkFunds: true), Transfer("bank", "acct1", 40, false), Transfer("bank", "acct2", 0, false), Transfer("bank", "acct3", 0, false)],
        }));
        fx.ReopenAfterCrash();
        Assert.Equal(applied ? 60 : 100, await Balance(fx, "bank", "acct0"));
        Assert.Equal(applied ? 140 : 100, await Balance(fx, "bank", "acct1"));
        // no lock or intent is left: plain writes and new transactions of the items go through
        await fx.Db.UpdateItemAsync(new UpdateItemRequest { TableName = "bank", Key = Key("acct0"), UpdateExpression = "ADD balance :z", ExpressionAttributeValues = Item((":z", N("0"))) });
        await fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = [Transfer("bank", "acct0", -1, true), Transfer("bank", "acct1", 1, false)] });
        Assert.Equal(applied ? 59 : 99, await Balance(fx, "bank", "acct0"));
    }

    [Fact]
    public async Task A_retry_with_the_same_ClientRequestToken_writes_once_and_other_parameters_are_refused()
    {
        using var fx = new DatabaseFixture(Durability.Sync);
        await fx.Db.CreateTableAsync(Accounts("bank"));
        for (int i = 0; i < 2; i++) await fx.Db.PutItemAsync(new PutItemRequest { TableName = "bank", Item = Item(("id", S($"acct{i}")), ("balance", N("100"))) });
        TransactWriteItemsRequest Request(int amount) => new()
        {
            ClientRequestToken = "transfer-0001",
            TransactItems = [Transfer("bank", "acct0", -amount, checkFunds: true), Transfer("bank", "acct1", amount, false)],
        };
        await fx.Db.TransactWriteItemsAsync(Request(10));
        await fx.Db.TransactWriteItemsAsync(Request(10)); // the retry: answered, not applied again
        Assert.Equal(90, await Balance(fx, "bank", "acct0"));
        Assert.Equal(110, await Balance(fx, "bank", "acct1"));
        var mismatch = await Assert.ThrowsAsync<IdempotentParameterMismatchException>(() => fx.Db.TransactWriteItemsAsync(Request(20)));
        Assert.Equal(BasaltDatabase.IdempotentMismatchMessage, mismatch.Message);
        // the token survives a restart (it is written with the commit point)
        fx.Reopen();
        await fx.Db.TransactWriteItemsAsync(Request(10));
        Assert.Equal(90, await Balance(fx, "bank", "acct0"));
        // another token is another transaction; a token longer than 36 characters is refused
        var other = Request(10);
        other.ClientRequestToken = "transfer-0002";
        await fx.Db.TransactWriteItemsAsync(other);
        Assert.Equal(80, await Balance(fx, "bank", "acct0"));
        other.ClientRequestToken = new string('t', 37);
        await Assert.ThrowsAsync<ValidationException>(() => fx.Db.TransactWriteItemsAsync(other));
        other.ClientRequestToken = new string('t', 36);
        await fx.Db.TransactWriteItemsAsync(other);
        Assert.Equal(70, await Balance(fx, "bank", "acct0"));
    }

    [Fact]
    public async Task A_transaction_of_more_than_4_MB_is_refused_and_one_just_under_it_goes_through()
    {
        using var fx = new DatabaseFixture();
        await fx.Db.CreateTableAsync(Accounts("big"));
        TransactWriteItemsRequest Of(int items, int bytes) => new()
        {
            TransactItems = Enumerable.Range(0, items).Select(i => new TransactWriteItem
            {
                Put = new TransactPut { TableName = "big", Item = Item(("id", S($"item{i}")), ("data", S(new string('d', bytes)))) },
            }).ToList(),
        };
        await Assert.ThrowsAsync<ValidationException>(() => fx.Db.TransactWriteItemsAsync(Of(11, 390_000)));
        Assert.Equal(0, fx.Db.Scan(new ScanRequest { TableName = "big" }).Count);
        await fx.Db.TransactWriteItemsAsync(Of(10, 390_000));
        int count = 0;
        var scan = new ScanRequest { TableName = "big", Select = Select.Count };
        while (true)
        {
            var page = fx.Db.Scan(scan); // 1 MB pages
            count += page.Count;
            if (page.LastEvaluatedKey is null) break;
            scan.ExclusiveStartKey = page.LastEvaluatedKey;
        }
        Assert.Equal(10, count);
    }

    // Timestamp ordering: a transaction that took its timestamp before a TransactGetItems read its item cannot write
    // the item afterwards (the read saw the item as of a later time); it is cancelled with TransactionConflict.
    [Fact]
    public async Task A_transaction_older_than_a_read_of_its_item_is_cancelled()
    {
        using var fx = new DatabaseFixture();
        await fx.Db.CreateTableAsync(Accounts("bank"));
        for (int i = 0; i < 2; i++) await fx.Db.PutItemAsync(new PutItemRequest { TableName = "bank", Item = Item(("id", S($"acct{i}")), ("balance", N("100"))) });
        var release = new TaskCompletionSource();
        var paused = new TaskCompletionSource();
        fx.Db.TransactionStepHook = async s =>
        {
            if (s != -3) return;
            paused.TrySetResult();
            await release.Task;
        };
        var older = fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = [Transfer("bank", "acct0", -10, true), Transfer("bank", "acct1", 10, false)] });
        await paused.Task; // it has its timestamp, and has prepared nothing
        fx.Db.TransactionStepHook = null;
        var read = await fx.Db.TransactGetItemsAsync(new TransactGetItemsRequest
        {
            TransactItems = [new TransactGetItem { Get = new TransactGet { TableName = "bank", Key = Key("acct0") } }],
        });
        Assert.Equal("100", read.Responses[0].Item!["balance"].AsNumber());
        release.SetResult();
        var cancelled = await Assert.ThrowsAsync<TransactionCanceledException>(() => older);
        Assert.Equal("TransactionConflict", cancelled.CancellationReasons[0].Code);
        Assert.Equal(100, await Balance(fx, "bank", "acct0"));
        Assert.Equal(100, await Balance(fx, "bank", "acct1"));
        // a newer transaction goes through, and a read with a timestamp older than its write is refused in turn
        await fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = [Transfer("bank", "acct0", -10, true), Transfer("bank", "acct1", 10, false)] });
        Assert.Equal(90, await Balance(fx, "bank", "acct0"));
    }

    [Fact]
    public async Task TransactGetItems_reads_100_items_and_refuses_101()
    {
        using var fx = new DatabaseFixture();
        await fx.Db.CreateTableAsync(Accounts("many"));
        for (int i = 0; i < 101; i++) await fx.Db.PutItemAsync(new PutItemRequest { TableName = "many", Item = Item(("id", S($"k{i}")), ("n", N($"{i}"))) });
        TransactGetItemsRequest Of(int count) => new()
        {
            TransactItems = Enumerable.Range(0, count).Select(i => new TransactGetItem { Get = new TransactGet { TableName = "many", Key = Key($"k{i}") } }).ToList(),
        };
        var all = await fx.Db.TransactGetItemsAsync(Of(100));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"{i}"), all.Responses.Select(r => r.Item!["n"].AsNumber()));
        await Assert.ThrowsAsync<ValidationException>(() => fx.Db.TransactGetItemsAsync(Of(101)));
        await Assert.ThrowsAsync<ValidationException>(() => fx.Db.TransactGetItemsAsync(Of(0)));
    }

    // A shard that refuses writes (its fsync failed) fails the transaction with the storage error; what the other shard
    // prepared is released, so its item takes writes again, and nothing was applied.
    [Fact]
    public async Task A_failed_shard_fails_the_transaction_and_releases_the_other_shard_s_locks()
    {
        using var fx = new DatabaseFixture(Durability.Sync);
        await fx.Db.CreateTableAsync(Accounts("bank"));
        // accounts on both shards
        var ids = Enumerable.Range(0, 16).Select(i => $"acct{i}").ToList();
        foreach (var id in ids) await fx.Db.PutItemAsync(new PutItemRequest { TableName = "bank", Item = Item(("id", S(id)), ("balance", N("100"))) });
        string healthy = ids.First(id => ShardOf(fx.Db.Engine, id) == 0), broken = ids.First(id => ShardOf(fx.Db.Engine, id) == 1);
        fx.InjectFaults((op, path, _) => op == Basalt.Engine.Storage.Vfs.FileOp.Sync && path.Contains("shard-001") && path.EndsWith(".log")
            ? Basalt.Engine.Storage.Vfs.FaultKind.IoError : Basalt.Engine.Storage.Vfs.FaultKind.None);
        await Assert.ThrowsAsync<StorageException>(() => fx.Db.TransactWriteItemsAsync(new TransactWriteItemsRequest
        {
            TransactItems = [Transfer("bank", healthy, -10, checkFunds: true), Transfer("bank", broken, 10, false)],
        }));
        fx.InjectFaults((_, _, _) => Basalt.Engine.Storage.Vfs.FaultKind.None);
        // the healthy shard's item is not held and was not changed
        await fx.Db.UpdateItemAsync(new UpdateItemRequest { TableName = "bank", Key = Key(healthy), UpdateExpression = "ADD balance :z", ExpressionAttributeValues = Item((":z", N("0"))) });
        Assert.Equal(100, await Balance(fx, "bank", healthy));
    }

    private static int ShardOf(StorageEngine engine, string id)
    {
        // an item's routing part: the table id (the first user table is 1) and the partition key's bytes
        var routing = new byte[4 + id.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(routing, 1);
        System.Text.Encoding.UTF8.GetBytes(id, routing.AsSpan(4));
        return engine.ShardOf(routing);
    }
}
