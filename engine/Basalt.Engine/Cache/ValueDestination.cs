using System.Buffers;

namespace Basalt.Engine.Cache;

// Where a lookup copies a value: the store's read path is generic over it (struct type parameters, so the JIT
// compiles one path per kind, with no interface call). GetSpan may be called again when a read retries; Advance once,
// after the read was validated.
internal interface IValueDestination
{
    Span<byte> GetSpan(int length);
    void Advance(int length);
}

// A caller's span: too short a span makes the lookup BufferTooSmall.
internal readonly ref struct SpanDestination(Span<byte> span) : IValueDestination
{
    private readonly Span<byte> _span = span;

    public Span<byte> GetSpan(int length) => _span;

    public void Advance(int length)
    {
    }
}

internal readonly struct WriterDestination(IBufferWriter<byte> writer) : IValueDestination
{
    public Span<byte> GetSpan(int length) => writer.GetSpan(length);

    public void Advance(int length) => writer.Advance(length);
}
