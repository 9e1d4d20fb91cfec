using System.Text;
using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using Basalt.Engine.Shards;
using Basalt.Engine.Storage;
using Basalt.Engine.Tables;

namespace Basalt.Engine.Database;

// Query and Scan (docs/database.md, "Query and Scan"). Both are synchronous: a read runs on the caller's thread,
// as GetItem does, and reads one page (Limit items or 1 MB of item bytes, DynamoDB's rule) per call.
//
// Query: the key condition is bound to the table's key schema and becomes one sort-key range [from, to) over the
// order-preserving key encoding, read by one StorageEngine.Iterate over the partition key's routing part, forward or
// backward. Scan: every shard in turn (shard 0 first), each in stored-key order, keeping the keys with the table's
// 4-byte id prefix (the engine has no seek within a shard, so each page reads its shards from the start: see the
// docs). Parallel scan assigns each virtual partition to one segment.
//
// Per item: ItemSize.Of for the 1 MB count, the filter evaluated in place on the stored bytes, the projection
// written through a per-thread ItemWriter; only returned items are decoded to the managed form.
public sealed partial class BasaltDatabase
{
    public const int PageBytesMax = 1024 * 1024;
    public const int TotalSegmentsMax = 1_000_000;

    public const string QueryKeyConditionMissingMessage = "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.";
    public const string ConditionTypeMismatchMessage = "One or more parameter values were invalid: Condition parameter type does not match schema type";
    public const string StartKeyInvalidMessage = "The provided starting key is invalid";
    public const string StartKeyOutsideMessage = "The provided starting key is outside query boundaries based on provided conditions";
    public const string StartKeyRangeMessage = "The provided starting key does not match the range key predicate";
    public const string StartKeyOtherPartitionMessage = "The query can return at most one row and cannot be restarted";
    public const string AllProjectedMessage = "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName";
    public const string SpecificWithoutProjectionMessage = "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES";

    [ThreadStatic] private static ItemWriter? t_projectionWriter;

    public QueryResponse Query(QueryRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var table = Table(request.TableName);
        var index = IndexOf(table, request.IndexName, request.ConsistentRead);
        var capacity = CapacityMode(request.ReturnConsumedCapacity);
        CheckLimit(request.Limit, segment: null, totalSegments: null);
        var texts = LegacyParameters.Read(request.AttributesToGet, request.KeyConditions, request.QueryFilter, "QueryFilter",
            request.ConditionalOperator, request.KeyConditionExpression, request.FilterExpression, request.ProjectionExpression,
            request.ExpressionAttributeNames, request.ExpressionAttributeValues);
        if (texts.KeyCondition is null) throw new ValidationException(QueryKeyConditionMissingMessage);
        var select = CheckSelect(request.Select, texts.Projection, index is not null);

        KeyConditionBinding key;
        ReadExpressions expressions;
        try
        {
            var attributes = new ExpressionAttributes(texts.Names, texts.Values?.Keys);
            var keyCondition = ExpressionParser.ParseKeyCondition(texts.KeyCondition, attributes);
            var filter = texts.Filter is null ? null : ExpressionParser.ParseFilter(texts.Filter, attributes);
            var projection = texts.Projection is null ? null : ExpressionParser.ParseProjection(texts.Projection, attributes);
            attributes.CheckAllUsed();
            key = index is null ? keyCondition.Bind(table.PartitionKey.Name, table.SortKey?.Name) : keyCondition.Bind(index.PartitionKey.Name, index.SortKey?.Name);
            expressions = ReadExpressions.Create(texts.Values, filter, projection, select);
        }
        catch (ExpressionException e)
        {
            throw new ValidationException(e.Message);
        }

        var values = expressions.Values;
        if (index is { IsGlobal: true }) CheckGlobalRead(table, index, expressions, select);
        byte[] partition = KeyBytes(values.GetManaged(key.Partition.Value), index?.PartitionKey ?? table.PartitionKey, isPartition: true);
        var (from, to) = SortRange(key.Sort, index is null ? table.SortKey : index.SortKey, values, component: index is not null);
        if (expressions.FilterAst is not null) CheckFilterAvoidsKeys(expressions.FilterAst, table, index);
        if (index is not null) return QueryIndex(request, table, index, expressions, partition, from, to, key.Sort is not null, capacity);

        bool forward = request.ScanIndexForward ?? true;
        if (request.ExclusiveStartKey is { } start)
        {
            var startKey = StartKey(table, start, scan: false);
            if (key.Sort is null)
            {
                if (!startKey.Partition.AsSpan().SequenceEqual(partition)) throw new ValidationException(StartKeyOutsideMessage);
            }
            else
            {
                if (!InRange(startKey.Sort!, from, to)) throw new ValidationException(StartKeyRangeMessage);
                if (!startKey.Partition.AsSpan().SequenceEqual(partition)) throw new ValidationException(StartKeyOtherPartitionMessage);
            }
            // A table without a sort key has one item per partition key: nothing follows it.
            if (table.SortKey is null) return new QueryResponse([], 0, 0, null, PageCapacity(capacity, table, 0, request.ConsistentRead));
            if (forward) from = Successor(startKey.Sort!);
            else to = startKey.Sort;
        }

        var routing = new byte[ItemKeys.TableIdBytes + partition.Length];
        ItemKeys.WriteTablePrefix(table.Id, routing);
        partition.CopyTo(routing, ItemKeys.TableIdBytes);

        var page = new Page(table, expressions, request.Limit ?? int.MaxValue);
        if (from is null || to is null || from.AsSpan().SequenceCompareTo(to) < 0)
        {
            using var it = _engine.Iterate(routing, from, to, reverse: !forward);
            while (it.MoveNext())
                if (page.Add(it.Value)) break;
        }
        return new QueryResponse(page.Items, page.Count, page.Scanned, page.LastEvaluatedKey,
            PageCapacity(capacity, table, page.Bytes, request.ConsistentRead));
    }

