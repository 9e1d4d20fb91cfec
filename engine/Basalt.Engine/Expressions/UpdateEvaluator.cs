using System.Text;
using Basalt.Engine.Model;

namespace Basalt.Engine.Expressions;

// Applies an UpdateExpression to an encoded item and writes the new encoded item through an ItemWriter.
// Built once per request (the constructor makes DynamoDB's request-level checks: key attributes, literal
// operand types, and throws ExpressionException); Apply runs once, on the request's thread.
//
// How: attributes no action touches are copied from the old encoding value by value; each touched top-level
// attribute is decoded into the managed form (AttributeValue), changed, and written back. Updates touch a
// few attributes of an item, so the decoded part is small; the rejected alternative, patching the encoding
// in place, has to rewrite every enclosing container header and offset table anyway, since lengths change.
//
// DynamoDB's semantics:
//   - every operand reads the pre-update item (SET a = b, b = a swaps); actions then apply SET, REMOVE, ADD,
//     DELETE; list-index SETs in ascending index order (an index past the end appends), list-index REMOVEs
//     in descending order (l[1], l[2] removes both original elements, the rest shift down);
//   - SET path = operand; a path operand that is missing: "The provided expression refers to an attribute
//     that does not exist in the item"; + and - need two N (exact, DynamoNumber's errors), list_append two L,
//     else "An operand in the update expression has an incorrect data type"; if_not_exists(p, v);
//   - a nested path whose parent is missing or not a map/list (or an index step past the end before the last
//     step): "The document path provided in the update expression is invalid for update";
//   - REMOVE of a missing attribute, map key or list index is a no-op;
//   - ADD: N adds (missing is 0), a set unions with a set of its type (missing creates it); DELETE removes
//     members from a set of its type, and the attribute goes when its last member does; other types:
//     "An operand in the update expression has an incorrect data type";
//   - the new item over 400 KB: "Item size to update has exceeded the maximum allowed size".
// UpdatedPaths are the action paths (for ReturnValues UPDATED_OLD / UPDATED_NEW: project the old and the
// new item with UpdatedProjection).
public sealed class UpdateEvaluator
{
    public const string MissingAttributeMessage = "The provided expression refers to an attribute that does not exist in the item";
    public const string IncorrectDataTypeMessage = "An operand in the update expression has an incorrect data type";
    public const string InvalidPathMessage = "The document path provided in the update expression is invalid for update";
    public const string ItemTooLargeMessage = "Item size to update has exceeded the maximum allowed size";

    private static readonly byte[] EmptyItem = [ItemFormat.Version, 0, 0, 0, 0];

    private readonly UpdateExpression _update;
    private readonly ExpressionValues _values;
    private readonly SetAction[] _setOrder;
    private readonly DocumentPath[] _removeOrder;

    public UpdateEvaluator(UpdateExpression update, ExpressionValues values, IReadOnlyCollection<string> keyAttributeNames)
    {
        _update = update;
        _values = values;
        var paths = new List<DocumentPath>();
        paths.AddRange(update.Set.Select(a => a.Path));
        paths.AddRange(update.Remove);
        paths.AddRange(update.Add.Select(a => a.Path));
        paths.AddRange(update.Delete.Select(a => a.Path));
        foreach (var path in paths)
            if (keyAttributeNames.Contains(path.TopLevelName))
                throw new ExpressionException($"One or more parameter values were invalid: Cannot update attribute {path.TopLevelName}. This attribute is part of the key");
        UpdatedPaths = paths;
        UpdatedProjection = new ProjectionEvaluator(new ProjectionExpression(paths.ToArray()));

        foreach (var action in update.Set) CheckOperand(action.Value);
        foreach (var action in update.Add)
        {
            var type = values.Get(action.ValuePlaceholder).Type;
            if (type is not (AttributeType.N or AttributeType.SS or AttributeType.NS or AttributeType.BS))
                throw new ExpressionException($"Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: {LongTypeName(type)}, typeSet: ALLOWED_FOR_ADD_OPERAND");
        }
        foreach (var action in update.Delete)
        {
            var type = values.Get(action.ValuePlaceholder).Type;
            if (!type.IsSet())
                throw new ExpressionException($"Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: {LongTypeName(type)}, typeSet: ALLOWED_FOR_DELETE_OPERAND");
        }

        _setOrder = update.Set.OrderBy(a => a.Path, PathOrder.Ascending).ToArray();
        _removeOrder = update.Remove.OrderBy(p => p, PathOrder.Descending).ToArray();
    }

