using Basalt.Engine.Database;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;
using Basalt.Protocol;
using Basalt.Server;
using static Basalt.Tests.Server.Binary.BinaryTable;

namespace Basalt.Tests.Server.Binary;

// The server's binary protocol at the frame level (server/Basalt.Server/Binary): the handshake, the lean
// operations, answers out of order, and every kind of bad frame, each answered with an Error frame or a closed
// connection while the server goes on serving others.
public class BinaryServerTests
{
    private static async Task<ServerFixture> StartAsync()
    {
        var fx = await ServerFixture.StartAsync();
        await CreateAsync(fx.Server.Database);
        return fx;
    }

    private static byte[] GetEncoded(uint id, string table, Dictionary<string, AttributeValue> key) =>
        RawConnection.Frame(id, Op.GetItemEncoded, RawConnection.Payload(b =>
        {
            Payload.WriteString(b, table);
            Payload.WriteEncodedItem(b, Encode(key));
        }));

    private static byte[] PutEncoded(uint id, string table, ReadOnlySpan<byte> item)
    {
        var bytes = item.ToArray();
        return RawConnection.Frame(id, Op.PutItemEncoded, RawConnection.Payload(b =>
        {
            Payload.WriteString(b, table);
            Payload.WriteEncodedItem(b, bytes);
        }));
    }

    private static async Task<(FrameHeader Header, byte[] Payload)> Next(RawConnection c) => await c.ReadFrameAsync() ?? throw new Xunit.Sdk.XunitException("the server closed the connection");

    private static async Task AssertServes(RawConnection c, uint id = 99)
    {
        await c.SendAsync(GetEncoded(id, Name, Key("nobody", 0)));
        var (h, p) = await Next(c);
        Assert.Equal(id, h.RequestId);
        Assert.Equal(FrameFlags.Response, h.Flags);
        Assert.Equal("FFFFFFFF", Convert.ToHexString(p));
    }

    [Fact]
    public async Task HelloIsAnsweredWithVersionAndFrameLimit()
    {
        await using var fx = await StartAsync();
        await using var c = await RawConnection.OpenAsync(fx.Server.BinaryPort, hello: false);
        await c.SendAsync(RawConnection.Hello());
        var (h, p) = await Next(c);
        Assert.Equal("14000000" + "00000000" + "00" + "01" + "0000", Convert.ToHexString(RawConnection.Frame(0, Op.Hello, p, FrameFlags.Response)[..12]));
        Assert.Equal("42534C54" + "0100" + "0000" + "00000101", Convert.ToHexString(p));
        Assert.Equal(0u, h.RequestId);
    }

    [Fact]
    public async Task EncodedPutAndGetRoundTrip()
    {
        await using var fx = await StartAsync();
        await using var c = await RawConnection.OpenAsync(fx.Server.BinaryPort);
        var item = Item("a", 1, ("x", AttributeValue.NumberSet(["1", "2.50"])), ("m", AttributeValue.Map(new Dictionary<string, AttributeValue> { ["z"] = AttributeValue.Null })));
        await c.SendAsync(PutEncoded(1, Name, Encode(item)));
        var (h, p) = await Next(c);
        Assert.Equal((1u, FrameFlags.Response, Op.PutItemEncoded, 0), (h.RequestId, h.Flags, h.Op, p.Length));
        await c.SendAsync(GetEncoded(2, Name, Key("a", 1)));
        (h, p) = await Next(c);
        Assert.Equal((2u, FrameFlags.Response), (h.RequestId, h.Flags));
        var r = new PayloadReader(p);
        // Numbers were made canonical by the server, as any write makes them.
        item["x"] = AttributeValue.NumberSet(["1", "2.5"]);
        Assert.Equal(Rendered.Of(item), Rendered.Of(r.ReadItem()));
        Assert.Equal(Rendered.Of(item), Rendered.Of(fx.Server.Database.GetItem(new GetItemRequest { TableName = Name, Key = Key("a", 1) }).Item));
    }

