using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Basalt.Bench.Engine;

public sealed class ReferenceTargetFactory : IDescribedKvTargetFactory
{
    public string Name => "reference";

    public IKvTarget Open(string directory, BenchDurability durability, int groupCommitMs) =>
        new ReferenceTarget(durability, groupCommitMs);

    public IReadOnlyList<string> DescribeConfiguration() =>
    [
        "in-process `ConcurrentDictionary<byte[], byte[]>` (allocates a key and a value copy per put); writes nothing " +
        "to disk. It exists to test the harness, not as a performance peer.",
        $"fake fsync: a {ReferenceTarget.FakeSyncMs} ms sleep standing for one device sync",
    ];

    public string DescribeDurability(BenchDurability durability) => durability switch
    {
        BenchDurability.Sync => "a put completes after the next fake fsync, which starts as soon as a put is " +
            "waiting; puts that arrive during a fake fsync share the next one (group commit).",
        BenchDurability.Group => "a put completes after the fake fsync that follows the next --group-commit-ms tick.",
        BenchDurability.Async => "a put completes at once.",
        _ => throw new ArgumentOutOfRangeException(nameof(durability)),
    };
}

// A deliberately simple store that exercises every path of the harness, including puts that complete later on another
// thread through pooled IValueTaskSources (as Basalt's shard-thread completions will). Sync and Group modes hand each
// put to the syncer thread, owned by this object, which completes whole batches after a fake fsync; Async completes
// inline. The dictionary itself is thread-safe; values are never mutated after insertion, so a reader may copy
// from an array that a concurrent put has just replaced.
public sealed class ReferenceTarget : IKvTarget
{
    public const int FakeSyncMs = 1;

    private readonly ConcurrentDictionary<byte[], byte[]> _items = new(ByteArrayComparer.Instance);
    private readonly ConcurrentDictionary<byte[], byte[]>.AlternateLookup<ReadOnlySpan<byte>> _lookup;
    private readonly BenchDurability _durability;
    private readonly int _groupCommitMs;
    private readonly Lock _pendingLock = new();
    private List<PendingPut> _pending = new();
    private List<PendingPut> _completing = new();
    private readonly ConcurrentQueue<PendingPut> _pool = new();
    private readonly SemaphoreSlim _work = new(0);
    private readonly Thread? _syncer;
    private volatile bool _stopping;

    public ReferenceTarget(BenchDurability durability, int groupCommitMs)
    {
        _durability = durability;
        _groupCommitMs = Math.Max(1, groupCommitMs);
        _lookup = _items.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (durability != BenchDurability.Async)
        {
            _syncer = new Thread(SyncLoop) { IsBackground = true, Name = "reference-syncer" };
            _syncer.Start();
        }
    }

    public string Name => "reference";

    public ValueTask PutAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        _items[key.ToArray()] = value.ToArray();
        if (_durability == BenchDurability.Async) return default;

        if (!_pool.TryDequeue(out PendingPut? put)) put = new PendingPut(_pool);
        put.Reset();
        bool first;
        lock (_pendingLock)
        {
            _pending.Add(put);
            first = _pending.Count == 1;
        }
        // Sync mode wakes the syncer for the first waiting put only; later ones ride on that batch or the next.
        if (first && _durability == BenchDurability.Sync) _work.Release();
        return new ValueTask(put, put.Version);
    }

    public bool Get(ReadOnlySpan<byte> key, Span<byte> valueBuffer, out int valueLength)
    {
        if (!_lookup.TryGetValue(key, out byte[]? value))
        {
            valueLength = 0;
            return false;
        }
        valueLength = value.Length;
        if (value.Length <= valueBuffer.Length) value.CopyTo(valueBuffer);
        return true;
    }

    public ValueTask DisposeAsync()
    {
        if (_stopping) return default;
        _stopping = true;
        _work.Release();
        _syncer?.Join();
        CompleteBatch();
        return default;
    }

    private void SyncLoop()
    {
        while (!_stopping)
        {
            if (_durability == BenchDurability.Sync) _work.Wait();
            else Thread.Sleep(_groupCommitMs);
            CompleteBatch();
        }
    }

    // Takes the puts waiting now, "syncs" them, and completes them. Puts arriving during the fake fsync wait for the
    // next batch, as they would behind a real one.
    private void CompleteBatch()
    {
        lock (_pendingLock)
        {
            if (_pending.Count == 0) return;
            (_pending, _completing) = (_completing, _pending);
        }
        Thread.Sleep(FakeSyncMs);
        foreach (PendingPut put in _completing) put.Complete();
        // No extra wake-up is needed for puts that arrived meanwhile: the swap left _pending empty, so the first of
        // them saw a count of 1 and released the syncer.
        _completing.Clear();
    }

    // One put waiting for its fake fsync; returned to the pool when the writer has consumed its result.
    private sealed class PendingPut(ConcurrentQueue<PendingPut> pool) : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = false };

        public short Version => _core.Version;

        public void Reset() => _core.Reset();

        public void Complete() => _core.SetResult(true);

        public void GetResult(short token)
        {
            _core.GetResult(token);
            pool.Enqueue(this);
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token,
            ValueTaskSourceOnCompletedFlags flags) => _core.OnCompleted(continuation, state, token, flags);
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            var hash = new HashCode();
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }
    }
}
