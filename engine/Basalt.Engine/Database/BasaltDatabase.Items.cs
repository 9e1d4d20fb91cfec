using System.Runtime.CompilerServices;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;
using Basalt.Engine.Tables;

namespace Basalt.Engine.Database;

// Item operations without expressions: PutItem, GetItem, DeleteItem, and TryGetItem (the allocation-free read).
// Keys are validated against the table's schema (Tables/ItemKeys: DynamoDB's messages and key size limits); items
// against DynamoDB's rules by ItemWriter (400 KB, sets, nesting), numbers canonicalised here.
//
// Seams for what comes next (each an internal method that has the current item's bytes in hand):
//   - ConditionExpression (Put, Delete, later Update): evaluated in WriteItem against `current`, which is read
//     whenever a condition or ALL_OLD needs it. Today only ALL_OLD reads it.
//   - ProjectionExpression (GetItem): applied in the sink of GetItem over the stored bytes, before decoding.
//   - UpdateItem: ReadCurrent + an update evaluator producing new bytes + WriteItem.
//   - Query/Scan: StorageEngine.Iterate over one routing part (ItemKeys.WriteRouting) / VisitTableKeysAsync.
// Read-then-write is not atomic against a concurrent writer of the same key yet: ALL_OLD may return an item that a
// concurrent write replaced in between. Conditions will need the write to be checked on the key's shard thread.
public sealed partial class BasaltDatabase
{
    public const string ReturnValuesPutDeleteMessage = "ReturnValues can only be ALL_OLD or NONE";
    public const string EmptyAttributeValueMessage =
        "One or more parameter values were invalid: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";

    [ThreadStatic] private static ItemWriter? t_writer;

    // The key being read or written, per thread: StorageEngine.TryGet's routing and rest are not `scoped`, so with a
    // ref-struct sink they cannot be stack memory. The engine copies them into its stored key before it calls the
    // sink, so a sink that calls back into the database on the same thread does not disturb a read in progress.
    [ThreadStatic] private static byte[]? t_keyBuffer;

    public ValueTask<PutItemResponse> PutItemAsync(PutItemRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var table = Table(request.TableName);
        bool wantOld = ReturnsOld(request.ReturnValues);
        if (request.Item is null) throw new ValidationException("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null");
        var writer = t_writer ??= new ItemWriter();
        var item = Encode(writer, request.Item);
        var write = PutEncoded(table, item, wantOld, out var old);
        return Complete(write, old, static old => new PutItemResponse(old));
    }

    // The allocation-free put: the item is the one the writer last ended (ItemWriter validated it; numbers must be
    // canonical, as ItemWriter requires). Completes when the write is durable per the engine's mode.
    public ValueTask<ulong> PutItemAsync(string tableName, ItemWriter writtenItem)
    {
        var table = Table(tableName);
        return PutEncoded(table, writtenItem.WrittenItem, wantOld: false, out _);
    }

    public GetItemResponse GetItem(GetItemRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var table = Table(request.TableName);
        ItemKeys.FromManaged(table, request.Key, out var partitionKey, out var sortKey);
        var sink = new DecodeSink();
        return new GetItemResponse(TryGetItem(table, partitionKey, sortKey, ref sink) ? sink.Item : null);
    }

    // The allocation-free read: the sink receives the item's encoded bytes (read them with ItemReader inside
    // OnValue; they are pinned only for the call). Returns false when there is no such item. sortKey is
    // KeyAttribute.None for a table without a sort key. Reads the latest acknowledged write (strongly consistent).
    public bool TryGetItem<TSink>(string tableName, KeyAttribute partitionKey, KeyAttribute sortKey, ref TSink sink)
        where TSink : IValueSink, allows ref struct
    {
        var table = Table(tableName);
        ItemKeys.Check(table, partitionKey, sortKey);
        return TryGetItem(table, partitionKey, sortKey, ref sink);
    }

    public ValueTask<DeleteItemResponse> DeleteItemAsync(DeleteItemRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var table = Table(request.TableName);
        bool wantOld = ReturnsOld(request.ReturnValues);
        ItemKeys.FromManaged(table, request.Key, out var partitionKey, out var sortKey);
        var write = WriteItem(table, partitionKey, sortKey, newItem: default, delete: true, wantOld, out var old);
        return Complete(write, old, static old => new DeleteItemResponse(old));
    }

    private static bool ReturnsOld(ReturnValue? returnValues) => returnValues switch
    {
        null or ReturnValue.None => false,
        ReturnValue.AllOld => true,
        _ => throw new ValidationException(ReturnValuesPutDeleteMessage),
    };

    private ValueTask<ulong> PutEncoded(TableDefinition table, ReadOnlySpan<byte> item, bool wantOld, out byte[]? old)
    {
        ItemKeys.FromItem(table, item, out var partitionKey, out var sortKey);
        return WriteItem(table, partitionKey, sortKey, item, delete: false, wantOld, out old);
    }

