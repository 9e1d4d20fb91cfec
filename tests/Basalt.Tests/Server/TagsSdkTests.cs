using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Basalt.Server;

namespace Basalt.Tests.Server;

// The real AWS SDK for .NET against a Basalt server started in process: TagResource, UntagResource,
// ListTagsOfResource, CreateTable with Tags, DescribeLimits and DescribeEndpoints, their errors as the SDK surfaces
// them, and tags surviving a server restart. Written so that each test would pass against DynamoDB itself (except
// DescribeEndpoints' address, which is the server's own, and the absence of DynamoDB's ~2 s tag propagation delay).
public class TagsSdkTests
{
    private static CreateTableRequest Table(string name, List<Tag>? tags = null) => new()
    {
        TableName = name,
        KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
        AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
        BillingMode = BillingMode.PAY_PER_REQUEST,
        Tags = tags,
    };

    private static async Task<List<(string, string)>> TagsOf(AmazonDynamoDBClient client, string arn) =>
        ((await client.ListTagsOfResourceAsync(new ListTagsOfResourceRequest { ResourceArn = arn })).Tags ?? [])
        .Select(t => (t.Key, t.Value)).OrderBy(t => t.Key, StringComparer.Ordinal).ToList();

    [Fact]
    public async Task Tag_list_untag_through_the_sdk()
    {
        await using var fx = await ServerFixture.StartAsync();
        string arn = (await fx.Client.CreateTableAsync(Table("Orders"))).TableDescription.TableArn;
        Assert.Equal("arn:aws:dynamodb:us-east-1:000000000000:table/Orders", arn);
        var first = await fx.Client.ListTagsOfResourceAsync(new ListTagsOfResourceRequest { ResourceArn = arn });
        Assert.Empty(first.Tags ?? []);
        Assert.Null(first.NextToken);

        await fx.Client.TagResourceAsync(new TagResourceRequest { ResourceArn = arn, Tags = [new Tag { Key = "env", Value = "prod" }, new Tag { Key = "team", Value = "" }] });
        Assert.Equal([("env", "prod"), ("team", "")], await TagsOf(fx.Client, arn));

        await fx.Client.TagResourceAsync(new TagResourceRequest { ResourceArn = arn, Tags = [new Tag { Key = "env", Value = "staging" }] });
        Assert.Equal([("env", "staging"), ("team", "")], await TagsOf(fx.Client, arn));

        await fx.Client.UntagResourceAsync(new UntagResourceRequest { ResourceArn = arn, TagKeys = ["team", "never-set"] });
        Assert.Equal([("env", "staging")], await TagsOf(fx.Client, arn));

        await fx.Client.DeleteTableAsync("Orders");
        var gone = await Assert.ThrowsAsync<ResourceNotFoundException>(() => fx.Client.ListTagsOfResourceAsync(new ListTagsOfResourceRequest { ResourceArn = arn }));
        Assert.Equal($"Requested resource not found: ResourceArn: {arn} not found", gone.Message);
    }

    [Fact]
    public async Task Errors_as_the_sdk_surfaces_them()
    {
        await using var fx = await ServerFixture.StartAsync();
        string arn = (await fx.Client.CreateTableAsync(Table("Orders"))).TableDescription.TableArn;

        var tooLong = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => fx.Client.TagResourceAsync(new TagResourceRequest
        {
            ResourceArn = arn, Tags = [new Tag { Key = new string('k', 129), Value = "v" }],
        }));
        Assert.Equal("ValidationException", tooLong.ErrorCode);
        Assert.Equal($"The Tag Key provided is invalid, Key: {new string('k', 129)}", tooLong.Message);