    // Query's read of a local secondary index: one range of the partition key's entries, in the item's partition.
    private QueryResponse QueryIndex(QueryRequest request, TableDefinition table, IndexDefinition index, ReadExpressions expressions,
        byte[] partition, byte[]? from, byte[]? to, bool hasSortCondition, ReturnConsumedCapacity capacity)
    {
        bool forward = request.ScanIndexForward ?? true;
        if (request.ExclusiveStartKey is { } start)
        {
            var startKey = IndexStartKey(table, index, start);
            if (hasSortCondition && !InRange(startKey.After, from, to)) throw new ValidationException(StartKeyRangeMessage);
            if (!startKey.Routing.AsSpan(ItemKeys.TableIdBytes).SequenceEqual(partition))
                throw new ValidationException(hasSortCondition ? StartKeyOtherPartitionMessage : StartKeyOutsideMessage);
            if (forward) from = Successor(startKey.After);
            else to = startKey.After;
        }
        var (vpartition, routing) = LocalIndexes.Collection(table, index, partition);
        var page = new Page(table, expressions, request.Limit ?? int.MaxValue, index);
        bool fetch = !index.IsGlobal && NeedsTableItems(table, index, expressions);
        if (from is null || to is null || from.AsSpan().SequenceCompareTo(to) < 0)
        {
            using var it = _engine.Iterate(vpartition, routing, from, to, reverse: !forward);
            while (it.MoveNext())
                if (page.Add(fetch ? TableItemOf(table, it.Value) : it.Value, it.Value, fetch)) break;
        }
        return new QueryResponse(page.Items, page.Count, page.Scanned, page.LastEvaluatedKey,
            IndexPageCapacity(capacity, table, index, page, request.ConsistentRead ?? false));
    }

    // The index a Query or Scan names, or null for none; DynamoDB's errors for a bad name, and for a strongly
    // consistent read of a global index.
    private static IndexDefinition? IndexOf(TableDefinition table, string? indexName, bool? consistentRead)
    {
        if (indexName is null) return null;
        TableValidation.IndexNameMember(indexName);
        var index = table.Index(indexName);
        if (index is null || index.Status == IndexStatus.Deleting) throw new ValidationException($"The table does not have the specified index: {indexName}");
        if (index.IsGlobal && consistentRead == true) throw new ValidationException(GlobalIndexes.ConsistentReadMessage);
        if (index.Status == IndexStatus.Creating) throw new ValidationException(BackfillingReadMessagePrefix + indexName);
        return index;
    }