    // The one write path of the item operations. `current` is read only when needed (ALL_OLD today; a condition
    // expression will be evaluated here against it, before the write is submitted).
    internal ValueTask<ulong> WriteItem(TableDefinition table, in KeyAttribute partitionKey, in KeyAttribute sortKey, ReadOnlySpan<byte> newItem,
        bool delete, bool wantOld, out byte[]? current)
    {
        var buffer = t_keyBuffer ??= new byte[ItemKeys.RoutingBytesMax + ItemKeys.RestBytesMax];
        var routing = buffer.AsSpan(0, ItemKeys.WriteRouting(table.Id, partitionKey, buffer));
        var rest = buffer.AsSpan(ItemKeys.RoutingBytesMax, ItemKeys.WriteRest(sortKey, buffer.AsSpan(ItemKeys.RoutingBytesMax)));
        current = wantOld ? ReadCurrent(routing, rest) : null;
        return delete ? _engine.DeleteAsync(routing, rest) : _engine.PutAsync(routing, rest, newItem);
    }

    // The current item's encoded bytes, or null: the input of conditions, ALL_OLD and (later) UpdateItem.
    internal byte[]? ReadCurrent(ReadOnlySpan<byte> routing, ReadOnlySpan<byte> rest) => _engine.Get(routing, rest);

    private bool TryGetItem<TSink>(TableDefinition table, in KeyAttribute partitionKey, in KeyAttribute sortKey, ref TSink sink)
        where TSink : IValueSink, allows ref struct
    {
        var buffer = t_keyBuffer ??= new byte[ItemKeys.RoutingBytesMax + ItemKeys.RestBytesMax];
        var routing = buffer.AsSpan(0, ItemKeys.WriteRouting(table.Id, partitionKey, buffer));
        var rest = buffer.AsSpan(ItemKeys.RoutingBytesMax, ItemKeys.WriteRest(sortKey, buffer.AsSpan(ItemKeys.RoutingBytesMax)));
        return _engine.TryGet(routing, rest, ref sink);
    }

    private static ValueTask<TResponse> Complete<TResponse>(ValueTask<ulong> write, byte[]? old, Func<Dictionary<string, AttributeValue>?, TResponse> response)
    {
        if (write.IsCompletedSuccessfully)
        {
            write.GetAwaiter().GetResult();
            return new ValueTask<TResponse>(response(old is null ? null : ItemCodec.Decode(old)));
        }
        return Await(write, old, response);

        static async ValueTask<TResponse> Await(ValueTask<ulong> write, byte[]? old, Func<Dictionary<string, AttributeValue>?, TResponse> response)
        {
            await write.ConfigureAwait(false);
            return response(old is null ? null : ItemCodec.Decode(old));
        }
    }

    private struct DecodeSink : IValueSink
    {
        public Dictionary<string, AttributeValue>? Item;
        public void OnValue(scoped ReadOnlySpan<byte> value) => Item = ItemCodec.Decode(value);
    }

    // Encodes a managed item, validating and canonicalising its numbers (ItemWriter trusts numbers to be canonical
    // already), so "1.0" and "1" are stored, compared and keyed alike. Errors are DynamoDB's ValidationExceptions.
    private static ReadOnlySpan<byte> Encode(ItemWriter writer, Dictionary<string, AttributeValue> item)
    {
        try
        {
            writer.BeginItem();
            foreach (var (name, value) in item)
            {
                writer.WriteName(name);
                WriteValue(writer, value, 1);
            }
            return writer.EndItem();
        }
        catch (ItemValidationException e)
        {
            writer.Reset();
            throw new ValidationException(e.Message);
        }
        catch
        {
            writer.Reset();
            throw;
        }
    }

    private static void WriteValue(ItemWriter writer, AttributeValue? value, int level)
    {
        if (value is null) throw new ValidationException(EmptyAttributeValueMessage);
        switch (value.Type)
        {
            case AttributeType.N:
                WriteNumber(writer, value.AsNumber());
                break;
            case AttributeType.NS:
                writer.BeginSet(AttributeType.NS);
                foreach (var member in value.AsNumberSet()) WriteNumber(writer, member);
                writer.EndSet();
                break;
            case AttributeType.M:
                writer.BeginMap();
                foreach (var (name, member) in value.AsMap())
                {
                    writer.WriteName(name);
                    WriteValue(writer, member, level + 1);
                }
                writer.EndMap();
                break;
            case AttributeType.L:
                writer.BeginList();
                foreach (var element in value.AsList()) WriteValue(writer, element, level + 1);
                writer.EndList();
                break;
            default:
                writer.WriteValue(value);
                break;
        }
    }

    [SkipLocalsInit]
    private static void WriteNumber(ItemWriter writer, string text)
    {
        if (!DynamoNumber.TryParse(text, out var number, out var error)) throw new ValidationException(error!);
        Span<byte> canonical = stackalloc byte[DynamoNumber.TextLengthMax];
        number.TryFormat(canonical, out int length);
        writer.WriteNumber(canonical[..length]);
    }
}
