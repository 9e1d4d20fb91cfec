namespace Basalt.Engine.Expressions;

// The bounds of the expression parsers, each with its source. (Kept here rather than in Limits.cs while the
// expression area is developed on its own branch; they belong in Limits.cs when merged.)
public static class ExpressionLimits
{
    // DynamoDB: "The maximum length of any expression string is 4 KB", counted in UTF-8 bytes.
    public const int ExpressionBytesMax = 4096;

    // DynamoDB: document paths and items nest at most 32 levels; a path of 33 elements is rejected.
    public const int PathDepthMax = 32;

    // DynamoDB: "The maximum number of operands for the IN comparator is 100".
    public const int InOperandsMax = 100;

    // DynamoDB: "The maximum number of operators or functions allowed in an UpdateExpression is 300"; conditions
    // and filters are refused the same way ("Invalid FilterExpression: The expression contains too many operators;
    // operator count: 301", recorded from DynamoDB in public issue threads and conformance suites).
    public const int OperatorsMax = 300;

    // Ours, not DynamoDB's: parentheses, NOT chains and function calls nested deeper than this are a syntax
    // error, so that recursive descent cannot exhaust the stack. A 4 KB expression could otherwise nest ~2000
    // parentheses deep (four frames each); 256 is far above anything a real request writes.
    public const int NestingDepthMax = 256;
}