    // A global index holds only its projection and DynamoDB does not fetch from the table for it: ALL_ATTRIBUTES and
    // projections beyond it are refused.
    private static void CheckGlobalRead(TableDefinition table, IndexDefinition index, ReadExpressions expressions, Select select)
    {
        if (index.ProjectionType == ProjectionType.All) return;
        if (select == Database.Select.AllAttributes) throw GlobalIndexes.AllAttributesRefused(index);
        if (expressions.Projection is null) return;
        var missing = expressions.Projection.Projection.Paths.Select(p => p.TopLevelName).Distinct()
            .Where(n => !index.Projects(table, Encoding.UTF8.GetBytes(n))).ToList();
        if (missing.Count > 0) throw GlobalIndexes.NotProjected(index, missing);
    }

    // Whether a read of a local index must fetch the items from the table: the index does not project everything
    // and the request asks for all attributes, or names (to return or to filter on) one the index lacks. DynamoDB
    // fetches them for a local index (a global one refuses instead).
    private static bool NeedsTableItems(TableDefinition table, IndexDefinition index, ReadExpressions expressions)
    {
        if (index.ProjectionType == ProjectionType.All || expressions.CountOnly && expressions.FilterAst is null) return false;
        if (expressions.Projection is null && !expressions.ProjectedOnly) return true;
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (expressions.Projection is not null)
            foreach (var path in expressions.Projection.Projection.Paths) names.Add(path.TopLevelName);
        if (expressions.FilterAst is not null) CollectNames(expressions.FilterAst, names);
        return names.Any(n => !index.Projects(table, System.Text.Encoding.UTF8.GetBytes(n)));
    }

    // The table's item behind an index entry (same shard: a local index's entries sit in their items' partition).
    // An entry is written with its item in one batch, so the item is there unless a later write removed both.
    private byte[] TableItemOf(TableDefinition table, ReadOnlySpan<byte> entry)
    {
        ItemKeys.FromItem(table, entry, out var partitionKey, out var sortKey);
        StoredKeyOf(table, partitionKey, sortKey, out var routing, out var rest);
        return _engine.Get(routing, rest) ?? entry.ToArray();
    }

    public ScanResponse Scan(ScanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var table = Table(request.TableName);
        var index = IndexOf(table, request.IndexName, request.ConsistentRead);
        var capacity = CapacityMode(request.ReturnConsumedCapacity);
        CheckLimit(request.Limit, request.Segment, request.TotalSegments);
        CheckSegments(request.Segment, request.TotalSegments);
        var texts = LegacyParameters.Read(request.AttributesToGet, keyConditions: null, request.ScanFilter, "ScanFilter",
            request.ConditionalOperator, keyConditionExpression: null, request.FilterExpression, request.ProjectionExpression,
            request.ExpressionAttributeNames, request.ExpressionAttributeValues);
        var select = CheckSelect(request.Select, texts.Projection, index is not null);

        ReadExpressions expressions;
        try
        {
            var attributes = new ExpressionAttributes(texts.Names, texts.Values?.Keys);
            var filter = texts.Filter is null ? null : ExpressionParser.ParseFilter(texts.Filter, attributes);
            var projection = texts.Projection is null ? null : ExpressionParser.ParseProjection(texts.Projection, attributes);
            attributes.CheckAllUsed();
            expressions = ReadExpressions.Create(texts.Values, filter, projection, select);
        }
        catch (ExpressionException e)
        {
            throw new ValidationException(e.Message);
        }

        if (index is { IsGlobal: true }) CheckGlobalRead(table, index, expressions, select);
        int segment = request.Segment ?? 0, totalSegments = request.TotalSegments ?? 1;
        // The resume point: the stored key of ExclusiveStartKey, on its shard.
        int startShard = 0;
        byte[]? startStoredKey = null;
        if (request.ExclusiveStartKey is { } start)
        {
            int vpartition;
            byte[] routing, rest;
            if (index is null)
            {
                var startKey = StartKey(table, start, scan: true);
                routing = new byte[ItemKeys.TableIdBytes + startKey.Partition.Length];
                ItemKeys.WriteTablePrefix(table.Id, routing);
                startKey.Partition.CopyTo(routing, ItemKeys.TableIdBytes);
                vpartition = Partitioner.VirtualPartitionFor(routing);
                rest = startKey.Sort ?? [];
            }
            else (vpartition, routing, rest) = IndexStartKey(table, index, start);
            if (SegmentOf(vpartition, totalSegments) != segment)
                throw new ValidationException($"{StartKeyInvalidMessage}: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: {totalSegments} Segment: {segment}");
            startShard = _engine.ShardOfVPartition(vpartition);
            startStoredKey = new byte[StoredKey.Length(routing.Length, rest.Length)];
            StoredKey.Write(startStoredKey, vpartition, routing, rest);
        }

        var page = new Page(table, expressions, request.Limit ?? int.MaxValue, index);
        bool fetch = index is { IsGlobal: false } && NeedsTableItems(table, index, expressions);
        Span<byte> prefix = stackalloc byte[ItemKeys.TableIdBytes];
        ItemKeys.WriteTablePrefix(index?.Id ?? table.Id, prefix);
        using var snapshot = _engine.GetSnapshot();
        bool full = false;
        // A segment owns a contiguous run of virtual partitions, and a stored key starts with its partition: on each
        // shard the segment is one key range, and a resumed page seeks just past its start key.
        var (segmentLower, segmentUpper) = SegmentRange(segment, totalSegments);
        for (int shard = startShard; shard < _engine.ShardCount && !full; shard++)
        {
            byte[] lower = segmentLower;
            if (shard == startShard && startStoredKey is not null)
            {
                lower = new byte[startStoredKey.Length + 1]; // the start key's immediate successor
                startStoredKey.CopyTo(lower, 0);
            }
            using var it = _engine.IterateShard(shard, lower, segmentUpper, snapshot: snapshot);
            while (it.MoveNext())
            {
                if (!it.Routing.StartsWith(prefix)) continue;
                if (page.Add(fetch ? TableItemOf(table, it.Value) : it.Value, it.Value, fetch))
                {
                    full = true;
                    break;
                }
            }
        }
        return new ScanResponse(page.Items, page.Count, page.Scanned, page.LastEvaluatedKey,
            index is null ? PageCapacity(capacity, table, page.Bytes, request.ConsistentRead)
                : IndexPageCapacity(capacity, table, index, page, request.ConsistentRead ?? false));
    }

