namespace Basalt.Engine.Model;

// Reads one encoded item (ItemFormat) in place: finds a top-level attribute by binary search over the
// item's name-ordered offset table, and walks nested maps, lists and sets through views over the same
// bytes. Nothing here allocates. A ref struct over the caller's span: valid while the span is, on the
// caller's thread. Malformed bytes give FormatException, never a wrong answer silently past the buffer (every
// length and offset read from the bytes is checked against them: the item-decoder fuzz target found slices that
// ran past the end and threw ArgumentOutOfRangeException instead); ItemFormat.Validate checks a whole item up front.
public ref struct ItemReader
{
    private readonly MapView _attributes;
    private int _next;

    public ItemReader(ReadOnlySpan<byte> item)
    {
        if (item.Length < 1 + ItemFormat.CountBytes) throw new FormatException("item encoding: shorter than its header");
        if (item[0] != ItemFormat.Version) throw new FormatException($"item encoding: unknown version {item[0]}");
        _attributes = new MapView(item[1..]);
        _next = 0;
    }

    public readonly int Count => _attributes.Count;

    // The item's attributes as a map view (the item is a map without a tag).
    public readonly MapView Attributes => _attributes;

    public readonly bool TryGet(ReadOnlySpan<byte> utf8Name, out AttributeView value) => _attributes.TryGet(utf8Name, out value);

    public readonly bool Contains(ReadOnlySpan<byte> utf8Name) => _attributes.IndexOf(utf8Name) >= 0;

    public readonly ReadOnlySpan<byte> NameAt(int index) => _attributes.NameAt(index);

    public readonly AttributeView ValueAt(int index) => _attributes.ValueAt(index);

    // Walks the attributes in name order; false after the last.
    public bool TryReadAttribute(out ReadOnlySpan<byte> utf8Name, out AttributeView value)
    {
        if (_next >= _attributes.Count)
        {
            utf8Name = default;
            value = default;
            return false;
        }
        _attributes.GetAt(_next++, out utf8Name, out value);
        return true;
    }

    public void Rewind() => _next = 0;
}

// One encoded value: its tag and payload, in place.
public readonly ref struct AttributeView
{
    private readonly ReadOnlySpan<byte> _value;

    // value starts at the tag and holds exactly one encoded value.
    public AttributeView(ReadOnlySpan<byte> value) => _value = value;

    public AttributeType Type => (AttributeType)_value[0];

    // The whole encoded value, tag included: copy it to move a value between items without decoding it.
    public ReadOnlySpan<byte> Encoded => _value;

    // S: UTF-8 bytes; N: canonical decimal text as UTF-8; B: raw bytes.
    public ReadOnlySpan<byte> Bytes
    {
        get
        {
            if (Type is not (AttributeType.S or AttributeType.N or AttributeType.B)) throw WrongType("S, N or B");
            return ItemFormat.Slice(_value, ItemFormat.ContainerHeaderBytes, ItemFormat.ReadInt(_value, 1));
        }
    }

    public bool Bool => Type == AttributeType.Bool ? _value[1] != 0 : throw WrongType("BOOL");

    public MapView AsMap() => Type == AttributeType.M ? new MapView(Body()) : throw WrongType("M");

    public ListView AsList() => Type == AttributeType.L ? new ListView(Body()) : throw WrongType("L");

    public SetView AsSet() => Type.IsSet() ? new SetView(Body()) : throw WrongType("SS, NS or BS");

    // Elements of M, L and sets; 0 for the rest.
    public int Count => Type.IsContainer() ? ItemBody.Count(Body()) : 0;

    private ReadOnlySpan<byte> Body() => ItemFormat.Slice(_value, ItemFormat.ContainerHeaderBytes, ItemFormat.ReadInt(_value, 1));

    private InvalidOperationException WrongType(string expected) => new($"attribute is {Type.WireName()}, not {expected}");
}

