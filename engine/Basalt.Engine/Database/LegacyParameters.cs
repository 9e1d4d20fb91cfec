using Basalt.Engine.Model;

namespace Basalt.Engine.Database;

// DynamoDB's pre-2014 request parameters, translated into their expression equivalents so that one evaluator
// serves both. So far: AttributesToGet (GetItem, Query, Scan, BatchGetItem), a list of top-level attribute names,
// which becomes a ProjectionExpression of one name placeholder per attribute (so a name such as "a.b" stays a
// literal name, as AttributesToGet means it); and Expected with ConditionalOperator (PutItem, UpdateItem,
// DeleteItem), which becomes a ConditionExpression. Stateless; any thread.
internal static class LegacyParameters
{
    public const string NamesWithoutExpressionsMessage = "ExpressionAttributeNames can only be specified when using expressions";

    // DynamoDB refuses a request that mixes the two families; the message names the parameters of each present.
    public static string MixedMessage(string legacy, IEnumerable<string> expressions) =>
        $"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{legacy}}} " +
        $"Expression parameters: {{{string.Join(", ", expressions)}}}";

    // A request that uses a legacy parameter may use no expression parameter, nor placeholders. `envelope` is the
    // "1 validation error detected: " prefix where DynamoDB's answer carries it (item writes), else empty.
    private static void RefuseExpressions(string legacy, List<string> expressions,
        Dictionary<string, string>? names, Dictionary<string, AttributeValue>? values, string envelope)
    {
        if (expressions.Count > 0) throw new ValidationException(MixedMessage(legacy, expressions));
        if (names is not null) throw new ValidationException(envelope + NamesWithoutExpressionsMessage);
        if (values is not null) throw new ValidationException(envelope + "ExpressionAttributeValues can only be specified when using expressions");
    }

    // ConditionalOperator joins the entries of Expected or of a filter (`entries`: their count, null when absent).
    private static void CheckConditionalOperator(ConditionalOperator? conditionalOperator, int? entries)
    {
        if (conditionalOperator is null) return;
        if (entries is null) throw new ValidationException("ConditionalOperator cannot be used without Filter or Expected");
        if (!Enum.IsDefined(conditionalOperator.Value))
            throw new ValidationException($"1 validation error detected: Value '{conditionalOperator}' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]");
        if (entries < 2) throw new ValidationException("ConditionalOperator can only be used when Filter or Expected has two or more elements");
    }

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
        RefuseExpressions("AttributesToGet", used, names, values: null, envelope: "");
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

    private const string WriteEnvelope = "1 validation error detected: ";
    private const string Invalid = WriteEnvelope + "One or more parameter values were invalid: ";

    // Expected (+ ConditionalOperator) as (condition, names, values); the arguments unchanged when Expected is absent.
    // Each entry becomes one comparison on a name placeholder, joined by AND (the default) or OR. Refusals and their
    // messages are DynamoDB's (checked against its answers by public conformance suites).
    public static (string? Condition, Dictionary<string, string>? Names, Dictionary<string, AttributeValue>? Values) Condition(
        Dictionary<string, ExpectedAttributeValue>? expected, ConditionalOperator? conditionalOperator, string? condition,
        Dictionary<string, string>? names, Dictionary<string, AttributeValue>? values, params (string Name, bool Set)[] otherExpressions)
    {
        if (expected is null)
        {
            CheckConditionalOperator(conditionalOperator, entries: null);
            return (condition, names, values);
        }
        var used = otherExpressions.Where(p => p.Set).Select(p => p.Name).ToList();
        if (condition is not null) used.Insert(0, "ConditionExpression");
        RefuseExpressions("Expected", used, names, values, WriteEnvelope);
        CheckConditionalOperator(conditionalOperator, expected.Count);
        if (expected.Count == 0) return (null, null, null);

        var parts = new List<string>(expected.Count);
        var placeholders = new Dictionary<string, string>(expected.Count, StringComparer.Ordinal);
        var arguments = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        int n = 0;
        foreach (var (name, entry) in expected)
        {
            string path = "#e" + n;
            placeholders[path] = name;
            parts.Add(Comparison(name, entry ?? new ExpectedAttributeValue(), path, "e" + n, arguments));
            n++;
        }
        string join = conditionalOperator == ConditionalOperator.Or ? " OR " : " AND ";
        return (string.Join(join, parts.Select(p => "(" + p + ")")), placeholders, arguments.Count == 0 ? null : arguments);
    }

