using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using BenchmarkDotNet.Attributes;

namespace Basalt.Bench.Micro;

// Per-item cost of the evaluators on a 1 KB item (twelve attributes: key, strings, numbers, a string set, a
// list and a nested map), with expressions parsed and bound once as a request does:
//   Condition: an optimistic-lock condition with a function, a numeric comparison, size() and contains();
//              evaluated in place on the encoding, it should allocate nothing.
//   Filter:    IN over strings plus a nested-path BETWEEN, as a Query filter runs per item.
//   Project:   three paths, one nested, into a reused ItemWriter.
//   Update:    SET with arithmetic and if_not_exists, list_append, REMOVE and ADD to a set, writing the new
//              item into a reused ItemWriter (touched attributes go through the managed form, so this one
//              allocates in proportion to what it changes).
[MemoryDiagnoser]
public class ExpressionEvalBenchmarks
{
    private byte[] _item = [];
    private ConditionEvaluator _condition = null!;
    private ConditionEvaluator _filter = null!;
    private ProjectionEvaluator _projection = null!;
    private UpdateEvaluator _update = null!;
    private readonly ItemWriter _writer = new();

    [GlobalSetup]
    public void Setup()
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["pk"] = AttributeValue.String("user#000123"),
            ["sk"] = AttributeValue.String("profile"),
            ["version"] = AttributeValue.Number("42"),
            ["status"] = AttributeValue.String("active"),
            ["email"] = AttributeValue.String("someone@example.com"),
            ["bio"] = AttributeValue.String(new string('b', 500)),
            ["score"] = AttributeValue.Number("1234.5"),
            ["tags"] = AttributeValue.StringSet(["a", "b", "c", "vip"]),
            ["events"] = AttributeValue.List(Enumerable.Range(0, 10).Select(i => AttributeValue.String("event-" + i))),
            ["address"] = AttributeValue.Map(new Dictionary<string, AttributeValue>
            {
                ["city"] = AttributeValue.String("Lisbon"),
                ["zip"] = AttributeValue.String("1000-001"),
                ["geo"] = AttributeValue.Map(new Dictionary<string, AttributeValue>
                {
                    ["lat"] = AttributeValue.Number("38.72"),
                    ["lon"] = AttributeValue.Number("-9.14"),
                }),
            }),
            ["pending"] = AttributeValue.Bool(true),
            ["notes"] = AttributeValue.String(new string('n', 250)),
        };
        _item = ItemCodec.Encode(item);

        var values = new KeyValuePair<string, AttributeValue>[]
        {
            new(":expected", AttributeValue.Number("42")),
            new(":maxTags", AttributeValue.Number("10")),
            new(":tag", AttributeValue.String("vip")),
            new(":s1", AttributeValue.String("inactive")),
            new(":s2", AttributeValue.String("active")),
            new(":lo", AttributeValue.Number("30")),
            new(":hi", AttributeValue.Number("40")),
        };
        var bound = new ExpressionValues(values);
        var attributes = new ExpressionAttributes([new("#v", "version"), new("#s", "status")], values.Select(v => v.Key));
        _condition = new ConditionEvaluator(ExpressionParser.ParseCondition(
            "attribute_exists(pk) AND #v = :expected AND (size(tags) < :maxTags OR NOT contains(tags, :tag))", attributes), bound);
        _filter = new ConditionEvaluator(ExpressionParser.ParseFilter(
            "#s IN (:s1, :s2) AND address.geo.lat BETWEEN :lo AND :hi", attributes), bound, ExpressionKind.Filter);
        _projection = new ProjectionEvaluator(ExpressionParser.ParseProjection("pk, email, address.city", ExpressionAttributes.None));

        var updateValues = new KeyValuePair<string, AttributeValue>[]
        {
            new(":one", AttributeValue.Number("1")),
            new(":now", AttributeValue.String("2026-11-25T04:00:00Z")),
            new(":zero", AttributeValue.Number("0")),
            new(":event", AttributeValue.List(AttributeValue.String("event-new"))),
            new(":tag", AttributeValue.StringSet(["new"])),
        };
        var updateAttributes = new ExpressionAttributes([new("#v", "version")], updateValues.Select(v => v.Key));
        _update = new UpdateEvaluator(ExpressionParser.ParseUpdate(
            "SET #v = #v + :one, updatedAt = :now, hits = if_not_exists(hits, :zero) + :one, " +
            "events = list_append(events, :event) REMOVE pending ADD tags :tag", updateAttributes),
            new ExpressionValues(updateValues), ["pk", "sk"]);
    }

    [GlobalCleanup]
    public void Cleanup() => _writer.Dispose();

    [Benchmark]
    public bool Condition() => _condition.Evaluate(_item);

    [Benchmark]
    public bool Filter() => _filter.Evaluate(_item);

    [Benchmark]
    public int Project() => _projection.Project(_item, _writer).Length;

    [Benchmark]
    public int Update() => _update.Apply(_item, _writer).Length;
}
