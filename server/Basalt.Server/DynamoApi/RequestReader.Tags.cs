using Basalt.Engine.Database;
using Microsoft.AspNetCore.Http;

namespace Basalt.Server.DynamoApi;

// The tagging operations (TagResource, UntagResource, ListTagsOfResource), CreateTable's Tags, and the two account
// operations that take no members (DescribeLimits, DescribeEndpoints). As the rest of RequestReader: faithful, not
// validating; the engine answers DynamoDB's messages for absent or bad members (TagValidation).
internal static partial class RequestReader
{
    public static TagResourceRequest TagResource(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new TagResourceRequest();
        while (r.NextMember())
        {
            if (r.Is("ResourceArn"u8)) request.ResourceArn = r.String();
            else if (r.Is("Tags"u8)) request.Tags = Tags(ref r);
            else r.Skip();
        }
        return request;
    });

    public static UntagResourceRequest UntagResource(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new UntagResourceRequest();
        while (r.NextMember())
        {
            if (r.Is("ResourceArn"u8)) request.ResourceArn = r.String();
            else if (r.Is("TagKeys"u8)) request.TagKeys = StringList(ref r);
            else r.Skip();
        }
        return request;
    });

    public static ListTagsOfResourceRequest ListTagsOfResource(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        var request = new ListTagsOfResourceRequest();
        while (r.NextMember())
        {
            if (r.Is("ResourceArn"u8)) request.ResourceArn = r.String();
            else if (r.Is("NextToken"u8)) request.NextToken = r.String();
            else r.Skip();
        }
        return request;
    });

    // DescribeLimits has no members; the body is still read, so malformed JSON is a SerializationException as for
    // every operation.
    public static void DescribeLimits(ReadOnlySpan<byte> json) => NoMembers(json);

    // DescribeEndpoints has no members either. Its answer is the address the client reached this server at: the Host
    // header (host and port, as the client wrote it), or the local socket's address when a client sent none
    // (HTTP/1.0). DynamoDB answers its regional host name; a client that follows the answer must come back here.
    public static string DescribeEndpoints(ReadOnlySpan<byte> json, HttpRequest request)
    {
        NoMembers(json);
        if (request.Host.HasValue) return request.Host.Value;
        var connection = request.HttpContext.Connection;
        return $"{connection.LocalIpAddress}:{connection.LocalPort}";
    }

    private static void NoMembers(ReadOnlySpan<byte> json) => ShapeReader.Parse(json, static (ref ShapeReader r) =>
    {
        while (r.NextMember()) r.Skip();
        return 0;
    });

    // Tags: [{Key, Value}]. An absent member, or a null element, stays null: the engine refuses it with DynamoDB's
    // "The Tag Key provided is invalid, Key: null" / "The Tag Value provided is invalid, Value: null".
    private static List<Tag>? Tags(ref ShapeReader r)
    {
        if (!r.BeginList()) return null;
        var tags = new List<Tag>();
        while (r.NextElement())
        {
            if (!r.CurrentIsStructure())
            {
                tags.Add(null!);
                continue;
            }
            string? key = null, value = null;
            while (r.NextMember())
            {
                if (r.Is("Key"u8)) key = r.String();
                else if (r.Is("Value"u8)) value = r.String();
                else r.Skip();
            }
            tags.Add(new Tag(key!, value!));
        }
        return tags;
    }
}
