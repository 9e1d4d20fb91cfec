using Basalt.Engine.Model;

namespace Basalt.Fuzz.Targets;

// Checks that an encoded item is well-formed: it decodes (ItemCodec, every value down to the leaves) and encodes
// back to the same bytes (the writer sorts, checks names, sets and nesting, so a decoded item that re-encodes the
// same is one the engine could have written). For items a parser or evaluator returned, where the contract says
// they are valid: a failure is a FuzzFindingException.
internal static class Items
{
    public static void CheckWellFormed(ReadOnlySpan<byte> item, string what)
    {
        Dictionary<string, AttributeValue> decoded;
        byte[] again;
        try
        {
            decoded = ItemCodec.Decode(item);
            again = ItemCodec.Encode(decoded);
        }
        catch (Exception e) when (e is FormatException or ItemValidationException or ArgumentException)
        {
            throw new FuzzFindingException($"{what} is not a well-formed item: {e.GetType().Name}: {e.Message}");
        }
        if (!item.SequenceEqual(again))
        {
            // Element bytes keep arrival order (only the tables are sorted), so compare decoded forms.
            var decodedAgain = ItemCodec.Decode(again);
            if (decoded.Count != decodedAgain.Count || decoded.Any(kv => !decodedAgain.TryGetValue(kv.Key, out var v) || !v.Equals(kv.Value)))
                throw new FuzzFindingException($"{what} does not round-trip through the item encoding");
        }
    }
}
