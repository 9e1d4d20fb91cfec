using System.Buffers.Binary;
using System.Text;
using Basalt.Engine.Database;
using Basalt.Engine.Model;

namespace Basalt.Protocol;

// The payload primitives of ProtocolFormat (str, item, bool?, enum?, int?, double?, list, map): written into a
// FrameBuffer, read with PayloadReader. Items go through the engine's ItemWriter (one per thread), so an attribute-value
// map is validated as the engine validates items (ItemValidationException) before it is sent.
public static class Payload
{
    [ThreadStatic] private static ItemWriter? t_writer;

    public static void WriteString(FrameBuffer b, string? value)
    {
        if (value is null)
        {
            b.WriteUInt32(ProtocolFormat.Absent);
            return;
        }
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var span = b.GetSpan(4 + max);
        int n = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)n);
        b.Advance(4 + n);
    }

    public static void WriteUtf8(FrameBuffer b, ReadOnlySpan<byte> utf8)
    {
        b.WriteUInt32((uint)utf8.Length);
        b.Write(utf8);
    }

    public static void WriteBool(FrameBuffer b, bool? value) => b.WriteByte(value is null ? (byte)0 : value.Value ? (byte)2 : (byte)1);

    public static void WriteEnum(FrameBuffer b, byte? value) => b.WriteByte(value ?? ProtocolFormat.AbsentEnum);

    public static void WriteInt(FrameBuffer b, int? value)
    {
        b.WriteByte(value is null ? (byte)0 : (byte)1);
        if (value is int v) b.WriteUInt32((uint)v);
    }

    public static void WriteDouble(FrameBuffer b, double? value)
    {
        b.WriteByte(value is null ? (byte)0 : (byte)1);
        if (value is double v)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(b.GetSpan(8), v);
            b.Advance(8);
        }
    }

    public static void WriteCount(FrameBuffer b, int? count) => b.WriteUInt32(count is int c ? (uint)c : ProtocolFormat.Absent);

    // An attribute-value map as one encoded item. Throws ValidationException with the engine's message for a map the
    // item encoding refuses (an empty set, duplicate members, too deep, too large), before anything is sent.
    public static void WriteItem(FrameBuffer b, IReadOnlyDictionary<string, AttributeValue>? item)
    {
        if (item is null)
        {
            b.WriteUInt32(ProtocolFormat.Absent);
            return;
        }
        var writer = t_writer ??= new ItemWriter();
        int at = b.WrittenCount;
        b.WriteUInt32(0);
        try
        {
            writer.BeginItem();
            foreach (var (name, value) in item)
            {
                writer.WriteName(name);
                writer.WriteValue(value ?? throw new ValidationException($"Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"));
            }
            int n = writer.EndItem(b);
            BinaryPrimitives.WriteUInt32LittleEndian(b.Written(at, 4), (uint)n);
        }
        catch (ItemValidationException e)
        {
            writer.Reset();
            b.Truncate(at);
            throw new ValidationException(e.Message);
        }
        catch
        {
            writer.Reset();
            b.Truncate(at);
            throw;
        }
    }

    // Already-encoded item bytes (the lean path; the reader validates them).
    public static void WriteEncodedItem(FrameBuffer b, ReadOnlySpan<byte> item)
    {
        b.WriteUInt32((uint)item.Length);
        b.Write(item);
    }

    public static void WriteNames(FrameBuffer b, Dictionary<string, string>? names)
    {
        WriteCount(b, names?.Count);
        if (names is null) return;
        foreach (var (k, v) in names)
        {
            WriteString(b, k);
            WriteString(b, v);
        }
    }

    public static void WriteStrings(FrameBuffer b, List<string>? strings)
    {
        WriteCount(b, strings?.Count);
        if (strings is null) return;
        foreach (var s in strings) WriteString(b, s);
    }
}

