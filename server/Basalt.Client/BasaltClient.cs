using System.Buffers;
using System.Runtime.CompilerServices;
using Basalt.Engine.Database;
using Basalt.Protocol;

namespace Basalt.Client;

// The .NET client of Basalt's binary protocol (docs/protocol.md). It implements IBasaltDataApi, as the embedded
// BasaltDatabase does, with the engine's own request and response types and exceptions, so
//     IBasaltDataApi db = BasaltDatabase.Open(storage);                                   // embedded
//     IBasaltDataApi db = new BasaltClient(new BasaltClientOptions { Port = 8100 });     // remote
// is the only line that changes. Thread-safe: share one instance.
//
// Connections: a pool of Options.Connections, opened on first use and replaced when one fails; requests go
// round-robin, each connection pipelined (many in flight, answered in any order). Per request: Options.RequestTimeout
// (TimeoutException) and the call's CancellationToken (OperationCanceledException); both abandon the wait only, a
// write may still be applied. Throttling errors are retried with backoff (Options.MaxRetries); nothing else is
// retried, since a write that failed with its connection may have been applied.
//
// The lean path for load generators: GetItemEncodedAsync / PutItemEncodedAsync take the table's UTF-8 name and items
// or keys in the engine's encoding (ItemWriter), and write the item found into an IBufferWriter: no allocation per
// request once warm.
public sealed class BasaltClient : IBasaltDataApi, IAsyncDisposable
{
    private readonly BasaltClientOptions _options;
    private readonly Task<ClientConnection>?[] _connections;
    private readonly object _connectLock = new();
    private int _next;
    private bool _disposed;

    public BasaltClient(BasaltClientOptions? options = null)
    {
        _options = options ?? new BasaltClientOptions();
        if (_options.Connections < 1) throw new ArgumentOutOfRangeException(nameof(options), "Connections must be at least 1");
        _connections = new Task<ClientConnection>?[_options.Connections];
    }

    public BasaltClientOptions Options => _options;

    // Opens every connection of the pool now (they open on first use otherwise): a load generator calls it before it
    // starts measuring. A connection that cannot be opened fails the call (the server's refusal of the handshake
    // included, e.g. a SerializationException for another protocol version).
    public async Task ConnectAsync(CancellationToken cancel = default)
    {
        for (int i = 0; i < _connections.Length; i++)
        {
            var task = Volatile.Read(ref _connections[i]);
            if (task is { IsCompletedSuccessfully: true } && !task.Result.IsFaulted) continue;
            await Reopen(i, task, cancel).ConfigureAwait(false);
        }
    }

    public ValueTask<GetItemResponse> GetItemAsync(GetItemRequest request, CancellationToken cancel = default) =>
        CallAsync<GetItemRequest, GetItemResponse>(Op.GetItem, request, MessageCodec.Write, cancel);

    public ValueTask<PutItemResponse> PutItemAsync(PutItemRequest request, CancellationToken cancel = default) =>
        CallAsync<PutItemRequest, PutItemResponse>(Op.PutItem, request, MessageCodec.Write, cancel);

    public ValueTask<UpdateItemResponse> UpdateItemAsync(UpdateItemRequest request, CancellationToken cancel = default) =>
        CallAsync<UpdateItemRequest, UpdateItemResponse>(Op.UpdateItem, request, MessageCodec.Write, cancel);

    public ValueTask<DeleteItemResponse> DeleteItemAsync(DeleteItemRequest request, CancellationToken cancel = default) =>
        CallAsync<DeleteItemRequest, DeleteItemResponse>(Op.DeleteItem, request, MessageCodec.Write, cancel);

    public ValueTask<QueryResponse> QueryAsync(QueryRequest request, CancellationToken cancel = default) =>
        CallAsync<QueryRequest, QueryResponse>(Op.Query, request, MessageCodec.Write, cancel);

    public ValueTask<ScanResponse> ScanAsync(ScanRequest request, CancellationToken cancel = default) =>
        CallAsync<ScanRequest, ScanResponse>(Op.Scan, request, MessageCodec.Write, cancel);

    public ValueTask<BatchGetItemResponse> BatchGetItemAsync(BatchGetItemRequest request, CancellationToken cancel = default) =>
        CallAsync<BatchGetItemRequest, BatchGetItemResponse>(Op.BatchGetItem, request, MessageCodec.Write, cancel);

    public ValueTask<BatchWriteItemResponse> BatchWriteItemAsync(BatchWriteItemRequest request, CancellationToken cancel = default) =>
        CallAsync<BatchWriteItemRequest, BatchWriteItemResponse>(Op.BatchWriteItem, request, MessageCodec.Write, cancel);

    public ValueTask<TransactWriteItemsResponse> TransactWriteItemsAsync(TransactWriteItemsRequest request, CancellationToken cancel = default) =>
        CallAsync<TransactWriteItemsRequest, TransactWriteItemsResponse>(Op.TransactWriteItems, request, MessageCodec.Write, cancel);

    public ValueTask<TransactGetItemsResponse> TransactGetItemsAsync(TransactGetItemsRequest request, CancellationToken cancel = default) =>
        CallAsync<TransactGetItemsRequest, TransactGetItemsResponse>(Op.TransactGetItems, request, MessageCodec.Write, cancel);