    [Fact]
    public async Task EncodedOperationsGiveTheEmbeddedErrors()
    {
        await using var fx = await StartAsync();
        await using var c = await RawConnection.OpenAsync(fx.Server.BinaryPort);
        var embedded = Assert.ThrowsAny<DynamoDbException>(() => fx.Server.Database.GetItem(new GetItemRequest { TableName = "nope", Key = Key("a", 1) }));
        await c.SendAsync(GetEncoded(1, "nope", Key("a", 1)));
        var (h, p) = await Next(c);
        Assert.Equal(FrameFlags.Response | FrameFlags.Error, h.Flags);
        Assert.Equal((embedded.ErrorType, embedded.Message), RawConnection.Error(p));

        await c.SendAsync(GetEncoded(2, Name, new() { ["pk"] = S("a") }));
        (_, p) = await Next(c);
        Assert.Equal(("ValidationException", "The provided key element does not match the schema"), RawConnection.Error(p));

        var tooLong = await Assert.ThrowsAnyAsync<DynamoDbException>(async () => await fx.Server.Database.PutItemAsync(new PutItemRequest { TableName = Name, Item = Item(new string('k', 2049), 1) }));
        await c.SendAsync(PutEncoded(3, Name, Encode(Item(new string('k', 2049), 1))));
        (_, p) = await Next(c);
        Assert.Equal((tooLong.ErrorType, tooLong.Message), RawConnection.Error(p));

        // An empty string set, written by hand (ItemWriter refuses to make one): item {"s": SS []}.
        byte[] emptySet = [1, 1, 0, 0, 0, (byte)'s', 8, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0];
        await c.SendAsync(PutEncoded(4, Name, emptySet));
        (_, p) = await Next(c);
        var (type, message) = RawConnection.Error(p);
        Assert.Equal("ValidationException", type);
        Assert.Equal(ItemFormat.EmptyStringSetMessage, message);
        await AssertServes(c);
    }

    [Fact]
    public async Task AnswersLeaveInCompletionOrder()
    {
        // Every WAL fsync waits at a gate while it is closed: a PutItem (sync durability) stays in flight while the
        // GetItem sent after it on the same connection is answered.
        var gate = new ManualResetEventSlim(true);
        var fs = new FaultInjectingFileSystem(new MemoryFileSystem(crashable: false), (op, path, _) =>
        {
            if (op == FileOp.Sync && path.EndsWith(".log", StringComparison.Ordinal)) gate.Wait();
            return FaultKind.None;
        });
        await using var fx = await ServerFixture.StartAsync(new ServerOptions { DataDir = "/data", FileSystem = fs, Durability = Durability.Sync, Shards = 1 });
        await CreateAsync(fx.Server.Database);
        await using var c = await RawConnection.OpenAsync(fx.Server.BinaryPort);
        gate.Reset();
        try
        {
            await c.SendAsync(PutEncoded(1, Name, Encode(Item("slow", 1))), GetEncoded(2, Name, Key("fast", 1)));
            var (first, _) = await Next(c);
            Assert.Equal(2u, first.RequestId);
        }
        finally
        {
            gate.Set();
        }
        var (second, p) = await Next(c);
        Assert.Equal((1u, FrameFlags.Response, 0), (second.RequestId, second.Flags, p.Length));
    }

    [Fact]
    public async Task WritesPastTheInFlightBoundAreThrottled()
    {
        // As in AnswersLeaveInCompletionOrder, WAL fsyncs wait at a gate: two puts stay in flight, the third is refused.
        var gate = new ManualResetEventSlim(true);
        var fs = new FaultInjectingFileSystem(new MemoryFileSystem(crashable: false), (op, path, _) =>
        {
            if (op == FileOp.Sync && path.EndsWith(".log", StringComparison.Ordinal)) gate.Wait();
            return FaultKind.None;
        });
        await using var fx = await ServerFixture.StartAsync(new ServerOptions { DataDir = "/data", FileSystem = fs, Durability = Durability.Sync, Shards = 1, BinaryInFlightMax = 2 });
        await CreateAsync(fx.Server.Database);
        await using var c = await RawConnection.OpenAsync(fx.Server.BinaryPort);
        gate.Reset();
        try
        {
            await c.SendAsync(PutEncoded(1, Name, Encode(Item("w", 1))), PutEncoded(2, Name, Encode(Item("w", 2))), PutEncoded(3, Name, Encode(Item("w", 3))),
                GetEncoded(4, Name, Key("w", 1)));
            var (h, p) = await Next(c);
            Assert.Equal((3u, FrameFlags.Response | FrameFlags.Error), (h.RequestId, h.Flags));
            Assert.Equal(("ThrottlingException", "Too many requests in flight on this connection (at most 2)"), RawConnection.Error(p));
            (h, _) = await Next(c); // reads are not bounded: they never wait
            Assert.Equal(4u, h.RequestId);
        }
        finally
        {
            gate.Set();
        }
        var done = new HashSet<uint>();
        for (int i = 0; i < 2; i++)
        {
            var (h, p) = await Next(c);
            Assert.Equal((FrameFlags.Response, 0), (h.Flags, p.Length));
            done.Add(h.RequestId);
        }
        Assert.Equal([1u, 2u], done.Order().ToArray());
    }

