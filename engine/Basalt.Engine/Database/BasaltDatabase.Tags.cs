using Basalt.Engine.Tables;

namespace Basalt.Engine.Database;

// Tags (TagResource, UntagResource, ListTagsOfResource) and DescribeLimits.
//
// A table's tags are part of its catalog record (Tables/CatalogFormat, format 2), so they are as durable as the table,
// come back at every open, and go with the table when it is deleted: DeleteTable removes the record, and a new table
// of the same name starts without tags. A change is a catalog change (one atomic write, serialised with CreateTable,
// UpdateTable and DeleteTable under the catalog lock), visible once durable; unlike DynamoDB, whose tag changes show
// in ListTagsOfResource about 2 s later, Basalt's read right after the write sees it. DynamoDB's per-table "tags are
// being updated" LimitExceededException for two changes within ~2 s is not imitated.
public sealed partial class BasaltDatabase
{
    // Adds tags, replacing the value of a key the table already has. All or nothing: one bad tag refuses the call.
    public async Task<TagResourceResponse> TagResourceAsync(TagResourceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string name = TagValidation.TagResource(request, _options);
        await _catalog.ChangeAsync(change =>
        {
            if (!change.TryGet(name, out var current)) throw ResourceNotFoundException.Resource(request.ResourceArn!);
            change.Put(current.WithTags(TagValidation.Merge(current.Tags, request.Tags!)));
            return 0;
        }).ConfigureAwait(false);
        return new TagResourceResponse();
    }

    // Removes tags by key; a key the table does not have is ignored, as DynamoDB ignores it.
    public async Task<UntagResourceResponse> UntagResourceAsync(UntagResourceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string name = TagValidation.UntagResource(request, _options);
        var removed = new HashSet<string>(request.TagKeys!, StringComparer.Ordinal);
        await _catalog.ChangeAsync(change =>
        {
            if (!change.TryGet(name, out var current)) throw ResourceNotFoundException.Resource(request.ResourceArn!);
            var kept = current.Tags.Where(t => !removed.Contains(t.Key)).ToList();
            if (kept.Count != current.Tags.Count) change.Put(current.WithTags(kept));
            return 0;
        }).ConfigureAwait(false);
        return new UntagResourceResponse();
    }

    // Synchronous: the catalog is in memory. Every tag in one page (at most 50), never a NextToken.
    public ListTagsOfResourceResponse ListTagsOfResource(ListTagsOfResourceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string name = TagValidation.ListTagsOfResource(request, _options);
        if (!_catalog.TryGet(name, out var table)) throw ResourceNotFoundException.Resource(request.ResourceArn!);
        return new ListTagsOfResourceResponse(table.Tags.ToList(), null);
    }

    // DynamoDB's default quotas of a region. Here rather than in the server, although no data is involved, because the
    // per-table figure is the bound CreateTable and UpdateTable enforce (TableValidation.CapacityUnitsMax): one
    // constant, so the two cannot disagree. The account figure is reported, not enforced (Basalt does not sum
    // provisioned capacity across tables).
    public DescribeLimitsResponse DescribeLimits() => new(
        TableValidation.AccountCapacityUnitsMax, TableValidation.AccountCapacityUnitsMax,
        TableValidation.CapacityUnitsMax, TableValidation.CapacityUnitsMax);
}
