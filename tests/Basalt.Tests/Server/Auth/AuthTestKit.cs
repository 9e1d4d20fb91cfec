using System.Globalization;
using System.Net.Http.Headers;
using Basalt.Server.Auth;
using Microsoft.AspNetCore.Http;

namespace Basalt.Tests.Server.Auth;

// What the auth tests share: a settable clock, an auth file on disk, and a SigV4 signer for raw requests (built
// from SigV4's pieces, which SigV4Tests checks against AWS's published vectors; the SDK tests check the same
// verifier against the SDK's own signer).
internal sealed class FakeClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}

internal static class AuthTestKit
{
    // Keys of the tests: an admin (every table; the fixture client's own credentials) and one limited to Orders.
    public const string AdminKey = "basalt";
    public const string AdminSecret = "secret";
    public const string OrdersKey = "AKIDORDERS";
    public const string OrdersSecret = "orders/Secret+Key0";

    public const string FileJson = $$"""
        {
          // the fixture's client
          "keys": [
            { "accessKeyId": "{{AdminKey}}", "secretAccessKey": "{{AdminSecret}}", "tables": ["*"] },
            { "accessKeyId": "{{OrdersKey}}", "secretAccessKey": "{{OrdersSecret}}", "tables": ["Orders"] },
          ]
        }
        """;

    public static string WriteFile(string json = FileJson)
    {
        string path = Path.Combine(Path.GetTempPath(), $"basalt-auth-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    // The headers of a DynamoDB request signed as the SDKs sign it (content-type, host, x-amz-date, x-amz-target),
    // Authorization included.
    public static Dictionary<string, string> Sign(string host, string operation, byte[] body, string keyId, string secret,
        DateTimeOffset at, string region = "us-east-1")
    {
        string amzDate = at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = "application/x-amz-json-1.0",
            ["host"] = host,
            ["x-amz-date"] = amzDate,
            ["x-amz-target"] = "DynamoDB_20120810." + operation,
        };
        string signedHeaders = string.Join(';', headers.Keys);
        string canonicalHeaders = string.Concat(headers.Select(h => $"{h.Key}:{h.Value}\n"));
        string canonical = SigV4.CanonicalRequest("POST", "/", "", canonicalHeaders, signedHeaders, SigV4.HexSha256(body));
        string scope = $"{amzDate[..8]}/{region}/dynamodb/aws4_request";
        string signature = SigV4.Signature(SigV4.SigningKey(secret, amzDate[..8], region, "dynamodb"), SigV4.StringToSign(amzDate, scope, canonical));
        var result = new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase)
        {
            ["Authorization"] = $"AWS4-HMAC-SHA256 Credential={keyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}",
        };
        return result;
    }

    public static HeaderDictionary Headers(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers) dictionary[name] = value;
        return dictionary;
    }

    // A raw request to the server with the given headers (host and content-type are set by HttpClient and the content).
    public static HttpRequestMessage RawRequest(string body, IReadOnlyDictionary<string, string> headers)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(body)) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.0");
        foreach (var (name, value) in headers)
        {
            if (name.Equals("content-type", StringComparison.OrdinalIgnoreCase) || name.Equals("host", StringComparison.OrdinalIgnoreCase)) continue;
            message.Headers.TryAddWithoutValidation(name, value);
        }
        return message;
    }
}