    private static string Comparison(string name, ExpectedAttributeValue entry, string path, string argumentPrefix, Dictionary<string, AttributeValue> arguments)
    {
        bool hasList = entry.AttributeValueList is not null;
        if (entry.ComparisonOperator is not ComparisonOperator op)
        {
            if (hasList) throw new ValidationException($"{Invalid}AttributeValueList can only be used with a ComparisonOperator for Attribute: {name}");
            switch (entry.Exists)
            {
                case false when entry.Value is not null:
                    throw new ValidationException($"{Invalid}Value cannot be used when Exists is false for Attribute: {name}");
                case false:
                    return $"attribute_not_exists({path})";
                case true when entry.Value is null:
                    throw new ValidationException($"{Invalid}Value must be provided when Exists is true for Attribute: {name}");
                case null when entry.Value is null:
                    throw new ValidationException($"{Invalid}Value must be provided when Exists is null for Attribute: {name}");
                default:
                    return $"{path} = {Argument(arguments, argumentPrefix, 0, entry.Value!)}";
            }
        }
        if (!Enum.IsDefined(op))
            throw new ValidationException($"1 validation error detected: Value '{op}' at 'expected.{name}.member.comparisonOperator' failed to satisfy constraint: " +
                "Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]");
        if (entry.Exists is not null) throw new ValidationException($"{Invalid}Exists and ComparisonOperator cannot be used together for Attribute: {name}");
        if (entry.Value is not null && hasList) throw new ValidationException($"{Invalid}Value and AttributeValueList cannot be used together for Attribute: {name}");
        var list = entry.AttributeValueList ?? (entry.Value is null ? null : [entry.Value]);
        bool noArguments = op is ComparisonOperator.Null or ComparisonOperator.NotNull;
        if (list is null && !noArguments)
            throw new ValidationException($"{Invalid}Value or AttributeValueList must be used with ComparisonOperator: {OperatorName(op)} for Attribute: {name}");
        int count = list?.Count ?? 0;
        bool countOk = op switch
        {
            ComparisonOperator.Null or ComparisonOperator.NotNull => count == 0,
            ComparisonOperator.Between => count == 2,
            ComparisonOperator.In => count >= 1,
            _ => count == 1,
        };
        if (!countOk) throw new ValidationException($"{Invalid}Invalid number of argument(s) for the {OperatorName(op)} ComparisonOperator");
        string A(int i) => Argument(arguments, argumentPrefix, i, list![i]);
        return op switch
        {
            ComparisonOperator.Eq => $"{path} = {A(0)}",
            ComparisonOperator.Ne => $"{path} <> {A(0)}",
            ComparisonOperator.Lt => $"{path} < {A(0)}",
            ComparisonOperator.Le => $"{path} <= {A(0)}",
            ComparisonOperator.Gt => $"{path} > {A(0)}",
            ComparisonOperator.Ge => $"{path} >= {A(0)}",
            ComparisonOperator.BeginsWith => $"begins_with({path}, {A(0)})",
            ComparisonOperator.Contains => $"contains({path}, {A(0)})",
            ComparisonOperator.NotContains => $"NOT contains({path}, {A(0)})",
            ComparisonOperator.Between => $"{path} BETWEEN {A(0)} AND {A(1)}",
            ComparisonOperator.In => $"{path} IN ({string.Join(", ", Enumerable.Range(0, count).Select(A))})",
            ComparisonOperator.Null => $"attribute_not_exists({path})",
            _ => $"attribute_exists({path})",
        };
    }

    private static string Argument(Dictionary<string, AttributeValue> arguments, string prefix, int index, AttributeValue value)
    {
        string placeholder = $":{prefix}_{index}";
        arguments[placeholder] = value;
        return placeholder;
    }

