using System.Numerics;
using System.Runtime.CompilerServices;
using FASTER.core;

namespace Basalt.Bench.Cache;

// FASTER KV (Microsoft.FASTER.Core 2.6.5) as an in-memory cache, in the fastest configuration that is still a fair
// cache: SpanByte keys (the same 8 bytes Basalt gets) and SpanByte values (the same bytes, variable length like
// Basalt's), a NullDevice under a log sized to hold every record in memory twice over (so nothing is ever evicted to
// the device, no read goes pending and upserts stay in place in the mutable region), FASTER's default concurrency
// control (LockTable: in-place writers and readers of a record are serialised, so no get sees a torn value), one
// ClientSession per benchmark thread used through its UnsafeContext (the epoch entered once per thread and refreshed
// every 512 operations, FASTER's fastest path), Read and Upsert by ref with a struct output that copies the value
// into the caller's buffer (no allocation).
// Functions: FasterFunctions below is a struct and the session is built through For(...).NewSession<FasterFunctions>(),
// so the session is specialised for it and the read callbacks inline (plain NewSession types it as the interface);
// its write callbacks forward to FASTER's own SpanByteFunctions (a sealed subclass held in a static readonly field,
// which the JIT calls directly), so value writes are exactly FASTER's.
// Rejected: fixed-size blittable structs (a long key, a 100-byte value struct). Not measured here: it fixes the value
// size at compile time, which a cache of byte values cannot do and Basalt does not do.
public sealed unsafe class FasterTarget : CacheTarget<FasterTarget.Ops>
{
    public const string TargetName = "faster";

    private readonly IDevice _device;
    private readonly FasterKV<SpanByte, SpanByte> _store;
    private readonly ulong[] _words;

    public FasterTarget(CacheData data)
    {
        _words = data.Words;
        (long buckets, int memoryBits, int pageBits) = Sizes(data.Keys, data.ValueBytes);
        _device = new NullDevice();
        _store = new FasterKV<SpanByte, SpanByte>(buckets, new LogSettings
        {
            LogDevice = _device,
            MemorySizeBits = memoryBits,
            PageSizeBits = pageBits,
            SegmentSizeBits = Math.Max(memoryBits, 30),
        });
    }

    public override string Name => TargetName;

