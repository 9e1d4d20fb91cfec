using Basalt.Engine.Expressions;
using BenchmarkDotNet.Attributes;

namespace Basalt.Bench.Micro;

// Per-request parse cost of the expression languages, on the shapes a typical UpdateItem carries:
//   Condition: an optimistic-lock condition with a function, a comparison and a size() bound.
//   Update:    a SET with arithmetic and if_not_exists, list_append, a REMOVE and an ADD.
// Each parse builds a fresh ExpressionAttributes (as a request does) and checks every placeholder was used.
// The AST and its strings are the allocation; the lexer and the parser themselves allocate nothing.
[MemoryDiagnoser]
public class ExpressionParseBenchmarks
{
    private const string ConditionText =
        "attribute_exists(pk) AND #v = :expected AND (size(tags) < :maxTags OR NOT contains(tags, :tag))";

    private const string UpdateText =
        "SET #v = #v + :one, updatedAt = :now, hits = if_not_exists(hits, :zero) + :one, " +
        "events = list_append(events, :event) REMOVE pending ADD tags :tag";

    private static readonly KeyValuePair<string, string>[] ConditionNames = [new("#v", "version")];
    private static readonly string[] ConditionValues = [":expected", ":maxTags", ":tag"];
    private static readonly KeyValuePair<string, string>[] UpdateNames = [new("#v", "version")];
    private static readonly string[] UpdateValues = [":one", ":now", ":zero", ":event", ":tag"];

    [Benchmark]
    public Condition Condition()
    {
        var attributes = new ExpressionAttributes(ConditionNames, ConditionValues);
        var condition = ExpressionParser.ParseCondition(ConditionText, attributes);
        attributes.CheckAllUsed();
        return condition;
    }

    [Benchmark]
    public UpdateExpression Update()
    {
        var attributes = new ExpressionAttributes(UpdateNames, UpdateValues);
        var update = ExpressionParser.ParseUpdate(UpdateText, attributes);
        attributes.CheckAllUsed();
        return update;
    }
}
