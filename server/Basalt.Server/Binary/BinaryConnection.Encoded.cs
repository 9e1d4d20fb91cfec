using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;
using Basalt.Protocol;
using Microsoft.Extensions.ObjectPool;

namespace Basalt.Server.Binary;

// The lean item operations: bytes in, bytes out, nothing allocated per request once warm.
//   GetItemEncoded: the key attributes are read in place from the key's encoding (KeyAttribute spans), the engine's
//   TryGetItem hands the stored item to a sink that appends it to the response frame in the connection's send
//   buffer: one copy, from the engine's memory to the socket's buffer.
//   PutItemEncoded: the untrusted item is re-written through the thread's ItemWriter (ItemTranscoder), which checks it
//   as every item is checked (sets, nesting, names, 400 KB, numbers made canonical), and the engine writes it. The
//   completion, when the engine does not finish on this thread, is a pooled PendingPut.
internal sealed partial class BinaryConnection
{
    [ThreadStatic] private static ItemWriter? t_writer;

    private static readonly ObjectPool<PendingPut> s_puts = new DefaultObjectPool<PendingPut>(new DefaultPooledObjectPolicy<PendingPut>(), 4096);

    private void GetItemEncoded(uint id, ref PayloadReader r)
    {
        if (!r.TryReadUtf8(out var table) || !r.TryReadEncodedItem(out var key)) throw PayloadReader.Absent();
        r.EnsureEnd();
        if (!_database.TryGetKeySchema(table, out string name, out var pkName, out var pkType, out var skName, out var skType))
        {
            // Unknown table, or not a valid name: the engine's own refusal, with its message.
            var none = new FrameSink();
            _database.TryGetItem(System.Text.Encoding.UTF8.GetString(table), KeyAttribute.None, KeyAttribute.None, ref none);
            throw new ResourceNotFoundException($"Requested resource not found: Table: {System.Text.Encoding.UTF8.GetString(table)} not found");
        }
        var keyReader = new ItemReader(key);
        if (keyReader.Count != (skType == 0 ? 1 : 2)) throw KeyMismatch();
        if (!keyReader.TryGet(pkName.Span, out var pv)) throw KeyMismatch();
        var partitionKey = KeyOf(pv, pkType);
        var sortKey = KeyAttribute.None;
        if (skType != 0)
        {
            if (!keyReader.TryGet(skName.Span, out var sv)) throw KeyMismatch();
            sortKey = KeyOf(sv, skType);
        }
        var b = _sender.BeginWrite();
        int start = b.BeginFrame();
        try
        {
            var sink = new FrameSink(b);
            if (!_database.TryGetItem(name, partitionKey, sortKey, ref sink)) b.WriteUInt32(ProtocolFormat.Absent);
            b.EndFrame(start, id, Op.GetItemEncoded, FrameFlags.Response);
        }
        catch (Exception e)
        {
            b.Truncate(start);
            WriteErrorFrame(b, id, Op.GetItemEncoded, e);
        }
        finally
        {
            _sender.EndWrite();
        }
    }

    private static KeyAttribute KeyOf(AttributeView value, AttributeType type)
    {
        if (value.Type != type) throw KeyMismatch();
        switch (type)
        {
            case AttributeType.S:
                if (!System.Text.Unicode.Utf8.IsValid(value.Bytes)) throw new ProtocolFormatException("a key string is not valid UTF-8");
                return KeyAttribute.String(value.Bytes);
            case AttributeType.B:
                return KeyAttribute.Binary(value.Bytes);
            default:
                if (!DynamoNumber.TryParse(value.Bytes, out var number, out string? error)) throw new ValidationException(error ?? "The parameter cannot be converted to a numeric value");
                return KeyAttribute.FromNumber(number);
        }
    }

    private static ValidationException KeyMismatch() => new("The provided key element does not match the schema");

    private void PutItemEncoded(uint id, ref PayloadReader r)
    {
        if (!r.TryReadUtf8(out var table) || !r.TryReadEncodedItem(out var item)) throw PayloadReader.Absent();
        r.EnsureEnd();
        ThrottleIfBusy();
        if (!_database.TryGetTableName(table, out string name)) name = System.Text.Encoding.UTF8.GetString(table); // the engine refuses it
        var writer = t_writer ??= new ItemWriter();
        ValueTask<ulong> write;
        try
        {
            ItemTranscoder.Copy(item, writer);
            write = _database.PutItemAsync(name, writer); // copies the item before it returns
        }
        finally
        {
            writer.Reset();
        }
        if (write.IsCompleted)
        {
            write.GetAwaiter().GetResult(); // a failure is answered by Handle
            RespondEmpty(id, Op.PutItemEncoded);
            return;
        }
        Interlocked.Increment(ref _inFlight);
        Volatile.Write(ref _deferred, _deferred + 1);
        var pending = s_puts.Get();
        pending.Start(this, id, write);
    }

    private void RespondEmpty(uint id, Op op)
    {
        var b = _sender.BeginWrite();
        try
        {
            int start = b.BeginFrame();
            b.EndFrame(start, id, op, FrameFlags.Response);
        }
        finally
        {
            _sender.EndWrite();
        }
    }

    // Appends [length][item] to the response frame being written.
    private readonly struct FrameSink(FrameBuffer? buffer) : IValueSink
    {
        public void OnValue(scoped ReadOnlySpan<byte> value) => Payload.WriteEncodedItem(buffer!, value);
    }

    // A put the engine completes later: waits for it without allocating (a pooled object with its continuation
    // delegate made once), then answers and goes back to the pool.
    private sealed class PendingPut
    {
        private readonly Action _onCompleted;
        private BinaryConnection? _connection;
        private uint _id;
        private System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable<ulong>.ConfiguredValueTaskAwaiter _awaiter;

        public PendingPut() => _onCompleted = OnCompleted;

        public void Start(BinaryConnection connection, uint id, ValueTask<ulong> write)
        {
            _connection = connection;
            _id = id;
            _awaiter = write.ConfigureAwait(false).GetAwaiter();
            _awaiter.UnsafeOnCompleted(_onCompleted);
        }

        private void OnCompleted()
        {
            var connection = _connection!;
            uint id = _id;
            var awaiter = _awaiter;
            _connection = null;
            _awaiter = default;
            try
            {
                awaiter.GetResult();
                connection.RespondEmpty(id, Op.PutItemEncoded);
            }
            catch (Exception e)
            {
                connection.SendError(id, Op.PutItemEncoded, e);
            }
            finally
            {
                s_puts.Return(this);
                connection.Completed();
            }
        }
    }
}
