using System.Buffers;
using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Protocol;
using Basalt.Server.Binary;
using Microsoft.Extensions.Logging;

namespace Basalt.Fuzz.Targets;

// The binary protocol's server side: the input is the byte stream a client sends on one connection, run through the
// server's own BinaryConnection (FrameReader, the handshake, every op's payload reader, the lean paths'
// ItemTranscoder and key reading, the engine's validation and operations, the error frames) over an in-memory
// duplex stream, against a small in-memory database rebuilt every DatabaseRunsMax inputs. When the first byte is
// even, a valid Hello is sent before the rest (input[1..]), so most inputs reach the operations; odd, the rest is
// sent as it is.
// Allowed: any sequence of well-formed answer frames (each with the Response flag; an Error's payload readable, with
// DynamoDB's error types), then the connection's end. Findings: an exception out of the connection, an
// InternalServerError or a logged failure (the server's answer to a bug), an answer frame that does not parse.
public sealed class FrameReaderTarget : FuzzTarget
{
    public override string Name => "frame-reader";
    public override string Description => "a binary-protocol connection's bytes run through the server's BinaryConnection on an in-memory database";

    private const int DatabaseRunsMax = 2_000;
    private static BasaltDatabase? s_database;
    private static int s_runs;

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty) return;
        byte[] sent = input[0] % 2 == 0 ? [.. Hello, .. input[1..]] : input[1..].ToArray();
        var stream = new ScriptedStream(sent);
        var logger = new FindingLogger();
        var connection = new BinaryConnection(stream, null, Database(), logger);
        connection.RunAsync().GetAwaiter().GetResult();
        if (logger.Finding is { } finding) throw new FuzzFindingException($"the server logged a failure: {finding}");
        Check(stream.Written);
    }

    // BASALT_FUZZ_TRACE=1: each answer on stderr (for looking at what a replayed input does).
    private static readonly bool Trace = Environment.GetEnvironmentVariable("BASALT_FUZZ_TRACE") == "1";

    public static byte[] Hello => [0x10, 0, 0, 0, 0, 0, 0, 0, (byte)Op.Hello, 0, 0, 0, .. "BSLT"u8, 1, 0, 0, 0];

    // Every answer frame parses, and none is an InternalServerError.
    private static void Check(byte[] written)
    {
        var buffer = new ReadOnlySequence<byte>(written);
        while (buffer.Length > 0)
        {
            var outcome = FrameReader.TryRead(ref buffer, ProtocolFormat.FrameBytesMax, out var header, out var frame);
            if (outcome != FrameReader.Result.Frame) throw new FuzzFindingException($"the server wrote a partial or oversized frame ({outcome}, {buffer.Length} bytes left)");
            if ((header.Flags & FrameFlags.Response) == 0 || header.Reserved != 0) throw new FuzzFindingException($"an answer frame with flags {header.Flags}, reserved {header.Reserved}");
            if (Trace) Console.Error.WriteLine($"frame-reader: answer {header.RequestId} {header.Op} {header.Flags} {frame.Length} bytes");
            if ((header.Flags & FrameFlags.Error) == 0) continue;
            var payload = frame.Slice(ProtocolFormat.HeaderBytes).ToArray();
            var r = new PayloadReader(payload);
            DynamoDbException error;
            try
            {
                error = MessageCodec.ReadError(ref r);
                r.EnsureEnd();
            }
            catch (FormatException e)
            {
                throw new FuzzFindingException($"an error frame that does not parse: {e.Message}");
            }
            if (Trace) Console.Error.WriteLine($"frame-reader:   {error.ErrorType}: {error.Message}");
            if (error.ErrorType == "InternalServerError") throw new FuzzFindingException($"{header.Op} answered InternalServerError: {error.Message}");
        }
    }

    private static BasaltDatabase Database()
    {
        if (s_database is not null && ++s_runs < DatabaseRunsMax) return s_database;
        s_database?.Dispose();
        s_runs = 0;
        var database = FuzzDatabase.Open(shards: 2);
        foreach (var table in Tables) FuzzDatabase.Create(database, FuzzDatabase.Table(table.Name, table.Hash, table.Sort));
        FuzzDatabase.Put(database, "Tab", new() { ["pk"] = AttributeValue.String("a"), ["v"] = AttributeValue.Number("1") });
        return s_database = database;
    }

    public static readonly (string Name, ScalarAttributeType Hash, ScalarAttributeType? Sort)[] Tables =
    [
        ("Tab", ScalarAttributeType.S, null),
        ("TabS", ScalarAttributeType.S, ScalarAttributeType.N),
        ("TabB", ScalarAttributeType.B, null),
    ];

    // Reads give the script then the end of the stream; writes are kept. Synchronous: the connection's loop runs to
    // its end on the caller's thread but for writes the engine completes later.
    private sealed class ScriptedStream(byte[] script) : Stream
    {
        private readonly MemoryStream _written = new();
        private int _read;

        public byte[] Written
        {
            get
            {
                lock (_written) return _written.ToArray();
            }
        }

        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            // A few bytes at a time now and then, so frames also arrive split across reads.
            int n = Math.Min(buffer.Length, Math.Min(script.Length - _read, _read % 3 == 1 ? 5 : 4096));
            script.AsSpan(_read, n).CopyTo(buffer);
            _read += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            lock (_written) _written.Write(buffer);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
    }

    // Records the first failure the connection logs (Error or above): a bug's trace, since bad input is answered.
    private sealed class FindingLogger : ILogger
    {
        public string? Finding;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error) Finding ??= formatter(state, exception) + (exception is null ? "" : ": " + exception);
        }
    }
}
