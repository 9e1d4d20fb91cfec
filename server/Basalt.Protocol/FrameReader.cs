using System.Buffers;

namespace Basalt.Protocol;

// Splits received bytes into frames. TryRead takes the next whole frame off the front of `buffer`: false when more
// bytes are needed (the caller reads more and calls again); a length out of bounds is reported (Oversized) before
// any of the frame is buffered, so a peer cannot make the reader wait for or hold more than FrameBytesMax.
public static class FrameReader
{
    public enum Result
    {
        Frame,
        NeedMore,
        BadLength,
    }

    public static Result TryRead(ref ReadOnlySequence<byte> buffer, int frameBytesMax, out FrameHeader header, out ReadOnlySequence<byte> frame)
    {
        header = default;
        frame = default;
        if (buffer.Length < ProtocolFormat.HeaderBytes)
        {
            if (buffer.Length < ProtocolFormat.LengthBytes) return Result.NeedMore;
            Span<byte> lengthBytes = stackalloc byte[ProtocolFormat.LengthBytes];
            buffer.Slice(0, ProtocolFormat.LengthBytes).CopyTo(lengthBytes);
            uint length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
            return IsLengthOk(length, frameBytesMax) ? Result.NeedMore : Result.BadLength;
        }
        Span<byte> headerBytes = stackalloc byte[ProtocolFormat.HeaderBytes];
        buffer.Slice(0, ProtocolFormat.HeaderBytes).CopyTo(headerBytes);
        header = ProtocolFormat.ReadHeader(headerBytes);
        if (!IsLengthOk(header.Length, frameBytesMax)) return Result.BadLength;
        if (buffer.Length < header.FrameBytes) return Result.NeedMore;
        frame = buffer.Slice(0, header.FrameBytes);
        buffer = buffer.Slice(header.FrameBytes);
        return Result.Frame;
    }

    private static bool IsLengthOk(uint length, int frameBytesMax) =>
        length >= ProtocolFormat.HeaderBytes - ProtocolFormat.LengthBytes && length <= (uint)(frameBytesMax - ProtocolFormat.LengthBytes);
}