    // A Query or Scan page costs the total size of the items it read (before the filter and the projection, and
    // the same for Select COUNT), rounded up to 4 KB once, not per item.
    // A page of an index: the entries read, rounded to 4 KB once, are the index's units; each item fetched from the
    // table costs its own read (dynalite's recording of DynamoDB: Table 3 and the index 1 for three items fetched).
    // A global index is always read eventually consistent.
    private static ConsumedCapacity? IndexPageCapacity(ReturnConsumedCapacity mode, TableDefinition table, IndexDefinition index, Page page, bool consistentRead)
    {
        if (mode == ReturnConsumedCapacity.None) return null;
        bool consistent = consistentRead && !index.IsGlobal;
        double tableUnits = page.FetchedSizes.Sum(size => CapacityUnits.Read(size, consistent));
        return CapacityUnits.Report(mode, table.Name, tableUnits, isWrite: false,
            [new IndexUnits(index.Name, index.IsGlobal, CapacityUnits.Read(page.EntryBytes, consistent))]);
    }

    private static ConsumedCapacity? PageCapacity(ReturnConsumedCapacity mode, TableDefinition table, long bytesRead, bool? consistentRead) =>
        ReadCapacity(mode, table, bytesRead, consistentRead ?? false);

    // The stored-key range [lower, upper) of a segment's virtual partitions; an empty upper: to the end.
    private static (byte[] Lower, byte[] Upper) SegmentRange(int segment, int totalSegments)
    {
        // The first partition p with SegmentOf(p) >= s is ceil(s * VirtualPartitions / totalSegments).
        static int FirstPartition(int s, int total) => (int)(((long)s * Limits.VirtualPartitions + total - 1) / total);
        int first = FirstPartition(segment, totalSegments), next = FirstPartition(segment + 1, totalSegments);
        var lower = new byte[2];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(lower, (ushort)Math.Min(first, Limits.VirtualPartitions - 1));
        if (first >= Limits.VirtualPartitions) lower = [0xFF, 0xFF, 0xFF]; // beyond every stored key: an empty segment
        byte[] upper = [];
        if (next < Limits.VirtualPartitions)
        {
            upper = new byte[2];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(upper, (ushort)next);
        }
        return (lower, upper);
    }

