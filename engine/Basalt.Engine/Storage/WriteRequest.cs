using System.Buffers;
using Basalt.Engine.Shards;
using Microsoft.Extensions.ObjectPool;

namespace Basalt.Engine.Storage;

// One write on its way to a shard: the encoded batch (WriteBatchFormat), the memtable room it needs, and the
// completion the caller awaits. Pooled: a producer rents one, the shard fills in the sequence number, the
// syncer (or the shard, in Async mode) completes it, and it returns to the pool after the caller's await
// has read the result. The buffer is owned by the request and kept across uses up to BufferBytesKept.
internal sealed class WriteRequest : PooledValueTaskSource<ulong>
{
    private const int BufferBytesKept = 64 * 1024;
    private static readonly ObjectPool<WriteRequest> Pool =
        new DefaultObjectPool<WriteRequest>(new Policy(), Environment.ProcessorCount * 256);

    private byte[] _buffer = new byte[256];

    public int Length;
    public int Count;
    public long MemtableBytes;  // worst-case arena bytes of all entries
    public ulong FirstSeq;

    // A read-modify-write (StorageEngine.TransformAsync): the key whose value the transform reads; the payload
    // is filled in by the shard's writer once the transform has decided (Transformed). A decision of None
    // leaves NoWrite set and nothing is logged.
    public IWriteTransform? Transform;
    public bool Transformed;
    public bool NoWrite;
    private byte[] _key = [];
    public int KeyLength;

    public ReadOnlySpan<byte> TransformKey => _key.AsSpan(0, KeyLength);

    public Span<byte> ReserveKey(int bytes)
    {
        if (_key.Length < bytes) _key = new byte[Math.Max(bytes, 64)];
        KeyLength = bytes;
        return _key.AsSpan(0, bytes);
    }

    public ReadOnlySpan<byte> Payload => _buffer.AsSpan(0, Length);

    public static WriteRequest Rent() => Pool.Get();

    public Span<byte> Reserve(int bytes)
    {
        if (_buffer.Length < bytes)
        {
            if (_buffer.Length > 256) ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(bytes);
        }
        Length = bytes;
        return _buffer.AsSpan(0, bytes);
    }

    protected override void ReturnToPool()
    {
        if (_buffer.Length > BufferBytesKept)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = new byte[256];
        }
        Length = 0;
        Count = 0;
        MemtableBytes = 0;
        FirstSeq = 0;
        Transform = null;
        Transformed = false;
        NoWrite = false;
        KeyLength = 0;
        Pool.Return(this);
    }

    private sealed class Policy : IPooledObjectPolicy<WriteRequest>
    {
        public WriteRequest Create() => new();
        public bool Return(WriteRequest obj) => true;
    }
}
