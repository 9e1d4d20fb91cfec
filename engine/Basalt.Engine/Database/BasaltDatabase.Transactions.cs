namespace Basalt.Engine.Database;

// TransactWriteItems and TransactGetItems (docs/transactions.md).
public sealed partial class BasaltDatabase
{
    public Task<TransactWriteItemsResponse> TransactWriteItemsAsync(TransactWriteItemsRequest request) =>
        throw new NotSupportedException("TransactWriteItems is being built");

    public Task<TransactGetItemsResponse> TransactGetItemsAsync(TransactGetItemsRequest request) =>
        throw new NotSupportedException("TransactGetItems is being built");
}
