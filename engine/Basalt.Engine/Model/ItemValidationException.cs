namespace Basalt.Engine.Model;

// A request whose item DynamoDB would refuse: the server maps it to HTTP 400 with __type
// com.amazon.coral.validate#ValidationException and Message unchanged, so messages are DynamoDB's own,
// byte for byte (including its typos, such as "An string set  may not be empty").
public sealed class ItemValidationException : Exception
{
    public const string ErrorType = "ValidationException";

    public ItemValidationException(string message) : base(message) { }
}
