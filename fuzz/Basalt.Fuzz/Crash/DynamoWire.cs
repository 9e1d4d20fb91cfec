using System.Net.Http.Headers;
using System.Text.Json;

namespace Basalt.Fuzz.Crash;

public enum WireOutcome
{
    // 200: the server acknowledged the request.
    Ok,
    // 4xx: the server refused it; nothing was applied (a failed condition, a cancelled transaction, a bad request).
    Refused,
    // No answer, or 5xx: it may or may not have been applied.
    Unknown,
}

public readonly record struct WireResult(WireOutcome Outcome, int Status, string? ErrorType, string Body, JsonDocument? Json)
{
    public override string ToString() => Outcome == WireOutcome.Ok ? "ok" : $"{Outcome} {Status} {ErrorType}: {(Body.Length > 300 ? Body[..300] + "..." : Body)}";
}

// DynamoDB's JSON 1.0 protocol over HTTP, raw: a body in, the outcome and the parsed answer out. Raw rather than the
// AWS SDK so that every acknowledgement the supervisor records is exactly one request's 200 (the SDK retries, and
// decides on its own what a dropped connection means).
public sealed class DynamoWire : IDisposable
{
    private readonly HttpClient _http;

    public DynamoWire(int port, TimeSpan timeout)
    {
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1), ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = timeout,
        };
    }

    public async Task<WireResult> SendAsync(string operation, byte[] body, CancellationToken cancel = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "DynamoDB_20120810." + operation);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.0");
        HttpResponseMessage response;
        string text;
        try
        {
            response = await _http.SendAsync(request, cancel);
            text = await response.Content.ReadAsStringAsync(cancel);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or OperationCanceledException)
        {
            return new WireResult(WireOutcome.Unknown, 0, e.GetType().Name, e.Message, null);
        }
        using (response)
        {
            int status = (int)response.StatusCode;
            JsonDocument? json = null;
            try { json = text.Length > 0 ? JsonDocument.Parse(text) : null; }
            catch (JsonException) { }
            if (status == 200) return new WireResult(WireOutcome.Ok, status, null, text, json);
            string? type = null;
            if (json is not null && json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("__type", out var t))
            {
                type = t.GetString();
                int hash = type?.LastIndexOf('#') ?? -1;
                if (hash >= 0) type = type![(hash + 1)..];
            }
            return new WireResult(status is >= 400 and < 500 ? WireOutcome.Refused : WireOutcome.Unknown, status, type, text, json);
        }
    }

    public static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public void Dispose() => _http.Dispose();
}
