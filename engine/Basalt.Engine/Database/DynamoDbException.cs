namespace Basalt.Engine.Database;

// DynamoDB's errors as .NET exceptions. The base class carries DynamoDB's error type name (the part after '#' in
// the JSON protocol's __type, e.g. "ResourceNotFoundException") and DynamoDB's message byte for byte; the HTTP
// layer maps ErrorType to the wire (__type com.amazonaws.dynamodb.v20120810#<ErrorType>, or
// com.amazon.coral.validate#ValidationException) and the status code. The embedded API throws nothing else for a
// bad request: storage failures surface as StorageException (an operating error, HTTP 500 later).
public abstract class DynamoDbException : Exception
{
    protected DynamoDbException(string errorType, string message) : base(message) => ErrorType = errorType;

    public string ErrorType { get; }
}

// A request DynamoDB would refuse before touching any data (HTTP 400).
public sealed class ValidationException(string message) : DynamoDbException("ValidationException", message);

// DynamoDB's LimitExceededException (HTTP 400): too many control-plane changes at once.
public sealed class LimitExceededException(string message) : DynamoDbException("LimitExceededException", message);

// The table (or index) does not exist: "Requested resource not found: Table: X not found".
public sealed class ResourceNotFoundException(string message) : DynamoDbException("ResourceNotFoundException", message)
{
    internal static ResourceNotFoundException Table(string name) => new($"Requested resource not found: Table: {name} not found");

    // The tagging operations name the ARN instead (real DynamoDB, as recorded in 2026; dynalite's older recording
    // reads "ResourcArn" for TagResource and ListTagsOfResource and has no detail for UntagResource).
    internal static ResourceNotFoundException Resource(string arn) => new($"Requested resource not found: ResourceArn: {arn} not found");
}

// The table already exists (CreateTable), or is busy.
public sealed class ResourceInUseException(string message) : DynamoDbException("ResourceInUseException", message);

// A ConditionExpression evaluated false (PutItem, DeleteItem, UpdateItem); nothing was written. Item is the current
// item when ReturnValuesOnConditionCheckFailure is ALL_OLD and an item exists, else null.
public sealed class ConditionalCheckFailedException(string message, Dictionary<string, Model.AttributeValue>? item = null)
    : DynamoDbException("ConditionalCheckFailedException", message)
{
    public const string DefaultMessage = "The conditional request failed";

    public Dictionary<string, Model.AttributeValue>? Item { get; } = item;
}

// A resource of another account (a tag operation on an ARN whose account is not the database's): DynamoDB answers
// "Access is denied". DynamoDB's wire namespace for it is com.amazon.coral.service, not the service's own.
public sealed class AccessDeniedException(string message) : DynamoDbException("AccessDeniedException", message);

// A write of an item that an in-flight transaction holds (PutItem, UpdateItem, DeleteItem, BatchWriteItem).
public sealed class TransactionConflictException(string message) : DynamoDbException("TransactionConflictException", message)
{
    public const string DefaultMessage = "Transaction is ongoing for the item";
}

// A TransactWriteItems or TransactGetItems that wrote (or read) nothing: one reason per action, in action order
// ("None" for the actions that were not the cause).
public sealed class TransactionCanceledException(string message, IReadOnlyList<CancellationReason> reasons)
    : DynamoDbException("TransactionCanceledException", message)
{
    public IReadOnlyList<CancellationReason> CancellationReasons { get; } = reasons;

    // DynamoDB's message names the reasons' codes in order.
    public static TransactionCanceledException For(IReadOnlyList<CancellationReason> reasons) =>
        new($"Transaction cancelled, please refer cancellation reasons for specific reasons [{string.Join(", ", reasons.Select(r => r.Code))}]", reasons);
}

// Code: None, ConditionalCheckFailed, TransactionConflict, ValidationError, ItemCollectionSizeLimitExceeded, ...;
// Item: the item when ReturnValuesOnConditionCheckFailure was ALL_OLD and the condition failed.
public sealed record CancellationReason(string Code, string? Message = null, Dictionary<string, Model.AttributeValue>? Item = null)
{
    public static readonly CancellationReason None = new("None");
}

// A write that would grow an item collection (a partition key's items and their local index entries) of a table with
// local secondary indexes past 10 GB. Writes that shrink it still go through.
public sealed class ItemCollectionSizeLimitExceededException(string message) : DynamoDbException("ItemCollectionSizeLimitExceededException", message)
{
    public const string DefaultMessage = "The total size of an item collection has exceeded the maximum limit of 10 gigabytes.";
}

// A TransactWriteItems whose ClientRequestToken is the one of a call still in progress.
public sealed class TransactionInProgressException(string message) : DynamoDbException("TransactionInProgressException", message);

// The same ClientRequestToken with other parameters within its 10 minutes.
public sealed class IdempotentParameterMismatchException(string message) : DynamoDbException("IdempotentParameterMismatchException", message);