    // A Query's or Scan's legacy parameters (AttributesToGet, KeyConditions, QueryFilter or ScanFilter,
    // ConditionalOperator) as expression texts with generated placeholders; the expression parameters unchanged when
    // none is set. Mixing the two families, or placeholders without expressions, is refused as DynamoDB refuses it.
    public static ReadExpressionTexts Read(
        List<string>? attributesToGet, Dictionary<string, LegacyCondition>? keyConditions, Dictionary<string, LegacyCondition>? filter,
        string filterName, ConditionalOperator? conditionalOperator,
        string? keyConditionExpression, string? filterExpression, string? projectionExpression,
        Dictionary<string, string>? names, Dictionary<string, AttributeValue>? values)
    {
        var legacy = new List<string>(4);
        if (attributesToGet is not null) legacy.Add("AttributesToGet");
        if (keyConditions is not null) legacy.Add("KeyConditions");
        if (filter is not null) legacy.Add(filterName);
        if (conditionalOperator is not null) legacy.Add("ConditionalOperator");
        if (legacy.Count == 0) return new(keyConditionExpression, filterExpression, projectionExpression, names, values);
        var expressions = new List<string>(3);
        if (projectionExpression is not null) expressions.Add("ProjectionExpression");
        if (filterExpression is not null) expressions.Add("FilterExpression");
        if (keyConditionExpression is not null) expressions.Add("KeyConditionExpression");
        RefuseExpressions(string.Join(", ", legacy), expressions, names, values, envelope: "");
        CheckConditionalOperator(conditionalOperator, filter?.Count);

        var outNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var outValues = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        string? projection = null;
        if (attributesToGet is not null)
        {
            var (text, projected) = Projection(attributesToGet, null, null);
            projection = text;
            foreach (var (placeholder, name) in projected!) outNames[placeholder] = name;
        }
        string? keyCondition = keyConditions is null ? null : Conditions(keyConditions, "k", "keyConditions", " AND ", outNames, outValues, key: true);
        string? filterText = filter is null || filter.Count == 0 ? null
            : Conditions(filter, "f", char.ToLowerInvariant(filterName[0]) + filterName[1..],
                conditionalOperator == ConditionalOperator.Or ? " OR " : " AND ", outNames, outValues, key: false);
        return new(keyCondition, filterText, projection, outNames.Count == 0 ? null : outNames, outValues.Count == 0 ? null : outValues);
    }

    public const string NoValueMessage =
        "1 validation error detected: One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified";

    // UpdateItem's legacy parameters (AttributeUpdates, Expected, ConditionalOperator) as (condition, update, names,
    // values); the expression parameters unchanged when none is set. Each AttributeUpdates entry becomes one clause:
    // PUT (the default) SET, DELETE without a value REMOVE, DELETE with a set DELETE, ADD of a number or set ADD, and
    // ADD of a list an append (legacy ADD appends lists; the expression ADD does not take them).
    public static (string? Condition, string? Update, Dictionary<string, string>? Names, Dictionary<string, AttributeValue>? Values) Update(
        Dictionary<string, AttributeValueUpdate>? attributeUpdates, Dictionary<string, ExpectedAttributeValue>? expected,
        ConditionalOperator? conditionalOperator, string? conditionExpression, string? updateExpression,
        Dictionary<string, string>? names, Dictionary<string, AttributeValue>? values)
    {
        if (attributeUpdates is null)
        {
            var (c, n, v) = Condition(expected, conditionalOperator, conditionExpression, names, values, ("UpdateExpression", updateExpression is not null));
            return (c, updateExpression, n, v);
        }
        var legacy = new List<string> { "AttributeUpdates" };
        if (expected is not null) legacy.Add("Expected");
        var expressions = new List<string>(2);
        if (updateExpression is not null) expressions.Add("UpdateExpression");
        if (conditionExpression is not null) expressions.Add("ConditionExpression");
        RefuseExpressions(string.Join(", ", legacy), expressions, names, values, WriteEnvelope);
        var (condition, outNames, outValues) = Condition(expected, conditionalOperator, null, null, null);
        outNames ??= new Dictionary<string, string>(StringComparer.Ordinal);
        outValues ??= new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        var set = new List<string>();
        var remove = new List<string>();
        var add = new List<string>();
        var delete = new List<string>();
        int n2 = 0;
        foreach (var (name, change) in attributeUpdates)
        {
            string path = "#u" + n2, value = ":u" + n2;
            outNames[path] = name;
            var action = change?.Action ?? AttributeAction.Put;
            var v = change?.Value;
            if (v is null && action != AttributeAction.Delete) throw new ValidationException(NoValueMessage);
            if (v is not null) outValues[value] = v;
            switch (action)
            {
                case AttributeAction.Put: set.Add($"{path} = {value}"); break;
                case AttributeAction.Delete when v is null: remove.Add(path); break;
                case AttributeAction.Delete: delete.Add($"{path} {value}"); break;
                case AttributeAction.Add when v!.Type == AttributeType.L:
                    outValues[":u" + n2 + "_empty"] = AttributeValue.List();
                    set.Add($"{path} = list_append(if_not_exists({path}, :u{n2}_empty), {value})");
                    break;
                case AttributeAction.Add: add.Add($"{path} {value}"); break;
                default:
                    throw new ValidationException($"1 validation error detected: Value '{action}' at 'attributeUpdates.{name}.member.action' failed to satisfy constraint: " +
                        "Member must satisfy enum value set: [ADD, PUT, DELETE]");
            }
            n2++;
        }
        var clauses = new List<string>(4);
        if (set.Count > 0) clauses.Add("SET " + string.Join(", ", set));
        if (remove.Count > 0) clauses.Add("REMOVE " + string.Join(", ", remove));
        if (add.Count > 0) clauses.Add("ADD " + string.Join(", ", add));
        if (delete.Count > 0) clauses.Add("DELETE " + string.Join(", ", delete));
        return (condition, clauses.Count == 0 ? null : string.Join(" ", clauses),
            outNames.Count == 0 ? null : outNames, outValues.Count == 0 ? null : outValues);
    }

