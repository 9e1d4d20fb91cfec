using Basalt.Engine.Database;
using Basalt.Engine.Storage;
using Basalt.Engine.Tables;
using Basalt.Tests.Database;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Tables;

// The table operations: lifecycle, descriptions, paging, and DynamoDB's validation rules each at its edge.
public class TableOperationsTests : IDisposable
{
    private readonly DatabaseFixture _fx = new();
    private BasaltDatabase Db => _fx.Db;
    public void Dispose() => _fx.Dispose();

    private static async Task<T> Throws<T>(Func<Task> call, string message) where T : DynamoDbException
    {
        var e = await Assert.ThrowsAsync<T>(call);
        Assert.Equal(message, e.Message);
        return e;
    }

    private Task<ValidationException> Invalid(CreateTableRequest request, string message) =>
        Throws<ValidationException>(() => Db.CreateTableAsync(request), message);

    [Fact]
    public async Task Create_describe_and_delete_a_table()
    {
        var created = (await Db.CreateTableAsync(Table("Orders", ScalarAttributeType.S, ScalarAttributeType.N))).TableDescription;
        Assert.Equal("Orders", created.TableName);
        Assert.Equal(TableStatus.Active, created.TableStatus);
        Assert.Equal("arn:aws:dynamodb:eu-west-3:123456789012:table/Orders", created.TableArn);
        Assert.Equal(Now, created.CreationDateTime);
        Assert.True(Guid.TryParse(created.TableId, out _));
        Assert.Equal(BillingMode.PayPerRequest, created.BillingModeSummary.BillingMode);
        Assert.Equal(Now, created.BillingModeSummary.LastUpdateToPayPerRequestDateTime);
        Assert.Equal(0, created.ProvisionedThroughput.ReadCapacityUnits);
        Assert.Equal([new KeySchemaElement("pk", KeyType.Hash), new KeySchemaElement("sk", KeyType.Range)], created.KeySchema);
        Assert.Equal(0, created.ItemCount);

        var described = Db.DescribeTable(new() { TableName = "Orders" }).Table;
        Assert.Equal(created.TableId, described.TableId);
        Assert.Equal(created.AttributeDefinitions, described.AttributeDefinitions);

        var deleted = (await Db.DeleteTableAsync(new() { TableName = "Orders" })).TableDescription;
        Assert.Equal(TableStatus.Deleting, deleted.TableStatus);
        Assert.Throws<ResourceNotFoundException>(() => Db.DescribeTable(new() { TableName = "Orders" }));
        Assert.Empty(Db.ListTables().TableNames);
    }

    [Fact]
    public async Task Existing_and_missing_tables_give_DynamoDBs_errors()
    {
        await Db.CreateTableAsync(Table("abc"));
        await Throws<ResourceInUseException>(() => Db.CreateTableAsync(Table("abc")), "Table already exists: abc");
        var e = Assert.Throws<ResourceNotFoundException>(() => Db.DescribeTable(new() { TableName = "nope" }));
        Assert.Equal("Requested resource not found: Table: nope not found", e.Message);
        Assert.Equal("ResourceNotFoundException", e.ErrorType);
        await Throws<ResourceNotFoundException>(() => Db.DeleteTableAsync(new() { TableName = "nope" }), "Requested resource not found: Table: nope not found");
        await Throws<ResourceNotFoundException>(() => Db.UpdateTableAsync(new() { TableName = "nope", BillingMode = BillingMode.PayPerRequest }),
            "Requested resource not found: Table: nope not found");
        await Throws<ResourceNotFoundException>(() => Db.PutItemAsync(new() { TableName = "nope", Item = Item(("pk", S("a"))) }).AsTask(),
            "Requested resource not found: Table: nope not found");
    }

