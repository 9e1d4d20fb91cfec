namespace Basalt.Engine.Database;

// How a BasaltDatabase describes itself: the region and account that appear in ARNs (DynamoDB Local's defaults,
// so tools that parse ARNs see familiar ones) and the clock that stamps creation and update times (tests pass a
// fake one). Read once at open; immutable afterwards.
public sealed class DatabaseOptions
{
    public string Region { get; init; } = "us-east-1";
    public string AccountId { get; init; } = "000000000000";
    public Func<DateTimeOffset> Clock { get; init; } = () => DateTimeOffset.UtcNow;
    // The item collection size limit of tables with local secondary indexes: DynamoDB's 10 GB (a test sets less).
    public long ItemCollectionSizeLimitBytes { get; init; } = 10L * 1024 * 1024 * 1024;
}
