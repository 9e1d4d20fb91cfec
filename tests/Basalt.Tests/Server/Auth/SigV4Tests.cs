using System.Text;
using Basalt.Server.Auth;

namespace Basalt.Tests.Server.Auth;

// SigV4's pieces against AWS's published Signature Version 4 test suite (IAM user guide, "Signature Version 4 test
// suite": credential AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 2015-08-30T12:36:00Z, us-east-1,
// service "service", host example.amazonaws.com), each expected value as AWS publishes it.
public class SigV4Tests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string AmzDate = "20150830T123600Z";
    private const string Scope = "20150830/us-east-1/service/aws4_request";
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private const string VanillaHeaders = "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n";

    private static string Sign(string method, string rawPath, string rawQuery)
    {
        string canonical = SigV4.CanonicalRequest(method, SigV4.CanonicalUri(rawPath), SigV4.CanonicalQuery(rawQuery), VanillaHeaders,
            "host;x-amz-date", SigV4.HexSha256([]));
        return SigV4.Signature(SigV4.SigningKey(Secret, "20150830", "us-east-1", "service"), SigV4.StringToSign(AmzDate, Scope, canonical));
    }

    [Fact]
    public void Get_vanilla_canonical_request_string_to_sign_and_signature_match_AWS()
    {
        string canonical = SigV4.CanonicalRequest("GET", SigV4.CanonicalUri("/"), SigV4.CanonicalQuery(""), VanillaHeaders, "host;x-amz-date",
            SigV4.HexSha256([]));
        Assert.Equal("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + EmptyHash, canonical);
        string stringToSign = SigV4.StringToSign(AmzDate, Scope, canonical);
        Assert.Equal("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            + "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63", stringToSign);
        var key = SigV4.SigningKey(Secret, "20150830", "us-east-1", "service");
        Assert.Equal("938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75", Convert.ToHexStringLower(key));
        Assert.Equal("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", SigV4.Signature(key, stringToSign));
    }

    [Fact]
    public void Get_vanilla_query_order_key_case_sorts_the_query()
    {
        Assert.Equal("Param1=value1&Param2=value2", SigV4.CanonicalQuery("Param2=value2&Param1=value1"));
        Assert.Equal("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500", Sign("GET", "/", "?Param2=value2&Param1=value1"));
    }

    [Fact]
    public void Post_vanilla_signs_the_method()
    {
        Assert.Equal("5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b", Sign("POST", "/", ""));
    }

    [Fact]
    public void Uri_encoding_keeps_only_unreserved_characters()
    {
        Assert.Equal("AZaz09-_.~", SigV4.UriEncode("AZaz09-_.~"));
        Assert.Equal("a%20b%2Fc%3D%2B%E1%88%B4%F0%9F%98%80", SigV4.UriEncode("a b/c=+\u1234\U0001F600"));
        // query values are decoded, then encoded once; names without '=' get an empty value
        Assert.Equal("a=&b=x%20y&b=z", SigV4.CanonicalQuery("b=z&b=x%20y&a"));
        // paths: dot segments removed, each segment encoded twice (every service but S3)
        Assert.Equal("/documents%2520and%2520settings/", SigV4.CanonicalUri("/documents%20and%20settings/"));
        Assert.Equal("/b", SigV4.CanonicalUri("/a/../b/."));
        Assert.Equal("/", SigV4.CanonicalUri(""));
    }

    [Fact]
    public void Header_values_are_trimmed_with_inner_spaces_collapsed_and_repeats_joined()
    {
        Assert.Equal("a b c", SigV4.CanonicalHeaderValue(["  a   b  c "]));
        Assert.Equal("v1,v2", SigV4.CanonicalHeaderValue(["v1", " v2 "]));
    }

    [Fact]
    public void The_body_hash_is_lower_case_hex_sha256()
    {
        Assert.Equal(EmptyHash, SigV4.HexSha256([]));
        Assert.Equal("9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e", SigV4.HexSha256(Encoding.UTF8.GetBytes("Param1=value1")));
    }
}
