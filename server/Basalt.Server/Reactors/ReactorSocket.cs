using System.IO.Pipelines;
using System.Net.Sockets;

namespace Basalt.Server.Reactors;

// A connected socket served by a Reactor: input arrives through a Pipe that the reactor thread fills (receive into
// the writer's memory, Advance, FlushAsync); its reader's scheduler is Inline, so whoever awaits Input (a connection's
// frame loop) continues on the reactor thread inside that FlushAsync. Output goes straight to the socket from the
// thread that writes it (SocketSendStream): a send that the kernel takes at once, the usual case, completes there;
// only a full send buffer waits for the runtime's own socket engine.
//
// Lifetime: Attach (from any thread) registers it on its reactor; end of input (the peer closed, an error) completes
// the Pipe's writer and stops watching; Dispose (any thread, when the connection is done with it) closes the socket on
// the reactor thread after unregistering it.
internal sealed class ReactorSocket : IDisposable
{
    // Input segments: one receive fills at most this much, and a frame larger than a segment spans several.
    private const int ReceiveBytes = 16 << 10;

    private readonly Reactor _reactor;
    private readonly Pipe _input;
    private bool _inputDone; // reactor thread only
    private int _disposed;

    public ReactorSocket(Reactor reactor, Socket socket)
    {
        _reactor = reactor;
        Socket = socket;
        socket.Blocking = false; // receives return WouldBlock instead of waiting; SendAsync is unaffected
        // No pause threshold: the reader runs inline and consumes every whole frame before FlushAsync returns, so what
        // stays buffered is at most one incomplete frame (bounded by the protocol's maximum frame size).
        _input = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0, resumeWriterThreshold: 0, minimumSegmentSize: ReceiveBytes, useSynchronizationContext: false));
        Output = new SocketSendStream(socket);
    }

    public Socket Socket { get; }

    public Reactor Reactor => _reactor;

    // The reactor's registration id (0: not registered); reactor thread only.
    internal ulong Id { get; set; }

    public PipeReader Input => _input.Reader;

    public Stream Output { get; }

    // Registers the socket on its reactor and then runs `started` there (a connection starts its frame loop, which
    // runs until it first awaits Input). Any thread.
    public void Attach(Action started) => _reactor.Post(() =>
    {
        if (Volatile.Read(ref _disposed) != 0) return;
        try
        {
            _reactor.Register(this);
        }
        catch (IOException e)
        {
            Fail(e);
        }
        started();
    });

    // Reactor thread: the socket is readable (or has hung up or failed): one receive into the Pipe.
    internal void OnReadable()
    {
        if (_inputDone) return;
        var writer = _input.Writer;
        var memory = writer.GetMemory(ReceiveBytes);
        int n = Socket.Receive(memory.Span, SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock) return;
        if (error != SocketError.Success || n == 0)
        {
            EndInput(error == SocketError.Success ? null : new SocketException((int)error));
            return;
        }
        writer.Advance(n);
        var flush = writer.FlushAsync();
        // The reader runs inline, so the flush is complete here; IsCompleted means the reader has finished.
        if (!flush.IsCompleted || flush.Result.IsCompleted) StopWatching();
    }

    // Reactor thread: input is over (with an error or not); the reader sees the end after what is buffered.
    internal void Fail(Exception? e) => EndInput(e);

    private void EndInput(Exception? e)
    {
        if (_inputDone) return;
        StopWatching();
        _input.Writer.Complete(e);
    }

    private void StopWatching()
    {
        _inputDone = true;
        _reactor.Unregister(this);
    }

    // Any thread, once: the socket is closed on the reactor thread (after its registration is gone).
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _reactor.Post(() =>
        {
            EndInput(null);
            try
            {
                Socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
            Socket.Dispose();
        });
    }
}

// Writes to a socket with SendAsync, the whole buffer each time. Sends only; reads go through the reactor.
internal sealed class SocketSendStream(Socket socket) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            int sent = await socket.SendAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            buffer = buffer[sent..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // The socket is non-blocking (the reactor's receives need it so): a synchronous send could only fail with WouldBlock.
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("SocketSendStream writes asynchronously only");

    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
