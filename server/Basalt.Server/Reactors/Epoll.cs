using System.Runtime.InteropServices;

namespace Basalt.Server.Reactors;

// The Linux calls a reactor needs: epoll_create1, epoll_ctl, epoll_wait, eventfd, and read/write/close on the eventfd.
// struct epoll_event is { uint32 events; uint64 data; }, packed on x86-64 (12 bytes, data at offset 4) and naturally
// aligned elsewhere (16 bytes, data at 8), so it is read and written through EventBytes and DataOffset, not a struct.
internal static unsafe partial class Epoll
{
    public const uint In = 0x001;
    public const uint Err = 0x008;
    public const uint Hup = 0x010;
    public const uint RdHup = 0x2000;
    private const int CtlAdd = 1;
    private const int CtlDel = 2;
    private const int CloExec = 0x80000; // EPOLL_CLOEXEC = EFD_CLOEXEC = O_CLOEXEC
    private const int NonBlock = 0x800;  // EFD_NONBLOCK
    public const int Eintr = 4;

    public static readonly int EventBytes = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    public static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    // Where the reactor runs: Linux on x64 or arm64 (the layouts above are those two's).
    public static bool IsSupported => OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    public static int Create()
    {
        int fd = EpollCreate1(CloExec);
        return fd >= 0 ? fd : throw Failure("epoll_create1");
    }

    public static int CreateEventFd()
    {
        int fd = EventFd(0, CloExec | NonBlock);
        return fd >= 0 ? fd : throw Failure("eventfd");
    }

    public static void Add(int epoll, int fd, uint events, ulong data)
    {
        byte* e = stackalloc byte[16];
        *(uint*)e = events;
        *(ulong*)(e + DataOffset) = data;
        if (EpollCtl(epoll, CtlAdd, fd, e) != 0) throw Failure("epoll_ctl(ADD)");
    }

    // False when the descriptor was not registered (ENOENT) or is gone (EBADF): nothing to remove.
    public static bool Remove(int epoll, int fd)
    {
        byte* e = stackalloc byte[16]; // ignored by DEL, but kernels before 2.6.9 wanted it non-null
        return EpollCtl(epoll, CtlDel, fd, e) == 0;
    }

    // The number of events written to `events` (EventBytes each), 0 on EINTR.
    public static int Wait(int epoll, byte* events, int max, int timeoutMs)
    {
        int n = EpollWait(epoll, events, max, timeoutMs);
        if (n >= 0) return n;
        int errno = Marshal.GetLastPInvokeError();
        return errno == Eintr ? 0 : throw Failure("epoll_wait", errno);
    }

    public static uint EventsAt(byte* events, int i) => *(uint*)(events + i * EventBytes);

    public static ulong DataAt(byte* events, int i) => *(ulong*)(events + i * EventBytes + DataOffset);

    // Adds one to the eventfd's counter (a full counter, which needs 2^64 - 1 signals, is as good as a signal).
    public static void Signal(int eventFd)
    {
        ulong one = 1;
        _ = Write(eventFd, &one, 8);
    }

    // Resets the eventfd's counter (non-blocking: a zero counter reads EAGAIN).
    public static void Drain(int eventFd)
    {
        ulong value;
        _ = Read(eventFd, &value, 8);
    }

    public static void Close(int fd) => _ = CloseFd(fd);

    private static IOException Failure(string call, int errno = -1)
    {
        if (errno < 0) errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} failed with errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})");
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epoll, int op, int fd, byte* evt);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(int epoll, byte* events, int max, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseFd(int fd);
}
