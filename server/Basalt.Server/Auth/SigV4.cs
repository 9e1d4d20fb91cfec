using System.Security.Cryptography;
using System.Text;

namespace Basalt.Server.Auth;

// AWS Signature Version 4, the pieces of the algorithm as AWS specifies them ("Create a signed AWS API request",
// IAM user guide), each a pure function so the test suite's published vectors can check it piece by piece:
//
//   CanonicalRequest := Method \n CanonicalUri \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n PayloadHash
//     CanonicalHeaders: for each name of SignedHeaders, in its order, "name:value\n" with the name in lower case and
//     the value trimmed, runs of spaces collapsed to one, several values of one header joined by ','.
//     PayloadHash: lower-case hex SHA-256 of the body (or the x-amz-content-sha256 header's value; SigV4Verifier).
//   StringToSign := "AWS4-HMAC-SHA256" \n X-Amz-Date \n Scope \n hex(SHA-256(CanonicalRequest))
//     Scope := yyyyMMdd/region/service/aws4_request
//   SigningKey := HMAC(HMAC(HMAC(HMAC("AWS4" + secret, yyyyMMdd), region), service), "aws4_request")
//   Signature := hex(HMAC(SigningKey, StringToSign))
//
// URI encoding is RFC 3986's: A-Z a-z 0-9 - _ . ~ stay, every other UTF-8 byte becomes %XX (upper-case hex).
// Paths are normalised (dot segments removed) and each segment encoded twice, as for every service but S3.
// DynamoDB's path is always "/", so only the query and header rules matter in practice.
//
// Stateless; any thread. Allocates strings: it runs once per request and only with --auth; the signing key could
// be cached per (key, date, region), but four HMACs cost about a microsecond, below the request's own parsing.
internal static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string Terminator = "aws4_request";
    public const string Service = "dynamodb";

    public static string CanonicalRequest(string method, string canonicalUri, string canonicalQuery, string canonicalHeaders,
        string signedHeaders, string payloadHash) =>
        $"{method}\n{canonicalUri}\n{canonicalQuery}\n{canonicalHeaders}\n{signedHeaders}\n{payloadHash}";

    public static string StringToSign(string amzDate, string scope, string canonicalRequest) =>
        $"{Algorithm}\n{amzDate}\n{scope}\n{HexSha256(Encoding.UTF8.GetBytes(canonicalRequest))}";

    public static byte[] SigningKey(string secret, string date, string region, string service)
    {
        byte[] key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    public static string Signature(byte[] signingKey, string stringToSign) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));

    public static string HexSha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    // One canonical header line's value: the values trimmed, inner runs of spaces collapsed, joined by ','.
    public static string CanonicalHeaderValue(IEnumerable<string?> values)
    {
        var text = new StringBuilder();
        bool first = true;
        foreach (string? value in values)
        {
            if (!first) text.Append(',');
            first = false;
            bool space = false;
            foreach (char c in (value ?? "").AsSpan().Trim())
            {
                if (c == ' ')
                {
                    if (!space) text.Append(' ');
                    space = true;
                    continue;
                }
                space = false;
                text.Append(c);
            }
        }
        return text.ToString();
    }

    // The path as sent (still percent-encoded): dot segments removed, each segment decoded then encoded twice.
    public static string CanonicalUri(string rawPath)
    {
        if (rawPath.Length == 0 || rawPath == "/") return "/";
        var segments = new List<string>();
        foreach (string segment in rawPath.TrimStart('/').Split('/'))
        {
            if (segment == ".") continue;
            if (segment == "..")
            {
                if (segments.Count > 0) segments.RemoveAt(segments.Count - 1);
                continue;
            }
            segments.Add(UriEncode(UriEncode(Uri.UnescapeDataString(segment))));
        }
        string path = "/" + string.Join('/', segments);
        return rawPath.EndsWith('/') && !path.EndsWith('/') ? path + "/" : path;
    }

    // The query as sent, without '?': each name and value decoded and re-encoded, pairs sorted by name then value
    // (ordinal, on the encoded forms), a name without '=' given an empty value.
    public static string CanonicalQuery(string rawQuery)
    {
        if (rawQuery.StartsWith('?')) rawQuery = rawQuery[1..];
        if (rawQuery.Length == 0) return "";
        var pairs = new List<(string Name, string Value)>();
        foreach (string part in rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            string name = eq < 0 ? part : part[..eq];
            string value = eq < 0 ? "" : part[(eq + 1)..];
            pairs.Add((UriEncode(Uri.UnescapeDataString(name)), UriEncode(Uri.UnescapeDataString(value))));
        }
        pairs.Sort(static (a, b) =>
        {
            int byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(static p => p.Name + "=" + p.Value));
    }

    public static string UriEncode(string text)
    {
        var encoded = new StringBuilder(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                encoded.Append(c);
                continue;
            }
            int length = char.IsHighSurrogate(c) && i + 1 < text.Length
                ? Encoding.UTF8.GetBytes(text.AsSpan(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(text.AsSpan(i, 1), utf8);
            foreach (byte b in utf8[..length]) encoded.Append('%').Append(Convert.ToHexString([b]));
        }
        return encoded.ToString();
    }
}