    // GetItem on bytes: `key` is an encoded item holding exactly the table's key attributes (ItemWriter); the item
    // found is appended to `item`. Returns its length, or -1 when there is no such item. Strongly consistent.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> GetItemEncodedAsync(ReadOnlyMemory<byte> utf8TableName, ReadOnlyMemory<byte> key, IBufferWriter<byte> item,
        CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        for (int attempt = 0; ; attempt++)
        {
            var connection = await ConnectionAsync(cancel).ConfigureAwait(false);
            var p = connection.Send(Op.GetItemEncoded, (utf8TableName, key), static (b, s) =>
            {
                Payload.WriteUtf8(b, s.utf8TableName.Span);
                Payload.WriteEncodedItem(b, s.key.Span);
            }, item, cancel);
            try
            {
                return await ClientConnection.Await(p).ConfigureAwait(false);
            }
            catch (DynamoDbException e) when (IsThrottling(e) && attempt < _options.MaxRetries)
            {
            }
            finally
            {
                ClientConnection.Release(p);
            }
            await Task.Delay(Backoff(attempt), cancel).ConfigureAwait(false);
        }
    }

    // PutItem on bytes: `item` is an encoded item (ItemWriter); the server checks it as any item. Completes when the
    // write is acknowledged per the server's durability mode.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask PutItemEncodedAsync(ReadOnlyMemory<byte> utf8TableName, ReadOnlyMemory<byte> item, CancellationToken cancel = default)
    {
        for (int attempt = 0; ; attempt++)
        {
            var connection = await ConnectionAsync(cancel).ConfigureAwait(false);
            var p = connection.Send(Op.PutItemEncoded, (utf8TableName, item), static (b, s) =>
            {
                Payload.WriteUtf8(b, s.utf8TableName.Span);
                Payload.WriteEncodedItem(b, s.item.Span);
            }, null, cancel);
            try
            {
                await ClientConnection.Await(p).ConfigureAwait(false);
                return;
            }
            catch (DynamoDbException e) when (IsThrottling(e) && attempt < _options.MaxRetries)
            {
            }
            finally
            {
                ClientConnection.Release(p);
            }
            await Task.Delay(Backoff(attempt), cancel).ConfigureAwait(false);
        }
    }

    private async ValueTask<TResponse> CallAsync<TRequest, TResponse>(Op op, TRequest request, Action<FrameBuffer, TRequest> write, CancellationToken cancel)
        where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(request);
        for (int attempt = 0; ; attempt++)
        {
            var connection = await ConnectionAsync(cancel).ConfigureAwait(false);
            var p = connection.Send(op, request, write, null, cancel);
            try
            {
                await ClientConnection.Await(p).ConfigureAwait(false);
                return (TResponse)p.Response!;
            }
            catch (DynamoDbException e) when (IsThrottling(e) && attempt < _options.MaxRetries)
            {
            }
            finally
            {
                ClientConnection.Release(p);
            }
            await Task.Delay(Backoff(attempt), cancel).ConfigureAwait(false);
        }
    }

    // The error types DynamoDB's SDKs retry as throttling.
    public static bool IsThrottling(DynamoDbException e) => e.ErrorType is "ProvisionedThroughputExceededException"
        or "ThrottlingException" or "RequestLimitExceeded" or "ThrottlingError" or "TooManyRequestsException" or "RequestThrottled";

    private TimeSpan Backoff(int attempt)
    {
        double ceiling = Math.Min(_options.RetryMaxDelay.TotalMilliseconds, _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }

    // A live connection, round-robin; a missing or failed one is (re)opened. The common case completes synchronously.
    private ValueTask<ClientConnection> ConnectionAsync(CancellationToken cancel)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int i = (int)((uint)Interlocked.Increment(ref _next) % (uint)_connections.Length);
        var task = Volatile.Read(ref _connections[i]);
        if (task is { IsCompletedSuccessfully: true } && !task.Result.IsFaulted) return new(task.Result);
        return new(Reopen(i, task, cancel));
    }

    private Task<ClientConnection> Reopen(int i, Task<ClientConnection>? seen, CancellationToken cancel)
    {
        lock (_connectLock)
        {
            var current = _connections[i];
            if (current != seen && current is not null) return current;
            if (current is { IsCompletedSuccessfully: false, IsCompleted: false }) return current;
            if (current is { IsCompletedSuccessfully: true }) _ = current.Result.DisposeAsync().AsTask();
            // A failed connect is not kept: the next call tries again.
            var connecting = ClientConnection.ConnectAsync(_options, CancellationToken.None);
            _connections[i] = connecting;
            return connecting.WaitAsync(cancel);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task<ClientConnection>?[] open;
        lock (_connectLock)
        {
            if (_disposed) return;
            _disposed = true;
            open = [.. _connections];
        }
        foreach (var task in open)
        {
            if (task is null) continue;
            try
            {
                await (await task).DisposeAsync();
            }
            catch (Exception)
            {
                // A connect that failed has nothing to close.
            }
        }
    }
}