// A map body (an M value's, or the item's): elements [nameLength][name][value], table ordered by name.
public readonly ref struct MapView
{
    private readonly ReadOnlySpan<byte> _body;
    private readonly int _count;

    internal MapView(ReadOnlySpan<byte> body)
    {
        _body = body;
        _count = ItemBody.Count(body);
    }

    public int Count => _count;

    public bool TryGet(ReadOnlySpan<byte> utf8Name, out AttributeView value)
    {
        int index = IndexOf(utf8Name);
        if (index < 0)
        {
            value = default;
            return false;
        }
        value = ValueAt(index);
        return true;
    }

    // Binary search over the name-ordered table: the index of the name, or -1.
    public int IndexOf(ReadOnlySpan<byte> utf8Name)
    {
        int lo = 0, hi = _count - 1;
        while (lo <= hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            int c = NameAt(mid).SequenceCompareTo(utf8Name);
            if (c == 0) return mid;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
    }

    public ReadOnlySpan<byte> NameAt(int index)
    {
        int at = ItemBody.ElementOffset(_body, _count, index);
        return ItemFormat.Slice(_body, at + ItemFormat.LengthBytes, ItemFormat.ReadInt(_body, at));
    }

    public AttributeView ValueAt(int index)
    {
        GetAt(index, out _, out var value);
        return value;
    }

    public void GetAt(int index, out ReadOnlySpan<byte> utf8Name, out AttributeView value)
    {
        int at = ItemBody.ElementOffset(_body, _count, index);
        int nameBytes = ItemFormat.ReadInt(_body, at);
        utf8Name = ItemFormat.Slice(_body, at + ItemFormat.LengthBytes, nameBytes);
        int valueAt = at + ItemFormat.LengthBytes + nameBytes;
        var rest = ItemFormat.Slice(_body, valueAt, _body.Length - valueAt);
        value = new AttributeView(rest[..ItemFormat.ValueLength(rest)]);
    }
}

// A list body: elements are values, table in list order.
public readonly ref struct ListView
{
    private readonly ReadOnlySpan<byte> _body;
    private readonly int _count;

    internal ListView(ReadOnlySpan<byte> body)
    {
        _body = body;
        _count = ItemBody.Count(body);
    }

    public int Count => _count;

    public AttributeView this[int index]
    {
        get
        {
            var rest = _body[ItemBody.ElementOffset(_body, _count, index)..];
            return new AttributeView(rest[..ItemFormat.ValueLength(rest)]);
        }
    }
}

// A set body: members [length][bytes], table ordered by member bytes (unique). Members of an NS are
// canonical decimal text, so equal numbers are equal bytes.
public readonly ref struct SetView
{
    private readonly ReadOnlySpan<byte> _body;
    private readonly int _count;

    internal SetView(ReadOnlySpan<byte> body)
    {
        _body = body;
        _count = ItemBody.Count(body);
    }

    public int Count => _count;

    public ReadOnlySpan<byte> this[int index]
    {
        get
        {
            int at = ItemBody.ElementOffset(_body, _count, index);
            return ItemFormat.Slice(_body, at + ItemFormat.LengthBytes, ItemFormat.ReadInt(_body, at));
        }
    }

    public bool Contains(ReadOnlySpan<byte> member)
    {
        int lo = 0, hi = _count - 1;
        while (lo <= hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            int c = this[mid].SequenceCompareTo(member);
            if (c == 0) return true;
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return false;
    }
}

// The shared trailer of every body: [offset: u32]*count [count: u32] at its end.
internal static class ItemBody
{
    public static int Count(ReadOnlySpan<byte> body)
    {
        if (body.Length < ItemFormat.CountBytes) throw new FormatException("item encoding: body shorter than its count");
        int count = ItemFormat.ReadInt(body, body.Length - ItemFormat.CountBytes);
        if (count > (body.Length - ItemFormat.CountBytes) / ItemFormat.OffsetBytes)
            throw new FormatException("item encoding: element count larger than its body");
        return count;
    }

    public static int TableStart(int bodyBytes, int count) =>
        bodyBytes - ItemFormat.CountBytes - count * ItemFormat.OffsetBytes;

    public static int ElementOffset(ReadOnlySpan<byte> body, int count, int index)
    {
        if ((uint)index >= (uint)count) throw new ArgumentOutOfRangeException(nameof(index));
        int tableStart = TableStart(body.Length, count);
        int offset = ItemFormat.ReadInt(body, tableStart + index * ItemFormat.OffsetBytes);
        if (offset >= tableStart) throw new FormatException("item encoding: element offset past the elements");
        return offset;
    }
}
