using Basalt.Engine.Database;
using static Basalt.Tests.Database.DatabaseFixture;

namespace Basalt.Tests.Database;

// TagResource, UntagResource, ListTagsOfResource and DescribeLimits through the embedded API: DynamoDB's behaviour,
// its limits at their edges and its messages (sources in Tables/TagValidation.cs), persistence across a reopen,
// and tags going with their table.
public sealed class TagTests : IDisposable
{
    private readonly DatabaseFixture _fx = new();
    private BasaltDatabase Db => _fx.Db;

    private const string Prefix = "arn:aws:dynamodb:eu-west-3:123456789012:table/";
    private const string OrdersArn = Prefix + "Orders";

    public TagTests() => Db.CreateTableAsync(Table("Orders")).GetAwaiter().GetResult();

    public void Dispose() => _fx.Dispose();

    private Task Tag(string arn, params (string Key, string Value)[] tags) =>
        Db.TagResourceAsync(new TagResourceRequest { ResourceArn = arn, Tags = tags.Select(t => new Tag(t.Key, t.Value)).ToList() });

    private Task Untag(string arn, params string[] keys) => Db.UntagResourceAsync(new UntagResourceRequest { ResourceArn = arn, TagKeys = [.. keys] });

    private List<(string, string)> List(string arn = OrdersArn) =>
        Db.ListTagsOfResource(new ListTagsOfResourceRequest { ResourceArn = arn }).Tags.Select(t => (t.Key, t.Value)).ToList();

    private static async Task<string> Refused(Func<Task> call) => (await Assert.ThrowsAsync<ValidationException>(call)).Message;

    private static (string, string)[] Numbered(int from, int count, string value = "v") =>
        Enumerable.Range(from, count).Select(i => ($"k{i:D2}", value)).ToArray();

    [Fact]
    public async Task Tag_replaces_existing_keys_in_place_and_untag_ignores_absent_keys()
    {
        Assert.Empty(List());
        Assert.Null(Db.ListTagsOfResource(new ListTagsOfResourceRequest { ResourceArn = OrdersArn }).NextToken);
        await Tag(OrdersArn, ("env", "prod"), ("team", "storage"), ("Env", ""));
        Assert.Equal([("env", "prod"), ("team", "storage"), ("Env", "")], List());

        await Tag(OrdersArn, ("team", "db"), ("cost", "42"));
        Assert.Equal([("env", "prod"), ("team", "db"), ("Env", ""), ("cost", "42")], List());

        await Untag(OrdersArn, "team", "never-set", "zzz");
        Assert.Equal([("env", "prod"), ("Env", ""), ("cost", "42")], List());
        await Untag(OrdersArn, "never-set");
        Assert.Equal(3, List().Count);
    }

    [Fact]
    public async Task Tags_survive_a_reopen_and_an_update_and_go_with_the_table()
    {
        await Tag(OrdersArn, ("env", "prod"), ("owner", "ключ 表"));
        await Db.UpdateTableAsync(new UpdateTableRequest { TableName = "Orders", BillingMode = BillingMode.Provisioned, ProvisionedThroughput = new(5, 5) });
        _fx.Reopen();
        Assert.Equal([("env", "prod"), ("owner", "ключ 表")], List());
        Assert.Equal(5, Db.DescribeTable(new DescribeTableRequest { TableName = "Orders" }).Table.ProvisionedThroughput.ReadCapacityUnits);

        await Untag(OrdersArn, "env");
        _fx.Reopen();
        Assert.Equal([("owner", "ключ 表")], List());

        await Db.DeleteTableAsync(new DeleteTableRequest { TableName = "Orders" });
        var gone = Assert.Throws<ResourceNotFoundException>(() => List());
        Assert.Equal($"Requested resource not found: ResourceArn: {OrdersArn} not found", gone.Message);
        await Db.CreateTableAsync(Table("Orders"));
        Assert.Empty(List());
        _fx.Reopen();
        Assert.Empty(List());
    }

    [Fact]
    public async Task Key_and_value_lengths_at_their_edges()
    {
        string key128 = new('k', 128), value256 = new('v', 256);
        await Tag(OrdersArn, (key128, value256), ("empty", ""));
        Assert.Equal([(key128, value256), ("empty", "")], List());
        // Lengths count Unicode characters, not UTF-16 units or bytes: 128 letters outside the BMP fit.
        string wide = string.Concat(Enumerable.Repeat("𐐀", 128));
        await Tag(OrdersArn, (wide, "x"));

        Assert.Equal($"The Tag Key provided is invalid, Key: {new string('k', 129)}", await Refused(() => Tag(OrdersArn, (new string('k', 129), "v"))));
        Assert.Equal($"The Tag Value provided is invalid, Value: {new string('v', 257)}", await Refused(() => Tag(OrdersArn, ("k", new string('v', 257)))));
        Assert.Equal("The Tag Key provided is invalid, Key: ", await Refused(() => Tag(OrdersArn, ("", "v"))));
        Assert.Equal("The Tag Key provided is invalid, Key: null", await Refused(() =>
            Db.TagResourceAsync(new TagResourceRequest { ResourceArn = OrdersArn, Tags = [new Tag(null!, "v")] })));
        Assert.Equal("The Tag Value provided is invalid, Value: null", await Refused(() =>
            Db.TagResourceAsync(new TagResourceRequest { ResourceArn = OrdersArn, Tags = [new Tag("k", null!)] })));
        Assert.Equal($"The Tag Key provided is invalid, Key: {new string('k', 129)}", await Refused(() => Untag(OrdersArn, new string('k', 129))));
        Assert.Equal("The Tag Key provided is invalid, Key: ", await Refused(() => Untag(OrdersArn, "")));
    }

