namespace Basalt.Engine.Expressions;

// The AST of a ProjectionExpression: the paths in the order written, none overlapping or conflicting with
// another. Immutable.
public sealed class ProjectionExpression(DocumentPath[] paths)
{
    private readonly DocumentPath[] _paths = paths;
    public IReadOnlyList<DocumentPath> Paths => _paths;
    public override string ToString() => string.Join(", ", _paths.Select(p => p.ToString()));
}
