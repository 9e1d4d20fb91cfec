namespace Basalt.Engine.Cache;

// A list of byte strings without an object per string, for BasaltCache's batch calls: the strings back to back in
// Bytes, and each one's length in Lengths (so the caller can build a batch in one pooled buffer). Enumerate it to get
// each string in order.
public readonly ref struct PackedSpans
{
    public readonly ReadOnlySpan<byte> Bytes;
    public readonly ReadOnlySpan<int> Lengths;

    public PackedSpans(ReadOnlySpan<byte> bytes, ReadOnlySpan<int> lengths)
    {
        long total = 0;
        foreach (int length in lengths)
        {
            if (length < 0) throw new ArgumentException("a packed length cannot be negative", nameof(lengths));
            total += length;
        }
        if (total > bytes.Length)
            throw new ArgumentException($"the lengths add up to {total} bytes, more than the {bytes.Length} given", nameof(lengths));
        Bytes = bytes;
        Lengths = lengths;
    }

    public int Count => Lengths.Length;

    public Enumerator GetEnumerator() => new(Bytes, Lengths);

    public ref struct Enumerator(ReadOnlySpan<byte> bytes, ReadOnlySpan<int> lengths)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private readonly ReadOnlySpan<int> _lengths = lengths;
        private int _index = -1;
        private int _offset;
        private int _length;

        public readonly ReadOnlySpan<byte> Current => _bytes.Slice(_offset, _length);

        public bool MoveNext()
        {
            _offset += _length;
            if (++_index >= _lengths.Length) return false;
            _length = _lengths[_index];
            return true;
        }
    }
}
