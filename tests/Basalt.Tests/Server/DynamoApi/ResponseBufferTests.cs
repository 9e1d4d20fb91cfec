using System.Text;
using Basalt.Server.DynamoApi;

namespace Basalt.Tests.Server.DynamoApi;

// The pooled response buffer: what one request wrote never shows in the next one's answer, also when the first
// stopped in the middle of its JSON, and a buffer that grew large is not kept.
public class ResponseBufferTests
{
    [Fact]
    public void A_returned_buffer_comes_back_empty_and_writes_a_fresh_document()
    {
        var first = ResponseBuffer.Rent();
        first.Json.WriteStartObject();
        first.Json.WriteString("a", "one");
        first.Json.WriteEndObject();
        first.Json.Flush();
        Assert.Equal("{\"a\":\"one\"}", Encoding.UTF8.GetString(first.Written.Span));
        ResponseBuffer.Return(first);

        var second = ResponseBuffer.Rent();
        Assert.Equal(0, second.Written.Length);
        second.Json.WriteStartObject();
        second.Json.WriteEndObject();
        second.Json.Flush();
        Assert.Equal("{}", Encoding.UTF8.GetString(second.Written.Span));
        ResponseBuffer.Return(second);
    }

    [Fact]
    public void Clear_forgets_a_half_written_document_so_an_error_body_can_follow()
    {
        var buffer = ResponseBuffer.Rent();
        buffer.Json.WriteStartObject();
        buffer.Json.WriteStartArray("Items");
        buffer.Json.WriteStringValue("partial");
        buffer.Json.Flush();
        Assert.NotEqual(0, buffer.Written.Length);

        buffer.Clear();
        buffer.Json.WriteStartObject();
        buffer.Json.WriteString("__type", "x#ValidationException");
        buffer.Json.WriteEndObject();
        buffer.Json.Flush();
        Assert.Equal("{\"__type\":\"x#ValidationException\"}", Encoding.UTF8.GetString(buffer.Written.Span));
        ResponseBuffer.Return(buffer);
    }

    [Fact]
    public void A_buffer_that_grew_past_the_retained_size_is_not_reused()
    {
        var big = ResponseBuffer.Rent();
        big.Json.WriteStartObject();
        big.Json.WriteString("blob", new string('x', 200_000));
        big.Json.WriteEndObject();
        big.Json.Flush();
        ResponseBuffer.Return(big);
        // The pool hands out the buffers it kept; none of them is the one that grew to 200 KB.
        var rented = Enumerable.Range(0, 8).Select(_ => ResponseBuffer.Rent()).ToList();
        Assert.DoesNotContain(big, rented);
        foreach (var b in rented) ResponseBuffer.Return(b);
    }
}
