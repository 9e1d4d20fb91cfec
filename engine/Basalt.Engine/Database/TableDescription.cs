namespace Basalt.Engine.Database;

// DynamoDB's TableDescription: what CreateTable, DescribeTable, UpdateTable and DeleteTable return. Immutable; built
// from the catalog entry (Tables/TableDefinition) at the time of the call.
//   TableArn       arn:aws:dynamodb:<region>:<account>:table/<name>, region and account from DatabaseOptions.
//   TableId        a UUID assigned at creation, as DynamoDB's.
//   ItemCount, TableSizeBytes: as of the last BasaltDatabase.RefreshTableStatisticsAsync (DynamoDB refreshes
//                  them about every six hours; 0 until the first refresh).
//   ProvisionedThroughput: always present, as DynamoDB's (0 and 0 for PAY_PER_REQUEST).
public sealed record TableDescription
{
    public required string TableName { get; init; }
    public required TableStatus TableStatus { get; init; }
    public required IReadOnlyList<KeySchemaElement> KeySchema { get; init; }
    public required IReadOnlyList<AttributeDefinition> AttributeDefinitions { get; init; }
    public required DateTimeOffset CreationDateTime { get; init; }
    public required long ItemCount { get; init; }
    public required long TableSizeBytes { get; init; }
    public required string TableArn { get; init; }
    public required string TableId { get; init; }
    public required BillingModeSummary BillingModeSummary { get; init; }
    public required ProvisionedThroughputDescription ProvisionedThroughput { get; init; }
    // Null when the table has none (DynamoDB then omits the member).
    public IReadOnlyList<LocalSecondaryIndexDescription>? LocalSecondaryIndexes { get; init; }
    public IReadOnlyList<GlobalSecondaryIndexDescription>? GlobalSecondaryIndexes { get; init; }
}

public sealed record BillingModeSummary(BillingMode BillingMode, DateTimeOffset? LastUpdateToPayPerRequestDateTime);

public sealed record ProvisionedThroughputDescription(
    long ReadCapacityUnits,
    long WriteCapacityUnits,
    long NumberOfDecreasesToday,
    DateTimeOffset? LastIncreaseDateTime,
    DateTimeOffset? LastDecreaseDateTime);
