namespace Basalt.Engine.Database;

// DynamoDB's pre-2014 request parameters, translated into their expression equivalents so that one evaluator
// serves both. So far: AttributesToGet (GetItem, Query, Scan, BatchGetItem), a list of top-level attribute names,
// which becomes a ProjectionExpression of one name placeholder per attribute (so a name such as "a.b" stays a
// literal name, as AttributesToGet means it). Stateless; any thread.
internal static class LegacyParameters
{
    public const string NamesWithoutExpressionsMessage = "ExpressionAttributeNames can only be specified when using expressions";

    // DynamoDB refuses a request that mixes the two families; the message names the parameters of each present.
    public static string MixedMessage(string legacy, IEnumerable<string> expressions) =>
        $"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{legacy}}} " +
        $"Expression parameters: {{{string.Join(", ", expressions)}}}";

    public static string DuplicateMessage(string name) =>
        $"One or more parameter values were invalid: Duplicate value in attribute name: {name}";

    // The projection that AttributesToGet asks for, as (expression, names); (projection, names) unchanged when it is
    // absent. `expressionParameters` lists the request's expression parameters that are set, by their DynamoDB names.
    public static (string? Projection, Dictionary<string, string>? Names) Projection(
        List<string>? attributesToGet, string? projection, Dictionary<string, string>? names, params (string Name, bool Set)[] expressionParameters)
    {
        if (attributesToGet is null) return (projection, names);
        var used = expressionParameters.Where(p => p.Set).Select(p => p.Name).ToList();
        if (projection is not null) used.Insert(0, "ProjectionExpression");
        if (used.Count > 0) throw new ValidationException(MixedMessage("AttributesToGet", used));
        if (names is not null) throw new ValidationException(NamesWithoutExpressionsMessage);
        if (attributesToGet.Count == 0)
            throw new ValidationException("1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: " +
                "Member must have length greater than or equal to 1");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var placeholders = new Dictionary<string, string>(attributesToGet.Count, StringComparer.Ordinal);
        var parts = new string[attributesToGet.Count];
        for (int i = 0; i < attributesToGet.Count; i++)
        {
            string name = attributesToGet[i] ?? throw new ValidationException("1 validation error detected: Value null at 'attributesToGet' failed to satisfy constraint: Member must not be null");
            if (!seen.Add(name)) throw new ValidationException(DuplicateMessage(name));
            parts[i] = "#a" + i;
            placeholders[parts[i]] = name;
        }
        return (string.Join(", ", parts), placeholders);
    }
}