    public UpdateExpression Update => _update;
    public IReadOnlyList<DocumentPath> UpdatedPaths { get; }

    // Projects an item (old or new) onto the updated paths: ReturnValues UPDATED_OLD / UPDATED_NEW.
    public ProjectionEvaluator UpdatedProjection { get; }

    // item: the encoded old item. For an item that does not exist yet, pass itemExists false and either an
    // empty span or an item holding only its key attributes (DynamoDB creates the item with its key): then a
    // REMOVE under a missing parent is ignored rather than refused, as DynamoDB does (Alternator's
    // test_nested_attribute_remove_from_missing_item records it). Returns the new item, valid until the
    // writer's next use.
    public ReadOnlySpan<byte> Apply(ReadOnlySpan<byte> item, ItemWriter writer, bool itemExists = true)
    {
        var state = new State(item.IsEmpty ? EmptyItem : item);

        // Every SET value reads the pre-update item, before any action applies.
        var setValues = new AttributeValue[_setOrder.Length];
        for (int i = 0; i < _setOrder.Length; i++) setValues[i] = Evaluate(_setOrder[i].Value, ref state);

        for (int i = 0; i < _setOrder.Length; i++)
        {
            var value = setValues[i];
            Modify(ref state, _setOrder[i].Path, _ => value, appendPastEnd: true);
        }
        foreach (var path in _removeOrder) Modify(ref state, path, _ => null, appendPastEnd: false, missingParentIsNoOp: !itemExists || item.IsEmpty);
        foreach (var action in _update.Add)
        {
            var operand = _values.GetManaged(action.ValuePlaceholder);
            Modify(ref state, action.Path, old => Add(old, operand), appendPastEnd: true, leafReadsOld: true);
        }
        foreach (var action in _update.Delete)
        {
            var operand = _values.GetManaged(action.ValuePlaceholder);
            Modify(ref state, action.Path, old => Delete(old, operand), appendPastEnd: false, leafReadsOld: true);
        }
        return state.Write(writer);
    }

    private AttributeValue Evaluate(Operand operand, ref State state)
    {
        switch (operand)
        {
            case PathOperand p:
                return state.ReadOld(p.Path) ?? throw new ExpressionException(MissingAttributeMessage);
            case ValueOperand v:
                return _values.GetManaged(v.Placeholder);
            case IfNotExistsOperand f:
                return state.ReadOld(f.Path) ?? Evaluate(f.Fallback, ref state);
            case ListAppendOperand l:
            {
                var first = Evaluate(l.First, ref state);
                var second = Evaluate(l.Second, ref state);
                if (first.Type != AttributeType.L || second.Type != AttributeType.L) throw new ExpressionException(IncorrectDataTypeMessage);
                return AttributeValue.List(first.AsList().Concat(second.AsList()));
            }
            case ArithmeticOperand a:
            {
                var left = Evaluate(a.Left, ref state);
                var right = Evaluate(a.Right, ref state);
                if (left.Type != AttributeType.N || right.Type != AttributeType.N) throw new ExpressionException(IncorrectDataTypeMessage);
                var x = DynamoNumber.Parse(left.AsNumber());
                var y = DynamoNumber.Parse(right.AsNumber());
                bool ok = a.Operator == ArithmeticOperator.Plus
                    ? DynamoNumber.TryAdd(x, y, out var result, out string? error)
                    : DynamoNumber.TrySubtract(x, y, out result, out error);
                if (!ok) throw new ExpressionException(error!);
                return AttributeValue.Number(result.ToString());
            }
            default:
                throw new InvalidOperationException($"operand {operand} not allowed in SET");
        }
    }

    private static AttributeValue? Add(AttributeValue? old, AttributeValue operand)
    {
        if (old is null) return operand;
        if (old.Type != operand.Type) throw new ExpressionException(IncorrectDataTypeMessage);
        switch (old.Type)
        {
            case AttributeType.N:
                if (!DynamoNumber.TryAdd(DynamoNumber.Parse(old.AsNumber()), DynamoNumber.Parse(operand.AsNumber()), out var sum, out string? error))
                    throw new ExpressionException(error!);
                return AttributeValue.Number(sum.ToString());
            case AttributeType.SS:
                return AttributeValue.StringSet(old.AsStringSet().Union(operand.AsStringSet(), StringComparer.Ordinal));
            case AttributeType.NS:
                return AttributeValue.NumberSet(old.AsNumberSet().Union(operand.AsNumberSet(), StringComparer.Ordinal));
            default:
            {
                var members = old.AsBinarySet().Select(m => m.ToArray()).ToList();
                foreach (var m in operand.AsBinarySet())
                    if (!members.Any(x => x.AsSpan().SequenceEqual(m.Span))) members.Add(m.ToArray());
                return AttributeValue.BinarySet(members);
            }
        }
    }

