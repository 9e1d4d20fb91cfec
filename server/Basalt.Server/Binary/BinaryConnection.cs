using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Basalt.Engine;
using Basalt.Engine.Database;
using Basalt.Engine.Expressions;
using Basalt.Engine.Model;
using Basalt.Protocol;
using Basalt.Server.Reactors;
using Microsoft.Extensions.Logging;

namespace Basalt.Server.Binary;

// One client connection of the binary protocol (docs/protocol.md). The read loop (RunAsync, on the thread pool)
// takes frames off a PipeReader over the socket and handles each where it stands: reads (GetItem, Query, Scan,
// BatchGetItem and the lean GetItemEncoded) run to completion on the loop's thread and write their answer at once;
// writes are handed to the engine, whose inline-write token usually completes them on this same thread too
// (docs/threading.md), and otherwise answer later from the completing thread. So answers leave in completion order,
// not request order, matched by request id; the loop never waits for one request before reading the next.
//
// Every request goes through the same BasaltDatabase operation as the JSON API, so validation, limits and errors are
// the same; the lean paths call the engine's allocation-free forms (TryGetItem with a sink, PutItemAsync with an
// ItemWriter) after checking the untrusted bytes as ItemWriter checks any item.
//
// Bad input: a frame length out of bounds gets an Error frame (requestId 0) and the connection closes, since the
// stream cannot be resynchronised; a bad header (flags, reserved), an unknown op or an unreadable payload gets an
// Error frame for that request and the connection carries on; a bad Hello closes it. A frame cut short by the peer
// closing is dropped with the connection. No input makes the loop throw: an exception that escapes a request is
// answered InternalServerError and logged.
internal sealed partial class BinaryConnection
{
    // Writes waiting for the engine on one connection; past it a request is refused with ThrottlingException, which
    // the client retries with backoff. The engine's own shard queues bound the rest.
    public const int InFlightMaxDefault = 4096;

    private readonly Socket? _socket;
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly FrameSender _sender;
    private readonly BasaltDatabase _database;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _greeted;
    private int _inFlight;
    // Written by the read loop only (plain stores), read by a metrics scrape (racy, a moment behind): the requests it
    // handled, and the writes among them that the engine did not finish on this thread, so that their answer left from
    // another one (a thread hop).
    private readonly int _inFlightMax = InFlightMaxDefault;
    private long _requests;
    private long _deferred;
    private volatile bool _closing;

    public BinaryConnection(Socket socket, BasaltDatabase database, ILogger logger, int inFlightMax = InFlightMaxDefault)
        : this(new NetworkStream(socket, ownsSocket: false), socket, database, logger)
    {
        _inFlightMax = inFlightMax;
    }

    // On a reactor (docs/protocol.md, "Reactors"): frames arrive through the reactor socket's Pipe and this loop runs
    // on the reactor thread; reads that can take long (Query, Scan, BatchGetItem) move to the thread pool so that they
    // hold up neither the other connections of the reactor nor this one's next frames.
    public BinaryConnection(ReactorSocket transport, BasaltDatabase database, ILogger logger, int inFlightMax = InFlightMaxDefault)
    {
        _transport = transport;
        _stream = transport.Output;
        _reader = transport.Input;
        _sender = new FrameSender(_stream) { Faulted = _ => Close() };
        _database = database;
        _logger = logger;
        _inFlightMax = inFlightMax;
        _offloadLongReads = true;
    }

    private readonly ReactorSocket? _transport;
    private readonly bool _offloadLongReads;