    // The parallel-scan segment of a virtual partition: contiguous runs of partitions per segment, so every key
    // belongs to exactly one segment (with more segments than partitions, some segments are empty).
    internal static int SegmentOf(int vpartition, int totalSegments) => (int)((long)vpartition * totalSegments / Limits.VirtualPartitions);

    private static void CheckLimit(int? limit, int? segment, int? totalSegments)
    {
        var errors = new List<string>(3);
        if (segment is < 0)
            errors.Add($"Value '{segment}' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0");
        if (limit is < 1)
            errors.Add($"Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
        if (totalSegments is < 1)
            errors.Add($"Value '{totalSegments}' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal to 1");
        else if (totalSegments is > TotalSegmentsMax)
            errors.Add($"Value '{totalSegments}' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to {TotalSegmentsMax}");
        if (errors.Count > 0)
            throw new ValidationException($"{errors.Count} validation error{(errors.Count > 1 ? "s" : "")} detected: {string.Join("; ", errors)}");
    }

    private static void CheckSegments(int? segment, int? totalSegments)
    {
        if (segment is not null && totalSegments is null)
            throw new ValidationException("The TotalSegments parameter is required but was not present in the request when Segment parameter is present");
        if (segment is null && totalSegments is not null)
            throw new ValidationException("The Segment parameter is required but was not present in the request when parameter TotalSegments is present");
        if (segment >= totalSegments)
            throw new ValidationException($"The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {segment} is not less than TotalSegments: {totalSegments}");
    }

    private static Select CheckSelect(Select? select, string? projection, bool onIndex)
    {
        if (projection is not null && select is { } s && s != Database.Select.SpecificAttributes)
            throw new ValidationException("Cannot specify the ProjectionExpression when choosing to get " + s switch
            {
                Database.Select.Count => "only the Count",
                Database.Select.AllAttributes => "ALL_ATTRIBUTES",
                _ => "ALL_PROJECTED_ATTRIBUTES",
            });
        if (select == Database.Select.AllProjectedAttributes && !onIndex) throw new ValidationException(AllProjectedMessage);
        if (select == Database.Select.SpecificAttributes && projection is null) throw new ValidationException(SpecificWithoutProjectionMessage);
        // DynamoDB's defaults: everything the index holds on an index, the whole item on a table.
        return select ?? (projection is not null ? Database.Select.SpecificAttributes : onIndex ? Database.Select.AllProjectedAttributes : Database.Select.AllAttributes);
    }

    // A key value of a key condition in its stored form, checked against the key's schema type and DynamoDB's
    // key rules (non-empty S/B, size limits).
    private static byte[] KeyBytes(AttributeValue value, TableDefinition.KeySlot slot, bool isPartition)
    {
        if (value.Type != slot.Type) throw new ValidationException(ConditionTypeMismatchMessage);
        byte[] bytes;
        switch (value.Type)
        {
            case AttributeType.N:
                var number = DynamoNumber.Parse(value.AsNumber());   // canonical already (ReadExpressions)
                bytes = new byte[KeyEncoding.NumberKeyLength(number)];
                KeyEncoding.WriteNumberKey(number, bytes);
                return bytes;
            case AttributeType.S:
                bytes = Encoding.UTF8.GetBytes(value.AsString());
                break;
            default:
                bytes = value.AsBinary().ToArray();
                break;
        }
        if (bytes.Length == 0)
            throw new ValidationException("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty " +
                (value.Type == AttributeType.S ? "string" : "binary") + $" value. Key: {slot.Name}");
        if (isPartition && bytes.Length > ItemKeys.PartitionKeyBytesMax) throw new ValidationException(ItemKeys.HashKeyTooLargeMessage);
        if (!isPartition && bytes.Length > ItemKeys.SortKeyBytesMax) throw new ValidationException(ItemKeys.RangeKeyTooLargeMessage);
        return bytes;
    }

    // The sort-key condition as a range of stored rests: from inclusive, to exclusive, null for open. On a table the
    // sort key is the whole rest, and the smallest rest above x is x + 0x00, so "<= x" ends before Successor(x) and
    // "> x" starts there. On a local index (component) the rest is the index sort key's component form followed by the
    // table's sort key, so a value x covers every rest that starts with C(x): "<= x" ends at PrefixSuccessor(C(x)),
    // and begins_with matches the escaped prefix (Tables/LocalIndexes).
    private static (byte[]? From, byte[]? To) SortRange(KeyConditionPart? sort, TableDefinition.KeySlot? slot, ExpressionValues values, bool component = false)
    {
        if (sort is null || slot is null) return (null, null);
        var value = values.GetManaged(sort.Value);
        if (sort.Operator == KeyOperator.BeginsWith && value.Type == AttributeType.N)
            throw new ValidationException("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N");
        var bound = KeyBytes(value, slot, isPartition: false);
        byte[] At(byte[] raw) => component ? LocalIndexes.Component(slot.Type, raw) : raw;
        byte[]? After(byte[] raw) => component ? PrefixSuccessor(LocalIndexes.Component(slot.Type, raw)) : Successor(raw);
        switch (sort.Operator)
        {
            case KeyOperator.Equal: return (At(bound), After(bound));
            case KeyOperator.Less: return (null, At(bound));
            case KeyOperator.LessOrEqual: return (null, After(bound));
            case KeyOperator.Greater: return (After(bound), null);
            case KeyOperator.GreaterOrEqual: return (At(bound), null);
            case KeyOperator.BeginsWith:
                var prefix = component ? KeyEncoding.EscapedPrefix(bound) : bound;
                return (prefix, PrefixSuccessor(prefix));
            default:
                var upperValue = values.GetManaged(sort.UpperValue!);
                var upper = KeyBytes(upperValue, slot, isPartition: false);
                if (bound.AsSpan().SequenceCompareTo(upper) > 0)
                    throw new ValidationException("Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; " +
                        $"lower bound operand: AttributeValue: {{{Render(value)}}}, upper bound operand: AttributeValue: {{{Render(upperValue)}}}");
                return (At(bound), After(upper));
        }
    }

    private static string Render(AttributeValue value) => value.Type switch
    {
        AttributeType.N => $"N:{value.AsNumber()}",
        AttributeType.S => $"S:{value.AsString()}",
        _ => $"B:{Convert.ToBase64String(value.AsBinary().Span)}",
    };

    private static byte[] Successor(byte[] key)
    {
        var next = new byte[key.Length + 1];
        key.CopyTo(next, 0);
        return next;
    }

    // The first key that does not start with the prefix, or null when every longer key does (all 0xFF).
    private static byte[]? PrefixSuccessor(byte[] prefix)
    {
        int n = prefix.Length;
        while (n > 0 && prefix[n - 1] == 0xFF) n--;
        if (n == 0) return null;
        var next = prefix.AsSpan(0, n).ToArray();
        next[n - 1]++;
        return next;
    }

    private static bool InRange(byte[] key, byte[]? from, byte[]? to) =>
        (from is null || key.AsSpan().SequenceCompareTo(from) >= 0) && (to is null || key.AsSpan().SequenceCompareTo(to) < 0);

    // DynamoDB refuses a Query filter that names a key attribute (partition key checked first).
    // On an index, its own key attributes (dynalite checks the index's key schema; not verified against DynamoDB).
    private static void CheckFilterAvoidsKeys(Condition filter, TableDefinition table, IndexDefinition? index)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        CollectNames(filter, names);
        string[] keys = index is not null ? index.KeySlots.Select(k => k.Name).ToArray()
            : table.SortKey is { } sort ? [table.PartitionKey.Name, sort.Name] : [table.PartitionKey.Name];
        foreach (var name in keys)
            if (names.Contains(name))
                throw new ValidationException($"Filter Expression can only contain non-primary key attributes: Primary key attribute: {name}");
    }

