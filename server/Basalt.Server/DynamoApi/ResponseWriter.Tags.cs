using System.Text.Json;
using Basalt.Engine.Database;

namespace Basalt.Server.DynamoApi;

// The tagging and account operations' answers.
//
// TagResource and UntagResource answer HTTP 200 with an empty body (x-amz-crc32 0), as DynamoDB does (dynalite
// records it): the SDKs do not read the body of an operation without output members, so they check the header's
// CRC against the empty body's; an answer of `{}` fails the AWS SDK for .NET's CRC check (measured: "CRC value
// returned with response does not match").
internal static partial class ResponseWriter
{
    public static void TagResource(Utf8JsonWriter w, TagResourceResponse _) { }

    public static void UntagResource(Utf8JsonWriter w, UntagResourceResponse _) { }

    // {Tags: [{Key, Value}], NextToken?}: Tags always present (an untagged table answers `{"Tags":[]}`, as DynamoDB).
    public static void ListTagsOfResource(Utf8JsonWriter w, ListTagsOfResourceResponse r)
    {
        w.WriteStartObject();
        w.WriteStartArray("Tags"u8);
        foreach (var tag in r.Tags)
        {
            w.WriteStartObject();
            w.WriteString("Key"u8, tag.Key);
            w.WriteString("Value"u8, tag.Value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (r.NextToken is not null) w.WriteString("NextToken"u8, r.NextToken);
        w.WriteEndObject();
    }

    public static void DescribeLimits(Utf8JsonWriter w, DescribeLimitsResponse r)
    {
        w.WriteStartObject();
        w.WriteNumber("AccountMaxReadCapacityUnits"u8, r.AccountMaxReadCapacityUnits);
        w.WriteNumber("AccountMaxWriteCapacityUnits"u8, r.AccountMaxWriteCapacityUnits);
        w.WriteNumber("TableMaxReadCapacityUnits"u8, r.TableMaxReadCapacityUnits);
        w.WriteNumber("TableMaxWriteCapacityUnits"u8, r.TableMaxWriteCapacityUnits);
        w.WriteEndObject();
    }

    // DynamoDB's endpoint cache period is 1440 minutes (a day); clients that use endpoint discovery cache the address
    // that long.
    public const long EndpointCachePeriodMinutes = 1440;

    public static void DescribeEndpoints(Utf8JsonWriter w, string address)
    {
        w.WriteStartObject();
        w.WriteStartArray("Endpoints"u8);
        w.WriteStartObject();
        w.WriteString("Address"u8, address);
        w.WriteNumber("CachePeriodInMinutes"u8, EndpointCachePeriodMinutes);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