        var reserved = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => fx.Client.UntagResourceAsync(new UntagResourceRequest { ResourceArn = arn, TagKeys = ["aws:cost"] }));
        Assert.Equal("Tag Key cannot be prefixed with aws:, Key: aws:cost", reserved.Message);

        var tooMany = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => fx.Client.TagResourceAsync(new TagResourceRequest
        {
            ResourceArn = arn, Tags = Enumerable.Range(0, 51).Select(i => new Tag { Key = $"k{i}", Value = "v" }).ToList(),
        }));
        Assert.Equal("Number of Tags exceed the current limit for the provided ResourceArn", tooMany.Message);

        var notArn = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => fx.Client.ListTagsOfResourceAsync(new ListTagsOfResourceRequest { ResourceArn = "Orders" }));
        Assert.Equal("ValidationException", notArn.ErrorCode);
        Assert.Equal("One or more parameter values were invalid: ARNs must start with 'arn:': Orders", notArn.Message);

        var index = arn + "/index/byDate";
        var indexArn = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => fx.Client.ListTagsOfResourceAsync(new ListTagsOfResourceRequest { ResourceArn = index }));
        Assert.Equal($"Invalid TableArn: Invalid ResourceArn provided as input {index}", indexArn.Message);

        var foreign = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => fx.Client.ListTagsOfResourceAsync(new ListTagsOfResourceRequest
        {
            ResourceArn = "arn:aws:dynamodb:us-east-1:111111111111:table/Orders",
        }));
        Assert.Equal("AccessDeniedException", foreign.ErrorCode);
        Assert.Equal("Access is denied", foreign.Message);

        string missing = "arn:aws:dynamodb:us-east-1:000000000000:table/Missing";
        var notFound = await Assert.ThrowsAsync<ResourceNotFoundException>(() => fx.Client.TagResourceAsync(new TagResourceRequest
        {
            ResourceArn = missing, Tags = [new Tag { Key = "k", Value = "v" }],
        }));
        Assert.Equal($"Requested resource not found: ResourceArn: {missing} not found", notFound.Message);
        Assert.Empty(await TagsOf(fx.Client, arn)); // nothing applied by any refused call
    }

    [Fact]
    public async Task CreateTable_with_tags_and_tags_surviving_a_restart()
    {
        string dir = Path.Combine(Path.GetTempPath(), "basalt-tags-" + Guid.NewGuid().ToString("N"));
        var options = new ServerOptions { DataDir = dir, Shards = 2, Durability = Basalt.Engine.Storage.Durability.Sync };
        try
        {
            string arn;
            await using (var fx = await ServerFixture.StartAsync(options))
            {
                arn = (await fx.Client.CreateTableAsync(Table("Orders", [new Tag { Key = "env", Value = "prod" }]))).TableDescription.TableArn;
                await fx.Client.TagResourceAsync(new TagResourceRequest { ResourceArn = arn, Tags = [new Tag { Key = "owner", Value = "storage team" }] });
                var refused = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => fx.Client.CreateTableAsync(Table("Bad", [new Tag { Key = "a#b", Value = "v" }])));
                Assert.Equal("The Tag Key provided is invalid, Key: a#b", refused.Message);
                await Assert.ThrowsAsync<ResourceNotFoundException>(() => fx.Client.DescribeTableAsync("Bad"));
            }
            await using (var fx = await ServerFixture.StartAsync(options))
                Assert.Equal([("env", "prod"), ("owner", "storage team")], await TagsOf(fx.Client, arn));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task DescribeLimits_and_DescribeEndpoints()
    {
        await using var fx = await ServerFixture.StartAsync();
        var limits = await fx.Client.DescribeLimitsAsync(new DescribeLimitsRequest());
        Assert.Equal(80_000, limits.AccountMaxReadCapacityUnits);
        Assert.Equal(80_000, limits.AccountMaxWriteCapacityUnits);
        Assert.Equal(40_000, limits.TableMaxReadCapacityUnits);
        Assert.Equal(40_000, limits.TableMaxWriteCapacityUnits);

        var endpoints = await fx.Client.DescribeEndpointsAsync(new DescribeEndpointsRequest());
        var endpoint = Assert.Single(endpoints.Endpoints);
        Assert.Equal($"127.0.0.1:{fx.Server.Port}", endpoint.Address);
        Assert.Equal(1440, endpoint.CachePeriodInMinutes);

        // The address is the Host the client used, whatever it was.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/")
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/x-amz-json-1.0"),
        };
        request.Headers.Add("X-Amz-Target", "DynamoDB_20120810.DescribeEndpoints");
        request.Headers.Host = "basalt.example:8443";
        using var response = await fx.Http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"Endpoints":[{"Address":"basalt.example:8443","CachePeriodInMinutes":1440}]}""", await response.Content.ReadAsStringAsync());
    }

    private static async Task<(System.Net.HttpStatusCode Status, string Body, string Crc)> PostAsync(ServerFixture fx, string operation, string body)
    {
        var (status, answer, response) = await fx.PostAsync(operation, body);
        using (response) return (status, answer, string.Join(",", response.Headers.GetValues("x-amz-crc32")));
    }

    [Fact]
    public async Task Wire_shapes_of_the_tag_operations()
    {
        await using var fx = await ServerFixture.StartAsync();
        await fx.Client.CreateTableAsync(Table("Orders"));
        const string arn = "arn:aws:dynamodb:us-east-1:000000000000:table/Orders";

        // No output members: an empty body, CRC 0.
        var tagged = await PostAsync(fx, "TagResource", $$"""{"ResourceArn":"{{arn}}","Tags":[{"Key":"k","Value":"v"}]}""");
        Assert.Equal((System.Net.HttpStatusCode.OK, "", "0"), tagged);
        Assert.Equal((System.Net.HttpStatusCode.OK, "", "0"), await PostAsync(fx, "UntagResource", $$"""{"ResourceArn":"{{arn}}","TagKeys":["x"]}"""));
        var listed = await PostAsync(fx, "ListTagsOfResource", $$"""{"ResourceArn":"{{arn}}"}""");
        Assert.Equal("""{"Tags":[{"Key":"k","Value":"v"}]}""", listed.Body);

        // Absent members reach the engine as null and get DynamoDB's messages.
        var noValue = await PostAsync(fx, "TagResource", $$"""{"ResourceArn":"{{arn}}","Tags":[{"Key":"k"}]}""");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, noValue.Status);
        Assert.Equal("""{"__type":"com.amazon.coral.validate#ValidationException","message":"The Tag Value provided is invalid, Value: null"}""", noValue.Body);
        var noArn = await PostAsync(fx, "ListTagsOfResource", "{}");
        Assert.Equal("""{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid TableArn"}""", noArn.Body);
        var foreign = await PostAsync(fx, "ListTagsOfResource", """{"ResourceArn":"arn:aws:dynamodb:us-east-1:111111111111:table/Orders"}""");
        Assert.Equal("""{"__type":"com.amazon.coral.service#AccessDeniedException","message":"Access is denied"}""", foreign.Body);
        var wrongType = await PostAsync(fx, "TagResource", $$$"""{"ResourceArn":"{{{arn}}}","Tags":{"Key":"k"}}""");
        Assert.Contains("SerializationException", wrongType.Body);

        var limits = await PostAsync(fx, "DescribeLimits", "{}");
        Assert.Equal("""{"AccountMaxReadCapacityUnits":80000,"AccountMaxWriteCapacityUnits":80000,"TableMaxReadCapacityUnits":40000,"TableMaxWriteCapacityUnits":40000}""", limits.Body);
    }
}