    [Theory]
    [InlineData(2)]       // another version
    [InlineData(0)]
    public async Task AnotherVersionGetsAnErrorAndTheConnectionCloses(ushort version)
    {
        await using var fx = await StartAsync();
        await using var c = await RawConnection.OpenAsync(fx.Server.BinaryPort, hello: false);
        await c.SendAsync(RawConnection.Hello(version));
        var (h, p) = await Next(c);
        Assert.Equal(FrameFlags.Response | FrameFlags.Error, h.Flags);
        Assert.Equal(("SerializationException", $"Unsupported protocol version {version}; this server speaks version 1"), RawConnection.Error(p));
        Assert.True(await c.ClosedByServerAsync());
    }

    [Fact]
    public async Task AFirstFrameOtherThanHelloGetsAnErrorAndTheConnectionCloses()
    {
        await using var fx = await StartAsync();
        await using var c = await RawConnection.OpenAsync(fx.Server.BinaryPort, hello: false);
        await c.SendAsync(GetEncoded(1, Name, Key("a", 1)));
        var (_, p) = await Next(c);
        Assert.Equal(("SerializationException", "The first frame of a connection must be Hello"), RawConnection.Error(p));
        Assert.True(await c.ClosedByServerAsync());
        await using var again = await RawConnection.OpenAsync(fx.Server.BinaryPort, hello: false);
        await again.SendAsync("BSLT"u8.ToArray()); // not even a frame: a length of 0x544C5342
        (_, p) = await Next(again);
        Assert.Equal("SerializationException", RawConnection.Error(p).Type);
        Assert.True(await again.ClosedByServerAsync());
    }

