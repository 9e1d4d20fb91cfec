namespace Basalt.Engine.Database;

// Request and response shapes of the table operations, named and shaped as DynamoDB's (CreateTableRequest ...).
// Only the members Basalt implements are here; a member added later keeps DynamoDB's name. Nullable members are
// optional in DynamoDB's API (null = absent), so validation can tell "absent" from "empty" as DynamoDB does.
public sealed class CreateTableRequest
{
    public string? TableName { get; set; }
    public List<KeySchemaElement>? KeySchema { get; set; }
    public List<AttributeDefinition>? AttributeDefinitions { get; set; }
    // DynamoDB's default is PROVISIONED, which then requires ProvisionedThroughput.
    public BillingMode? BillingMode { get; set; }
    public ProvisionedThroughput? ProvisionedThroughput { get; set; }
    // The table's first tags (TagResource's rules; null or empty = none).
    public List<Tag>? Tags { get; set; }
    // At most 5; only at creation, as DynamoDB (null = none; an empty list is refused, as DynamoDB refuses it).
    public List<LocalSecondaryIndex>? LocalSecondaryIndexes { get; set; }
    // At most 20 (null = none; an empty list is refused).
    public List<GlobalSecondaryIndex>? GlobalSecondaryIndexes { get; set; }
}

public sealed record CreateTableResponse(TableDescription TableDescription);

public sealed class DescribeTableRequest
{
    public string? TableName { get; set; }
}

public sealed record DescribeTableResponse(TableDescription Table);

public sealed class ListTablesRequest
{
    public string? ExclusiveStartTableName { get; set; }
    // 1..100; DynamoDB's default (absent) is 100.
    public int? Limit { get; set; }
}

public sealed record ListTablesResponse(IReadOnlyList<string> TableNames, string? LastEvaluatedTableName);

public sealed class UpdateTableRequest
{
    public string? TableName { get; set; }
    // The key attributes of an index being created (merged with the table's).
    public List<AttributeDefinition>? AttributeDefinitions { get; set; }
    public BillingMode? BillingMode { get; set; }
    public ProvisionedThroughput? ProvisionedThroughput { get; set; }
    // One create, update (throughput) or delete of a global secondary index per call.
    public List<GlobalSecondaryIndexUpdate>? GlobalSecondaryIndexUpdates { get; set; }
}

// Exactly one of Create, Update and Delete.
public sealed class GlobalSecondaryIndexUpdate
{
    public GlobalSecondaryIndex? Create { get; set; }
    public UpdateGlobalSecondaryIndexAction? Update { get; set; }
    public DeleteGlobalSecondaryIndexAction? Delete { get; set; }
}

public sealed class UpdateGlobalSecondaryIndexAction
{
    public string? IndexName { get; set; }
    public ProvisionedThroughput? ProvisionedThroughput { get; set; }
}

public sealed class DeleteGlobalSecondaryIndexAction
{
    public string? IndexName { get; set; }
}

public sealed record UpdateTableResponse(TableDescription TableDescription);

public sealed class DeleteTableRequest
{
    public string? TableName { get; set; }
}

public sealed record DeleteTableResponse(TableDescription TableDescription);

// DynamoDB's DescribeLimits answer: the account's and each table's provisioned-capacity quotas in the region
// (BasaltDatabase.DescribeLimits).
public sealed record DescribeLimitsResponse(
    long AccountMaxReadCapacityUnits,
    long AccountMaxWriteCapacityUnits,
    long TableMaxReadCapacityUnits,
    long TableMaxWriteCapacityUnits);
