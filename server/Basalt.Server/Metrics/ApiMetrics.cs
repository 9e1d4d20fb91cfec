using System.Collections.Frozen;
using System.Diagnostics;
using Basalt.Server.DynamoApi;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Basalt.Server.Metrics;

// The DynamoDB API's request metrics: per operation, a request count, error counts by DynamoDB error type and a
// latency histogram; and the HTTP-level outcomes that never reach an operation. One instance per server, written by
// every request thread at once and read by GET /metrics (PrometheusWriter).
//
// The request path allocates nothing: every series exists from the start (one OperationSeries per operation the
// handler implements, one "unknown" series for every other target), the operation is found from the X-Amz-Target
// header through a frozen dictionary looked up by span, and counters are Interlocked increments of longs in arrays.
// The error type reaches Complete through the request's feature collection (SetError): Kestrel keeps unknown
// features in a list it allocates once per connection and clears per request, and the value is one of the handler's
// string constants, so that costs nothing per request either. Rejected: a per-request outcome object (the allocation
// this type avoids), a field on the handler (shared by concurrent requests), changing the handler's methods to return
// the error type (edits across every error path of DynamoApiHandler for one figure).
//
// Reads are racy: a scrape may see a request's bucket but not yet its sum. The request count and the histogram's
// _count are both the sum of the buckets read, so they always agree with the +Inf bucket. Interlocked on shared
// cache lines costs a few tens of nanoseconds under contention: small against a request of tens of microseconds; per
// core counters are the next step if a profile shows it (STYLE: simplest correct mechanism first).
internal sealed class ApiMetrics
{
    // Upper bounds of the latency buckets, in microseconds (exact integers, so that a bound in Stopwatch ticks is an
    // exact floor and a duration equal to a bound counts in that bucket, as Prometheus' `le` says).
    public static readonly long[] BucketBoundsUs =
        [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000];

    // BucketBoundsUs in Stopwatch ticks, floored: a whole number of ticks t is <= bound * frequency exactly when it is
    // <= floor(bound * frequency).
    public static readonly long[] BucketBoundsTicks = BucketBoundsUs.Select(us => us * Stopwatch.Frequency / 1_000_000).ToArray();

    // Buckets per series: one per bound and the +Inf one.
    public static int BucketCount => BucketBoundsUs.Length + 1;

    // Every operation of DynamoDB's API (the 2012-08-10 reference). The handler implements a subset; a series exists
    // for each one it implements (DynamoApiHandler.IsImplemented), so a newly implemented operation gets its series
    // without an edit here. Every other target, including operations DynamoDB has and Basalt does not, is "unknown".
    public static readonly string[] DynamoDbOperations =
    [
        "BatchExecuteStatement", "BatchGetItem", "BatchWriteItem", "CreateBackup", "CreateGlobalTable", "CreateTable",
        "DeleteBackup", "DeleteItem", "DeleteResourcePolicy", "DeleteTable", "DescribeBackup", "DescribeContinuousBackups",
        "DescribeContributorInsights", "DescribeEndpoints", "DescribeExport", "DescribeGlobalTable",
        "DescribeGlobalTableSettings", "DescribeImport", "DescribeKinesisStreamingDestination", "DescribeLimits",
        "DescribeTable", "DescribeTableReplicaAutoScaling", "DescribeTimeToLive", "DisableKinesisStreamingDestination",
        "EnableKinesisStreamingDestination", "ExecuteStatement", "ExecuteTransaction", "ExportTableToPointInTime", "GetItem",
        "GetResourcePolicy", "ImportTable", "ListBackups", "ListContributorInsights", "ListExports", "ListGlobalTables",
        "ListImports", "ListTables", "ListTagsOfResource", "PutItem", "PutResourcePolicy", "Query", "RestoreTableFromBackup",
        "RestoreTableToPointInTime", "Scan", "TagResource", "TransactGetItems", "TransactWriteItems", "UntagResource",
        "UpdateContinuousBackups", "UpdateContributorInsights", "UpdateGlobalTable", "UpdateGlobalTableSettings",
        "UpdateItem", "UpdateKinesisStreamingDestination", "UpdateTable", "UpdateTableReplicaAutoScaling", "UpdateTimeToLive",
    ];

    public const string UnknownOperation = "unknown";

    // The error types a series counts: those Basalt answers today and DynamoDB's other common ones, so that a future
    // error needs no edit to be told apart; anything else is "Other". The label is the type without its namespace.
    public static readonly string[] ErrorTypes =
    [
        "ValidationException", "SerializationException", "UnknownOperationException", "ResourceNotFoundException",
        "ResourceInUseException", "ConditionalCheckFailedException", "AccessDeniedException", "InternalServerError",
        "MissingAuthenticationTokenException", "IncompleteSignatureException", "InvalidSignatureException",
        "UnrecognizedClientException", "LimitExceededException", "ProvisionedThroughputExceededException",
        "RequestLimitExceeded", "ThrottlingException", "ItemCollectionSizeLimitExceededException",
        "TransactionCanceledException", "TransactionConflictException", "TransactionInProgressException",
        "IdempotentParameterMismatchException", "ServiceUnavailable", "Other",
    ];

    private static readonly int OtherError = ErrorTypes.Length - 1;

    private static readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> ErrorIndex =
        ErrorTypes.Select((name, i) => KeyValuePair.Create(name, i)).ToFrozenDictionary(StringComparer.Ordinal)
            .GetAlternateLookup<ReadOnlySpan<char>>();

    // What happened to requests that never reached an operation, as the `reason` label of basalt_http_rejected_total.
    public static readonly string[] HttpRejections =
    [
        "request_too_large",   // HTTP 413: a body over 16 MB
        "not_found",           // HTTP 404 page: not a POST, or another content type
        "aborted",             // an exception left the handler: the client went away, or Kestrel refused the body
    ];

