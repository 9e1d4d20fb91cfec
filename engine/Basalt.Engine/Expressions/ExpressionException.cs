namespace Basalt.Engine.Expressions;

// The one error of the expression parsers: a DynamoDB ValidationException, with DynamoDB's message (already
// prefixed with "Invalid <ExpressionName>: " where DynamoDB prefixes it). The API layer sends it as
// com.amazon.coral.validate#ValidationException. Parsing never throws anything else, whatever the input.
public sealed class ExpressionException : Exception
{
    public const string ErrorType = "ValidationException";

    public ExpressionException(string message) : base(message) { }
}