    [Fact]
    public async Task Table_names_are_3_to_255_characters_of_the_allowed_set()
    {
        await Db.CreateTableAsync(Table("abc"));
        await Db.CreateTableAsync(Table(new string('x', 255)));
        await Db.CreateTableAsync(Table("a-b_c.D9"));
        await Invalid(Table("ab"), "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3");
        string long256 = new('y', 256);
        await Invalid(Table(long256), $"1 validation error detected: Value '{long256}' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255");
        await Invalid(Table("a b"), "1 validation error detected: Value 'a b' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
        await Invalid(Table("é!"), "2 validation errors detected: Value 'é!' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
            "Value 'é!' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3");
        Assert.Throws<ValidationException>(() => Db.DescribeTable(new() { TableName = "ab" }));
        Assert.Throws<ValidationException>(() => Db.DescribeTable(new() { TableName = null }));
    }

    [Fact]
    public async Task Key_schema_rules()
    {
        var r = Table("abc", rangeType: ScalarAttributeType.S);
        r.KeySchema = [new("pk", KeyType.Range), new("sk", KeyType.Hash)];
        await Invalid(r, "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
        r.KeySchema = [new("pk", KeyType.Hash), new("sk", KeyType.Hash)];
        await Invalid(r, "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
        r.KeySchema = [new("pk", KeyType.Hash), new("pk", KeyType.Range)];
        await Invalid(r, "Both the Hash Key and the Range Key element in the KeySchema have the same name");
        r.KeySchema = [];
        await Invalid(r, "1 validation error detected: Value '[]' at 'keySchema' failed to satisfy constraint: Member must have length greater than or equal to 1");
        r.KeySchema = [new("pk", KeyType.Hash), new("sk", KeyType.Range), new("x", KeyType.Range)];
        await Invalid(r, "1 validation error detected: Value '[KeySchemaElement(attributeName=pk, keyType=HASH), KeySchemaElement(attributeName=sk, keyType=RANGE), " +
            "KeySchemaElement(attributeName=x, keyType=RANGE)]' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2");
        r.KeySchema = null;
        await Invalid(r, "1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null");
    }

    [Fact]
    public async Task Attribute_definitions_must_match_the_key_schema_exactly()
    {
        var r = Table("abc");
        r.AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("extra", ScalarAttributeType.N)];
        await Invalid(r, "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions");
        r.AttributeDefinitions = [new("other", ScalarAttributeType.S)];
        await Invalid(r, "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [other]");
        r.AttributeDefinitions = [];
        await Invalid(r, "Invalid KeySchema: Some index key attribute have no definition");
        r.AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("pk", ScalarAttributeType.N)];
        await Invalid(r, "Cannot have two attributes with the same name");
        r.AttributeDefinitions = null;
        await Invalid(r, "1 validation error detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null");
    }

    [Fact]
    public async Task Billing_mode_and_throughput_rules()
    {
        var r = Table("abc");
        r.BillingMode = null; // DynamoDB's default is PROVISIONED
        await Invalid(r, "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
        r.BillingMode = BillingMode.PayPerRequest;
        r.ProvisionedThroughput = new(1, 1);
        await Invalid(r, "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
        r.BillingMode = BillingMode.Provisioned;
        r.ProvisionedThroughput = new(0, 1);
        await Invalid(r, "1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1");
        r.ProvisionedThroughput = new(5, 40_001);
        await Invalid(r, "One or more parameter values were invalid: Given value 40001 for WriteCapacityUnits is out of bounds");
        r.ProvisionedThroughput = new(5, 40_000);
        var d = (await Db.CreateTableAsync(r)).TableDescription;
        Assert.Equal(BillingMode.Provisioned, d.BillingModeSummary.BillingMode);
        Assert.Null(d.BillingModeSummary.LastUpdateToPayPerRequestDateTime);
        Assert.Equal((5, 40_000), (d.ProvisionedThroughput.ReadCapacityUnits, d.ProvisionedThroughput.WriteCapacityUnits));
    }

    [Fact]
    public async Task Update_table_changes_billing_and_throughput()
    {
        var r = Table("abc");
        r.BillingMode = BillingMode.Provisioned;
        r.ProvisionedThroughput = new(5, 5);
        await Db.CreateTableAsync(r);
        await Throws<ValidationException>(() => Db.UpdateTableAsync(new() { TableName = "abc" }),
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
        await Throws<ValidationException>(() => Db.UpdateTableAsync(new() { TableName = "abc", ProvisionedThroughput = new(5, 5) }),
            "The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: 5. " +
            "Requested ReadCapacityUnits: 5. Current WriteCapacityUnits provisioned for the table: 5. Requested WriteCapacityUnits: 5. " +
            "Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.");

        var up = (await Db.UpdateTableAsync(new() { TableName = "abc", ProvisionedThroughput = new(10, 3) })).TableDescription;
        Assert.Equal((10, 3), (up.ProvisionedThroughput.ReadCapacityUnits, up.ProvisionedThroughput.WriteCapacityUnits));
        Assert.Equal(Now, up.ProvisionedThroughput.LastIncreaseDateTime);
        Assert.Equal(Now, up.ProvisionedThroughput.LastDecreaseDateTime);

        var ppr = (await Db.UpdateTableAsync(new() { TableName = "abc", BillingMode = BillingMode.PayPerRequest })).TableDescription;
        Assert.Equal(BillingMode.PayPerRequest, ppr.BillingModeSummary.BillingMode);
        Assert.Equal(Now, ppr.BillingModeSummary.LastUpdateToPayPerRequestDateTime);
        await Throws<ValidationException>(() => Db.UpdateTableAsync(new() { TableName = "abc", BillingMode = BillingMode.Provisioned }),
            "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED");
        await Throws<ValidationException>(() => Db.UpdateTableAsync(new() { TableName = "abc", ProvisionedThroughput = new(1, 1) }),
            "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
        var back = (await Db.UpdateTableAsync(new() { TableName = "abc", BillingMode = BillingMode.Provisioned, ProvisionedThroughput = new(2, 2) })).TableDescription;
        Assert.Equal(BillingMode.Provisioned, back.BillingModeSummary.BillingMode);
        Assert.Equal(2, Db.DescribeTable(new() { TableName = "abc" }).Table.ProvisionedThroughput.WriteCapacityUnits);
    }

    [Fact]
    public async Task List_tables_pages_in_name_order()
    {
        string[] names = ["delta", "Alpha", "charlie", "bravo", "echo"];
        foreach (var n in names) await Db.CreateTableAsync(Table(n));
        var all = Db.ListTables();
        Assert.Equal(["Alpha", "bravo", "charlie", "delta", "echo"], all.TableNames);
        Assert.Null(all.LastEvaluatedTableName);

        var page1 = Db.ListTables(new() { Limit = 2 });
        Assert.Equal(["Alpha", "bravo"], page1.TableNames);
        Assert.Equal("bravo", page1.LastEvaluatedTableName);
        var page2 = Db.ListTables(new() { Limit = 2, ExclusiveStartTableName = page1.LastEvaluatedTableName });
        Assert.Equal(["charlie", "delta"], page2.TableNames);
        var page3 = Db.ListTables(new() { Limit = 2, ExclusiveStartTableName = page2.LastEvaluatedTableName });
        Assert.Equal(["echo"], page3.TableNames);
        Assert.Null(page3.LastEvaluatedTableName);
        // A start name that is not a table: the names after it.
        Assert.Equal(["charlie", "delta", "echo"], Db.ListTables(new() { ExclusiveStartTableName = "c" + "a" + "t" }).TableNames);

        Assert.Single(Db.ListTables(new() { Limit = 1 }).TableNames);
        Assert.Equal(5, Db.ListTables(new() { Limit = 100 }).TableNames.Count);
        var e = Assert.Throws<ValidationException>(() => Db.ListTables(new() { Limit = 0 }));
        Assert.Equal("1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", e.Message);
        e = Assert.Throws<ValidationException>(() => Db.ListTables(new() { Limit = 101 }));
        Assert.Equal("1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100", e.Message);
    }

    [Fact]
    public async Task The_catalog_survives_reopening_and_ids_are_never_reused()
    {
        var r = Table("kept", ScalarAttributeType.N, ScalarAttributeType.B);
        r.BillingMode = BillingMode.Provisioned;
        r.ProvisionedThroughput = new(7, 9);
        var kept = (await Db.CreateTableAsync(r)).TableDescription;
        await Db.CreateTableAsync(Table("gone"));
        await Db.DeleteTableAsync(new() { TableName = "gone" });
        await Db.UpdateTableAsync(new() { TableName = "kept", ProvisionedThroughput = new(8, 9) });
        await Db.PutItemAsync(new() { TableName = "kept", Item = Item(("pk", N("1")), ("sk", B(1, 2)), ("v", S("x"))) });

        _fx.Reopen();

        Assert.Equal(["kept"], Db.ListTables().TableNames);
        var again = Db.DescribeTable(new() { TableName = "kept" }).Table;
        Assert.Equal(kept.TableId, again.TableId);
        Assert.Equal(kept.KeySchema, again.KeySchema);
        Assert.Equal(kept.AttributeDefinitions, again.AttributeDefinitions);
        Assert.Equal(kept.CreationDateTime, again.CreationDateTime);
        Assert.Equal(8, again.ProvisionedThroughput.ReadCapacityUnits);
        Assert.Equal(S("x"), Db.GetItem(new() { TableName = "kept", Key = Item(("pk", N("1.0")), ("sk", B(1, 2))) }).Item!["v"]);

        // "gone" had id 2; a new table gets 3, not 2, even after reopening.
        await Db.CreateTableAsync(Table("gone"));
        Assert.Equal(3u, Db.Table("gone").Id);
        Assert.Equal(1u, Db.Table("kept").Id);
    }

    // A crash after DeleteTable's catalog write but before its purge finished: the purge record written with the
    // deletion makes the next open purge the old items in the background, then drop the record.
    [Fact]
    public async Task An_interrupted_purge_is_resumed_at_the_next_open()
    {
        await Db.CreateTableAsync(Table("tab1", rangeType: ScalarAttributeType.N));
        for (int i = 0; i < 40; i++)
            await Db.PutItemAsync(new() { TableName = "tab1", Item = Item(("pk", S("p" + i % 4)), ("sk", N(i.ToString()))) });
        uint id = Db.Table("tab1").Id;
        // What DeleteTable's catalog change writes (the table record's deletion and the purge record, one batch),
        // without the purge that would follow it.
        using (var batch = new WriteBatch())
        {
            batch.Delete(CatalogFormat.Routing, CatalogFormat.TableRest("tab1"));
            batch.Put(CatalogFormat.Routing, CatalogFormat.PurgeRest(id), CatalogFormat.PurgeValue);
            await Db.Engine.WriteAsync(batch);
        }
        Assert.Equal(40, await KeysOfTable(id));

        _fx.Reopen();
        await Db.WhenBackgroundIdleAsync();

        Assert.Equal(0, await KeysOfTable(id));
        Assert.Null(Db.Engine.Get(CatalogFormat.Routing, CatalogFormat.PurgeRest(id)));
        Assert.Empty(Db.ListTables().TableNames);
        _fx.Reopen(); // nothing left to resume
        await Db.WhenBackgroundIdleAsync();
        Assert.Equal(0, await KeysOfTable(id));
    }

    [Fact]
    public async Task DeleteTable_leaves_no_purge_record_behind()
    {
        await Db.CreateTableAsync(Table("tab2"));
        await Db.PutItemAsync(new() { TableName = "tab2", Item = Item(("pk", S("a"))) });
        uint id = Db.Table("tab2").Id;
        await Db.DeleteTableAsync(new() { TableName = "tab2" });
        Assert.Null(Db.Engine.Get(CatalogFormat.Routing, CatalogFormat.PurgeRest(id)));
        Assert.Equal(0, await KeysOfTable(id));
    }

    private async Task<long> KeysOfTable(uint id)
    {
        var prefix = new byte[ItemKeys.TableIdBytes];
        ItemKeys.WriteTablePrefix(id, prefix);
        long keys = 0;
        await Db.Engine.ScanAllAsync((_, routing, _, _) =>
        {
            if (routing.StartsWith(prefix)) Interlocked.Increment(ref keys);
        });
        return keys;
    }

    [Fact]
    public async Task Delete_then_create_of_the_same_name_shows_no_old_items()
    {
        await Db.CreateTableAsync(Table("tab1", rangeType: ScalarAttributeType.N));
        for (int i = 0; i < 50; i++)
            await Db.PutItemAsync(new() { TableName = "tab1", Item = Item(("pk", S("p" + i % 5)), ("sk", N(i.ToString()))) });
        await Db.CreateTableAsync(Table("other"));
        await Db.PutItemAsync(new() { TableName = "other", Item = Item(("pk", S("p1"))) });

        await Db.DeleteTableAsync(new() { TableName = "tab1" });
        await Db.CreateTableAsync(Table("tab1", rangeType: ScalarAttributeType.N));
        for (int i = 0; i < 50; i++)
            Assert.Null(Db.GetItem(new() { TableName = "tab1", Key = Item(("pk", S("p" + i % 5)), ("sk", N(i.ToString()))) }).Item);

        // The old items are gone from the engine too (purged), and other tables keep theirs.
        await Db.RefreshTableStatisticsAsync("tab1");
        Assert.Equal(0, Db.DescribeTable(new() { TableName = "tab1" }).Table.ItemCount);
        long engineKeys = 0;
        await Db.Engine.ScanAllAsync((_, routing, _, _) => Interlocked.Increment(ref engineKeys));
        Assert.Equal(1 + 1 + 2, engineKeys); // "other"'s item, the next-id record, the records of "other" and the new "tab1"
        Assert.NotNull(Db.GetItem(new() { TableName = "other", Key = Item(("pk", S("p1"))) }).Item);
    }

    [Fact]
    public async Task Delete_purges_more_items_than_one_batch()
    {
        await Db.CreateTableAsync(Table("many", ScalarAttributeType.N));
        await Db.CreateTableAsync(Table("kept", ScalarAttributeType.N));
        for (int i = 0; i < 3000; i++)
            await Db.PutItemAsync(new() { TableName = "many", Item = Item(("pk", N(i.ToString()))) });
        for (int i = 0; i < 10; i++)
            await Db.PutItemAsync(new() { TableName = "kept", Item = Item(("pk", N(i.ToString()))) });
        await Db.RefreshTableStatisticsAsync("many");
        Assert.Equal(3000, Db.DescribeTable(new() { TableName = "many" }).Table.ItemCount);

        await Db.DeleteTableAsync(new() { TableName = "many" });
        long engineKeys = 0;
        await Db.Engine.ScanAllAsync((_, _, _, _) => Interlocked.Increment(ref engineKeys));
        Assert.Equal(10 + 1 + 1, engineKeys); // "kept"'s items, its table record, the next-id record
        await Db.RefreshTableStatisticsAsync("kept");
        Assert.Equal(10, Db.DescribeTable(new() { TableName = "kept" }).Table.ItemCount);
    }

    [Fact]
    public async Task Statistics_count_items_and_sizes()
    {
        await Db.CreateTableAsync(Table("stats"));
        await Db.PutItemAsync(new() { TableName = "stats", Item = Item(("pk", S("a")), ("v", S("12345"))) }); // 3 + 6
        await Db.PutItemAsync(new() { TableName = "stats", Item = Item(("pk", S("bb"))) });                   // 4
        await Db.RefreshTableStatisticsAsync("stats");
        var d = Db.DescribeTable(new() { TableName = "stats" }).Table;
        Assert.Equal(2, d.ItemCount);
        Assert.Equal(13, d.TableSizeBytes);
    }
}