    private const int TooLarge = 0, NotFound = 1, Aborted = 2;

    private readonly OperationSeries[] _operations;
    private readonly OperationSeries _unknown = new(UnknownOperation);
    private readonly FrozenDictionary<string, OperationSeries>.AlternateLookup<ReadOnlySpan<char>> _byName;
    private readonly long[] _rejections = new long[HttpRejections.Length];

    public ApiMetrics()
    {
        var implemented = DynamoDbOperations.Where(DynamoApiHandler.IsImplemented).Select(name => new OperationSeries(name)).ToArray();
        _operations = [.. implemented, _unknown];
        _byName = implemented.ToFrozenDictionary(s => s.Name, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    // Every series, the "unknown" one last.
    public IReadOnlyList<OperationSeries> Operations => _operations;

    public long Rejections(int reason) => Volatile.Read(ref _rejections[reason]);

    // The series of a target header, matched as DynamoApiHandler matches it: the DynamoDB API (either version) and an
    // implemented operation, or "unknown".
    public OperationSeries Find(ReadOnlySpan<char> target)
    {
        int dot = target.IndexOf('.');
        if (dot < 0) return _unknown;
        var api = target[..dot];
        if (!api.SequenceEqual("DynamoDB_20120810") && !api.SequenceEqual("DynamoDB_20111205")) return _unknown;
        return _byName.TryGetValue(target[(dot + 1)..], out var series) ? series : _unknown;
    }

    // Index into BucketBoundsUs of the first bound at or above the duration; BucketBoundsUs.Length for +Inf. A linear
    // scan: most requests fall in the first few buckets.
    public static int BucketOf(long elapsedTicks)
    {
        var bounds = BucketBoundsTicks;
        for (int i = 0; i < bounds.Length; i++)
            if (elapsedTicks <= bounds[i]) return i;
        return bounds.Length;
    }

    // The index of an error type, with or without its namespace ("com.amazon.coral.validate#ValidationException").
    public static int ErrorOf(ReadOnlySpan<char> type)
    {
        int hash = type.IndexOf('#');
        return ErrorIndex.TryGetValue(hash < 0 ? type : type[(hash + 1)..], out int index) ? index : OtherError;
    }

    // Called by DynamoApiHandler where it writes an error answer: the type it sent, for Complete. `type` must be a
    // string the handler holds anyway (a constant, an exception's type), so that nothing is allocated here.
    public static void SetError(HttpContext context, string type) => context.Features[typeof(ErrorSlot)] = type;

    // Called by DynamoApiHandler's exception filter when an exception leaves it. Returns false (the filter does not
    // catch).
    public static bool SetEscaped(HttpContext context)
    {
        context.Features[typeof(ErrorSlot)] = ErrorSlot.Escaped;
        return false;
    }

    // Called once per request, in DynamoApiHandler.HandleAsync's finally, with the timestamp taken when it started:
    // counts the request and, when the logger's Debug level is on, writes its line.
    public void Complete(HttpContext context, long startedTimestamp, ILogger logger)
    {
        long elapsed = Stopwatch.GetTimestamp() - startedTimestamp;
        object? slot = context.Features[typeof(ErrorSlot)];
        int status = context.Response.StatusCode;
        int rejection = ReferenceEquals(slot, ErrorSlot.Escaped) ? Aborted
            : status == StatusCodes.Status413PayloadTooLarge ? TooLarge
            : status == StatusCodes.Status404NotFound ? NotFound
            : -1;
        string operation;
        string? error;
        if (rejection >= 0)
        {
            Interlocked.Increment(ref _rejections[rejection]);
            operation = "-";
            error = HttpRejections[rejection];
        }
        else
        {
            var series = Find(context.Request.Headers["X-Amz-Target"].ToString());
            error = slot as string;
            series.Record(elapsed, error is null ? -1 : ErrorOf(error));
            operation = series.Name;
        }
        if (logger.IsEnabled(LogLevel.Debug))
        {
            int hash = error?.IndexOf('#') ?? -1;
            LogRequest(logger, operation, status, hash < 0 ? error ?? "-" : error![(hash + 1)..],
                elapsed * 1_000_000 / Stopwatch.Frequency, null);
        }
    }

    private static readonly Action<ILogger, string, int, string, long, Exception?> LogRequest =
        LoggerMessage.Define<string, int, string, long>(LogLevel.Debug, new EventId(1, "Request"),
            "{Operation} {Status} {Error} {DurationUs}us");

    // The key under which a request's error type waits in its feature collection; Escaped marks an exception.
    private static class ErrorSlot
    {
        public static readonly object Escaped = new();
    }
}

// One operation's counters. Thread-safe: Interlocked writes, Volatile reads.
internal sealed class OperationSeries(string name)
{
    private readonly long[] _buckets = new long[ApiMetrics.BucketCount];    // not cumulative; the writer sums them
    private readonly long[] _errors = new long[ApiMetrics.ErrorTypes.Length];
    private long _sumTicks;

    public string Name { get; } = name;

    // error: an index into ApiMetrics.ErrorTypes, or -1 for a success.
    public void Record(long elapsedTicks, int error)
    {
        Interlocked.Increment(ref _buckets[ApiMetrics.BucketOf(elapsedTicks)]);
        Interlocked.Add(ref _sumTicks, elapsedTicks);
        if (error >= 0) Interlocked.Increment(ref _errors[error]);
    }

    public long Bucket(int index) => Volatile.Read(ref _buckets[index]);
    public long Errors(int index) => Volatile.Read(ref _errors[index]);
    public long SumTicks => Volatile.Read(ref _sumTicks);
}
