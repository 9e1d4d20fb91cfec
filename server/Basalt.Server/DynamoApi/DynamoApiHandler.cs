using System.Buffers;
using System.Diagnostics;
using System.IO.Hashing;
using System.Text.Json;
using Basalt.Engine.Database;
using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Server.Auth;
using Basalt.Server.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Basalt.Server.DynamoApi;

// DynamoDB's JSON 1.0 protocol over HTTP: `POST /` with `X-Amz-Target: DynamoDB_20120810.<Operation>` and a JSON
// body; the answer is JSON with `x-amzn-RequestId` and `x-amz-crc32` (the CRC-32 of the body, which the SDKs
// verify). One instance per server, called concurrently by Kestrel; it holds no per-request state.
//
// The wire rules before an operation runs, as DynamoDB answers them (dynalite's transcription of DynamoDB's
// answers is the reference where AWS documents nothing):
// - a body over 16 MB: HTTP 413 with an empty body;
// - not a POST, or a body with a content type other than application/x-amz-json-1.0 or application/json: HTTP 404
//   with the body `<UnknownOperationException/>` and a newline;
// - a body that is not JSON, or no body: 400 SerializationException;
// - a target that is not DynamoDB_20120810 (or DynamoDB_20111205) and a known operation: 400
//   UnknownOperationException, also for DynamoDB operations Basalt does not implement yet, which clients and test
//   suites read as "not supported".
// Error bodies: `{"__type": "<namespace>#<Type>", "message": "..."}`, ValidationException in
// com.amazon.coral.validate, the service's own errors in com.amazonaws.dynamodb.v20120810, the protocol's in
// com.amazon.coral.service; TransactionCanceledException adds its CancellationReasons and spells its message
// "Message" (ResponseWriter.TransactionCanceled). Signatures are not checked (as DynamoDB Local by default) unless
// the server runs with --auth: then SigV4Verifier checks them, and the tables the body names, once the operation is
// known (Auth/).
//
// GetItem and PutItem in their plain form go straight from the wire to the item encoding (GetItemFastPath,
// PutItemFastPath); every other request goes through the embedded API's request types.
//
// Each answer is written into a pooled ResponseBuffer (a growable byte buffer and the Utf8JsonWriter over it),
// returned once the body is sent, so a steady stream of requests allocates no response buffers.
//
// Every request is timed from HandleAsync's first line and counted in its finally (ApiMetrics.Complete: operation,
// error type, latency histogram, and the Debug log line); the error writers leave the error type for it
// (ApiMetrics.SetError). GET /metrics is answered before this handler (BasaltServer).
internal sealed class DynamoApiHandler(BasaltDatabase database, ILogger logger, SigV4Verifier? verifier = null, ApiMetrics? metrics = null)
{
    // Counts every request and writes its Debug log line (Metrics/ApiMetrics.cs); GET /metrics reads it.
    public ApiMetrics Metrics { get; } = metrics ?? new ApiMetrics();

    // DynamoDB's largest request (BatchWriteItem's 16 MB).
    public const int RequestBytesMax = 16 * 1024 * 1024;

    private const string ValidationType = "com.amazon.coral.validate#ValidationException";
    private const string ServicePrefix = "com.amazonaws.dynamodb.v20120810#";
    private const string SerializationType = "com.amazon.coral.service#SerializationException";
    private const string UnknownOperationType = "com.amazon.coral.service#UnknownOperationException";
    private const string JsonContentType = "application/x-amz-json-1.0";