    // The top-level attribute names a condition reads.
    private static void CollectNames(Condition filter, HashSet<string> names)
    {
        Collect(filter, names);

        static void Collect(Condition condition, HashSet<string> names)
        {
            switch (condition)
            {
                case AndCondition a: Collect(a.Left, names); Collect(a.Right, names); break;
                case OrCondition o: Collect(o.Left, names); Collect(o.Right, names); break;
                case NotCondition n: Collect(n.Operand, names); break;
                case ComparisonCondition c: Add(c.Left, names); Add(c.Right, names); break;
                case BetweenCondition b: Add(b.Subject, names); Add(b.Lower, names); Add(b.Upper, names); break;
                case InCondition i:
                    Add(i.Subject, names);
                    foreach (var candidate in i.Candidates) Add(candidate, names);
                    break;
                case FunctionCondition f:
                    foreach (var argument in f.Arguments) Add(argument, names);
                    break;
            }
        }

        static void Add(Operand operand, HashSet<string> names)
        {
            if (operand is PathOperand p) names.Add(p.Path.TopLevelName);
            else if (operand is SizeOperand s) Add(s.Argument, names);
        }
    }

    private sealed record StartKeyBytes(byte[] Partition, byte[]? Sort);

    // ExclusiveStartKey: exactly the table's key attributes, with the schema's types, as stored key bytes.
    private static StartKeyBytes StartKey(TableDefinition table, Dictionary<string, AttributeValue> start, bool scan)
    {
        int expected = table.SortKey is null ? 1 : 2;
        string mismatch = $"{StartKeyInvalidMessage}: {ItemKeys.KeyMismatchMessage}";
        if (start.Count != expected || !start.ContainsKey(table.PartitionKey.Name) || (table.SortKey is { } s && !start.ContainsKey(s.Name)))
            throw new ValidationException(scan ? mismatch : StartKeyInvalidMessage);
        try
        {
            ItemKeys.FromManaged(table, start, out var partitionKey, out var sortKey);
            var partition = new byte[ItemKeys.RoutingLength(partitionKey)];
            int length = ItemKeys.WriteRouting(0, partitionKey, partition);
            byte[]? sort = null;
            if (!sortKey.IsAbsent)
            {
                sort = new byte[ItemKeys.RestLength(sortKey)];
                ItemKeys.WriteRest(sortKey, sort);
            }
            return new StartKeyBytes(partition.AsSpan(ItemKeys.TableIdBytes, length - ItemKeys.TableIdBytes).ToArray(), sort);
        }
        catch (ValidationException e)
        {
            throw new ValidationException($"{StartKeyInvalidMessage}: {e.Message}");
        }
    }

