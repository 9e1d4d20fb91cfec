using System.Buffers;
using System.Threading.Tasks.Sources;
using Basalt.Protocol;

namespace Basalt.Client;

// One request waiting for its answer: the awaitable the caller holds, and what the read loop needs to finish it.
// Pooled (ClientConnection rents and returns it), so a request allocates nothing once warm.
//
// Exactly one party completes a rental: the read loop (its answer arrived), the timeout scan or the cancellation
// callback. Each first claims it with a CAS of LiveId from the rental's request id to 0; only the winner touches
// Response or the destination and completes the core. LiveId is the rental's id, unique per rental, so a claim made
// with a stale id (a scan that read the slot before the rental ended and the object was reused) fails. The
// cancellation registration is disposed before the object goes back to the pool, so a callback never sees a later
// rental.
internal sealed class PendingRequest : IValueTaskSource<int>
{
    private ManualResetValueTaskSourceCore<int> _core = new() { RunContinuationsAsynchronously = true };
    private long _liveId;

    public Op Op;
    public long DeadlineTimestamp;
    public object? Response;
    // The lean GetItemEncoded: the item's bytes are appended here.
    public IBufferWriter<byte>? ItemDestination;
    public CancellationTokenRegistration Registration;
    public ClientConnection? Connection;

    public uint Id => (uint)Volatile.Read(ref _liveId);
    public short Version => _core.Version;
    public bool IsLive => Volatile.Read(ref _liveId) != 0;

    public void Arm(uint id, Op op, long deadline)
    {
        Op = op;
        DeadlineTimestamp = deadline;
        Volatile.Write(ref _liveId, id);
    }

    // The liveness id as read now (0: already claimed).
    public long LiveId => Volatile.Read(ref _liveId);

    public bool TryClaim(long id) => id != 0 && Interlocked.CompareExchange(ref _liveId, 0, id) == id;

    public void SetResult(int result) => _core.SetResult(result);
    public void SetException(Exception e) => _core.SetException(e);

    public void Reset()
    {
        _core.Reset();
        Response = null;
        ItemDestination = null;
        Registration = default;
        Connection = null;
        Volatile.Write(ref _liveId, 0);
    }

    public int GetResult(short token) => _core.GetResult(token);
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