    // Hash buckets: one per two keys (a bucket holds 7 entries, so chains stay within a cache line), as FASTER's own
    // YCSB benchmark sizes its index. Log memory: the next power of two at or above twice the records' bytes (record:
    // 8-byte header, then key and value each with a 4-byte length, each padded to 8).
    public static (long Buckets, int MemoryBits, int PageBits) Sizes(int keys, int valueBytes)
    {
        long recordBytes = 8 + Align8(4 + 8) + Align8(4 + valueBytes);
        long logBytes = Math.Max(1L << 24, (long)BitOperations.RoundUpToPowerOf2((ulong)(2 * keys * recordBytes)));
        int memoryBits = BitOperations.Log2((ulong)logBytes);
        long buckets = (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1024, keys / 2));
        return (buckets, memoryBits, Math.Min(22, memoryBits - 4));
    }

    private static long Align8(long bytes) => (bytes + 7) & ~7L;

    // On the benchmark thread: the session's epoch is entered once (BeginUnsafe) and refreshed every RefreshEvery
    // operations, instead of entered and left around every operation as ClientSession's own Read and Upsert do.
    protected override Ops CreateOps()
    {
        var session = _store.For(new FasterFunctions()).NewSession<FasterFunctions>();
        var context = session.UnsafeContext;
        context.BeginUnsafe();
        return new Ops(session, context, _words);
    }

    protected override void ReleaseOps(ref Ops ops)
    {
        ops.Context.EndUnsafe();
        ops.Session.Dispose();
    }

    public override string DescribeState() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"hash-index entries {_store.EntryCount} (keys sharing a bucket and tag share one), log tail {(_store.Log.TailAddress - _store.Log.BeginAddress) / (1024.0 * 1024.0):0} MiB, in memory from address {_store.Log.HeadAddress}");

    public override void Dispose()
    {
        _store.Dispose();
        _device.Dispose();
    }

    public struct Ops(
        ClientSession<SpanByte, SpanByte, SpanByte, FasterOutput, Empty, FasterFunctions> session,
        UnsafeContext<SpanByte, SpanByte, SpanByte, FasterOutput, Empty, FasterFunctions> context,
        ulong[] words) : ICacheOps
    {
        // As FASTER's own YCSB benchmark does with an unsafe context: let the epoch advance every 512 operations.
        private const int RefreshEvery = 512;

        public readonly ClientSession<SpanByte, SpanByte, SpanByte, FasterOutput, Empty, FasterFunctions> Session = session;
        public readonly UnsafeContext<SpanByte, SpanByte, SpanByte, FasterOutput, Empty, FasterFunctions> Context = context;
        private int _untilRefresh = RefreshEvery;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Tick()
        {
            if (--_untilRefresh == 0)
            {
                _untilRefresh = RefreshEvery;
                Context.Refresh();
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Get(int key, Span<byte> destination, out int valueLength)
        {
            Tick();
            ulong word = words[key];
            fixed (byte* d = destination)
            {
                SpanByte k = SpanByte.FromPointer((byte*)&word, sizeof(ulong));
                var output = new FasterOutput { Buffer = d, Capacity = destination.Length };
                Status status = Context.Read(ref k, ref output);
                if (status.IsPending) throw Pending();
                valueLength = output.Length;
                return status.Found;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Set(int key, ReadOnlySpan<byte> value)
        {
            Tick();
            ulong word = words[key];
            fixed (byte* v = value)
            {
                SpanByte k = SpanByte.FromPointer((byte*)&word, sizeof(ulong));
                SpanByte sv = SpanByte.FromPointer(v, value.Length);
                Status status = Context.Upsert(ref k, ref sv);
                if (status.IsPending) throw Pending();
            }
        }

        private static InvalidOperationException Pending() =>
            new("FASTER returned a pending operation: a record left memory, so the log is too small for the keys");
    }
}

// The read destination: the caller's (pinned for the call) buffer. Length is the value's full length; the value is
// copied only when it fits.
public unsafe struct FasterOutput
{
    public byte* Buffer;
    public int Capacity;
    public int Length;
}

// FASTER's callbacks for the cache: reads copy the value into the caller's buffer; everything else is FASTER's own
// SpanByteFunctions (upserts copy in place when the new value fits, else FASTER appends a new record).
public readonly unsafe struct FasterFunctions : IFunctions<SpanByte, SpanByte, SpanByte, FasterOutput, Empty>
{
    private static readonly Writers Base = new();

    private sealed class Writers : SpanByteFunctions<SpanByte, FasterOutput, Empty>;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Copy(ref SpanByte value, ref FasterOutput dst)
    {
        int length = value.Length;
        dst.Length = length;
        if (length <= dst.Capacity) value.AsReadOnlySpan().CopyTo(new Span<byte>(dst.Buffer, length));
        return true;
    }

    public bool SingleReader(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref FasterOutput dst, ref ReadInfo readInfo) =>
        Copy(ref value, ref dst);

    public bool ConcurrentReader(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref FasterOutput dst, ref ReadInfo readInfo) =>
        Copy(ref value, ref dst);

    public void ReadCompletionCallback(ref SpanByte key, ref SpanByte input, ref FasterOutput output, Empty ctx, Status status, RecordMetadata recordMetadata) { }

    public bool SingleWriter(ref SpanByte key, ref SpanByte input, ref SpanByte src, ref SpanByte dst, ref FasterOutput output, ref UpsertInfo upsertInfo, WriteReason reason) =>
        Base.SingleWriter(ref key, ref input, ref src, ref dst, ref output, ref upsertInfo, reason);

    public void PostSingleWriter(ref SpanByte key, ref SpanByte input, ref SpanByte src, ref SpanByte dst, ref FasterOutput output, ref UpsertInfo upsertInfo, WriteReason reason) =>
        Base.PostSingleWriter(ref key, ref input, ref src, ref dst, ref output, ref upsertInfo, reason);

    public bool ConcurrentWriter(ref SpanByte key, ref SpanByte input, ref SpanByte src, ref SpanByte dst, ref FasterOutput output, ref UpsertInfo upsertInfo) =>
        Base.ConcurrentWriter(ref key, ref input, ref src, ref dst, ref output, ref upsertInfo);

    public bool NeedInitialUpdate(ref SpanByte key, ref SpanByte input, ref FasterOutput output, ref RMWInfo rmwInfo) =>
        Base.NeedInitialUpdate(ref key, ref input, ref output, ref rmwInfo);

    public bool InitialUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref FasterOutput output, ref RMWInfo rmwInfo) =>
        Base.InitialUpdater(ref key, ref input, ref value, ref output, ref rmwInfo);

    public void PostInitialUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref FasterOutput output, ref RMWInfo rmwInfo) =>
        Base.PostInitialUpdater(ref key, ref input, ref value, ref output, ref rmwInfo);

    public bool NeedCopyUpdate(ref SpanByte key, ref SpanByte input, ref SpanByte oldValue, ref FasterOutput output, ref RMWInfo rmwInfo) =>
        Base.NeedCopyUpdate(ref key, ref input, ref oldValue, ref output, ref rmwInfo);

    public bool CopyUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte oldValue, ref SpanByte newValue, ref FasterOutput output, ref RMWInfo rmwInfo) =>
        Base.CopyUpdater(ref key, ref input, ref oldValue, ref newValue, ref output, ref rmwInfo);

    public void PostCopyUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte oldValue, ref SpanByte newValue, ref FasterOutput output, ref RMWInfo rmwInfo) =>
        Base.PostCopyUpdater(ref key, ref input, ref oldValue, ref newValue, ref output, ref rmwInfo);

    public bool InPlaceUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref FasterOutput output, ref RMWInfo rmwInfo) =>
        Base.InPlaceUpdater(ref key, ref input, ref value, ref output, ref rmwInfo);

    public void RMWCompletionCallback(ref SpanByte key, ref SpanByte input, ref FasterOutput output, Empty ctx, Status status, RecordMetadata recordMetadata) { }

    public bool SingleDeleter(ref SpanByte key, ref SpanByte value, ref DeleteInfo deleteInfo) =>
        Base.SingleDeleter(ref key, ref value, ref deleteInfo);

    public void PostSingleDeleter(ref SpanByte key, ref DeleteInfo deleteInfo) => Base.PostSingleDeleter(ref key, ref deleteInfo);

    public bool ConcurrentDeleter(ref SpanByte key, ref SpanByte value, ref DeleteInfo deleteInfo) =>
        Base.ConcurrentDeleter(ref key, ref value, ref deleteInfo);

    public void DisposeSingleWriter(ref SpanByte key, ref SpanByte input, ref SpanByte src, ref SpanByte dst, ref FasterOutput output, ref UpsertInfo upsertInfo, WriteReason reason) =>
        Base.DisposeSingleWriter(ref key, ref input, ref src, ref dst, ref output, ref upsertInfo, reason);

    public void DisposeCopyUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte oldValue, ref SpanByte newValue, ref FasterOutput output, ref RMWInfo rmwInfo) =>
        Base.DisposeCopyUpdater(ref key, ref input, ref oldValue, ref newValue, ref output, ref rmwInfo);

    public void DisposeInitialUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref FasterOutput output, ref RMWInfo rmwInfo) =>
        Base.DisposeInitialUpdater(ref key, ref input, ref value, ref output, ref rmwInfo);

    public void DisposeSingleDeleter(ref SpanByte key, ref SpanByte value, ref DeleteInfo deleteInfo) =>
        Base.DisposeSingleDeleter(ref key, ref value, ref deleteInfo);

    public void DisposeDeserializedFromDisk(ref SpanByte key, ref SpanByte value) => Base.DisposeDeserializedFromDisk(ref key, ref value);

    public void CheckpointCompletionCallback(int sessionID, string sessionName, CommitPoint commitPoint) { }
}
