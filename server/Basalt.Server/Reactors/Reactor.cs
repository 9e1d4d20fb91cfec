using System.Collections.Concurrent;
using Basalt.Engine.Shards;
using Microsoft.Extensions.Logging;

namespace Basalt.Server.Reactors;

// One network thread with its own epoll set (docs/protocol.md, "Reactors"): it waits for its sockets to be readable,
// reads each into its connection's input Pipe and lets the connection's frame loop run right there (the Pipe's reader
// scheduler is Inline), so a request is read, executed and answered on the thread that received it: no hand-off to the
// thread pool, which is what a socket completion costs otherwise (one wake-up and one queue per receive).
//
// Thread ownership: the socket table, registrations and every receive belong to the reactor thread. Other threads
// reach it through Post (a ConcurrentQueue of actions and an eventfd signal): new connections, closes and stop are
// control-plane messages, so the queue's allocation per post is not on the data path. Level-triggered EPOLLIN: a
// socket with more bytes than one receive took is reported again by the next epoll_wait, so one busy connection
// cannot starve the others of the thread.
internal sealed unsafe class Reactor : IDisposable
{
    private const int EventsMax = 256;
    private const ulong WakeData = 0; // the eventfd's registration; sockets get ids from 1

    private readonly int _epoll;
    private readonly int _eventFd;
    private readonly Thread _thread;
    private readonly int? _pinToCpu;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly Dictionary<ulong, ReactorSocket> _sockets = [];
    private ulong _nextId = 1;
    private volatile bool _stopping;
    private int _disposed;

    public Reactor(string name, int? pinToCpu, ILogger logger)
    {
        if (!Epoll.IsSupported) throw new PlatformNotSupportedException("the reactor needs Linux epoll on x64 or arm64");
        _pinToCpu = pinToCpu;
        _logger = logger;
        _epoll = Epoll.Create();
        try
        {
            _eventFd = Epoll.CreateEventFd();
            Epoll.Add(_epoll, _eventFd, Epoll.In, WakeData);
        }
        catch
        {
            Epoll.Close(_epoll);
            throw;
        }
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
    }

    // Why the thread is not pinned (null when pinned or not asked to be); meaningful once Start has returned.
    public string? PinningError { get; private set; }

    public bool IsCurrentThread => Environment.CurrentManagedThreadId == _thread.ManagedThreadId;

    // True on any reactor's thread: code that may run long (a Scan page) moves itself to the thread pool there, since
    // every other connection of the reactor waits while it runs.
    public static bool IsReactorThread => t_isReactor;

    [ThreadStatic]
    private static bool t_isReactor;

    // Sockets registered now (reactor thread's count, read racily by tests and metrics).
    public int SocketCount => Volatile.Read(ref _socketCount);
    private int _socketCount;

    public void Start()
    {
        using var started = new ManualResetEventSlim();
        _startedSignal = started;
        _thread.Start();
        started.Wait();
        _startedSignal = null;
    }

    private ManualResetEventSlim? _startedSignal;

    // Runs `action` on the reactor thread soon (after the events at hand). Any thread. Actions posted after Dispose do
    // not run.
    public void Post(Action action)
    {
        _posted.Enqueue(action);
        Epoll.Signal(_eventFd);
    }

    // Reactor thread: starts watching the socket for input.
    internal void Register(ReactorSocket socket)
    {
        AssertOwned();
        ulong id = _nextId++;
        Epoll.Add(_epoll, (int)socket.Socket.Handle, Epoll.In | Epoll.RdHup, id);
        _sockets.Add(id, socket);
        socket.Id = id;
        _socketCount++;
    }

    // Reactor thread: stops watching it (before its descriptor is closed, so a reused descriptor number is never
    // taken for it). Idempotent.
    internal void Unregister(ReactorSocket socket)
    {
        AssertOwned();
        if (socket.Id == 0 || !_sockets.Remove(socket.Id)) return;
        Epoll.Remove(_epoll, (int)socket.Socket.Handle);
        socket.Id = 0;
        _socketCount--;
    }

    private void AssertOwned()
    {
        if (!IsCurrentThread) throw new InvalidOperationException("reactor state touched from another thread");
    }

    private void Loop()
    {
        t_isReactor = true;
        if (_pinToCpu is int cpu) PinningError = CpuAffinity.TryPinCurrentThread(cpu);
        _startedSignal!.Set();
        byte* events = stackalloc byte[EventsMax * 16];
        while (!_stopping)
        {
            int n;
            try
            {
                n = Epoll.Wait(_epoll, events, EventsMax, -1);
            }
            catch (IOException e)
            {
                _logger.LogCritical(e, "reactor {Name}: epoll_wait failed; its connections are closed", _thread.Name);
                break;
            }
            for (int i = 0; i < n; i++)
            {
                ulong data = Epoll.DataAt(events, i);
                if (data == WakeData)
                {
                    Epoll.Drain(_eventFd);
                    RunPosted();
                }
                else if (_sockets.TryGetValue(data, out var socket))
                {
                    try
                    {
                        socket.OnReadable();
                    }
                    catch (Exception e)
                    {
                        // A connection's own handler answers its errors; reaching here is a bug in one connection, and
                        // it must not take the thread (and every other connection on it) down.
                        _logger.LogError(e, "reactor {Name}: a connection's receive failed; closing it", _thread.Name);
                        socket.Fail(e);
                    }
                }
            }
        }
        RunPosted();
        foreach (var socket in _sockets.Values.ToArray()) socket.Fail(new ObjectDisposedException("reactor", "the server is stopping"));
    }

    private void RunPosted()
    {
        while (_posted.TryDequeue(out var action))
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                _logger.LogError(e, "reactor {Name}: a posted action failed", _thread.Name);
            }
        }
    }

    // Stops the thread (connections still registered are failed, which closes them) and closes the descriptors.
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stopping = true;
        if (_thread.IsAlive)
        {
            Epoll.Signal(_eventFd);
            _thread.Join();
        }
        Epoll.Close(_eventFd);
        Epoll.Close(_epoll);
    }
}
