using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Basalt.Engine.Database;
using Microsoft.AspNetCore.Http;

namespace Basalt.Server.Auth;

// `--auth FILE`: checks each request's AWS Signature Version 4 against the keys of the auth file and the tables the
// body names against the key's list, before the operation runs. One instance per server, built at start from the
// file and a clock; immutable, called concurrently by every request thread. Without --auth there is no verifier
// and every request, signed or not, is accepted (as DynamoDB Local does).
//
// The checks run in DynamoDB's order, each with DynamoDB's error (dynalite's index.js transcribes DynamoDB's answers
// in this order; AWS's SigV4 documentation and SDK issue threads give the clock-skew messages):
//  1. no Authorization header, or one not starting "AWS4-":  MissingAuthenticationTokenException
//     "Request is missing Authentication Token";
//  2. a parameter that is not key=value, a missing Credential, Signature or SignedHeaders, no X-Amz-Date or Date
//     header: IncompleteSignatureException;
//  3. a date not in ISO-8601 basic format (IncompleteSignatureException), or more than 15 minutes from the
//     server's clock: InvalidSignatureException "Signature expired: ..." / "Signature not yet current: ...";
//  4. Host not among SignedHeaders: InvalidSignatureException;
//  5. an algorithm other than AWS4-HMAC-SHA256, a Credential without 5 '/'-separated parts:
//     IncompleteSignatureException;
//  6. a scope with another service or terminator, or a date other than the request's: InvalidSignatureException
//     (any region is accepted: clients point at Basalt with whatever region they are configured for);
//  7. an access key the file does not list: UnrecognizedClientException;
//  8. a signature that does not match: InvalidSignatureException (constant-time comparison);
//  9. a table outside the key's list: AccessDeniedException in DynamoDB's IAM wording.
// X-Amz-Security-Token is not checked: the file has no session credentials (it is covered by the signature when
// the client signs it). Presigned query-string requests are not accepted (DynamoDB's SDKs never send them).
//
// When x-amz-content-sha256 is present its value stands for the body in the canonical request, as AWS computes it,
// and it must also equal the body's own hash: otherwise a client could sign a hash and send another body. The .NET
// SDK (4.1) signs that header on every DynamoDB request, so this check is the one that catches a changed body
// (AuthSdkTests tampers with one). A mismatch answers as a bad signature.
internal sealed class SigV4Verifier
{
    // AWS's window for the request date against the server's clock.
    public static readonly TimeSpan ClockSkewMax = TimeSpan.FromMinutes(15);

    // The operations that name no table: a valid key is enough.
    private static readonly HashSet<string> TablelessOperations = new(StringComparer.Ordinal) { "ListTables", "DescribeLimits", "DescribeEndpoints" };

    // The account and region of the ARNs in AccessDeniedException, those the database reports in its own ARNs.
    private static readonly DatabaseOptions Described = new();

    private const string BasicFormat = "yyyyMMdd'T'HHmmss'Z'";

    private readonly AuthFile _keys;
    private readonly TimeProvider _clock;

    public SigV4Verifier(AuthFile keys, TimeProvider? clock = null)
    {
        _keys = keys;
        _clock = clock ?? TimeProvider.System;
    }

    public AuthRefusal? Check(HttpRequest request, string operation, ReadOnlySpan<byte> body) =>
        Check(request.Method, request.PathBase.Add(request.Path).ToUriComponent(), request.QueryString.Value ?? "", request.Headers, operation, body);

    // The request's method, path and query as sent (percent-encoded), its headers and body; null when it may run.
    public AuthRefusal? Check(string method, string rawPath, string rawQuery, IHeaderDictionary headers, string operation, ReadOnlySpan<byte> body)
    {
        if (!VerifySignature(method, rawPath, rawQuery, headers, body, out AuthKey? key, out AuthRefusal? refusal)) return refusal;
        return CheckTables(key!, operation, body);
    }