    public const string NotIndexableMessage = "Attempted conditional constraint is not an indexable operation";

    private static string Conditions(Dictionary<string, LegacyCondition> conditions, string prefix, string member, string join,
        Dictionary<string, string> names, Dictionary<string, AttributeValue> values, bool key)
    {
        var parts = new List<string>(conditions.Count);
        int n = 0;
        foreach (var (name, condition) in conditions)
        {
            if (condition?.ComparisonOperator is not ComparisonOperator op)
                throw new ValidationException($"1 validation error detected: Value null at '{member}.{name}.member.comparisonOperator' failed to satisfy constraint: Member must not be null");
            if (key && op is not (ComparisonOperator.Eq or ComparisonOperator.Le or ComparisonOperator.Lt or ComparisonOperator.Ge
                    or ComparisonOperator.Gt or ComparisonOperator.BeginsWith or ComparisonOperator.Between))
                throw new ValidationException(NotIndexableMessage);
            string path = $"#{prefix}{n}";
            names[path] = name;
            var entry = new ExpectedAttributeValue { ComparisonOperator = op, AttributeValueList = condition.AttributeValueList };
            parts.Add(Comparison(name, entry, path, prefix + n, values));
            n++;
        }
        return string.Join(join, key ? parts : parts.Select(p => "(" + p + ")"));
    }

    public static string OperatorName(ComparisonOperator op) => op switch
    {
        ComparisonOperator.Eq => "EQ", ComparisonOperator.Ne => "NE", ComparisonOperator.Lt => "LT", ComparisonOperator.Le => "LE",
        ComparisonOperator.Gt => "GT", ComparisonOperator.Ge => "GE", ComparisonOperator.BeginsWith => "BEGINS_WITH",
        ComparisonOperator.Contains => "CONTAINS", ComparisonOperator.NotContains => "NOT_CONTAINS", ComparisonOperator.Between => "BETWEEN",
        ComparisonOperator.In => "IN", ComparisonOperator.Null => "NULL", _ => "NOT_NULL",
    };
}

// The legacy condition of one attribute (DynamoDB's ExpectedAttributeValue): Value with Exists (true by default),
// Exists = false alone, or ComparisonOperator with AttributeValueList (or a single Value).
public sealed class ExpectedAttributeValue
{
    public AttributeValue? Value { get; set; }
    public bool? Exists { get; set; }
    public ComparisonOperator? ComparisonOperator { get; set; }
    public List<AttributeValue>? AttributeValueList { get; set; }
}

// Persisted nowhere; the wire names are OperatorName's.
public enum ComparisonOperator : byte
{
    Eq, Ne, Le, Lt, Ge, Gt, NotNull, Null, Contains, NotContains, BeginsWith, In, Between,
}

public enum ConditionalOperator : byte
{
    And = 0,
    Or = 1,
}

// DynamoDB's Condition: one legacy KeyConditions, QueryFilter or ScanFilter entry.
public sealed class LegacyCondition
{
    public ComparisonOperator? ComparisonOperator { get; set; }
    public List<AttributeValue>? AttributeValueList { get; set; }
}

internal readonly record struct ReadExpressionTexts(string? KeyCondition, string? Filter, string? Projection,
    Dictionary<string, string>? Names, Dictionary<string, AttributeValue>? Values);

// DynamoDB's AttributeValueUpdate: one legacy AttributeUpdates entry of UpdateItem.
public sealed class AttributeValueUpdate
{
    public AttributeValue? Value { get; set; }
    public AttributeAction? Action { get; set; }
}

public enum AttributeAction : byte
{
    Put = 0,
    Add = 1,
    Delete = 2,
}