    // ExclusiveStartKey of an index read: the table's key attributes and the index's (DynamoDB's LastEvaluatedKey of an
    // index holds both, each once), as the place of the entry they name: its virtual partition, routing part and rest.
    private static (int VPartition, byte[] Routing, byte[] After) IndexStartKey(TableDefinition table, IndexDefinition index, Dictionary<string, AttributeValue> start)
    {
        var slots = new List<TableDefinition.KeySlot> { table.PartitionKey };
        if (table.SortKey is { } sort) slots.Add(sort);
        foreach (var slot in index.KeySlots)
            if (!slots.Exists(s => s.Name == slot.Name)) slots.Add(slot);
        if (start.Count != slots.Count || !slots.All(s => start.ContainsKey(s.Name))) throw new ValidationException(StartKeyInvalidMessage);
        foreach (var slot in slots)
            if (start[slot.Name] is not { } value || value.Type != slot.Type) throw new ValidationException($"{StartKeyInvalidMessage}: {ItemKeys.KeyMismatchMessage}");
        try
        {
            foreach (var slot in index.KeySlots) KeyBytes(start[slot.Name], slot, isPartition: ReferenceEquals(slot, index.PartitionKey));
            var item = ItemCodec.Encode(start);
            return LocalIndexes.EntryPlace(table, index, item) ?? throw new ValidationException(StartKeyInvalidMessage);
        }
        catch (ValidationException e) when (e.Message != StartKeyInvalidMessage)
        {
            throw new ValidationException($"{StartKeyInvalidMessage}: {e.Message}");
        }
        catch (ItemValidationException e)
        {
            throw new ValidationException($"{StartKeyInvalidMessage}: {e.Message}");
        }
    }

    // A request's expressions bound for evaluation: values canonicalised and encoded once, evaluators built once.
    private sealed class ReadExpressions
    {
        public required ExpressionValues Values { get; init; }
        public Condition? FilterAst { get; init; }
        public ConditionEvaluator? Filter { get; init; }
        public ProjectionEvaluator? Projection { get; init; }
        public bool CountOnly { get; init; }
        public bool ProjectedOnly { get; init; } // Select ALL_PROJECTED_ATTRIBUTES