// Reads payload primitives in place. Every length is checked against what is left; a short or malformed payload is a
// ProtocolFormatException (the server answers it with SerializationException), never a read past the frame.
public ref struct PayloadReader
{
    private readonly ReadOnlySpan<byte> _payload;
    private int _at;

    public PayloadReader(ReadOnlySpan<byte> payload)
    {
        _payload = payload;
        _at = 0;
    }

    public readonly int Remaining => _payload.Length - _at;

    public readonly void EnsureEnd()
    {
        if (_at != _payload.Length) throw new ProtocolFormatException($"{_payload.Length - _at} bytes after the end of the payload");
    }

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || count > _payload.Length - _at) throw new ProtocolFormatException("payload truncated");
        var bytes = _payload.Slice(_at, count);
        _at += count;
        return bytes;
    }

    public byte ReadByte() => ReadBytes(1)[0];

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    // A length or count: absent gives -1; anything past the payload is refused before it is used.
    private int ReadLength(int elementBytesMin)
    {
        uint n = ReadUInt32();
        if (n == ProtocolFormat.Absent) return -1;
        if (n > (uint)(Remaining / Math.Max(1, elementBytesMin))) throw new ProtocolFormatException("length past the end of the payload");
        return (int)n;
    }

    // A count of elements each at least `elementBytesMin` long: absent gives -1.
    public int ReadCount(int elementBytesMin = 1) => ReadLength(elementBytesMin);

    public bool TryReadUtf8(out ReadOnlySpan<byte> utf8)
    {
        int n = ReadLength(1);
        utf8 = n < 0 ? default : ReadBytes(n);
        return n >= 0;
    }

    public string? ReadString()
    {
        if (!TryReadUtf8(out var utf8)) return null;
        if (!System.Text.Unicode.Utf8.IsValid(utf8)) throw new ProtocolFormatException("a string is not valid UTF-8");
        return Encoding.UTF8.GetString(utf8);
    }

    public bool? ReadBool() => ReadByte() switch
    {
        0 => null,
        1 => false,
        2 => true,
        var b => throw new ProtocolFormatException($"bad bool {b}"),
    };

    public byte? ReadEnum()
    {
        byte b = ReadByte();
        return b == ProtocolFormat.AbsentEnum ? null : b;
    }

    public int? ReadInt() => ReadPresence() ? (int)ReadUInt32() : null;

    public double? ReadDouble() => ReadPresence() ? BinaryPrimitives.ReadDoubleLittleEndian(ReadBytes(8)) : null;

    private bool ReadPresence() => ReadByte() switch
    {
        0 => false,
        1 => true,
        var b => throw new ProtocolFormatException($"bad presence byte {b}"),
    };

    public bool TryReadEncodedItem(out ReadOnlySpan<byte> item)
    {
        int n = ReadLength(1);
        item = n < 0 ? default : ReadBytes(n);
        return n >= 0;
    }

    // An attribute-value map: the item decoded (FormatException from the decoder becomes ProtocolFormatException).
    public Dictionary<string, AttributeValue>? ReadItem()
    {
        if (!TryReadEncodedItem(out var item)) return null;
        try
        {
            return ItemCodec.Decode(item);
        }
        catch (FormatException e) when (e is not ProtocolFormatException)
        {
            throw new ProtocolFormatException(e.Message);
        }
    }

    public Dictionary<string, string>? ReadNames()
    {
        int n = ReadCount(8);
        if (n < 0) return null;
        var names = new Dictionary<string, string>(n, StringComparer.Ordinal);
        for (int i = 0; i < n; i++) names[ReadString() ?? throw Absent()] = ReadString() ?? throw Absent();
        return names;
    }

    public List<string>? ReadStrings()
    {
        int n = ReadCount(4);
        if (n < 0) return null;
        var strings = new List<string>(n);
        for (int i = 0; i < n; i++) strings.Add(ReadString() ?? throw Absent());
        return strings;
    }

    public static ProtocolFormatException Absent() => new("an absent value where one is required");
}

// A payload that does not follow ProtocolFormat. The server answers SerializationException with its message.
public sealed class ProtocolFormatException(string message) : FormatException(message);
