namespace Basalt.Engine.Database;

// Request and response shapes of the tagging operations (TagResource, UntagResource, ListTagsOfResource), named and
// shaped as DynamoDB's. A tag belongs to a table, addressed by the table's ARN (TableDescription.TableArn).
// Nullable members are optional in DynamoDB's API (null = absent), so validation can answer DynamoDB's message for
// each absent member.

// DynamoDB's Tag. Both members are required by DynamoDB; the wire reader passes null for an absent one so the
// engine can refuse it with DynamoDB's message ("The Tag Value provided is invalid, Value: null").
public sealed record Tag(string Key, string Value);

public sealed class TagResourceRequest
{
    public string? ResourceArn { get; set; }
    public List<Tag>? Tags { get; set; }
}

// DynamoDB's TagResource answers with no members.
public sealed class TagResourceResponse;

public sealed class UntagResourceRequest
{
    public string? ResourceArn { get; set; }
    public List<string>? TagKeys { get; set; }
}

// DynamoDB's UntagResource answers with no members.
public sealed class UntagResourceResponse;

public sealed class ListTagsOfResourceRequest
{
    public string? ResourceArn { get; set; }
    // Accepted and ignored: a table has at most 50 tags, all returned in one page, so Basalt never hands out a token
    // (DynamoDB returns no NextToken at 50 tags either).
    public string? NextToken { get; set; }
}

// Tags in the order their keys were first added (DynamoDB documents no order). NextToken is always null (see above).
public sealed record ListTagsOfResourceResponse(IReadOnlyList<Tag> Tags, string? NextToken);