    // Over any duplex stream (the frame-reader fuzz target drives one from memory); socket, when there is one, is
    // shut down and closed with the connection.
    internal BinaryConnection(Stream stream, Socket? socket, BasaltDatabase database, ILogger logger)
    {
        _socket = socket;
        _stream = stream;
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 64 << 10, minimumReadSize: 16 << 10, leaveOpen: true));
        _sender = new FrameSender(_stream) { Faulted = _ => Close() };
        _database = database;
        _logger = logger;
    }

    public Task Completion => _completion.Task;

    public long Requests => Volatile.Read(ref _requests);
    public long Deferred => Volatile.Read(ref _deferred);

    // Stops the connection from any thread: the read loop ends, in-flight requests are still answered if they can be.
    public void Close()
    {
        _closing = true;
        try
        {
            _socket?.Shutdown(SocketShutdown.Receive);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        _reader.CancelPendingRead();
    }

    public async Task RunAsync()
    {
        try
        {
            while (!_closing)
            {
                ReadResult result;
                try
                {
                    result = await _reader.ReadAsync();
                }
                catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
                {
                    break;
                }
                var buffer = result.Buffer;
                bool close = false;
                _sender.Cork();
                try
                {
                    while (!close)
                    {
                        var outcome = FrameReader.TryRead(ref buffer, ProtocolFormat.FrameBytesMax, out var header, out var frame);
                        if (outcome == FrameReader.Result.NeedMore) break;
                        if (outcome == FrameReader.Result.BadLength)
                        {
                            SendError(0, Op.Hello, "SerializationException",
                                $"Frame length out of bounds: a frame is {ProtocolFormat.HeaderBytes} to {ProtocolFormat.FrameBytesMax} bytes");
                            close = true;
                            break;
                        }
                        close = !Handle(header, frame);
                    }
                }
                finally
                {
                    _sender.Uncork();
                }
                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (close || result.IsCompleted || result.IsCanceled || _sender.IsClosed) break;
            }
        }
        catch (Exception e)
        {
            _logger.LogError(e, "binary protocol: connection loop failed");
        }
        finally
        {
            await ShutdownAsync();
        }
    }

    private async Task ShutdownAsync()
    {
        _closing = true;
        await _reader.CompleteAsync();
        // Answers to requests already handed to the engine still go out; a stuck engine does not hold the close up for
        // more than a few seconds.
        if (Interlocked.Add(ref _inFlight, 0) > 0)
        {
            if (Volatile.Read(ref _inFlight) > 0) await _idle.Task.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(static _ => { });
        }
        await _sender.DrainAsync().WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(static _ => { });
        try
        {
            _socket?.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        _sender.Dispose();
        _stream.Dispose();
        _socket?.Dispose();
        _transport?.Dispose();
        _completion.TrySetResult();
    }

    // One whole frame; false when the connection must close.
    private bool Handle(FrameHeader header, ReadOnlySequence<byte> frame)
    {
        uint id = header.RequestId;
        if (header.Flags != FrameFlags.None || header.Reserved != 0)
        {
            SendError(id, header.Op, "SerializationException", "Request frames have flags 0 and reserved 0");
            return _greeted;
        }
        byte[]? rented = null;
        ReadOnlySpan<byte> payload;
        if (frame.IsSingleSegment) payload = frame.FirstSpan[ProtocolFormat.HeaderBytes..];
        else
        {
            // A frame across two of the pipe's segments: copied once into pooled memory.
            rented = ArrayPool<byte>.Shared.Rent((int)frame.Length);
            frame.CopyTo(rented);
            payload = rented.AsSpan(ProtocolFormat.HeaderBytes, (int)frame.Length - ProtocolFormat.HeaderBytes);
        }
        try
        {
            if (!_greeted) return Hello(id, header.Op, payload);
            Volatile.Write(ref _requests, _requests + 1);
            Dispatch(id, header.Op, payload);
            return true;
        }
        catch (Exception e)
        {
            SendError(id, header.Op, e);
            return true;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private bool Hello(uint id, Op op, ReadOnlySpan<byte> payload)
    {
        if (op != Op.Hello)
        {
            SendError(id, op, "SerializationException", "The first frame of a connection must be Hello");
            return false;
        }
        if (payload.Length != ProtocolFormat.HelloBytes || !payload[..4].SequenceEqual(ProtocolFormat.Magic))
        {
            SendError(id, op, "SerializationException", "Hello: bad magic or length");
            return false;
        }
        ushort version = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(payload[4..]);
        if (version != ProtocolFormat.Version)
        {
            SendError(id, op, "SerializationException", $"Unsupported protocol version {version}; this server speaks version {ProtocolFormat.Version}");
            return false;
        }
        _greeted = true;
        var b = _sender.BeginWrite();
        try
        {
            int start = b.BeginFrame();
            b.Write(ProtocolFormat.Magic);
            var rest = b.GetSpan(8);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(rest, ProtocolFormat.Version);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(rest[2..], 0);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(rest[4..], ProtocolFormat.FrameBytesMax);
            b.Advance(8);
            b.EndFrame(start, id, op, FrameFlags.Response);
        }
        finally
        {
            _sender.EndWrite();
        }
        return true;
    }

    private void Dispatch(uint id, Op op, ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        switch (op)
        {
            case Op.GetItemEncoded:
                GetItemEncoded(id, ref r);
                break;
            case Op.PutItemEncoded:
                PutItemEncoded(id, ref r);
                break;
            case Op.GetItem:
            {
                var q = MessageCodec.ReadGetItem(ref r);
                r.EnsureEnd();
                Respond(id, op, _database.GetItem(q), MessageCodec.Write);
                break;
            }
            case Op.Query:
            {
                var q = MessageCodec.ReadQuery(ref r);
                r.EnsureEnd();
                if (_offloadLongReads) Track(id, op, new ValueTask<QueryResponse>(Task.Run(() => _database.Query(q))), MessageCodec.Write);
                else Respond(id, op, _database.Query(q), MessageCodec.Write);
                break;
            }
            case Op.Scan:
            {
                var q = MessageCodec.ReadScan(ref r);
                r.EnsureEnd();
                if (_offloadLongReads) Track(id, op, new ValueTask<ScanResponse>(Task.Run(() => _database.Scan(q))), MessageCodec.Write);
                else Respond(id, op, _database.Scan(q), MessageCodec.Write);
                break;
            }
            case Op.BatchGetItem:
            {
                var q = MessageCodec.ReadBatchGetItem(ref r);
                r.EnsureEnd();
                if (_offloadLongReads) Track(id, op, new ValueTask<BatchGetItemResponse>(Task.Run(() => _database.BatchGetItem(q))), MessageCodec.Write);
                else Respond(id, op, _database.BatchGetItem(q), MessageCodec.Write);
                break;
            }
            case Op.PutItem:
            {
                var q = MessageCodec.ReadPutItem(ref r);
                r.EnsureEnd();
                ThrottleIfBusy();
                Track(id, op, _database.PutItemAsync(q), MessageCodec.Write);
                break;
            }
            case Op.UpdateItem:
            {
                var q = MessageCodec.ReadUpdateItem(ref r);
                r.EnsureEnd();
                ThrottleIfBusy();
                Track(id, op, _database.UpdateItemAsync(q), MessageCodec.Write);
                break;
            }
            case Op.DeleteItem:
            {
                var q = MessageCodec.ReadDeleteItem(ref r);
                r.EnsureEnd();
                ThrottleIfBusy();
                Track(id, op, _database.DeleteItemAsync(q), MessageCodec.Write);
                break;
            }
            case Op.BatchWriteItem:
            {
                var q = MessageCodec.ReadBatchWriteItem(ref r);
                r.EnsureEnd();
                ThrottleIfBusy();
                Track(id, op, new ValueTask<BatchWriteItemResponse>(_database.BatchWriteItemAsync(q)), MessageCodec.Write);
                break;
            }
            case Op.TransactWriteItems:
            {
                var q = MessageCodec.ReadTransactWriteItems(ref r);
                r.EnsureEnd();
                ThrottleIfBusy();
                Track(id, op, new ValueTask<TransactWriteItemsResponse>(_database.TransactWriteItemsAsync(q)), MessageCodec.Write);
                break;
            }
            case Op.TransactGetItems:
            {
                var q = MessageCodec.ReadTransactGetItems(ref r);
                r.EnsureEnd();
                ThrottleIfBusy();
                Track(id, op, new ValueTask<TransactGetItemsResponse>(_database.TransactGetItemsAsync(q)), MessageCodec.Write);
                break;
            }
            default:
                // DynamoDB's UnknownOperationException has no message.
                SendError(id, op, "UnknownOperationException", null);
                break;
        }
    }

    private void ThrottleIfBusy()
    {
        if (Volatile.Read(ref _inFlight) >= _inFlightMax)
            throw new RemoteDynamoDbException("ThrottlingException", $"Too many requests in flight on this connection (at most {_inFlightMax})");
    }

    private void Respond<T>(uint id, Op op, T response, Action<FrameBuffer, T> write)
    {
        var b = _sender.BeginWrite();
        int start = b.BeginFrame();
        try
        {
            write(b, response);
            b.EndFrame(start, id, op, FrameFlags.Response);
        }
        catch (Exception e)
        {
            b.Truncate(start);
            WriteErrorFrame(b, id, op, e);
        }
        finally
        {
            _sender.EndWrite();
        }
    }

    private void Track<T>(uint id, Op op, ValueTask<T> pending, Action<FrameBuffer, T> write)
    {
        if (pending.IsCompleted)
        {
            Respond(id, op, pending.Result, write); // a fault throws here and is answered by Handle
            return;
        }
        Interlocked.Increment(ref _inFlight);
        Volatile.Write(ref _deferred, _deferred + 1);
        _ = AwaitAsync(id, op, pending, write);
    }

    private async Task AwaitAsync<T>(uint id, Op op, ValueTask<T> pending, Action<FrameBuffer, T> write)
    {
        try
        {
            Respond(id, op, await pending.ConfigureAwait(false), write);
        }
        catch (Exception e)
        {
            SendError(id, op, e);
        }
        finally
        {
            Completed();
        }
    }

    private void Completed()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _closing) _idle.TrySetResult();
    }

    private void SendError(uint id, Op op, Exception e)
    {
        var b = _sender.BeginWrite();
        try
        {
            WriteErrorFrame(b, id, op, e);
        }
        finally
        {
            _sender.EndWrite();
        }
    }

    private void SendError(uint id, Op op, string type, string? message)
    {
        var b = _sender.BeginWrite();
        try
        {
            int start = b.BeginFrame();
            MessageCodec.WriteError(b, type, message);
            b.EndFrame(start, id, op, FrameFlags.Response | FrameFlags.Error);
        }
        finally
        {
            _sender.EndWrite();
        }
    }

    // DynamoDB's error for an exception, as the JSON API maps it (DynamoApiHandler.WriteError).
    private void WriteErrorFrame(FrameBuffer b, uint id, Op op, Exception e)
    {
        int start = b.BeginFrame();
        switch (e)
        {
            case DynamoDbException dynamo:
                try
                {
                    MessageCodec.WriteError(b, dynamo);
                }
                catch (DynamoDbException)
                {
                    // An item in the error that the encoding refuses: the error without it.
                    b.Truncate(start + ProtocolFormat.HeaderBytes);
                    MessageCodec.WriteError(b, dynamo.ErrorType, dynamo.Message);
                }
                break;
            case ItemValidationException or ExpressionException:
                MessageCodec.WriteError(b, "ValidationException", e.Message);
                break;
            case FormatException:
                MessageCodec.WriteError(b, "SerializationException", e.Message);
                break;
            case StorageException storage:
                _logger.LogError(storage, "binary protocol: {Op} failed in storage: {Error}", op, storage.Error);
                MessageCodec.WriteError(b, "InternalServerError", $"Internal server error: {storage.Message}");
                break;
            default:
                _logger.LogError(e, "binary protocol: {Op} failed", op);
                MessageCodec.WriteError(b, "InternalServerError", "Internal server error");
                break;
        }
        b.EndFrame(start, id, op, FrameFlags.Response | FrameFlags.Error);
    }
}