    private static AttributeValue? Delete(AttributeValue? old, AttributeValue operand)
    {
        if (old is null) return null;
        if (old.Type != operand.Type) throw new ExpressionException(IncorrectDataTypeMessage);
        switch (old.Type)
        {
            case AttributeType.SS:
            {
                var rest = old.AsStringSet().Except(operand.AsStringSet(), StringComparer.Ordinal).ToArray();
                return rest.Length == 0 ? null : AttributeValue.StringSet(rest);
            }
            case AttributeType.NS:
            {
                var rest = old.AsNumberSet().Except(operand.AsNumberSet(), StringComparer.Ordinal).ToArray();
                return rest.Length == 0 ? null : AttributeValue.NumberSet(rest);
            }
            default:
            {
                var remove = operand.AsBinarySet();
                var rest = old.AsBinarySet().Where(m => !remove.Any(r => r.Span.SequenceEqual(m.Span))).Select(m => m.ToArray()).ToArray();
                return rest.Length == 0 ? null : AttributeValue.BinarySet(rest);
            }
        }
    }

    // Applies leaf to the value at path (null when missing; a null result removes it).
    private static void Modify(ref State state, DocumentPath path, Func<AttributeValue?, AttributeValue?> leaf,
                               bool appendPastEnd, bool missingParentIsNoOp = false, bool leafReadsOld = false)
    {
        var elements = path.Elements;
        string name = elements[0].Name!;
        if (elements.Length == 1 && !leafReadsOld)
        {
            state.Set(name, leaf(null));   // SET or REMOVE of a whole attribute: the old value is not decoded
            return;
        }
        var current = state.Current(name);
        if (elements.Length == 1)
        {
            state.Set(name, leaf(current));
            return;
        }
        if (current is null)
        {
            if (missingParentIsNoOp) return;
            throw new ExpressionException(InvalidPathMessage);
        }
        state.Set(name, ModifyIn(current, elements[1..], leaf, appendPastEnd));
    }

    private static AttributeValue ModifyIn(AttributeValue container, ReadOnlySpan<PathElement> steps,
                                           Func<AttributeValue?, AttributeValue?> leaf, bool appendPastEnd)
    {
        var step = steps[0];
        if (step.IsIndex)
        {
            if (container.Type != AttributeType.L) throw new ExpressionException(InvalidPathMessage);
            var list = container.AsList().ToList();
            if (steps.Length == 1)
            {
                if (step.Index < list.Count)
                {
                    var result = leaf(list[step.Index]);
                    if (result is null) list.RemoveAt(step.Index);
                    else list[step.Index] = result;
                }
                else
                {
                    var result = leaf(null);
                    if (result is null) return container;
                    if (!appendPastEnd) return container;
                    list.Add(result);
                }
                return AttributeValue.List(list);
            }
            if (step.Index >= list.Count) throw new ExpressionException(InvalidPathMessage);
            list[step.Index] = ModifyIn(list[step.Index], steps[1..], leaf, appendPastEnd);
            return AttributeValue.List(list);
        }
        if (container.Type != AttributeType.M) throw new ExpressionException(InvalidPathMessage);
        var map = new Dictionary<string, AttributeValue>(container.AsMap(), StringComparer.Ordinal);
        if (steps.Length == 1)
        {
            var result = leaf(map.GetValueOrDefault(step.Name!));
            if (result is null) map.Remove(step.Name!);
            else map[step.Name!] = result;
            return AttributeValue.Map(map);
        }
        if (!map.TryGetValue(step.Name!, out var child)) throw new ExpressionException(InvalidPathMessage);
        map[step.Name!] = ModifyIn(child, steps[1..], leaf, appendPastEnd);
        return AttributeValue.Map(map);
    }

    private void CheckOperand(Operand operand)
    {
        switch (operand)
        {
            case ArithmeticOperand a:
                CheckLiteral(a.Left, AttributeType.N, a.Operator == ArithmeticOperator.Plus ? "+" : "-");
                CheckLiteral(a.Right, AttributeType.N, a.Operator == ArithmeticOperator.Plus ? "+" : "-");
                CheckOperand(a.Left);
                CheckOperand(a.Right);
                break;
            case ListAppendOperand l:
                CheckLiteral(l.First, AttributeType.L, "list_append");
                CheckLiteral(l.Second, AttributeType.L, "list_append");
                CheckOperand(l.First);
                CheckOperand(l.Second);
                break;
            case IfNotExistsOperand f:
                CheckOperand(f.Fallback);
                break;
        }
    }