    [Fact]
    public async Task Fifty_tags_per_table_counted_after_the_merge()
    {
        await Tag(OrdersArn, Numbered(0, 50));
        Assert.Equal(50, List().Count);
        const string exceeded = "Number of Tags exceed the current limit for the provided ResourceArn";
        Assert.Equal(exceeded, await Refused(() => Tag(OrdersArn, ("k50", "v"))));
        Assert.Equal(exceeded, await Refused(() => Tag(OrdersArn, ("k00", "new"), ("k50", "v"))));
        Assert.Equal("v", List()[0].Item2); // all or nothing: k00 was not changed by the refused call
        await Tag(OrdersArn, Numbered(0, 50, "w")); // re-tagging existing keys at 50 is fine
        Assert.All(List(), t => Assert.Equal("w", t.Item2));

        await Untag(OrdersArn, "k49");
        await Tag(OrdersArn, ("k50", "v"));
        Assert.Equal(50, List().Count);

        await Db.CreateTableAsync(Table("Fresh"));
        Assert.Equal(exceeded, await Refused(() => Tag(Prefix + "Fresh", Numbered(0, 51))));
        Assert.Empty(List(Prefix + "Fresh"));
        // UntagResource refuses more than 50 keys too, although it only removes.
        Assert.Equal(exceeded, await Refused(() => Untag(OrdersArn, Numbered(0, 51).Select(t => t.Item1).ToArray())));
        await Untag(OrdersArn, Numbered(0, 50).Select(t => t.Item1).ToArray());
        Assert.Single(List());
    }

    [Fact]
    public async Task Allowed_characters_are_letters_numbers_spaces_and_seven_marks()
    {
        await Tag(OrdersArn, ("sp ace", "a b+c-d=e.f_g:h/i@j"), ("ключ", "café"), ("表", "\u00A0\u3000"), (" lead", "٣"));
        Assert.Equal(4, List().Count);
        foreach (string bad in new[] { "bad#char", "100%", "a,b", "it's", "\"q\"", "(x)", "a&b", "a*b", "a;b", "a?b", "a|b", "a\\b", "<a>", "~a", "🔑", "tab\t", "\ud800" })
        {
            Assert.Equal($"The Tag Key provided is invalid, Key: {bad}", await Refused(() => Tag(OrdersArn, (bad, "v"))));
            Assert.Equal($"The Tag Value provided is invalid, Value: {bad}", await Refused(() => Tag(OrdersArn, ("k", bad))));
        }
        Assert.Equal(4, List().Count);
    }

    [Fact]
    public async Task The_aws_prefix_is_reserved_in_any_case_even_for_untag()
    {
        Assert.Equal("Tag Key cannot be prefixed with aws:, Key: aws:foo", await Refused(() => Tag(OrdersArn, ("aws:foo", "v"))));
        Assert.Equal("Tag Key cannot be prefixed with aws:, Key: AWS:foo", await Refused(() => Tag(OrdersArn, ("ok", "v"), ("AWS:foo", "v"))));
        Assert.Empty(List()); // the good tag of the refused call was not applied
        Assert.Equal("Tag Key cannot be prefixed with aws:, Key: aws:foo", await Refused(() => Untag(OrdersArn, "aws:foo")));
        await Tag(OrdersArn, ("myaws:foo", "v"), ("aws", "v"));
        Assert.Equal(2, List().Count);
    }

    [Fact]
    public async Task Request_shape_errors_in_DynamoDB_order()
    {
        Assert.Equal("Invalid TableArn", await Refused(() => Db.TagResourceAsync(new TagResourceRequest { Tags = [new("k", "v")] })));
        Assert.Equal("Invalid TableArn", await Refused(() => Db.UntagResourceAsync(new UntagResourceRequest { TagKeys = ["k"] })));
        Assert.Equal("Invalid TableArn", Assert.Throws<ValidationException>(() => Db.ListTagsOfResource(new ListTagsOfResourceRequest())).Message);
        Assert.Equal("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
            await Refused(() => Db.TagResourceAsync(new TagResourceRequest { ResourceArn = "a:b:c:d:e:f/g" })));
        Assert.Equal("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
            await Refused(() => Db.UntagResourceAsync(new UntagResourceRequest { ResourceArn = "a:b:c:d:e:f/g" })));
        Assert.Equal("2 validation errors detected: Value '' at 'resourceArn' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
            "Value null at 'tags' failed to satisfy constraint: Member must not be null",
            await Refused(() => Db.TagResourceAsync(new TagResourceRequest { ResourceArn = "" })));
        string longArn = Prefix + new string('a', 1283 - Prefix.Length + 1);
        Assert.Equal($"1 validation error detected: Value '{longArn}' at 'resourceArn' failed to satisfy constraint: Member must have length less than or equal to 1283",
            Assert.Throws<ValidationException>(() => List(longArn)).Message);
        Assert.Equal("Atleast one Tag needs to be provided as Input.", await Refused(() => Tag(OrdersArn)));
        Assert.Equal("Atleast one Tag Key needs to be provided as Input.", await Refused(() => Untag(OrdersArn)));
        // Checked before the table is looked up.
        Assert.Equal("Atleast one Tag needs to be provided as Input.", await Refused(() => Tag(Prefix + "Missing")));
        Assert.Equal("Duplicate Tag Keys provided as input: Duplicate Tag Key found dup", await Refused(() => Tag(OrdersArn, ("dup", "a"), ("x", "b"), ("dup", "c"))));
    }

