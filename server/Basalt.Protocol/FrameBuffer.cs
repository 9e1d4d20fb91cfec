using System.Buffers;
using System.Buffers.Binary;

namespace Basalt.Protocol;

// A growable byte buffer from ArrayPool<byte>.Shared: frames are written into it (as an IBufferWriter<byte>, so
// ItemWriter.EndItem can write items straight in) and sent from it. Owned by one writer at a time (a connection's
// FrameSender hands it over under its lock); not thread-safe. Reset keeps the array, so a buffer that has grown to
// its connection's usual batch stops allocating. Dispose returns the array.
public sealed class FrameBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    public FrameBuffer(int initialBytes = 4096) => _buffer = ArrayPool<byte>.Shared.Rent(initialBytes);

    public int WrittenCount => _written;
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public void Reset() => _written = 0;

    // Drops what was written after `position` (a frame that failed half-way).
    public void Truncate(int position)
    {
        if ((uint)position > (uint)_written) throw new ArgumentOutOfRangeException(nameof(position));
        _written = position;
    }

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written)) throw new ArgumentOutOfRangeException(nameof(count));
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    // Bytes already written, for patching a length in place.
    public Span<byte> Written(int position, int length) => _buffer.AsSpan(position, length);

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _written += bytes.Length;
    }

    public void WriteByte(byte value)
    {
        GetSpan(1)[0] = value;
        _written++;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(GetSpan(4), value);
        _written += 4;
    }

    // Starts a frame: reserves its header; EndFrame fills it in once the payload is written.
    public int BeginFrame()
    {
        int start = _written;
        GetSpan(ProtocolFormat.HeaderBytes);
        _written += ProtocolFormat.HeaderBytes;
        return start;
    }

    public void EndFrame(int start, uint requestId, Op op, FrameFlags flags)
    {
        int payloadBytes = _written - start - ProtocolFormat.HeaderBytes;
        ProtocolFormat.WriteHeader(_buffer.AsSpan(start), payloadBytes, requestId, op, flags);
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1) sizeHint = 1;
        if (_buffer.Length - _written >= sizeHint) return;
        int size = Math.Max(_buffer.Length * 2, _written + sizeHint);
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }
}