    // Non-ASCII text and characters such as ' < > & + are written as they are (UTF-8), as DynamoDB answers, not as
    // \uXXXX escapes: equal JSON, smaller bodies. (The relaxed encoder is "unsafe" only for embedding in HTML.)
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task HandleAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        var request = context.Request;
        var response = context.Response;
        byte[]? rented = null;
        try
        {
            if (request.ContentLength > RequestBytesMax)
            {
                response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }
            int length;
            (rented, length) = await ReadBodyAsync(request, context.RequestAborted);
            if (length < 0)
            {
                response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }
            response.Headers["x-amzn-RequestId"] = NewRequestId();
            // CORS, so that the SDK in a browser page can call the API: any origin is allowed (as DynamoDB and
            // dynalite answer), and a preflight OPTIONS is answered here with what it asked for.
            if (request.Headers.Origin.Count > 0)
            {
                response.Headers.AccessControlAllowOrigin = "*";
                if (HttpMethods.IsOptions(request.Method))
                {
                    if (request.Headers.AccessControlRequestHeaders.Count > 0)
                        response.Headers.AccessControlAllowHeaders = request.Headers.AccessControlRequestHeaders;
                    if (request.Headers.AccessControlRequestMethod.Count > 0)
                        response.Headers.AccessControlAllowMethods = request.Headers.AccessControlRequestMethod;
                    response.Headers.AccessControlMaxAge = "172800";
                    response.StatusCode = StatusCodes.Status200OK;
                    response.ContentLength = 0;
                    return;
                }
            }
            string? contentType = MediaType(request.ContentType);
            if (!HttpMethods.IsPost(request.Method) || (length > 0 && contentType is not (JsonContentType or "application/json")))
            {
                await WriteUnknownOperationPageAsync(response);
                return;
            }
            response.ContentType = contentType ?? JsonContentType;
            var body = new ReadOnlyMemory<byte>(rented, 0, length);
            await DispatchAsync(context, request.Headers["X-Amz-Target"].ToString(), body);
        }
        catch (Exception) when (ApiMetrics.SetEscaped(context)) // marks the request for Complete; never catches
        {
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
            Metrics.Complete(context, started, logger);
        }
    }

    private async Task DispatchAsync(HttpContext context, string target, ReadOnlyMemory<byte> body)
    {
        if (ImplementedOperation(target) is not { } operation)
        {
            await WriteErrorAsync(context.Response, 400, UnknownOperationType, message: null);
            return;
        }
        if (verifier?.Check(context.Request, operation, body.Span) is { } refused)
        {
            ApiMetrics.SetError(context, refused.Type);
            await WriteBodyAsync(context.Response, AuthRefusal.Status, refused.Body());
            return;
        }
        if (body.IsEmpty)
        {
            await WriteErrorAsync(context.Response, 400, SerializationType, message: null);
            return;
        }
        var buffer = ResponseBuffer.Rent();
        try
        {
            int status = 200;
            try
            {
                await RunAsync(operation, body, buffer.Json, context.Request);
                buffer.Json.Flush();
            }
            catch (Exception e)
            {
                buffer.Clear();
                status = WriteException(context.Response, operation, e, buffer);
            }
            await WriteBodyAsync(context.Response, status, buffer.Written);
        }
        finally
        {
            ResponseBuffer.Return(buffer);
        }
    }

    internal static bool IsImplemented(string operation) => Implemented(operation) is not null;

    // The operation an X-Amz-Target names when its API is DynamoDB's and Basalt implements it, as a constant
    // (no substring per request); otherwise null.
    private static string? ImplementedOperation(string target)
    {
        int dot = target.IndexOf('.');
        if (dot < 0) return null;
        var api = target.AsSpan(0, dot);
        return api is "DynamoDB_20120810" or "DynamoDB_20111205" ? Implemented(target.AsSpan(dot + 1)) : null;
    }

    private static string? Implemented(ReadOnlySpan<char> operation) => operation switch
    {
        "CreateTable" => "CreateTable", "DescribeTable" => "DescribeTable", "ListTables" => "ListTables",
        "UpdateTable" => "UpdateTable", "DeleteTable" => "DeleteTable", "PutItem" => "PutItem", "GetItem" => "GetItem",
        "DeleteItem" => "DeleteItem", "UpdateItem" => "UpdateItem", "Query" => "Query", "Scan" => "Scan",
        "BatchGetItem" => "BatchGetItem", "BatchWriteItem" => "BatchWriteItem", "TransactWriteItems" => "TransactWriteItems",
        "TransactGetItems" => "TransactGetItems", "TagResource" => "TagResource", "UntagResource" => "UntagResource",
        "ListTagsOfResource" => "ListTagsOfResource", "DescribeLimits" => "DescribeLimits",
        "DescribeEndpoints" => "DescribeEndpoints",
        _ => null,
    };

    private async ValueTask RunAsync(string operation, ReadOnlyMemory<byte> body, Utf8JsonWriter json, HttpRequest http)
    {
        // On a reactor thread (Reactors/ReactorTransport.cs) the single-item operations run where they are; anything
        // that can take long (a Query or Scan page, batches, transactions, the control plane) moves to the thread pool,
        // so that the reactor's other connections do not wait behind it.
        if (Reactors.Reactor.IsReactorThread && operation is not ("GetItem" or "PutItem" or "DeleteItem" or "UpdateItem"))
            await Task.Yield();
        switch (operation)
        {
            case "PutItem":
                // The plain request straight from the wire into the item encoding (PutItemFastPath); any other form,
                // and every refusal, through the checked path.
                if (PutItemFastPath.TryStart(database, body.Span, out var write))
                {
                    await write;
                    json.WriteStartObject();
                    json.WriteEndObject();
                }
                else ResponseWriter.PutItem(json, await database.PutItemAsync(RequestReader.PutItem(body.Span)));
                break;
            case "GetItem":
                // The plain request straight from the wire to the item encoding and back (GetItemFastPath); any other
                // form, and every error, through the checked path.
                if (!GetItemFastPath.TryRun(database, body.Span, json))
                    ResponseWriter.GetItem(json, database.GetItem(RequestReader.GetItem(body.Span)));
                break;
            case "DeleteItem":
                ResponseWriter.DeleteItem(json, await database.DeleteItemAsync(RequestReader.DeleteItem(body.Span)));
                break;
            case "UpdateItem":
                ResponseWriter.UpdateItem(json, await database.UpdateItemAsync(RequestReader.UpdateItem(body.Span)));
                break;
            case "Query":
            {
                var request = RequestReader.Query(body.Span);
                ResponseWriter.Query(json, database.Query(request), countOnly: request.Select == Select.Count);
                break;
            }
            case "Scan":
            {
                var request = RequestReader.Scan(body.Span);
                ResponseWriter.Scan(json, database.Scan(request), countOnly: request.Select == Select.Count);
                break;
            }
            case "BatchGetItem":
                ResponseWriter.BatchGetItem(json, database.BatchGetItem(RequestReader.BatchGetItem(body.Span)));
                break;
            case "BatchWriteItem":
                ResponseWriter.BatchWriteItem(json, await database.BatchWriteItemAsync(RequestReader.BatchWriteItem(body.Span)));
                break;
            case "TransactWriteItems":
                ResponseWriter.TransactWriteItems(json, await database.TransactWriteItemsAsync(RequestReader.TransactWriteItems(body.Span)));
                break;
            case "TransactGetItems":
                ResponseWriter.TransactGetItems(json, await database.TransactGetItemsAsync(RequestReader.TransactGetItems(body.Span)));
                break;
            case "CreateTable":
                ResponseWriter.CreateTable(json, await database.CreateTableAsync(RequestReader.CreateTable(body.Span)));
                break;
            case "DescribeTable":
                ResponseWriter.DescribeTable(json, database.DescribeTable(RequestReader.DescribeTable(body.Span)));
                break;
            case "ListTables":
                ResponseWriter.ListTables(json, database.ListTables(RequestReader.ListTables(body.Span)));
                break;
            case "UpdateTable":
                ResponseWriter.UpdateTable(json, await database.UpdateTableAsync(RequestReader.UpdateTable(body.Span)));
                break;
            case "DeleteTable":
                ResponseWriter.DeleteTable(json, await database.DeleteTableAsync(RequestReader.DeleteTable(body.Span)));
                break;
            case "TagResource":
                ResponseWriter.TagResource(json, await database.TagResourceAsync(RequestReader.TagResource(body.Span)));
                break;
            case "UntagResource":
                ResponseWriter.UntagResource(json, await database.UntagResourceAsync(RequestReader.UntagResource(body.Span)));
                break;
            case "ListTagsOfResource":
                ResponseWriter.ListTagsOfResource(json, database.ListTagsOfResource(RequestReader.ListTagsOfResource(body.Span)));
                break;
            case "DescribeLimits":
                RequestReader.DescribeLimits(body.Span);
                ResponseWriter.DescribeLimits(json, database.DescribeLimits());
                break;
            case "DescribeEndpoints":
                ResponseWriter.DescribeEndpoints(json, RequestReader.DescribeEndpoints(body.Span, http));
                break;
            default:
                throw new InvalidOperationException($"operation {operation} passed IsImplemented but has no case");
        }
    }

    // DynamoDB's error for each exception the engine and the codec throw (WriteError). Anything else is a bug or an
    // operating failure: HTTP 500 InternalServerError, logged, never a dropped connection.
    // The error body goes into `buffer`; returns its HTTP status. The caller sends it.
    private int WriteException(HttpResponse response, string operation, Exception e, ResponseBuffer buffer)
    {
        var error = WriteError(buffer.Json, e);
        buffer.Json.Flush();
        if (error.Status == 500)
        {
            if (e is StorageException storage) logger.LogError(storage, "{Operation} failed in storage: {Error}", operation, storage.Error);
            else logger.LogError(e, "{Operation} failed", operation);
        }
        ApiMetrics.SetError(response.HttpContext, error.Type);
        return error.Status;
    }

    // The body of DynamoDB's answer to an exception, into `json`; returns its HTTP status and __type.
    internal static (int Status, string Type) WriteError(Utf8JsonWriter json, Exception e)
    {
        switch (e)
        {
            case ValidationException or ItemValidationException or ExpressionException:
                return Body(json, 400, ValidationType, e.Message);
            case AccessDeniedException denied: // DynamoDB sends it in the protocol's namespace, not the service's
                // Lowercase "message" here, as recorded for the tag operations' cross-account refusal; the IAM
                // refusals of --auth spell it "Message" (Auth/AuthRefusal.cs): two layers of DynamoDB, two spellings.
                return Body(json, 400, "com.amazon.coral.service#AccessDeniedException", denied.Message);
            case ConditionalCheckFailedException failed:
                return Body(json, 400, ServicePrefix + failed.ErrorType, failed.Message, failed.Item);
            case TransactionCanceledException canceled: // with its CancellationReasons
                ResponseWriter.TransactionCanceled(json, ServicePrefix + canceled.ErrorType, canceled);
                return (400, ServicePrefix + canceled.ErrorType);
            case DynamoDbException dynamo: // TransactionConflictException, IdempotentParameterMismatchException, ...
                return Body(json, 400, ServicePrefix + dynamo.ErrorType, dynamo.Message);
            case SerializationException serialization:
                return Body(json, 400, SerializationType, serialization.Message);
            case StorageException storage:
                return Body(json, 500, ServicePrefix + "InternalServerError", $"Internal server error: {storage.Message}");
            default:
                return Body(json, 500, ServicePrefix + "InternalServerError", "Internal server error");
        }

        static (int, string) Body(Utf8JsonWriter json, int status, string type, string message,
            IReadOnlyDictionary<string, AttributeValue>? item = null)
        {
            ResponseWriter.Error(json, type, message, item);
            return (status, type);
        }
    }

    private static Task WriteErrorAsync(HttpResponse response, int status, string type, string? message)
    {
        ApiMetrics.SetError(response.HttpContext, type);
        var output = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(output, WriterOptions)) ResponseWriter.Error(json, type, message);
        return WriteBodyAsync(response, status, output.WrittenMemory);
    }

    private static async Task WriteBodyAsync(HttpResponse response, int status, ReadOnlyMemory<byte> body)
    {
        response.StatusCode = status;
        response.Headers["x-amz-crc32"] = Crc32.HashToUInt32(body.Span).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body);
    }

    private static readonly byte[] UnknownOperationPage = "<UnknownOperationException/>\n"u8.ToArray();

    private static Task WriteUnknownOperationPageAsync(HttpResponse response) =>
        WriteBodyAsync(response, StatusCodes.Status404NotFound, UnknownOperationPage);

    // The whole body in one pooled array; length -1 when it is over RequestBytesMax (chunked bodies have no
    // Content-Length to check up front).
    private static async ValueTask<(byte[]? Buffer, int Length)> ReadBodyAsync(HttpRequest request, CancellationToken cancel)
    {
        int capacity = (int)Math.Min(request.ContentLength ?? 4096, RequestBytesMax);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 256));
        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > RequestBytesMax) return (buffer, -1);
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, RequestBytesMax + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                int read = await request.Body.ReadAsync(buffer.AsMemory(length), cancel);
                if (read == 0) break;
                length += read;
                if (length > RequestBytesMax) return (buffer, -1);
            }
            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static string? MediaType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return null;
        int semicolon = contentType.IndexOf(';');
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
    }

    // 52 characters of [A-Z0-9], as DynamoDB's request ids look.
    private static string NewRequestId()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        return string.Create(52, 0, static (chars, _) =>
        {
            // Identifiers, not secrets: Random.Shared (thread-safe, no system call) instead of the cryptographic
            // generator, which cost 3% of the server's CPU.
            for (int i = 0; i < chars.Length; i++) chars[i] = alphabet[Random.Shared.Next(alphabet.Length)];
        });
    }
}
