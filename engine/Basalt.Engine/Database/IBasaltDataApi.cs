namespace Basalt.Engine.Database;

// DynamoDB's data-plane operations with Basalt's own request and response types, implemented by the embedded
// database (BasaltDatabase) and by the binary protocol's client (Basalt.Client.BasaltClient), so code moves between
// embedded and remote by changing the line that makes the instance. Every operation is asynchronous here, even those
// the embedded database answers synchronously (GetItem, Query, Scan, BatchGetItem); errors are the same
// DynamoDbException types either way. The embedded database ignores the CancellationToken once an operation has
// started (as it does on its own API); the client abandons the wait for the answer (the server may still apply a write).
public interface IBasaltDataApi
{
    ValueTask<GetItemResponse> GetItemAsync(GetItemRequest request, CancellationToken cancel = default);
    ValueTask<PutItemResponse> PutItemAsync(PutItemRequest request, CancellationToken cancel = default);
    ValueTask<UpdateItemResponse> UpdateItemAsync(UpdateItemRequest request, CancellationToken cancel = default);
    ValueTask<DeleteItemResponse> DeleteItemAsync(DeleteItemRequest request, CancellationToken cancel = default);
    ValueTask<QueryResponse> QueryAsync(QueryRequest request, CancellationToken cancel = default);
    ValueTask<ScanResponse> ScanAsync(ScanRequest request, CancellationToken cancel = default);
    ValueTask<BatchGetItemResponse> BatchGetItemAsync(BatchGetItemRequest request, CancellationToken cancel = default);
    ValueTask<BatchWriteItemResponse> BatchWriteItemAsync(BatchWriteItemRequest request, CancellationToken cancel = default);
    ValueTask<TransactWriteItemsResponse> TransactWriteItemsAsync(TransactWriteItemsRequest request, CancellationToken cancel = default);
    ValueTask<TransactGetItemsResponse> TransactGetItemsAsync(TransactGetItemsRequest request, CancellationToken cancel = default);
}