    [Fact]
    public async Task Resource_arns_DynamoDB_refuses_and_tables_it_cannot_find()
    {
        Assert.Equal("One or more parameter values were invalid: ARNs must start with 'arn:': Orders", Assert.Throws<ValidationException>(() => List("Orders")).Message);
        Assert.Equal("One or more parameter values were invalid: ARNs must start with 'arn:': a:b:c:d:e:f/g", Assert.Throws<ValidationException>(() => List("a:b:c:d:e:f/g")).Message);
        foreach (string bad in new[] { Prefix + "ab", Prefix + "Orders/index/byDate", Prefix + "bad name", "arn:aws:dynamodb:eu-west-3:123456789012:backupx/Orders",
            "arn:aws:dynamodb:eu-west-3:123456789012", "arn:aws:dynamodb:us-east-1:123456789012:table/Orders", "arn:aws:dynamodb:eu-west-3:12345678901x:table/Orders" })
            Assert.Equal($"Invalid TableArn: Invalid ResourceArn provided as input {bad}", Assert.Throws<ValidationException>(() => List(bad)).Message);
        string backup = OrdersArn + "/backup/01700000000000-abcdef12";
        Assert.Equal($"One or more parameter values were invalid: Provided Arn is not a DynamoDB resource arn: {backup}", Assert.Throws<ValidationException>(() => List(backup)).Message);
        Assert.Equal("Access is denied", Assert.Throws<AccessDeniedException>(() => List("arn:aws:dynamodb:eu-west-3:999999999999:table/Orders")).Message);

        string missing = Prefix + "Missing";
        string notFound = $"Requested resource not found: ResourceArn: {missing} not found";
        Assert.Equal(notFound, Assert.Throws<ResourceNotFoundException>(() => List(missing)).Message);
        Assert.Equal(notFound, (await Assert.ThrowsAsync<ResourceNotFoundException>(() => Tag(missing, ("k", "v")))).Message);
        Assert.Equal(notFound, (await Assert.ThrowsAsync<ResourceNotFoundException>(() => Untag(missing, "k"))).Message);
        string stream = OrdersArn + "/stream/2026-11-25T03:00:00.000";
        Assert.Equal($"Requested resource not found: ResourceArn: {stream} not found", Assert.Throws<ResourceNotFoundException>(() => List(stream)).Message);
        // The ARN is the one DescribeTable reports.
        var arn = Db.DescribeTable(new DescribeTableRequest { TableName = "Orders" }).Table.TableArn;
        Assert.Equal(OrdersArn, arn);
    }

    [Fact]
    public async Task CreateTable_takes_tags_with_the_same_rules()
    {
        var request = Table("Tagged");
        request.Tags = [new("env", "prod"), new("team", "")];
        var created = await Db.CreateTableAsync(request);
        Assert.Equal([("env", "prod"), ("team", "")], List(created.TableDescription.TableArn));

        var empty = Table("Untagged");
        empty.Tags = [];
        await Db.CreateTableAsync(empty);
        Assert.Empty(List(Prefix + "Untagged"));

        var tooMany = Table("TooMany");
        tooMany.Tags = Numbered(0, 51).Select(t => new Tag(t.Item1, t.Item2)).ToList();
        Assert.Equal("Number of Tags exceed the current limit for the provided ResourceArn", await Refused(() => Db.CreateTableAsync(tooMany)));
        var reserved = Table("Reserved");
        reserved.Tags = [new("aws:x", "v")];
        Assert.Equal("Tag Key cannot be prefixed with aws:, Key: aws:x", await Refused(() => Db.CreateTableAsync(reserved)));
        Assert.Equal(["Orders", "Tagged", "Untagged"], Db.ListTables().TableNames);

        _fx.Reopen();
        Assert.Equal([("env", "prod"), ("team", "")], List(Prefix + "Tagged"));
    }

    [Fact]
    public void DescribeLimits_reports_DynamoDB_default_quotas()
    {
        var limits = Db.DescribeLimits();
        Assert.Equal(new DescribeLimitsResponse(80_000, 80_000, 40_000, 40_000), limits);
    }
}
