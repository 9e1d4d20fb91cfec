using System.Diagnostics;
using Basalt.Engine.Expressions;
using CsCheck;
using Xunit.Abstractions;

namespace Basalt.Tests.Expressions;

// Random strings of expression tokens (and a few stray characters) never make any parser throw anything but
// ExpressionException, and never take long. CsCheck prints its own seed on failure; the second test is driven
// by BASALT_SEED.
public class ExpressionPropertyTests(ITestOutputHelper output)
{
    private static readonly string[] Tokens =
    [
        "a", "b", "pk", "status", "#a", "#b", "#zz", ":a", ":b", ":zz", ".", "[", "]", "0", "1", "99999999999", "(", ")", ",",
        "=", "<>", "<", "<=", ">", ">=", "+", "-", "AND", "or", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE",
        "size", "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains", "if_not_exists",
        "list_append", "foo", " ", "  ", "\t", "#", ":", ";", "é", "\0", "\uD83D\uDE00", "\uD83D",
    ];

    private static readonly Gen<string> Expression =
        Gen.Int[0, Tokens.Length - 1].Array[0, 40].Select(ix => string.Join(" ", ix.Select(i => Tokens[i])));

    private static readonly Gen<string> Dense =
        Gen.Int[0, Tokens.Length - 1].Array[0, 60].Select(ix => string.Concat(ix.Select(i => Tokens[i])));

    private static void ParseAll(string text)
    {
        var watch = Stopwatch.StartNew();
        foreach (var kind in Enum.GetValues<ExpressionKind>())
        {
            var attrs = new ExpressionAttributes([new("#a", "x"), new("#b", "y")], [":a", ":b"]);
            try
            {
                switch (kind)
                {
                    case ExpressionKind.Condition: ExpressionParser.ParseCondition(text, attrs); break;
                    case ExpressionKind.Filter: ExpressionParser.ParseFilter(text, attrs); break;
                    case ExpressionKind.KeyCondition: ExpressionParser.ParseKeyCondition(text, attrs).Bind("pk", "a"); break;
                    case ExpressionKind.Update: ExpressionParser.ParseUpdate(text, attrs); break;
                    default: ExpressionParser.ParseProjection(text, attrs); break;
                }
                attrs.CheckAllUsed();
            }
            catch (ExpressionException e)
            {
                Assert.False(string.IsNullOrEmpty(e.Message));
            }
        }
        Assert.True(watch.ElapsedMilliseconds < 2000, $"parsing took {watch.ElapsedMilliseconds} ms: {text}");
    }

    [Fact]
    public void Random_token_strings_only_ever_fail_with_validation_errors()
    {
        Expression.Sample(ParseAll, iter: 20_000);
        Dense.Sample(ParseAll, iter: 20_000);
    }

    [Fact]
    public void Random_characters_only_ever_fail_with_validation_errors() => TestSeed.Run(output, seed =>
    {
        var random = new Random(seed);
        const string alphabet = "ab#:.[]0(), =<>+-_ANDORTIS\t;é";
        for (int n = 0; n < 20_000; n++)
        {
            var chars = new char[random.Next(0, 30)];
            for (int i = 0; i < chars.Length; i++) chars[i] = alphabet[random.Next(alphabet.Length)];
            ParseAll(new string(chars));
        }
    });

    [Fact]
    public void Valid_expressions_parse_again_from_their_rendering()
    {
        // Rendering then reparsing is stable for conditions built from valid pieces.
        var leaf = Gen.OneOfConst("a = :a", "b <> :b", "size(a) > :a", "a BETWEEN :a AND :b", "a IN (:a, :b)",
            "attribute_exists(a)", "begins_with(b, :a)", "contains(a, :b)");
        var gen = leaf.Array[1, 6].SelectMany(leaves => Gen.OneOfConst(" AND ", " OR ", " AND NOT ").Array[leaves.Length - 1]
            .Select(ops => leaves[0] + string.Concat(ops.Select((op, i) => op + leaves[i + 1]))));
        gen.Sample(text =>
        {
            var attrs = new ExpressionAttributes(null, [":a", ":b"]);
            string once = ExpressionParser.ParseCondition(text, attrs).ToString()!;
            string twice = ExpressionParser.ParseCondition(once, new ExpressionAttributes(null, [":a", ":b"])).ToString()!;
            Assert.Equal(once, twice);
        }, iter: 2_000);
    }
}
