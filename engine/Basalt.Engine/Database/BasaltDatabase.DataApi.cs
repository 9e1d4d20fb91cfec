namespace Basalt.Engine.Database;

// IBasaltDataApi over the embedded operations (explicit, so the embedded API keeps its own signatures): a check of the
// token before starting, then the same call. Synchronous operations complete the ValueTask at once, and an exception
// is thrown from the call, as an async method's would surface only when awaited: each wraps it so it surfaces when awaited.
public sealed partial class BasaltDatabase : IBasaltDataApi
{
    ValueTask<GetItemResponse> IBasaltDataApi.GetItemAsync(GetItemRequest request, CancellationToken cancel) =>
        Sync(static (db, q) => db.GetItem(q), request, cancel);

    ValueTask<PutItemResponse> IBasaltDataApi.PutItemAsync(PutItemRequest request, CancellationToken cancel) =>
        Async(static (db, q) => db.PutItemAsync(q), request, cancel);

    ValueTask<UpdateItemResponse> IBasaltDataApi.UpdateItemAsync(UpdateItemRequest request, CancellationToken cancel) =>
        Async(static (db, q) => db.UpdateItemAsync(q), request, cancel);

    ValueTask<DeleteItemResponse> IBasaltDataApi.DeleteItemAsync(DeleteItemRequest request, CancellationToken cancel) =>
        Async(static (db, q) => db.DeleteItemAsync(q), request, cancel);

    ValueTask<QueryResponse> IBasaltDataApi.QueryAsync(QueryRequest request, CancellationToken cancel) =>
        Sync(static (db, q) => db.Query(q), request, cancel);

    ValueTask<ScanResponse> IBasaltDataApi.ScanAsync(ScanRequest request, CancellationToken cancel) =>
        Sync(static (db, q) => db.Scan(q), request, cancel);

    ValueTask<BatchGetItemResponse> IBasaltDataApi.BatchGetItemAsync(BatchGetItemRequest request, CancellationToken cancel) =>
        Sync(static (db, q) => db.BatchGetItem(q), request, cancel);

    ValueTask<BatchWriteItemResponse> IBasaltDataApi.BatchWriteItemAsync(BatchWriteItemRequest request, CancellationToken cancel) =>
        Async(static (db, q) => new ValueTask<BatchWriteItemResponse>(db.BatchWriteItemAsync(q)), request, cancel);

    ValueTask<TransactWriteItemsResponse> IBasaltDataApi.TransactWriteItemsAsync(TransactWriteItemsRequest request, CancellationToken cancel) =>
        Async(static (db, q) => new ValueTask<TransactWriteItemsResponse>(db.TransactWriteItemsAsync(q)), request, cancel);

    ValueTask<TransactGetItemsResponse> IBasaltDataApi.TransactGetItemsAsync(TransactGetItemsRequest request, CancellationToken cancel) =>
        Async(static (db, q) => new ValueTask<TransactGetItemsResponse>(db.TransactGetItemsAsync(q)), request, cancel);

    private ValueTask<TResponse> Sync<TRequest, TResponse>(Func<BasaltDatabase, TRequest, TResponse> run, TRequest request, CancellationToken cancel)
    {
        if (cancel.IsCancellationRequested) return ValueTask.FromCanceled<TResponse>(cancel);
        try
        {
            return new ValueTask<TResponse>(run(this, request));
        }
        catch (Exception e)
        {
            return ValueTask.FromException<TResponse>(e);
        }
    }

    private ValueTask<TResponse> Async<TRequest, TResponse>(Func<BasaltDatabase, TRequest, ValueTask<TResponse>> run, TRequest request, CancellationToken cancel)
    {
        if (cancel.IsCancellationRequested) return ValueTask.FromCanceled<TResponse>(cancel);
        try
        {
            return run(this, request);
        }
        catch (Exception e)
        {
            return ValueTask.FromException<TResponse>(e);
        }
    }
}
