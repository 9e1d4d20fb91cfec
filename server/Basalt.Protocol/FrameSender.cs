using System.Runtime.CompilerServices;

namespace Basalt.Protocol;

// The sending half of a connection, shared by the server and the client: any thread appends whole frames to the
// pending buffer under a short lock (BeginWrite/EndWrite), and one send loop at a time writes a batch to the stream
// while the next batch fills. Two FrameBuffers alternate, so steady state allocates nothing: the loop's state machine
// comes from PoolingAsyncValueTaskMethodBuilder, and a socket's WriteAsync completes without allocating.
//
// Why a lock and not a lock-free queue of frames: frames are written in place (a GetItem's item straight from the
// engine's sink into the pending buffer, no copy); a queue would need a buffer per frame and a copy into the batch.
// The lock is held only while bytes are appended, never across I/O, and is uncontended unless completions on other
// threads answer at the same moment as the reader.
//
// Corking: the connection's reader corks while it handles the frames of one read and uncorks at the end, so a batch
// of pipelined requests leaves as one write. A pending buffer over PendingBytesMax (a peer that sends and never reads)
// faults the sender: the connection closes instead of growing without bound.
public sealed class FrameSender : IDisposable
{
    public const int PendingBytesMax = 64 << 20;

    private readonly Stream _stream;
    private readonly object _sync = new();
    private FrameBuffer _pending = new();
    private FrameBuffer? _spare = new();
    private bool _sending;
    private bool _closed;
    private int _corks;
    private TaskCompletionSource? _drained;

    public FrameSender(Stream stream) => _stream = stream;

    // Called once, from the thread that saw it, when a write fails or the pending bytes overflow.
    public Action<Exception>? Faulted { get; set; }

    public bool IsClosed => Volatile.Read(ref _closed);

    // Enters the lock and returns the buffer to append frames to; EndWrite must follow on the same thread.
    public FrameBuffer BeginWrite()
    {
        Monitor.Enter(_sync);
        return _pending;
    }

    public void EndWrite()
    {
        FrameBuffer? batch = TakeBatchLocked(out bool overflow);
        Monitor.Exit(_sync);
        if (overflow) Fault(new IOException($"more than {PendingBytesMax} bytes of responses wait for the peer to read them"));
        else if (batch is not null) _ = SendLoopAsync(batch);
    }

    public void Cork()
    {
        lock (_sync) _corks++;
    }

    public void Uncork()
    {
        Monitor.Enter(_sync);
        _corks--;
        EndWrite();
    }

    // Under the lock: the batch to send now, if nobody is sending and something waits.
    private FrameBuffer? TakeBatchLocked(out bool overflow)
    {
        overflow = _pending.WrittenCount > PendingBytesMax && !_closed;
        if (_closed)
        {
            _pending.Reset();
            return null;
        }
        if (_sending || _corks > 0 || _pending.WrittenCount == 0 || overflow) return null;
        _sending = true;
        var batch = _pending;
        _pending = _spare!;
        _spare = null;
        return batch;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendLoopAsync(FrameBuffer batch)
    {
        try
        {
            while (true)
            {
                await _stream.WriteAsync(batch.WrittenMemory).ConfigureAwait(false);
                batch.Reset();
                lock (_sync)
                {
                    if (_closed || _corks > 0 || _pending.WrittenCount == 0)
                    {
                        _sending = false;
                        _drained?.TrySetResult();
                        _drained = null;
                        if (_closed) batch.Dispose();
                        else _spare = batch;
                        return;
                    }
                    (batch, _pending) = (_pending, batch);
                }
            }
        }
        catch (Exception e)
        {
            lock (_sync)
            {
                _sending = false;
                batch.Dispose();
                _spare = new FrameBuffer(); // only after a failure: the sender is closed next
                _drained?.TrySetResult();
                _drained = null;
            }
            Fault(e);
        }
    }

    // Completes when everything appended so far has been written (or the sender failed or closed): a connection that
    // closes after an Error frame waits for it to leave first.
    public Task DrainAsync()
    {
        FrameBuffer? batch;
        Task drained;
        lock (_sync)
        {
            batch = TakeBatchLocked(out _);
            if (batch is null && (!_sending || _closed)) return Task.CompletedTask;
            drained = (_drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        if (batch is not null) _ = SendLoopAsync(batch);
        return drained;
    }

    private void Fault(Exception e)
    {
        bool first;
        lock (_sync)
        {
            first = !_closed;
            _closed = true;
        }
        if (first) Faulted?.Invoke(e);
    }

    // Closes: nothing more is sent; the buffers go back to the pool (the one being sent when the loop ends).
    public void Dispose()
    {
        lock (_sync)
        {
            _closed = true;
            _pending.Dispose();
            if (!_sending) _spare?.Dispose();
        }
    }
}
