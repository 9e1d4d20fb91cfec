using System.Diagnostics;
using System.Globalization;
using System.Text;
using Basalt.Engine.Database;
using Microsoft.AspNetCore.Http;

namespace Basalt.Server.Metrics;

// GET /metrics: the API's request metrics (ApiMetrics) and the database's figures, in Prometheus' text exposition
// format 0.0.4 (`# HELP`, `# TYPE`, then `name{label="value",...} number` lines, families not interleaved). The
// engine's figures are read here, at scrape time, never on the request path; they are racy reads of counters other
// threads write (see ShardMetrics), so a scrape may be a moment behind. A scrape allocates freely: it runs every few
// seconds, not per request. docs/dynamodb-api.md "Metrics and logs" lists every metric.
internal static class PrometheusWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    // `le` labels of ApiMetrics.BucketBoundsUs in seconds, as decimals ("0.00005", "2.5"), and "+Inf".
    private static readonly string[] BucketLabels = ApiMetrics.BucketBoundsUs
        .Select(us => (us / 1_000_000m).ToString(CultureInfo.InvariantCulture)).Append("+Inf").ToArray();

    public static async Task WriteAsync(HttpContext context, ApiMetrics api, BasaltDatabase database,
        (long Connections, long Requests, long Deferred)? binary = null)
    {
        var body = Encoding.UTF8.GetBytes(Render(api, database, binary));
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    public static string Render(ApiMetrics api, BasaltDatabase database, (long Connections, long Requests, long Deferred)? binary = null)
    {
        var text = new StringBuilder(8192);
        WriteApi(text, api);
        if (binary is { } b) WriteBinary(text, b);
        WriteDatabase(text, database);
        WriteGlobalIndexLag(text, database);
        WriteRuntime(text);
        return text.ToString();
    }

    // The binary protocol (docs/protocol.md): totals over its connections, read at scrape time.
    private static void WriteBinary(StringBuilder text, (long Connections, long Requests, long Deferred) b)
    {
        Family(text, "basalt_binary_connections", "gauge", "Binary protocol connections open.");
        Sample(text, "basalt_binary_connections", null, b.Connections);
        Family(text, "basalt_binary_requests_total", "counter", "Binary protocol requests handled (after the handshake), answered or refused.");
        Sample(text, "basalt_binary_requests_total", null, b.Requests);
        Family(text, "basalt_binary_deferred_total", "counter", "Binary protocol writes the engine did not finish on the connection's thread, answered from another thread (a thread hop).");
        Sample(text, "basalt_binary_deferred_total", null, b.Deferred);
    }

    private static void WriteApi(StringBuilder text, ApiMetrics api)
    {
        // One read of each series' buckets, so that the request count, the cumulative buckets and _count agree.
        var series = api.Operations;
        var buckets = new long[series.Count][];
        for (int s = 0; s < series.Count; s++)
        {
            buckets[s] = new long[ApiMetrics.BucketCount];
            for (int b = 0; b < ApiMetrics.BucketCount; b++) buckets[s][b] = series[s].Bucket(b);
        }

        Family(text, "basalt_requests_total", "counter", "DynamoDB API requests answered, by operation (successes and errors; \"unknown\" for targets Basalt does not implement).");
        for (int s = 0; s < series.Count; s++)
            Sample(text, "basalt_requests_total", $"operation=\"{series[s].Name}\"", buckets[s].Sum());

        Family(text, "basalt_request_errors_total", "counter", "DynamoDB API error answers, by operation and DynamoDB error type.");
        foreach (var op in series)
            for (int e = 0; e < ApiMetrics.ErrorTypes.Length; e++)
                if (op.Errors(e) is var count and > 0)
                    Sample(text, "basalt_request_errors_total", $"operation=\"{op.Name}\",error=\"{ApiMetrics.ErrorTypes[e]}\"", count);

        Family(text, "basalt_request_duration_seconds", "histogram", "Time from the handler receiving a DynamoDB API request to its answer being written, by operation.");
        for (int s = 0; s < series.Count; s++)
        {
            long total = buckets[s].Sum();
            if (total == 0) continue;
            string op = $"operation=\"{series[s].Name}\"";
            long cumulative = 0;
            for (int b = 0; b < ApiMetrics.BucketCount; b++)
            {
                cumulative += buckets[s][b];
                Sample(text, "basalt_request_duration_seconds_bucket", $"{op},le=\"{BucketLabels[b]}\"", cumulative);
            }
            Sample(text, "basalt_request_duration_seconds_sum", op, (double)series[s].SumTicks / Stopwatch.Frequency);
            Sample(text, "basalt_request_duration_seconds_count", op, total);
        }

        Family(text, "basalt_http_rejected_total", "counter", "Requests answered before any DynamoDB operation, by reason (413 body too large, 404 page, aborted).");
        for (int r = 0; r < ApiMetrics.HttpRejections.Length; r++)
            Sample(text, "basalt_http_rejected_total", $"reason=\"{ApiMetrics.HttpRejections[r]}\"", api.Rejections(r));
    }

    private static void WriteDatabase(StringBuilder text, BasaltDatabase database)
    {
        var shards = database.StorageMetrics;
        Gauge(text, "basalt_tables", "Tables in the catalog.", database.TableCount);
        Gauge(text, "basalt_shards", "Shards of the storage engine.", shards.Count);
        Counter(text, "basalt_block_cache_hits_total", "Segment block reads served by the block cache.", database.BlockCacheHits);
        Counter(text, "basalt_block_cache_misses_total", "Segment block reads that missed the block cache.", database.BlockCacheMisses);

        PerShard(text, "basalt_memtable_bytes", "gauge", "Arena bytes used by the shard's memtables (mutable and waiting for flush).", shards.Count, i => database.MemtableBytes(i));
        PerShard(text, "basalt_writes_total", "counter", "Write batches applied by the shard.", shards.Count, i => shards[i].Writes);
        PerShard(text, "basalt_write_failures_total", "counter", "Write batches the shard failed.", shards.Count, i => shards[i].FailedWrites);
        PerShard(text, "basalt_wal_bytes_total", "counter", "Payload bytes appended to the shard's write-ahead log.", shards.Count, i => shards[i].WalBytes);
        PerShard(text, "basalt_wal_rotations_total", "counter", "Memtable and log rotations of the shard.", shards.Count, i => shards[i].Rotations);
        PerShard(text, "basalt_wal_syncs_total", "counter", "fsyncs of the shard's write-ahead log.", shards.Count, i => shards[i].Syncs);
        PerShard(text, "basalt_wal_synced_writes_total", "counter", "Writes made durable by the shard's fsyncs (synced writes / syncs = group commit size).", shards.Count, i => shards[i].SyncedWrites);
        PerShard(text, "basalt_wal_sync_seconds_total", "counter", "Time spent in the shard's write-ahead log fsyncs.", shards.Count, i => Seconds(shards[i].SyncTicks));
        PerShard(text, "basalt_wal_gathers_total", "counter", "fsyncs delayed to gather more writers (sync durability).", shards.Count, i => shards[i].GatherWaits);
        PerShard(text, "basalt_wal_gather_seconds_total", "counter", "Time fsyncs were delayed to gather writers.", shards.Count, i => Seconds(shards[i].GatherTicks));
        PerShard(text, "basalt_inbox_full_waits_total", "counter", "Times a writer waited for room in the shard's inbox (approximate).", shards.Count, i => shards[i].InboxFullWaits);
        PerShard(text, "basalt_inline_writer_rounds_total", "counter", "Rounds callers spent as the shard's writer (inline writes).", shards.Count, i => shards[i].InlineWriterRounds);
        PerShard(text, "basalt_inline_sync_rounds_total", "counter", "Rounds callers spent as the shard's syncer (inline writes).", shards.Count, i => shards[i].InlineSyncRounds);
        PerShard(text, "basalt_write_stalls_total", "counter", "Write stalls of the shard (writes held back while flushes, compactions or fsyncs catch up).", shards.Count, i => shards[i].Stalls);
        PerShard(text, "basalt_write_stall_seconds_total", "counter", "Time the shard's writes were stalled, for stalls that have ended.", shards.Count, i => shards[i].StallMs / 1000);

        Family(text, "basalt_write_stalled", "gauge", "1 while the shard's writes are stalled, with the stall's reason (memtable-flush-behind, compaction-behind, wal-sync-behind).");
        for (int i = 0; i < shards.Count; i++)
            if (shards[i].StallReason is { } reason)
                Sample(text, "basalt_write_stalled", $"shard=\"{i}\",reason=\"{Escape(reason)}\"", 1);

        PerShard(text, "basalt_flushes_total", "counter", "Memtables the shard flushed to segments.", shards.Count, i => shards[i].Flushes);
        PerShard(text, "basalt_flush_bytes_total", "counter", "Segment bytes written by the shard's flushes.", shards.Count, i => shards[i].FlushBytes);
        PerShard(text, "basalt_flush_seconds_total", "counter", "Time spent in the shard's flushes.", shards.Count, i => shards[i].FlushMs / 1000.0);
        PerShard(text, "basalt_compactions_total", "counter", "Compactions of the shard's segments.", shards.Count, i => shards[i].Compactions);
        PerShard(text, "basalt_compaction_read_bytes_total", "counter", "Bytes read by the shard's compactions.", shards.Count, i => shards[i].CompactionBytesRead);
        PerShard(text, "basalt_compaction_written_bytes_total", "counter", "Bytes written by the shard's compactions.", shards.Count, i => shards[i].CompactionBytesWritten);
        PerShard(text, "basalt_compaction_seconds_total", "counter", "Time spent in the shard's compactions.", shards.Count, i => shards[i].CompactionMs / 1000.0);
        PerShard(text, "basalt_maintenance_errors_total", "counter", "Flushes and compactions of the shard that failed.", shards.Count, i => shards[i].MaintenanceErrors);
        PerShard(text, "basalt_recovery_seconds", "gauge", "Time the shard took to recover at open.", shards.Count, i => shards[i].RecoveryMs / 1000.0);
        PerShard(text, "basalt_recovered_entries", "gauge", "Write-ahead log entries the shard replayed at open.", shards.Count, i => shards[i].RecoveredEntries);
        PerShard(text, "basalt_wal_tails_cut", "gauge", "Logs whose bad last record the shard cut at open (a write torn by a crash, or a flipped bit in it).", shards.Count, i => shards[i].WalTailsCut);
    }

    // How far global secondary indexes trail their tables: the time from a write to its index entries being durable.
    private static void WriteGlobalIndexLag(StringBuilder text, BasaltDatabase database)
    {
        var bounds = BasaltDatabase.GlobalIndexLagBoundsUs;
        var (applied, sumUs, maxUs) = database.GlobalIndexLag;
        Family(text, "basalt_gsi_lag_seconds", "histogram", "Time from a write of a table with global secondary indexes to its index entries being durable, per write applied.");
        long cumulative = 0;
        for (int b = 0; b <= bounds.Count; b++)
        {
            cumulative += database.GlobalIndexLagBucket(b);
            string le = b < bounds.Count ? (bounds[b] / 1_000_000m).ToString(CultureInfo.InvariantCulture) : "+Inf";
            Sample(text, "basalt_gsi_lag_seconds_bucket", $"le=\"{le}\"", cumulative);
        }
        Sample(text, "basalt_gsi_lag_seconds_sum", null, sumUs / 1e6);
        Sample(text, "basalt_gsi_lag_seconds_count", null, applied);
        Family(text, "basalt_gsi_lag_max_seconds", "gauge", "The longest such lag since the server started.");
        Sample(text, "basalt_gsi_lag_max_seconds", null, maxUs / 1e6);
    }

    // The .NET runtime's figures that explain latency: collections (each pauses the server) and their total pause.
    private static void WriteRuntime(StringBuilder text)
    {
        Family(text, "basalt_gc_collections_total", "counter", "Garbage collections of the server process, by generation (a collection of generation 2 counts in 0 and 1 too).");
        for (int g = 0; g <= GC.MaxGeneration; g++) Sample(text, "basalt_gc_collections_total", $"generation=\"{g}\"", GC.CollectionCount(g));
        Family(text, "basalt_gc_pause_seconds_total", "counter", "Time the server's threads were paused by garbage collections.");
        Sample(text, "basalt_gc_pause_seconds_total", null, GC.GetTotalPauseDuration().TotalSeconds);
        Family(text, "basalt_gc_allocated_bytes_total", "counter", "Bytes the server process has allocated on the managed heap.");
        Sample(text, "basalt_gc_allocated_bytes_total", null, GC.GetTotalAllocatedBytes());
        Gauge(text, "basalt_gc_heap_bytes", "Managed heap size after the last collection.", GC.GetGCMemoryInfo().HeapSizeBytes);
        Gauge(text, "basalt_threadpool_threads", "Threads in the .NET thread pool.", ThreadPool.ThreadCount);
    }

    private static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;

    private static void Gauge(StringBuilder text, string name, string help, long value)
    {
        Family(text, name, "gauge", help);
        Sample(text, name, null, value);
    }

    private static void Counter(StringBuilder text, string name, string help, long value)
    {
        Family(text, name, "counter", help);
        Sample(text, name, null, value);
    }

    private static void PerShard(StringBuilder text, string name, string type, string help, int shards, Func<int, long> value)
    {
        Family(text, name, type, help);
        for (int i = 0; i < shards; i++) Sample(text, name, $"shard=\"{i}\"", value(i));
    }

    private static void PerShard(StringBuilder text, string name, string type, string help, int shards, Func<int, double> value)
    {
        Family(text, name, type, help);
        for (int i = 0; i < shards; i++) Sample(text, name, $"shard=\"{i}\"", value(i));
    }

    private static void Family(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\").Replace("\n", "\\n"))
            .Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, string? labels, long value)
    {
        SampleName(text, name, labels);
        text.Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void Sample(StringBuilder text, string name, string? labels, double value)
    {
        SampleName(text, name, labels);
        text.Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void SampleName(StringBuilder text, string name, string? labels)
    {
        text.Append(name);
        if (labels is not null) text.Append('{').Append(labels).Append('}');
        text.Append(' ');
    }

    // A label value's escapes: backslash, double quote, line feed.
    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