    private bool VerifySignature(string method, string rawPath, string rawQuery, IHeaderDictionary headers, ReadOnlySpan<byte> body,
        out AuthKey? key, out AuthRefusal? refusal)
    {
        key = null;
        refusal = null;
        string auth = headers.Authorization.ToString();
        if (auth.Length == 0 || !auth.TrimStart().StartsWith("AWS4-", StringComparison.Ordinal))
        {
            refusal = new AuthRefusal(AuthRefusal.MissingToken, "Request is missing Authentication Token");
            return false;
        }

        // "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
        string trimmed = auth.Trim();
        int space = trimmed.IndexOf(' ');
        string algorithm = space < 0 ? trimmed : trimmed[..space];
        string parameterText = space < 0 ? "" : trimmed[(space + 1)..].Replace(" ", "", StringComparison.Ordinal);
        string? credential = null, signedHeaders = null, signature = null;
        foreach (string parameter in parameterText.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = parameter.IndexOf('=');
            if (eq < 0)
            {
                refusal = new AuthRefusal(AuthRefusal.IncompleteSignature,
                    $"'{parameter}' not a valid key=value pair (missing equal-sign) in Authorization header: '{auth}'.");
                return false;
            }
            string value = parameter[(eq + 1)..];
            switch (parameter[..eq])
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
            }
        }
        string amzDate = headers["X-Amz-Date"].ToString();
        string httpDate = headers.Date.ToString();
        var missing = new StringBuilder();
        if (string.IsNullOrEmpty(credential)) missing.Append("Authorization header requires 'Credential' parameter. ");
        if (string.IsNullOrEmpty(signature)) missing.Append("Authorization header requires 'Signature' parameter. ");
        if (string.IsNullOrEmpty(signedHeaders)) missing.Append("Authorization header requires 'SignedHeaders' parameter. ");
        if (amzDate.Length == 0 && httpDate.Length == 0)
            missing.Append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
        if (missing.Length > 0)
        {
            refusal = new AuthRefusal(AuthRefusal.IncompleteSignature, missing + "Authorization=" + auth);
            return false;
        }

        // The date: X-Amz-Date in ISO-8601 basic format, else the HTTP Date header (RFC 1123).
        string dateText = amzDate.Length > 0 ? amzDate : httpDate;
        DateTimeOffset signedAt;
        bool parsed = amzDate.Length > 0
            ? DateTimeOffset.TryParseExact(amzDate, BasicFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out signedAt)
            : DateTimeOffset.TryParseExact(httpDate, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out signedAt);
        if (!parsed)
        {
            refusal = new AuthRefusal(AuthRefusal.IncompleteSignature,
                $"Date must be in ISO-8601 'basic format'. Got '{dateText}'. See http://en.wikipedia.org/wiki/ISO_8601");
            return false;
        }
        string signedAtText = signedAt.UtcDateTime.ToString(BasicFormat, CultureInfo.InvariantCulture);
        var now = _clock.GetUtcNow();
        if (signedAt < now - ClockSkewMax)
        {
            refusal = new AuthRefusal(AuthRefusal.InvalidSignature,
                $"Signature expired: {signedAtText} is now earlier than {Basic(now - ClockSkewMax)} ({Basic(now)} - 15 min.)");
            return false;
        }
        if (signedAt > now + ClockSkewMax)
        {
            refusal = new AuthRefusal(AuthRefusal.InvalidSignature,
                $"Signature not yet current: {signedAtText} is still later than {Basic(now + ClockSkewMax)} ({Basic(now)} + 15 min.)");
            return false;
        }

