using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.ObjectPool;

namespace Basalt.Server.DynamoApi;

// A response body being written: a growable byte buffer and the Utf8JsonWriter over it, both reused across
// requests through a pool, so that answering a request allocates neither (the buffer keeps its capacity between
// uses). Buffers that grew past RetainedBytesMax (a large Query or BatchGetItem page) are dropped on return rather
// than kept, so the pool holds at most Retained × RetainedBytesMax.
internal sealed class ResponseBuffer
{
    private const int RetainedBytesMax = 64 * 1024;

    // Requests in flight at once: a DynamoDB client's pool is 50 connections by default and load runs 64 clients.
    private const int Retained = 256;

    private static readonly ObjectPool<ResponseBuffer> Pool = new DefaultObjectPool<ResponseBuffer>(new Policy(), Retained);

    private readonly ArrayBufferWriter<byte> _output = new(4096);

    private ResponseBuffer() => Json = new Utf8JsonWriter(_output, DynamoApiHandler.WriterOptions);

    public Utf8JsonWriter Json { get; }

    // What Json has written and flushed.
    public ReadOnlyMemory<byte> Written => _output.WrittenMemory;

    public static ResponseBuffer Rent() => Pool.Get();

    public static void Return(ResponseBuffer buffer) => Pool.Return(buffer);

    // Forgets what was written, also a half-written body (an exception in the middle of an answer).
    public void Clear()
    {
        Json.Reset();
        _output.ResetWrittenCount();
    }

    private sealed class Policy : IPooledObjectPolicy<ResponseBuffer>
    {
        public ResponseBuffer Create() => new();

        public bool Return(ResponseBuffer buffer)
        {
            if (buffer._output.Capacity > RetainedBytesMax) return false;
            buffer.Clear();
            return true;
        }
    }
}
