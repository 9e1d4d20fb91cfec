namespace Basalt.Engine.Expressions;

// The AST of an UpdateExpression: its four sections, each action in the order written. A section that was
// absent is empty. Immutable. Paths of all actions were checked not to overlap or conflict.
public sealed class UpdateExpression(SetAction[] set, DocumentPath[] remove, AddAction[] add, DeleteAction[] delete)
{
    private readonly SetAction[] _set = set;
    private readonly DocumentPath[] _remove = remove;
    private readonly AddAction[] _add = add;
    private readonly DeleteAction[] _delete = delete;

    public IReadOnlyList<SetAction> Set => _set;
    public IReadOnlyList<DocumentPath> Remove => _remove;
    public IReadOnlyList<AddAction> Add => _add;
    public IReadOnlyList<DeleteAction> Delete => _delete;

    public override string ToString()
    {
        var parts = new List<string>(4);
        if (_set.Length > 0) parts.Add("SET " + string.Join(", ", _set.Select(a => a.ToString())));
        if (_remove.Length > 0) parts.Add("REMOVE " + string.Join(", ", _remove.Select(p => p.ToString())));
        if (_add.Length > 0) parts.Add("ADD " + string.Join(", ", _add.Select(a => a.ToString())));
        if (_delete.Length > 0) parts.Add("DELETE " + string.Join(", ", _delete.Select(a => a.ToString())));
        return string.Join(" ", parts);
    }
}

// SET path = value, where value is an operand, if_not_exists, list_append or operand +/- operand.
public sealed class SetAction(DocumentPath path, Operand value)
{
    public DocumentPath Path { get; } = path;
    public Operand Value { get; } = value;
    public override string ToString() => $"{Path} = {Value}";
}

// ADD path :value (numbers and sets).
public sealed class AddAction(DocumentPath path, string valuePlaceholder)
{
    public DocumentPath Path { get; } = path;
    public string ValuePlaceholder { get; } = valuePlaceholder;
    public override string ToString() => $"{Path} {ValuePlaceholder}";
}

// DELETE path :subset (sets).
public sealed class DeleteAction(DocumentPath path, string valuePlaceholder)
{
    public DocumentPath Path { get; } = path;
    public string ValuePlaceholder { get; } = valuePlaceholder;
    public override string ToString() => $"{Path} {ValuePlaceholder}";
}
