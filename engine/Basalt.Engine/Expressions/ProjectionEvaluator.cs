using Basalt.Engine.Model;

namespace Basalt.Engine.Expressions;

// Applies a ProjectionExpression to encoded items: writes a new item holding only the projected paths,
// through an ItemWriter. DynamoDB's rules:
//   - a top-level path copies the whole attribute; a nested path keeps its structure (a.b.c gives {a: {b: {c}}});
//   - sibling paths merge into one structure (a.b, a.c give {a: {b, c}});
//   - list indexes project elements, which come back as a shorter list in index order (l[3], l[1] on a list of
//     five give [l[1], l[3]]);
//   - a path that does not resolve (missing name, index past the end, a step into a value of the wrong kind)
//     contributes nothing, and a map or list none of whose projected children resolved is left out.
// The paths are compiled once into a trie (the parser already rejected overlapping and conflicting paths, so
// a node has only name children or only index children, and a leaf has no children). Immutable after
// construction; Project may run on any thread with its own writer.
public sealed class ProjectionEvaluator
{
    private readonly Node _root = new(null, -1);

    public ProjectionEvaluator(ProjectionExpression projection)
    {
        Projection = projection;
        foreach (var path in projection.Paths)
        {
            var node = _root;
            var elements = path.Elements;
            for (int i = 0; i < elements.Length; i++) node = node.Child(elements[i]);
            node.Leaf = true;
        }
        _root.SortIndexes();
    }

    public ProjectionExpression Projection { get; }

    // Writes the projection of item (an encoded item) and returns it, valid until the writer's next use.
    public ReadOnlySpan<byte> Project(ReadOnlySpan<byte> item, ItemWriter writer)
    {
        var attributes = new ItemReader(item).Attributes;
        writer.BeginItem();
        WriteMapChildren(writer, _root, attributes);
        return writer.EndItem();
    }

    private static void WriteMapChildren(ItemWriter writer, Node node, MapView map)
    {
        foreach (var child in node.Children)
        {
            if (!EncodedValue.TryGet(map, child.Name!, out var value) || !HasAny(child, value)) continue;
            writer.WriteName(child.Name!);
            Write(writer, child, value);
        }
    }

    private static void Write(ItemWriter writer, Node node, AttributeView value)
    {
        if (node.Leaf)
        {
            EncodedValue.Copy(writer, value);
        }
        else if (value.Type == AttributeType.M)
        {
            writer.BeginMap();
            WriteMapChildren(writer, node, value.AsMap());
            writer.EndMap();
        }
        else
        {
            var list = value.AsList();
            writer.BeginList();
            foreach (var child in node.Children)
                if (child.Index < list.Count && HasAny(child, list[child.Index])) Write(writer, child, list[child.Index]);
            writer.EndList();
        }
    }

    // Whether anything under node resolves in value (so that empty maps and lists are not written).
    private static bool HasAny(Node node, AttributeView value)
    {
        if (node.Leaf) return true;
        if (node.Children.Count == 0) return false;
        if (node.Children[0].Name is not null)
        {
            if (value.Type != AttributeType.M) return false;
            var map = value.AsMap();
            foreach (var child in node.Children)
                if (EncodedValue.TryGet(map, child.Name!, out var member) && HasAny(child, member)) return true;
            return false;
        }
        if (value.Type != AttributeType.L) return false;
        var list = value.AsList();
        foreach (var child in node.Children)
            if (child.Index < list.Count && HasAny(child, list[child.Index])) return true;
        return false;
    }

    private sealed class Node(string? name, int index)
    {
        public readonly string? Name = name;
        public readonly int Index = index;
        public bool Leaf;
        public readonly List<Node> Children = [];

        public Node Child(PathElement element)
        {
            foreach (var child in Children)
                if (element.IsIndex ? child.Name is null && child.Index == element.Index : child.Name == element.Name) return child;
            var node = new Node(element.Name, element.Index);
            Children.Add(node);
            return node;
        }

        public void SortIndexes()
        {
            if (Children.Count > 0 && Children[0].Name is null) Children.Sort((a, b) => a.Index.CompareTo(b.Index));
            foreach (var child in Children) child.SortIndexes();
        }
    }
}