    private void CheckLiteral(Operand operand, AttributeType expected, string op)
    {
        if (operand is ValueOperand v && _values.Get(v.Placeholder).Type is var type && type != expected)
            throw new ExpressionException($"Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: {op}, operand type: {type.WireName()}");
    }

    // The names DynamoDB uses for ADD's and DELETE's operand types.
    internal static string LongTypeName(AttributeType type) => type switch
    {
        AttributeType.S => "STRING",
        AttributeType.N => "NUMBER",
        AttributeType.B => "BINARY",
        AttributeType.Bool => "BOOLEAN",
        AttributeType.Null => "NULL",
        AttributeType.M => "MAP",
        AttributeType.L => "LIST",
        AttributeType.SS => "STRING SET",
        AttributeType.NS => "NUMBER SET",
        _ => "BINARY SET",
    };

    // Paths ordered element by element: names ordinally, indexes numerically (ascending or descending), so
    // actions on one list run in index order.
    private sealed class PathOrder(bool descending) : IComparer<DocumentPath>
    {
        public static readonly PathOrder Ascending = new(false);
        public static readonly PathOrder Descending = new(true);

        public int Compare(DocumentPath? x, DocumentPath? y)
        {
            var a = x!.Elements;
            var b = y!.Elements;
            for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                int c;
                if (a[i].IsIndex && b[i].IsIndex) c = descending ? b[i].Index.CompareTo(a[i].Index) : a[i].Index.CompareTo(b[i].Index);
                else if (a[i].IsIndex != b[i].IsIndex) c = a[i].IsIndex ? -1 : 1;
                else c = string.CompareOrdinal(a[i].Name, b[i].Name);
                if (c != 0) return c;
            }
            return a.Length.CompareTo(b.Length);
        }
    }

    // The old item (read in place) and the managed values of the top-level attributes changed so far
    // (null: removed).
    private ref struct State(ReadOnlySpan<byte> oldItem)
    {
        private readonly ReadOnlySpan<byte> _oldItem = oldItem;
        private Dictionary<string, AttributeValue?>? _touched;

        public readonly AttributeValue? ReadOld(DocumentPath path)
        {
            var attributes = new ItemReader(_oldItem).Attributes;
            return EncodedValue.TryResolve(attributes, path, out var view) ? ItemCodec.DecodeValue(view) : null;
        }

        public readonly AttributeValue? Current(string name)
        {
            if (_touched is not null && _touched.TryGetValue(name, out var value)) return value;
            var attributes = new ItemReader(_oldItem).Attributes;
            return EncodedValue.TryGet(attributes, name, out var view) ? ItemCodec.DecodeValue(view) : null;
        }

        public void Set(string name, AttributeValue? value) => (_touched ??= new(StringComparer.Ordinal))[name] = value;

        public readonly ReadOnlySpan<byte> Write(ItemWriter writer)
        {
            var reader = new ItemReader(_oldItem);
            writer.BeginItem();
            try
            {
                while (reader.TryReadAttribute(out var name, out var value))
                {
                    if (_touched is not null && _touched.GetAlternateLookup<ReadOnlySpan<char>>() is var lookup
                        && IsTouched(lookup, name)) continue;
                    writer.WriteName(name);
                    EncodedValue.Copy(writer, value);
                }
                if (_touched is not null)
                {
                    foreach (var (name, value) in _touched)
                    {
                        if (value is null) continue;
                        writer.WriteName(name);
                        writer.WriteValue(value);
                    }
                }
                return writer.EndItem();
            }
            catch (ItemValidationException e) when (e.Message == ItemFormat.ItemTooLargeMessage)
            {
                throw new ItemValidationException(ItemTooLargeMessage);
            }
        }

        private static bool IsTouched(Dictionary<string, AttributeValue?>.AlternateLookup<ReadOnlySpan<char>> lookup, ReadOnlySpan<byte> utf8Name)
        {
            Span<char> chars = utf8Name.Length <= 256 ? stackalloc char[256] : new char[utf8Name.Length];
            int n = Encoding.UTF8.GetChars(utf8Name, chars);
            return lookup.ContainsKey(chars[..n]);
        }
    }
}