        public static ReadExpressions Create(Dictionary<string, AttributeValue>? values, Condition? filter, ProjectionExpression? projection, Select select)
        {
            var bound = values is null ? ExpressionValues.Empty : new ExpressionValues(values.Select(v => KeyValuePair.Create(v.Key, Canonical(v.Key, v.Value))).ToArray());
            return new ReadExpressions
            {
                Values = bound,
                FilterAst = filter,
                Filter = filter is null ? null : new ConditionEvaluator(filter, bound, ExpressionKind.Filter),
                Projection = projection is null ? null : new ProjectionEvaluator(projection),
                CountOnly = select == Database.Select.Count,
                ProjectedOnly = select == Database.Select.AllProjectedAttributes,
            };
        }

        // ExpressionValues needs canonical numbers (as stored items have), so "1.0" compares as "1".
        private static AttributeValue Canonical(string key, AttributeValue? value)
        {
            if (value is null)
                throw new ExpressionException($"ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes for key {key}");
            switch (value.Type)
            {
                case AttributeType.N: return AttributeValue.Number(Number(value.AsNumber()));
                case AttributeType.NS: return AttributeValue.NumberSet(value.AsNumberSet().Select(Number));
                case AttributeType.L: return AttributeValue.List(value.AsList().Select(e => Canonical(key, e)));
                case AttributeType.M: return AttributeValue.Map(value.AsMap().Select(e => KeyValuePair.Create(e.Key, Canonical(key, e.Value))));
                default: return value;
            }
        }

        private static string Number(string text) =>
            DynamoNumber.TryParse(text, out var number, out var error) ? number.ToString() : throw new ValidationException(error!);
    }

    // One page being read: counts, the 1 MB budget, the items kept, and where the page stopped.
    // On an index, the LastEvaluatedKey also holds the index's sort key, read from the entry (keyItem).
    private sealed class Page(TableDefinition table, ReadExpressions expressions, int limit, IndexDefinition? index = null)
    {
        private long _bytes;

        public long Bytes => _bytes; // DynamoDB sizes of the items read, before the filter
        public List<Dictionary<string, AttributeValue>> Items { get; } = [];
        public int Count { get; private set; }
        public int Scanned { get; private set; }
        public Dictionary<string, AttributeValue>? LastEvaluatedKey { get; private set; }

        // Reads one item; true when the page is full (Limit items read or 1 MB reached), and then the item's key is
        // the LastEvaluatedKey (DynamoDB returns it whenever the page stops there, even if no item follows).
        // On an index: the entries' sizes, and the sizes of the items fetched from the table (each read on its own).
        public long EntryBytes { get; private set; }
        public List<int> FetchedSizes { get; } = [];

        public bool Add(ReadOnlySpan<byte> item) => Add(item, item, fetched: false);

        public bool Add(ReadOnlySpan<byte> item, ReadOnlySpan<byte> keyItem, bool fetched)
        {
            if (index is not null) EntryBytes += ItemSize.Of(keyItem);
            if (fetched) FetchedSizes.Add(ItemSize.Of(item));
            Scanned++;
            _bytes += ItemSize.Of(item);
            if (expressions.Filter is null || expressions.Filter.Evaluate(item))
            {
                Count++;
                if (!expressions.CountOnly)
                {
                    if (expressions.Projection is null) Items.Add(ItemCodec.Decode(item));
                    else Items.Add(ItemCodec.Decode(expressions.Projection.Project(item, t_projectionWriter ??= new ItemWriter())));
                }
            }
            if (Scanned < limit && _bytes < PageBytesMax) return false;
            LastEvaluatedKey = KeyOf(keyItem);
            return true;
        }

        private Dictionary<string, AttributeValue> KeyOf(ReadOnlySpan<byte> item)
        {
            var reader = new ItemReader(item);
            var key = new Dictionary<string, AttributeValue>(2);
            reader.TryGet(table.PartitionKey.Utf8Name, out var partition);
            key[table.PartitionKey.Name] = ItemCodec.DecodeValue(partition);
            if (table.SortKey is { } sort)
            {
                reader.TryGet(sort.Utf8Name, out var value);
                key[sort.Name] = ItemCodec.DecodeValue(value);
            }
            if (index is not null)
                foreach (var slot in index.KeySlots)
                    if (!key.ContainsKey(slot.Name) && reader.TryGet(slot.Utf8Name, out var indexValue)) key[slot.Name] = ItemCodec.DecodeValue(indexValue);
            return key;
        }
    }
}
