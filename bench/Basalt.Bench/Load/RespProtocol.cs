using System.Buffers.Text;

namespace Basalt.Bench.Load;

// RESP2, the Redis serialization protocol (https://redis.io/docs/latest/develop/reference/protocol-spec/), as far as
// the load generator needs it: commands are written as arrays of bulk strings, and a reply is recognised in place in
// a receive buffer without copying or allocating.
//   command   *<n>\r\n then n times $<len>\r\n<bytes>\r\n
//   replies   +<simple>\r\n  -<error>\r\n  :<integer>\r\n  $<len>\r\n<bytes>\r\n  $-1\r\n (nil)  *<n>\r\n<n replies>  *-1\r\n
// Inline commands, RESP3 types and attributes are not spoken: a server sends them only when asked (HELLO 3).
public static class RespProtocol
{
    public enum Kind : byte { Simple, Error, Integer, Bulk, Nil, Array }

    // A reply found in a buffer: its kind, its payload (the text of Simple/Error/Integer, the bytes of Bulk; for
    // Array, nothing: its elements are skipped), Integer's value or Array's element count, and the bytes it took.
    public readonly record struct Reply(Kind Kind, int PayloadStart, int PayloadLength, long Value, int Length);

    // The number of bytes a command of these arguments takes.
    public static int CommandBytes(ReadOnlySpan<int> argumentLengths)
    {
        int n = 1 + Digits(argumentLengths.Length) + 2;
        foreach (int length in argumentLengths) n += 1 + Digits(length) + 2 + length + 2;
        return n;
    }

    // Writes the array header "*n\r\n"; returns the bytes written.
    public static int WriteArrayHeader(Span<byte> to, int count) => WritePrefixed(to, (byte)'*', count);

    // Writes one argument "$len\r\n<bytes>\r\n"; returns the bytes written.
    public static int WriteBulk(Span<byte> to, ReadOnlySpan<byte> argument)
    {
        int n = WritePrefixed(to, (byte)'$', argument.Length);
        argument.CopyTo(to[n..]);
        n += argument.Length;
        to[n++] = (byte)'\r';
        to[n++] = (byte)'\n';
        return n;
    }

    // Writes the header of a bulk argument whose bytes the caller writes next (then the closing "\r\n").
    public static int WriteBulkHeader(Span<byte> to, int length) => WritePrefixed(to, (byte)'$', length);

    // True and the reply when `buffer` starts with a whole one; false when more bytes are needed. Throws
    // InvalidDataException on bytes that are not RESP2.
    public static bool TryRead(ReadOnlySpan<byte> buffer, out Reply reply) => TryRead(buffer, 0, 0, out reply);

    private static bool TryRead(ReadOnlySpan<byte> buffer, int offset, int depth, out Reply reply)
    {
        reply = default;
        if (depth > 32) throw new InvalidDataException("RESP: arrays nested deeper than 32");
        if (buffer.Length - offset < 3) return false;
        int lineEnd = buffer[offset..].IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            if (buffer.Length - offset > 64 * 1024) throw new InvalidDataException("RESP: a reply line over 64 KB");
            return false;
        }
        var line = buffer.Slice(offset + 1, lineEnd - 1);
        int afterLine = offset + lineEnd + 2;
        switch (buffer[offset])
        {
            case (byte)'+':
                reply = new Reply(Kind.Simple, offset + 1, line.Length, 0, afterLine - offset);
                return true;
            case (byte)'-':
                reply = new Reply(Kind.Error, offset + 1, line.Length, 0, afterLine - offset);
                return true;
            case (byte)':':
                reply = new Reply(Kind.Integer, offset + 1, line.Length, ParseInteger(line), afterLine - offset);
                return true;
            case (byte)'$':
            {
                long length = ParseInteger(line);
                if (length == -1)
                {
                    reply = new Reply(Kind.Nil, afterLine, 0, -1, afterLine - offset);
                    return true;
                }
                if (length is < 0 or > 512L * 1024 * 1024) throw new InvalidDataException($"RESP: bulk length {length}");
                if (buffer.Length - afterLine < length + 2) return false;
                if (buffer[afterLine + (int)length] != '\r' || buffer[afterLine + (int)length + 1] != '\n')
                    throw new InvalidDataException("RESP: a bulk string not followed by CRLF");
                reply = new Reply(Kind.Bulk, afterLine, (int)length, length, afterLine + (int)length + 2 - offset);
                return true;
            }
            case (byte)'*':
            {
                long count = ParseInteger(line);
                if (count == -1)
                {
                    reply = new Reply(Kind.Nil, afterLine, 0, -1, afterLine - offset);
                    return true;
                }
                if (count < 0) throw new InvalidDataException($"RESP: array length {count}");
                int at = afterLine;
                for (long i = 0; i < count; i++)
                {
                    if (!TryRead(buffer, at, depth + 1, out var element)) return false;
                    at += element.Length;
                }
                reply = new Reply(Kind.Array, afterLine, 0, count, at - offset);
                return true;
            }
            default:
                throw new InvalidDataException($"RESP: a reply starting with byte 0x{buffer[offset]:x2}");
        }
    }

    private static long ParseInteger(ReadOnlySpan<byte> text) =>
        Utf8Parser.TryParse(text, out long value, out int consumed) && consumed == text.Length
            ? value
            : throw new InvalidDataException("RESP: not an integer");

    private static int WritePrefixed(Span<byte> to, byte prefix, int value)
    {
        to[0] = prefix;
        Utf8Formatter.TryFormat(value, to[1..], out int digits);
        to[1 + digits] = (byte)'\r';
        to[2 + digits] = (byte)'\n';
        return digits + 3;
    }

    private static int Digits(int value)
    {
        int digits = 1;
        for (; value >= 10; value /= 10) digits++;
        return digits;
    }
}