        string[] signedNames = signedHeaders!.Split(';');
        if (!signedNames.Any(static n => n.Equals("host", StringComparison.OrdinalIgnoreCase)))
        {
            refusal = new AuthRefusal(AuthRefusal.InvalidSignature, "'Host' must be a 'SignedHeader' in the AWS Authorization.");
            return false;
        }
        if (algorithm != SigV4.Algorithm)
        {
            refusal = new AuthRefusal(AuthRefusal.IncompleteSignature, $"Unsupported AWS 'algorithm': '{algorithm}' (only AWS4-HMAC-SHA256 for now). ");
            return false;
        }
        string[] scope = credential!.TrimEnd('/').Split('/');
        if (scope.Length != 5)
        {
            refusal = new AuthRefusal(AuthRefusal.IncompleteSignature,
                $"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'");
            return false;
        }
        var wrongScope = new List<string>(4);
        if (scope[2].Length == 0 || !scope[2].All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            wrongScope.Add($"Credential should be scoped to a valid region, not '{scope[2]}'.");
        if (scope[3] != SigV4.Service) wrongScope.Add($"Credential should be scoped to correct service: '{SigV4.Service}'.");
        if (scope[4] != SigV4.Terminator) wrongScope.Add($"Credential should be scoped with a valid terminator: '{SigV4.Terminator}', not '{scope[4]}'.");
        if (scope[1] != signedAtText[..8])
            wrongScope.Add($"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope[1]}' != '{signedAtText[..8]}', from '{signedAtText}'.");
        if (wrongScope.Count > 0)
        {
            refusal = new AuthRefusal(AuthRefusal.InvalidSignature, string.Join(' ', wrongScope));
            return false;
        }
        if (!_keys.TryGetKey(scope[0], out AuthKey found))
        {
            refusal = new AuthRefusal(AuthRefusal.UnrecognizedClient, "The security token included in the request is invalid.");
            return false;
        }

        string bodyHash = SigV4.HexSha256(body);
        string declaredHash = headers["x-amz-content-sha256"].ToString();
        string payloadHash = declaredHash.Length > 0 ? declaredHash : bodyHash;
        var canonicalHeaders = new StringBuilder();
        foreach (string name in signedNames)
            canonicalHeaders.Append(name.ToLowerInvariant()).Append(':').Append(SigV4.CanonicalHeaderValue(headers[name])).Append('\n');
        string canonicalRequest = SigV4.CanonicalRequest(method, SigV4.CanonicalUri(rawPath), SigV4.CanonicalQuery(rawQuery),
            canonicalHeaders.ToString(), signedHeaders, payloadHash);
        string stringToSign = SigV4.StringToSign(signedAtText, string.Join('/', scope, 1, 4), canonicalRequest);
        string expected = SigV4.Signature(SigV4.SigningKey(found.SecretAccessKey, scope[1], scope[2], scope[3]), stringToSign);
        bool matches = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature!));
        if (!matches || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(payloadHash), Encoding.ASCII.GetBytes(bodyHash)))
        {
            refusal = new AuthRefusal(AuthRefusal.InvalidSignature,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
            return false;
        }
        key = found;
        return true;
    }

    private static AuthRefusal? CheckTables(AuthKey key, string operation, ReadOnlySpan<byte> body)
    {
        if (key.Tables is null || TablelessOperations.Contains(operation) || body.IsEmpty) return null;
        var tables = new List<string>(1);
        var outcome = RequestTables.Read(body, tables, out string? error);
        if (outcome == RequestTables.Outcome.Malformed) return new AuthRefusal(AuthRefusal.Serialization, error!);
        // A table-scoped operation whose tables cannot be told (a PartiQL statement, an ARN of something else) or
        // that names none (a listing that would cover every table) is only for keys that may touch every table.
        if (outcome == RequestTables.Outcome.Unknown || tables.Count == 0) return Denied(key, operation, "*");
        foreach (string table in tables)
            if (!key.MayTouch(table)) return Denied(key, operation, $"arn:aws:dynamodb:{Described.Region}:{Described.AccountId}:table/{table}");
        return null;
    }

    // DynamoDB's IAM wording, with the file's access key standing for the IAM user.
    private static AuthRefusal Denied(AuthKey key, string operation, string resource) => new(AuthRefusal.AccessDenied,
        $"User: arn:aws:iam::{Described.AccountId}:user/{key.AccessKeyId} is not authorized to perform: dynamodb:{operation} on resource: {resource} " +
        $"because no identity-based policy allows the dynamodb:{operation} action", MessageMember: "Message");

    private static string Basic(DateTimeOffset time) => time.UtcDateTime.ToString(BasicFormat, CultureInfo.InvariantCulture);
}
