using System.Text;
using Basalt.Engine.Expressions;
using Basalt.Engine.Model;

namespace Basalt.Fuzz.Targets;

// The expression languages: the input is the expression's text (UTF-8; invalid sequences become U+FFFD, as the
// JSON reader hands them to the parser), parsed with a fixed set of ExpressionAttributeNames and -Values, then
// evaluated against a fixed item that holds every attribute type, so the evaluators run on whatever the parser
// accepts. Allowed: ExpressionException (DynamoDB's ValidationException) and ItemValidationException (an update
// whose result DynamoDB would refuse). An item an evaluator produces must decode and re-encode to the same bytes.
public sealed class ExpressionTarget : FuzzTarget
{
    public enum Language { Condition, KeyCondition, Update, Projection }

    private readonly Language _language;

    public ExpressionTarget(Language language) => _language = language;

    public override string Name => _language switch
    {
        Language.Condition => "condition-expression",
        Language.KeyCondition => "key-condition-expression",
        Language.Update => "update-expression",
        _ => "projection-expression",
    };

    public override string Description => _language switch
    {
        Language.Condition => "ConditionExpression and FilterExpression: parse, then evaluate against an item of every type",
        Language.KeyCondition => "KeyConditionExpression: parse and bind to a hash key and to a hash and range key",
        Language.Update => "UpdateExpression: parse, then apply to an item of every type",
        _ => "ProjectionExpression: parse, then project an item of every type",
    };

    // The placeholders every input may use (the seeds show each).
    public static readonly KeyValuePair<string, string>[] Names =
    [
        new("#a", "a"), new("#b", "b"), new("#c", "c"), new("#pk", "pk"), new("#sk", "sk"), new("#m", "m"),
        new("#l", "l"), new("#ss", "ss"), new("#ns", "ns"), new("#bs", "bs"), new("#t", "t"), new("#z", "z"),
        new("#dot", "a.b"), new("#u", "ünï"),
    ];

    public static readonly KeyValuePair<string, AttributeValue>[] Values =
    [
        new(":s", AttributeValue.String("text")),
        new(":e", AttributeValue.String("")),
        new(":n", AttributeValue.Number("42")),
        new(":f", AttributeValue.Number("-1.5")),
        new(":big", AttributeValue.Number("9.9999999999999999999999999999999999999E+125")),
        new(":b", AttributeValue.Binary([1, 2, 3])),
        new(":t", AttributeValue.Bool(true)),
        new(":z", AttributeValue.Null),
        new(":l", AttributeValue.List(AttributeValue.String("x"), AttributeValue.Number("1"))),
        new(":m", AttributeValue.Map([new("a", AttributeValue.Number("1")), new("q", AttributeValue.String("r"))])),
        new(":ss", AttributeValue.StringSet(["a", "b"])),
        new(":ns", AttributeValue.NumberSet(["1", "2"])),
        new(":bs", AttributeValue.BinarySet([[1], [2]])),
        new(":v", AttributeValue.String("v")),
        new(":w", AttributeValue.Number("7")),
    ];

    private static readonly string[] ValueKeys = Values.Select(v => v.Key).ToArray();
    private static readonly ExpressionValues BoundValues = new(Values);
    private static readonly string[] KeyNames = ["pk", "sk"];

    // pk, sk and one attribute of every type, nested maps and lists, and a name with a dot in it.
    public static readonly byte[] Item = ItemCodec.Encode(
    [
        new("pk", AttributeValue.String("p")),
        new("sk", AttributeValue.Number("1")),
        new("a", AttributeValue.Number("1")),
        new("b", AttributeValue.String("b")),
        new("c", AttributeValue.Binary([9, 8])),
        new("t", AttributeValue.Bool(false)),
        new("z", AttributeValue.Null),
        new("m", AttributeValue.Map([
            new("a", AttributeValue.Number("1")),
            new("b", AttributeValue.List(AttributeValue.Number("2"), AttributeValue.Map([new("c", AttributeValue.String("d"))]))),
        ])),
        new("l", AttributeValue.List(AttributeValue.Number("1"), AttributeValue.String("x"), AttributeValue.List(AttributeValue.Null))),
        new("ss", AttributeValue.StringSet(["a", "c"])),
        new("ns", AttributeValue.NumberSet(["1", "3"])),
        new("bs", AttributeValue.BinarySet([[1], [3]])),
        new("a.b", AttributeValue.String("dotted")),
        new("ünï", AttributeValue.String("u")),
    ]);

    public override void Run(ReadOnlySpan<byte> input)
    {
        string text = Encoding.UTF8.GetString(input);
        try
        {
            switch (_language)
            {
                case Language.Condition:
                    foreach (var kind in new[] { ExpressionKind.Condition, ExpressionKind.Filter })
                    {
                        var attributes = Attributes();
                        var condition = kind == ExpressionKind.Condition
                            ? ExpressionParser.ParseCondition(text, attributes)
                            : ExpressionParser.ParseFilter(text, attributes);
                        new ConditionEvaluator(condition, BoundValues, kind).Evaluate(Item);
                        new ConditionEvaluator(condition, BoundValues, kind).Evaluate(EmptyItem);
                    }
                    break;
                case Language.KeyCondition:
                {
                    var key = ExpressionParser.ParseKeyCondition(text, Attributes());
                    Bind(key, "pk", null);
                    Bind(key, "pk", "sk");
                    break;
                }
                case Language.Update:
                {
                    var update = ExpressionParser.ParseUpdate(text, Attributes());
                    var evaluator = new UpdateEvaluator(update, BoundValues, KeyNames);
                    using var writer = new ItemWriter();
                    Items.CheckWellFormed(evaluator.Apply(Item, writer), "the updated item");
                    using var fresh = new ItemWriter();
                    Items.CheckWellFormed(evaluator.Apply(KeyOnlyItem, fresh, itemExists: false), "the item created by the update");
                    break;
                }
                case Language.Projection:
                {
                    var projection = ExpressionParser.ParseProjection(text, Attributes());
                    using var writer = new ItemWriter();
                    Items.CheckWellFormed(new ProjectionEvaluator(projection).Project(Item, writer), "the projected item");
                    break;
                }
            }
        }
        catch (Exception e) when (e is ExpressionException or ItemValidationException)
        {
        }
    }

    private static readonly byte[] EmptyItem = ItemCodec.Encode([]);
    private static readonly byte[] KeyOnlyItem = ItemCodec.Encode([new("pk", AttributeValue.String("p")), new("sk", AttributeValue.Number("1"))]);

    private static ExpressionAttributes Attributes() => new(Names, ValueKeys);

    // Binding may refuse (ExpressionException) but must not accept a condition on another key.
    private static void Bind(KeyCondition key, string partition, string? sort)
    {
        try
        {
            var binding = key.Bind(partition, sort);
            if (binding.Partition.AttributeName != partition || (binding.Sort is { } s && s.AttributeName != sort))
                throw new FuzzFindingException($"key condition bound to {binding.Partition.AttributeName}/{binding.Sort?.AttributeName} for keys {partition}/{sort}");
        }
        catch (ExpressionException)
        {
        }
    }
}
