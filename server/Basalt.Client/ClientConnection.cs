using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Numerics;
using System.Runtime.CompilerServices;
using Basalt.Engine.Database;
using Basalt.Protocol;
using Microsoft.Extensions.ObjectPool;

namespace Basalt.Client;

// One connection of the pool: many requests in flight at once, answered in any order and matched by request id.
// Any thread sends (FrameSender appends the frame under its short lock); one read loop receives, finds the request by
// id in the slot table and completes it. The slot of id x is x & (slots - 1); ids increase per request, so an id is
// not reused while its request could still be answered. A timer scans the slots for requests past their deadline.
//
// Invariants: a request is in the slot table from Send until it is claimed (PendingRequest's protocol); a claimed
// request has left the table; a faulted connection fails every request it holds and takes no more.
internal sealed class ClientConnection : IAsyncDisposable
{
    private static readonly ObjectPool<PendingRequest> s_requests =
        new DefaultObjectPool<PendingRequest>(new DefaultPooledObjectPolicy<PendingRequest>(), 4096);
    private static readonly Action<object?> s_onCancel = static state => ((PendingRequest)state!).Connection?.Cancel((PendingRequest)state!);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly FrameSender _sender;
    private readonly PendingRequest?[] _slots;
    private readonly int _mask;
    private readonly long _timeoutTicks;
    private readonly Timer? _timer;
    private long _nextId;
    private volatile Exception? _fault;
    private Task? _readLoop;

