using Basalt.Engine.Model;

namespace Basalt.Fuzz.Targets;

// The item decoder: the input is an encoded item (ItemFormat), as a segment or WAL record hands it to the engine.
// Everything that reads an encoding in place runs over it: ItemCodec.Decode down to the leaves, ItemReader's walk
// and its binary searches (every name found again by TryGet, every set member by Contains, every list element by
// index), and ItemSize. Allowed: FormatException, the decoder's documented answer to malformed bytes. A decoded
// item that the writer refuses (ItemValidationException: duplicate names, empty sets, ...) is allowed too: the
// decoder reads, it does not validate; the engine validates items when they are written.
public sealed class ItemDecoderTarget : FuzzTarget
{
    public override string Name => "item-decoder";
    public override string Description => "the item encoding read in place (ItemReader, ItemCodec.Decode, ItemSize)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        try
        {
            var decoded = ItemCodec.Decode(input);
            var reader = new ItemReader(input);
            for (int i = 0; i < reader.Count; i++)
            {
                var name = reader.NameAt(i);
                if (!reader.TryGet(name, out var found) && IsSortedUnique(reader.Attributes))
                    throw new FuzzFindingException($"attribute {i} is not found by its own name in a name-ordered table");
                Walk(reader.ValueAt(i), 1);
                if (found.Encoded.Length > 0) Walk(found, 1);
            }
            ItemSize.Of(input);
            try
            {
                ItemCodec.Encode(decoded);
            }
            catch (ItemValidationException)
            {
            }
        }
        catch (FormatException)
        {
        }
    }

    private static bool IsSortedUnique(MapView map)
    {
        for (int i = 1; i < map.Count; i++)
            if (map.NameAt(i - 1).SequenceCompareTo(map.NameAt(i)) >= 0) return false;
        return true;
    }

    // Every view of a value, as the evaluators use them; nesting as deep as the decoder allows.
    private static void Walk(AttributeView value, int level)
    {
        if (level > ItemFormat.NestingLevelsMax) return;
        switch (value.Type)
        {
            case AttributeType.S or AttributeType.N or AttributeType.B:
                _ = value.Bytes.Length;
                break;
            case AttributeType.Bool:
                _ = value.Bool;
                break;
            case AttributeType.M:
            {
                var map = value.AsMap();
                bool sorted = IsSortedUnique(map);
                for (int i = 0; i < map.Count; i++)
                {
                    map.GetAt(i, out var name, out var member);
                    if (!map.TryGet(name, out _) && sorted)
                        throw new FuzzFindingException($"map member {i} is not found by its own name in a name-ordered table");
                    Walk(member, level + 1);
                }
                break;
            }
            case AttributeType.L:
            {
                var list = value.AsList();
                for (int i = 0; i < list.Count; i++) Walk(list[i], level + 1);
                break;
            }
            case AttributeType.SS or AttributeType.NS or AttributeType.BS:
            {
                var set = value.AsSet();
                bool sorted = true;
                for (int i = 1; i < set.Count && sorted; i++) sorted = set[i - 1].SequenceCompareTo(set[i]) < 0;
                for (int i = 0; i < set.Count; i++)
                    if (!set.Contains(set[i]) && sorted)
                        throw new FuzzFindingException($"set member {i} is not found in an ordered set");
                break;
            }
        }
        _ = value.Count;
    }
}
