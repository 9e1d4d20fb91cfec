using System.Text;

namespace Basalt.Engine.Expressions;

// One step of a document path: a map key / top-level attribute name (Name != null) or a list index.
// Names are already resolved: a #placeholder step holds the name ExpressionAttributeNames gave it.
public readonly record struct PathElement(string? Name, int Index)
{
    public bool IsIndex => Name is null;

    public static PathElement Attribute(string name) => new(name, -1);
    public static PathElement ListIndex(int index) => new(null, index);

    public override string ToString() => Name ?? $"[{Index}]";
}

// A document path (a.b[2].c): 1 to ExpressionLimits.PathDepthMax elements, the first always a name.
// Immutable; built by the parser, shared freely.
public sealed class DocumentPath : IEquatable<DocumentPath>
{
    private readonly PathElement[] _elements;

    internal DocumentPath(PathElement[] elements) => _elements = elements;

    public static DocumentPath Of(params PathElement[] elements)
    {
        if (elements.Length == 0 || elements[0].IsIndex) throw new ArgumentException("a path starts with a name", nameof(elements));
        return new DocumentPath((PathElement[])elements.Clone());
    }

    public ReadOnlySpan<PathElement> Elements => _elements;
    public int Depth => _elements.Length;
    public string TopLevelName => _elements[0].Name!;
    public bool IsTopLevel => _elements.Length == 1;

    // DynamoDB's rendering in overlap messages: [a, b, [0]].
    public string ToBracketString()
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < _elements.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(_elements[i].ToString());
        }
        return sb.Append(']').ToString();
    }

    // Source-like rendering: a.b[0].c (names as resolved, unescaped).
    public override string ToString()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < _elements.Length; i++)
        {
            if (!_elements[i].IsIndex && i > 0) sb.Append('.');
            sb.Append(_elements[i].ToString());
        }
        return sb.ToString();
    }

    public bool Equals(DocumentPath? other) => other is not null && _elements.AsSpan().SequenceEqual(other._elements);
    public override bool Equals(object? obj) => Equals(obj as DocumentPath);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var e in _elements) hash.Add(e);
        return hash.ToHashCode();
    }
}