    private ClientConnection(Socket socket, BasaltClientOptions options)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 << 10, minimumReadSize: 16 << 10, leaveOpen: true));
        _sender = new FrameSender(_stream) { Faulted = e => Fail(new IOException("the connection to the Basalt server failed: " + e.Message, e)) };
        int slots = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, options.InFlightPerConnectionMax));
        _slots = new PendingRequest?[slots];
        _mask = slots - 1;
        if (options.RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            _timeoutTicks = (long)(options.RequestTimeout.TotalSeconds * Stopwatch.Frequency);
            var period = TimeSpan.FromMilliseconds(Math.Clamp(options.RequestTimeout.TotalMilliseconds / 4, 1, 100));
            _timer = new Timer(static s => ((ClientConnection)s!).ExpireOverdue(), this, period, period);
        }
        else _timeoutTicks = long.MaxValue;
    }

    public bool IsFaulted => _fault is not null;

    public static async Task<ClientConnection> ConnectAsync(BasaltClientOptions options, CancellationToken cancel)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        ClientConnection? connection = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(options.ConnectTimeout);
            await socket.ConnectAsync(options.Host, options.Port, timeout.Token);
            connection = new ClientConnection(socket, options);
            await connection.HelloAsync(timeout.Token);
            connection._readLoop = connection.ReadLoopAsync();
            return connection;
        }
        catch
        {
            if (connection is not null) await connection.DisposeAsync();
            else socket.Dispose();
            throw;
        }
    }

    // The version handshake, before the read loop starts: Hello out, Hello (or an Error) back.
    private async Task HelloAsync(CancellationToken cancel)
    {
        var b = _sender.BeginWrite();
        try
        {
            int start = b.BeginFrame();
            b.Write(ProtocolFormat.Magic);
            BinaryPrimitives.WriteUInt16LittleEndian(b.GetSpan(4), ProtocolFormat.Version);
            BinaryPrimitives.WriteUInt16LittleEndian(b.GetSpan(4)[2..], 0);
            b.Advance(4);
            b.EndFrame(start, 0, Op.Hello, FrameFlags.None);
        }
        finally
        {
            _sender.EndWrite();
        }
        while (true)
        {
            var result = await _reader.ReadAsync(cancel);
            var buffer = result.Buffer;
            var outcome = FrameReader.TryRead(ref buffer, ProtocolFormat.FrameBytesMax, out var header, out var frame);
            if (outcome == FrameReader.Result.Frame)
            {
                var payload = frame.Slice(ProtocolFormat.HeaderBytes).ToArray();
                _reader.AdvanceTo(buffer.Start);
                if ((header.Flags & FrameFlags.Error) != 0)
                {
                    var r = new PayloadReader(payload);
                    throw MessageCodec.ReadError(ref r);
                }
                if (header.Op != Op.Hello || payload.Length != ProtocolFormat.HelloResponseBytes || !payload.AsSpan(0, 4).SequenceEqual(ProtocolFormat.Magic))
                    throw new IOException("the server did not answer the binary protocol's Hello");
                ushort version = BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(4));
                if (version != ProtocolFormat.Version)
                    throw new IOException($"the server speaks version {version} of the binary protocol, this client version {ProtocolFormat.Version}");
                return;
            }
            if (outcome == FrameReader.Result.BadLength) throw new IOException("the server sent a frame of a bad length");
            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted) throw new IOException("the server closed the connection during the handshake");
        }
    }

    // Sends one request and returns the rented PendingRequest to await (Await, then Release). The payload is written
    // into the send buffer before this returns, so the caller's request bytes are free again at once.
    public PendingRequest Send<TState>(Op op, TState state, Action<FrameBuffer, TState> writePayload, IBufferWriter<byte>? destination,
        CancellationToken cancel)
    {
        if (_fault is { } fault) throw new IOException(fault.Message, fault);
        var p = s_requests.Get();
        p.Connection = this;
        p.ItemDestination = destination;
        uint id = Claim(p, op);
        var b = _sender.BeginWrite();
        int start = b.BeginFrame();
        bool sent = false;
        try
        {
            writePayload(b, state);
            if (b.WrittenCount - start > ProtocolFormat.FrameBytesMax)
                throw new ValidationException($"Request too large for the binary protocol: {b.WrittenCount - start} bytes, at most {ProtocolFormat.FrameBytesMax}");
            b.EndFrame(start, id, op, FrameFlags.None);
            sent = true;
        }
        catch
        {
            b.Truncate(start);
            throw;
        }
        finally
        {
            _sender.EndWrite();
            if (!sent)
            {
                p.TryClaim(id);
                Volatile.Write(ref _slots[id & _mask], null);
                Release(p);
            }
        }
        if (cancel.CanBeCanceled) p.Registration = cancel.UnsafeRegister(s_onCancel, p);
        // A fault between the check above and the slot taking the request: make sure it is failed too.
        if (_fault is { } late) Complete(p, id, new IOException(late.Message, late));
        return p;
    }

    private uint Claim(PendingRequest p, Op op)
    {
        for (int attempt = 0; attempt <= _mask; attempt++)
        {
            uint id = (uint)Interlocked.Increment(ref _nextId);
            if (id == 0) continue;
            ref var slot = ref _slots[id & _mask];
            if (Volatile.Read(ref slot) is not null) continue;
            p.Arm(id, op, _timeoutTicks == long.MaxValue ? long.MaxValue : Stopwatch.GetTimestamp() + _timeoutTicks);
            if (Interlocked.CompareExchange(ref slot, p, null) is null) return id;
        }
        p.Reset();
        s_requests.Return(p);
        throw new RemoteDynamoDbException("ThrottlingException", $"Too many requests in flight on one connection (at most {_slots.Length})");
    }

    public static ValueTask<int> Await(PendingRequest p) => new(p, p.Version);

    // After the caller has read the result: the request goes back to the pool.
    public static void Release(PendingRequest p)
    {
        p.Registration.Dispose(); // waits for a running cancellation callback; none runs after this
        p.Reset();
        s_requests.Return(p);
    }

    private void Cancel(PendingRequest p)
    {
        long id = p.LiveId;
        if (id != 0) Complete(p, id, new OperationCanceledException("the request was canceled"));
    }

    private void ExpireOverdue()
    {
        long now = Stopwatch.GetTimestamp();
        for (int i = 0; i < _slots.Length; i++)
        {
            var p = Volatile.Read(ref _slots[i]);
            if (p is null) continue;
            long id = p.LiveId;
            if (id != 0 && p.DeadlineTimestamp < now)
                Complete(p, id, new TimeoutException($"the Basalt server did not answer within {TimeSpan.FromSeconds((double)_timeoutTicks / Stopwatch.Frequency)}"));
        }
    }

    // Completes with an error, if the claim for `id` wins.
    private void Complete(PendingRequest p, long id, Exception e)
    {
        if (!p.TryClaim(id)) return;
        Interlocked.CompareExchange(ref _slots[id & _mask], null, p);
        p.SetException(e);
    }

    private async Task ReadLoopAsync()
    {
        Exception? failure = null;
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync();
                var buffer = result.Buffer;
                while (true)
                {
                    var outcome = FrameReader.TryRead(ref buffer, ProtocolFormat.FrameBytesMax, out var header, out var frame);
                    if (outcome == FrameReader.Result.NeedMore) break;
                    if (outcome == FrameReader.Result.BadLength) throw new IOException("the server sent a frame of a bad length");
                    Receive(header, frame);
                }
                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled) break;
            }
        }
        catch (Exception e)
        {
            failure = e;
        }
        await _reader.CompleteAsync();
        Fail(failure is null ? new IOException("the Basalt server closed the connection") : new IOException("the connection to the Basalt server failed: " + failure.Message, failure));
    }

    private void Receive(FrameHeader header, ReadOnlySequence<byte> frame)
    {
        uint id = header.RequestId;
        var p = Volatile.Read(ref _slots[id & _mask]);
        if ((header.Flags & FrameFlags.Response) == 0) throw new IOException("the server sent a frame without the Response flag");
        if (p is null || !p.TryClaim(id))
        {
            // No request waits for it (timed out or canceled), or an error about no request in particular (id 0:
            // the server is closing the connection): the latter is the connection's failure.
            if (id == 0 && (header.Flags & FrameFlags.Error) != 0) throw ReadErrorOf(frame);
            return;
        }
        Interlocked.CompareExchange(ref _slots[id & _mask], null, p);
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> payload;
            if (frame.IsSingleSegment) payload = frame.FirstSpan[ProtocolFormat.HeaderBytes..];
            else
            {
                rented = ArrayPool<byte>.Shared.Rent((int)frame.Length);
                frame.CopyTo(rented);
                payload = rented.AsSpan(ProtocolFormat.HeaderBytes, (int)frame.Length - ProtocolFormat.HeaderBytes);
            }
            var r = new PayloadReader(payload);
            if ((header.Flags & FrameFlags.Error) != 0)
            {
                p.SetException(MessageCodec.ReadError(ref r));
                return;
            }
            if (header.Op != p.Op) throw new ProtocolFormatException($"an answer of op {header.Op} to a request of op {p.Op}");
            int result = 0;
            switch (p.Op)
            {
                case Op.GetItemEncoded:
                    if (r.TryReadEncodedItem(out var item))
                    {
                        item.CopyTo(p.ItemDestination!.GetSpan(item.Length));
                        p.ItemDestination.Advance(item.Length);
                        result = item.Length;
                    }
                    else result = -1;
                    break;
                case Op.PutItemEncoded: break;
                case Op.GetItem: p.Response = MessageCodec.ReadGetItemResponse(ref r); break;
                case Op.PutItem: p.Response = MessageCodec.ReadPutItemResponse(ref r); break;
                case Op.UpdateItem: p.Response = MessageCodec.ReadUpdateItemResponse(ref r); break;
                case Op.DeleteItem: p.Response = MessageCodec.ReadDeleteItemResponse(ref r); break;
                case Op.Query: p.Response = MessageCodec.ReadQueryResponse(ref r); break;
                case Op.Scan: p.Response = MessageCodec.ReadScanResponse(ref r); break;
                case Op.BatchGetItem: p.Response = MessageCodec.ReadBatchGetItemResponse(ref r); break;
                case Op.BatchWriteItem: p.Response = MessageCodec.ReadBatchWriteItemResponse(ref r); break;
                case Op.TransactWriteItems: p.Response = MessageCodec.ReadTransactWriteItemsResponse(ref r); break;
                case Op.TransactGetItems: p.Response = MessageCodec.ReadTransactGetItemsResponse(ref r); break;
                default: throw new ProtocolFormatException($"an answer of unexpected op {p.Op}");
            }
            r.EnsureEnd();
            p.SetResult(result);
        }
        catch (Exception e)
        {
            p.SetException(e);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static DynamoDbException ReadErrorOf(ReadOnlySequence<byte> frame)
    {
        var payload = frame.Slice(ProtocolFormat.HeaderBytes).ToArray();
        var r = new PayloadReader(payload);
        return MessageCodec.ReadError(ref r);
    }

    // Fails every request in flight and marks the connection dead (the pool replaces it).
    private void Fail(Exception e)
    {
        _fault ??= e;
        for (int i = 0; i < _slots.Length; i++)
        {
            var p = Volatile.Read(ref _slots[i]);
            if (p is null) continue;
            long id = p.LiveId;
            if (id != 0) Complete(p, id, new IOException(e.Message, e));
        }
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception x) when (x is SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null) await _timer.DisposeAsync();
        Fail(new ObjectDisposedException(nameof(BasaltClient), "the client was disposed"));
        _reader.CancelPendingRead();
        if (_readLoop is not null) await _readLoop;
        _sender.Dispose();
        _stream.Dispose();
    }
}
