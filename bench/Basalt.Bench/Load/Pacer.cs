using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Basalt.Bench.Load;

// Waits until a Stopwatch timestamp without keeping a core busy: the open loop's pacer sleeps between operations.
// The first pacer yielded the core in a loop until each operation was due; at 12,000 ops/s on two cores that loop
// took what the server and clients left idle, so "half of the peak" ran the machine at 93% busy and measured queueing
// the benchmark made itself. On Linux this sleeps in clock_nanosleep on CLOCK_MONOTONIC (the clock Stopwatch reads)
// until the absolute time, with the thread's timer slack cut to 1 µs so that it wakes within microseconds rather
// than the default 50; elsewhere it sleeps whole milliseconds while far away and yields for the rest.
internal static partial class Pacer
{
    private const int ClockMonotonic = 1, TimerAbstime = 1, PrSetTimerslack = 29;

    private static readonly bool Precise = OperatingSystem.IsLinux() && Stopwatch.Frequency == 1_000_000_000;

    // Once on the pacer thread, before its first wait.
    public static void PrepareThread()
    {
        if (Precise) _ = Prctl(PrSetTimerslack, 1, 0, 0, 0);
    }

    public static unsafe void WaitUntil(long timestamp)
    {
        if (Precise)
        {
            var due = new TimeSpec { Seconds = timestamp / 1_000_000_000, Nanoseconds = timestamp % 1_000_000_000 };
            // Returns early only on a signal (EINTR): the loop sleeps again.
            while (Stopwatch.GetTimestamp() < timestamp) _ = ClockNanosleep(ClockMonotonic, TimerAbstime, &due, null);
            return;
        }
        long wait;
        while ((wait = timestamp - Stopwatch.GetTimestamp()) > 0)
        {
            if (wait > Stopwatch.Frequency / 500) Thread.Sleep(1);
            else Thread.Yield();
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static unsafe partial int ClockNanosleep(int clock, int flags, TimeSpec* request, TimeSpec* remain);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
}
