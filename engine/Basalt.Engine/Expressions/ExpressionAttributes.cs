namespace Basalt.Engine.Expressions;

// The ExpressionAttributeNames and ExpressionAttributeValues of one request, shared by all the expressions of
// that request (UpdateItem: UpdateExpression + ConditionExpression; Query: KeyCondition + Filter + Projection).
// The parsers resolve #names and check :values here and mark each used; after the last expression the
// request layer calls CheckAllUsed, which reports what DynamoDB reports for entries no expression used.
// Values are opaque: only their placeholder names matter to parsing. One request, one thread; not shared.
//
// Order of checks, as DynamoDB makes them: the construction checks (empty maps, then malformed keys, names
// before values), then each expression in the order the caller parses them (each stops at its first error),
// then CheckAllUsed (maps given without any expression, then unused names, then unused values).
public sealed class ExpressionAttributes
{
    // Maps of up to LinearLookupMax entries (nearly all requests) are searched linearly, which costs less
    // than building a dictionary per request; larger ones get a dictionary.
    private const int LinearLookupMax = 16;

    private readonly Dictionary<string, int>? _nameIndex;
    private readonly string[] _nameKeys = [];
    private readonly string[] _nameValues = [];
    private readonly bool[] _nameUsed = [];

    private readonly Dictionary<string, int>? _valueIndex;
    private readonly string[] _valueKeys = [];
    private readonly bool[] _valueUsed = [];

    private int _expressionsParsed;

    public static ExpressionAttributes None => new(null, null);

    // names: ExpressionAttributeNames (placeholder -> attribute name) or null when the request has none;
    // valuePlaceholders: the keys of ExpressionAttributeValues or null. Given in request order, which is the
    // order unused entries are listed in.
    public ExpressionAttributes(IEnumerable<KeyValuePair<string, string>>? names, IEnumerable<string>? valuePlaceholders)
    {
        // Arrays are taken as they are (not copied): the request owns them and does not change them while parsing.
        KeyValuePair<string, string>[]? nameList = names as KeyValuePair<string, string>[] ?? names?.ToArray();
        string[]? valueList = valuePlaceholders as string[] ?? valuePlaceholders?.ToArray();
        if (nameList is { Length: 0 }) throw new ExpressionException("ExpressionAttributeNames must not be empty");
        if (valueList is { Length: 0 }) throw new ExpressionException("ExpressionAttributeValues must not be empty");

        if (nameList is not null)
        {
            if (nameList.Length > LinearLookupMax) _nameIndex = new Dictionary<string, int>(nameList.Length, StringComparer.Ordinal);
            _nameKeys = new string[nameList.Length];
            _nameValues = new string[nameList.Length];
            _nameUsed = new bool[nameList.Length];
            for (int i = 0; i < nameList.Length; i++)
            {
                var (key, value) = nameList[i];
                if (!IsPlaceholder(key, '#'))
                    throw new ExpressionException($"ExpressionAttributeNames contains invalid key: Syntax error; key: \"{key}\"");
                _nameKeys[i] = key;
                _nameValues[i] = value;
                _nameIndex?.TryAdd(key, i);
            }
        }
        if (valueList is not null)
        {
            if (valueList.Length > LinearLookupMax) _valueIndex = new Dictionary<string, int>(valueList.Length, StringComparer.Ordinal);
            _valueKeys = valueList;
            _valueUsed = new bool[valueList.Length];
            for (int i = 0; i < valueList.Length; i++)
            {
                if (!IsPlaceholder(valueList[i], ':'))
                    throw new ExpressionException($"ExpressionAttributeValues contains invalid key: Syntax error; key: \"{valueList[i]}\"");
                _valueIndex?.TryAdd(valueList[i], i);
            }
        }
        HasNames = nameList is not null;
        HasValues = valueList is not null;
    }

    public bool HasNames { get; }
    public bool HasValues { get; }

    // Resolves a #placeholder (as written, with its '#') and marks it used.
    internal bool TryResolveName(ReadOnlySpan<char> placeholder, out string name)
    {
        int i = Find(_nameKeys, _nameIndex, placeholder);
        if (i >= 0)
        {
            _nameUsed[i] = true;
            name = _nameValues[i];
            return true;
        }
        name = "";
        return false;
    }

    // Checks a :placeholder is defined, marks it used and returns the request's own string for it.
    internal bool TryUseValue(ReadOnlySpan<char> placeholder, out string key)
    {
        int i = Find(_valueKeys, _valueIndex, placeholder);
        if (i >= 0)
        {
            _valueUsed[i] = true;
            key = _valueKeys[i];
            return true;
        }
        key = "";
        return false;
    }

    private static int Find(string[] keys, Dictionary<string, int>? index, ReadOnlySpan<char> key)
    {
        if (index is not null) return index.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(key, out int found) ? found : -1;
        for (int i = 0; i < keys.Length; i++)
            if (key.SequenceEqual(keys[i])) return i;
        return -1;
    }

    internal void NoteExpressionParsed() => _expressionsParsed++;

    // After all of the request's expressions are parsed: entries supplied but used by none are a
    // ValidationException, names first, all unused keys of the first offending map listed in request order.
    public void CheckAllUsed()
    {
        if (_expressionsParsed == 0)
        {
            if (HasNames) throw new ExpressionException("ExpressionAttributeNames can only be specified when using expressions");
            if (HasValues) throw new ExpressionException("ExpressionAttributeValues can only be specified when using expressions");
            return;
        }
        string? unused = Unused(_nameKeys, _nameUsed);
        if (unused is not null) throw new ExpressionException($"Value provided in ExpressionAttributeNames unused in expressions: keys: {{{unused}}}");
        unused = Unused(_valueKeys, _valueUsed);
        if (unused is not null) throw new ExpressionException($"Value provided in ExpressionAttributeValues unused in expressions: keys: {{{unused}}}");
    }

    private static string? Unused(string[] keys, bool[] used)
    {
        List<string>? list = null;
        for (int i = 0; i < keys.Length; i++)
            if (!used[i]) (list ??= []).Add(keys[i]);
        return list is null ? null : string.Join(", ", list);
    }

    // '#' or ':' followed by one or more of [A-Za-z0-9_], which is what the expression lexer accepts.
    private static bool IsPlaceholder(string key, char sigil)
    {
        if (key.Length < 2 || key[0] != sigil) return false;
        for (int i = 1; i < key.Length; i++)
            if (!Lexer.IsIdentifierPart(key[i])) return false;
        return true;
    }
}
