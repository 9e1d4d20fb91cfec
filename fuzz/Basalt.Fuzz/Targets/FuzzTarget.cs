namespace Basalt.Fuzz.Targets;

// One harness: a parser of untrusted bytes and the outcomes its contract allows. Run feeds it one input; the
// parser's documented "bad input" errors (a DynamoDB ValidationException or SerializationException, an
// ExpressionException, a StorageException of kind Corruption naming the file and offset, ...) are caught inside
// Run and are no finding. Anything that escapes Run is a crash: an exception the contract does not allow
// (IndexOutOfRange, NullReference, InvalidOperation, ...), or a FuzzFindingException raised by the target's own
// checks (corrupt data returned as data, a decoded item that is not well-formed). Stack overflows, hangs and
// out-of-memory end the process, which AFL++ reports as a crash or a hang.
//
// Targets are stateless between inputs, or reset what they keep (JsonRequestTarget's database), so one process can
// run millions of inputs (SharpFuzz's persistent loop) and a replay in a test gives the same answer as under AFL++.
public abstract class FuzzTarget
{
    public abstract string Name { get; }
    public abstract string Description { get; }

    // Runs one input; returns normally when the parser answered as its contract allows.
    public abstract void Run(ReadOnlySpan<byte> input);

    public override string ToString() => Name;
}

// A target's own check failed: the parser returned something its contract rules out (data from a corrupt file,
// an item that is not well-formed). Thrown out of FuzzTarget.Run, so AFL++ counts it as a crash.
public sealed class FuzzFindingException(string message) : Exception(message);

// A target from a delegate: for tests of the harness itself (a deliberately failing parser must be reported).
public sealed class DelegateTarget(string name, string description, DelegateTarget.Parse parse) : FuzzTarget
{
    public delegate void Parse(ReadOnlySpan<byte> input);

    public override string Name => name;
    public override string Description => description;
    public override void Run(ReadOnlySpan<byte> input) => parse(input);
}