    [Theory]
    [InlineData(ProtocolFormat.FrameBytesMax - 3L)] // one byte over the limit
    [InlineData(4294967295L)]
    [InlineData(7L)]                                // shorter than the header
    [InlineData(0L)]
    public async Task AFrameLengthOutOfBoundsGetsAnErrorAndTheConnectionCloses(long length)
    {
        await using var fx = await StartAsync();
        await using var c = await RawConnection.OpenAsync(fx.Server.BinaryPort);
        var frame = GetEncoded(1, Name, Key("a", 1));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)length);
        await c.SendAsync(frame);
        var (h, p) = await Next(c);
        Assert.Equal((0u, FrameFlags.Response | FrameFlags.Error), (h.RequestId, h.Flags));
        Assert.Equal(("SerializationException", $"Frame length out of bounds: a frame is 12 to {ProtocolFormat.FrameBytesMax} bytes"), RawConnection.Error(p));
        Assert.True(await c.ClosedByServerAsync());
        await using var other = await RawConnection.OpenAsync(fx.Server.BinaryPort);
        await AssertServes(other);
        await WhenConnections(fx, 1);
    }

    [Fact]
    public async Task ATruncatedFrameIsDroppedWithItsConnection()
    {
        await using var fx = await StartAsync();
        var c = await RawConnection.OpenAsync(fx.Server.BinaryPort);
        var frame = GetEncoded(1, Name, Key("a", 1));
        await c.SendAsync(frame[..(frame.Length / 2)]);
        await c.DisposeAsync();
        // Header only, then close.
        var d = await RawConnection.OpenAsync(fx.Server.BinaryPort);
        await d.SendAsync(frame[..ProtocolFormat.HeaderBytes]);
        await d.DisposeAsync();
        await using var other = await RawConnection.OpenAsync(fx.Server.BinaryPort);
        await AssertServes(other);
        // Both cut connections were closed and let go by the server (their loops ended, their buffers returned).
        await WhenConnections(fx, 1);
    }

    // Waits (a bounded poll, not a timed assertion) until the server holds `count` connections.
    private static async Task WhenConnections(ServerFixture fx, int count)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (fx.Server.BinaryConnectionCount != count) await Task.Delay(10, limit.Token);
    }

    [Fact]
    public async Task AnUnknownOpGetsUnknownOperationExceptionAndTheConnectionGoesOn()
    {
        await using var fx = await StartAsync();
        await using var c = await RawConnection.OpenAsync(fx.Server.BinaryPort);
        foreach (var op in new[] { (Op)99, Op.Hello, (Op)11 })
        {
            await c.SendAsync(RawConnection.Frame(5, op, [1, 2, 3]));
            var (h, p) = await Next(c);
            Assert.Equal("2A000000" + "05000000" + ((byte)op).ToString("X2") + "03" + "0000" + "19000000" + Convert.ToHexString("UnknownOperationException"u8) + "FFFFFFFF" + "00",
                Convert.ToHexString(RawConnection.Frame(h.RequestId, h.Op, p, h.Flags)));
        }
        await AssertServes(c);
    }

    [Fact]
    public async Task BadFlagsOrReservedBitsGetASerializationException()
    {
        await using var fx = await StartAsync();
        await using var c = await RawConnection.OpenAsync(fx.Server.BinaryPort);
        await c.SendAsync(RawConnection.Frame(3, Op.GetItemEncoded, [], FrameFlags.Response));
        var (h, p) = await Next(c);
        Assert.Equal(3u, h.RequestId);
        Assert.Equal(("SerializationException", "Request frames have flags 0 and reserved 0"), RawConnection.Error(p));
        var reserved = GetEncoded(4, Name, Key("a", 1));
        reserved[11] = 1;
        await c.SendAsync(reserved);
        (h, p) = await Next(c);
        Assert.Equal((4u, "SerializationException"), (h.RequestId, RawConnection.Error(p).Type));
        await AssertServes(c);
    }

    [Fact]
    public async Task WrongLengthsInsideAPayloadGetASerializationException()
    {
        await using var fx = await StartAsync();
        await using var c = await RawConnection.OpenAsync(fx.Server.BinaryPort);
        var cases = new List<(string What, byte[] Frame)>();
        // The table name's length runs past the payload.
        cases.Add(("string past the end", RawConnection.Frame(1, Op.GetItemEncoded, [0xFF, 0, 0, 0, (byte)'t'])));
        // The key item's length runs past the payload.
        cases.Add(("item past the end", RawConnection.Frame(2, Op.GetItemEncoded, RawConnection.Payload(b => { Payload.WriteString(b, Name); b.WriteUInt32(1000); b.WriteByte(1); }))));
        // Bytes after the last member.
        var trailing = GetEncoded(3, Name, Key("a", 1)).Skip(ProtocolFormat.HeaderBytes).Append((byte)0).ToArray();
        cases.Add(("trailing bytes", RawConnection.Frame(3, Op.GetItemEncoded, trailing)));
        // A key item whose offset table points past its body.
        var key = Encode(Key("a", 1));
        key[^8] = 0xFF;
        cases.Add(("bad item offsets", RawConnection.Frame(4, Op.GetItemEncoded, RawConnection.Payload(b => { Payload.WriteString(b, Name); Payload.WriteEncodedItem(b, key); }))));
        cases.Add(("bad item version", RawConnection.Frame(5, Op.PutItemEncoded, RawConnection.Payload(b => { Payload.WriteString(b, Name); Payload.WriteEncodedItem(b, [9, 0, 0, 0, 0]); }))));
        // A managed request cut short, and one with a bad bool.
        cases.Add(("managed truncated", RawConnection.Frame(6, Op.GetItem, RawConnection.Payload(b => Payload.WriteString(b, Name)))));
        cases.Add(("bad bool", RawConnection.Frame(7, Op.GetItem, RawConnection.Payload(b => { Payload.WriteString(b, Name); Payload.WriteItem(b, Key("a", 1)); b.WriteByte(9); }))));
        cases.Add(("empty payload", RawConnection.Frame(8, Op.PutItem, [])));
        foreach (var (what, frame) in cases)
        {
            await c.SendAsync(frame);
            var (h, p) = await Next(c);
            Assert.True(h.Flags == (FrameFlags.Response | FrameFlags.Error), what);
            Assert.True(RawConnection.Error(p).Type == "SerializationException", $"{what}: {RawConnection.Error(p)}");
        }
        await AssertServes(c);
    }

    [Fact]
    public async Task ManyPipelinedFramesInOneWriteAreAllAnswered()
    {
        await using var fx = await StartAsync();
        await using var c = await RawConnection.OpenAsync(fx.Server.BinaryPort);
        const int count = 300;
        var frames = new List<byte[]>();
        for (uint i = 1; i <= count; i++) frames.Add(i % 2 == 1 ? PutEncoded(i, Name, Encode(Item("p", (int)i))) : GetEncoded(i, Name, Key("p", (int)i - 1)));
        await c.SendAsync([.. frames.SelectMany(f => f)]);
        var seen = new HashSet<uint>();
        for (int i = 0; i < count; i++)
        {
            var (h, _) = await Next(c);
            Assert.Equal(FrameFlags.Response, h.Flags);
            Assert.True(seen.Add(h.RequestId));
        }
        Assert.Equal(count, seen.Count);
    }

    [Fact]
    public async Task MetricsCountRequestsAndDeferredWrites()
    {
        await using var fx = await StartAsync();
        await using (var c = await RawConnection.OpenAsync(fx.Server.BinaryPort))
        {
            await c.SendAsync(PutEncoded(1, Name, Encode(Item("m", 1))), GetEncoded(2, Name, Key("m", 1)), RawConnection.Frame(3, (Op)99, []));
            for (int i = 0; i < 3; i++) await Next(c);
            var (connections, requests, deferred) = fx.Server.BinaryTotals;
            Assert.Equal((1, 3), (connections, requests));
            Assert.InRange(deferred, 0, 1);
        }
        var text = await fx.Http.GetStringAsync("/metrics");
        Assert.Contains("# TYPE basalt_binary_requests_total counter\nbasalt_binary_requests_total 3\n", text);
        Assert.Contains("# TYPE basalt_binary_deferred_total counter\nbasalt_binary_deferred_total ", text);
        Assert.Contains("# TYPE basalt_binary_connections gauge\nbasalt_binary_connections ", text);
    }

    // Connections are dealt round-robin to one reactor per shard, and a connection on a reactor serves every kind of
    // request (Query goes to the thread pool there and still answers); with --binary-reactors 0 the thread pool serves
    // them all the same.
    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public async Task ReactorsAndThreadPoolServeTheSameRequests(int? reactors)
    {
        await using var fx = await ServerFixture.StartAsync(new ServerOptions { InMemory = true, Shards = 2, Reactors = reactors });
        await CreateAsync(fx.Server.Database);
        var listener = fx.Server.BinaryListener!;
        Assert.Equal(reactors ?? 2, listener.Reactors?.Count ?? 0);
        var connections = new List<RawConnection>();
        try
        {
            for (int i = 0; i < 4; i++) connections.Add(await RawConnection.OpenAsync(fx.Server.BinaryPort));
            if (reactors is null)
            {
                for (int i = 0; i < 3000 && listener.ReactorSocketCounts.Sum() < 4; i++) await Task.Delay(10);
                Assert.Equal([2, 2], listener.ReactorSocketCounts);
            }
            for (int i = 0; i < connections.Count; i++)
            {
                var c = connections[i];
                await c.SendAsync(PutEncoded(1, Name, Encode(Item("p", i, ("v", S($"value {i}"))))));
                var (h, p) = await Next(c);
                Assert.Equal((1u, FrameFlags.Response, 0), (h.RequestId, h.Flags, p.Length));
                await c.SendAsync(GetEncoded(2, Name, Key("p", i)));
                (h, p) = await Next(c);
                Assert.Equal((2u, FrameFlags.Response), (h.RequestId, h.Flags));
                Assert.Equal(Rendered.Of(Item("p", i, ("v", S($"value {i}")))), Rendered.Of(new PayloadReader(p).ReadItem()));
            }
            var query = new QueryRequest
            {
                TableName = Name,
                KeyConditionExpression = "pk = :p",
                ExpressionAttributeValues = new() { [":p"] = S("p") },
            };
            await connections[3].SendAsync(RawConnection.Frame(3, Op.Query, RawConnection.Payload(b => MessageCodec.Write(b, query))));
            var (qh, qp) = await Next(connections[3]);
            Assert.Equal((3u, FrameFlags.Response), (qh.RequestId, qh.Flags));
            var r = new PayloadReader(qp);
            var answer = MessageCodec.ReadQueryResponse(ref r);
            Assert.Equal(4, answer.Count);
        }
        finally
        {
            foreach (var c in connections) await c.DisposeAsync();
        }
    }
}
