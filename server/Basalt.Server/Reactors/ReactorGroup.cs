using Microsoft.Extensions.Logging;

namespace Basalt.Server.Reactors;

// The server's reactor threads (one per shard by default), shared by the binary protocol and the DynamoDB API:
// each new connection goes to the next one, round-robin. Dispose stops them, after their connections are closed.
internal sealed class ReactorGroup : IDisposable
{
    private readonly Reactor[] _reactors;
    private int _next;

    public ReactorGroup(int count, bool pin, ILogger logger)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "at least one reactor");
        var reactors = new List<Reactor>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var r = new Reactor($"basalt-reactor-{i}", pin ? i % Environment.ProcessorCount : null, logger);
                reactors.Add(r);
                r.Start();
            }
        }
        catch
        {
            foreach (var r in reactors) r.Dispose();
            throw;
        }
        _reactors = [.. reactors];
    }

    public int Count => _reactors.Length;

    public IReadOnlyList<Reactor> Reactors => _reactors;

    // The reactors' pinning failures (empty when not pinned or all pinned).
    public IEnumerable<string> PinningErrors => _reactors.Select(r => r.PinningError).OfType<string>();

    public Reactor Next() => _reactors[(int)((uint)Interlocked.Increment(ref _next) % (uint)_reactors.Length)];

    public void Dispose()
    {
        foreach (var r in _reactors) r.Dispose();
    }
}
