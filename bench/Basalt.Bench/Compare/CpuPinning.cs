using System.Runtime.InteropServices;

namespace Basalt.Bench.Compare;

// Pins this process to one core (Linux sched_setaffinity), so that the load generator and the server under test do
// not share one: every thread that exists now is pinned (each thread has its own mask on Linux, and setting
// Process.ProcessorAffinity would pin only the main thread), and threads created later inherit their creator's mask.
// The servers are pinned by starting them under `taskset -c <core>` (PeerProcess).
internal static partial class CpuPinning
{
    // True when every thread of the process now runs on `core` only.
    public static bool PinProcess(int core)
    {
        if (!OperatingSystem.IsLinux() || core is < 0 or >= 64) return false;
        ulong mask = 1UL << core;
        bool all = true;
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (!int.TryParse(Path.GetFileName(task), out int tid)) continue;
            // A thread that exited meanwhile fails with ESRCH: nothing left to pin.
            if (SchedSetAffinity(tid, (nuint)sizeof(ulong), ref mask) != 0 && Marshal.GetLastPInvokeError() != 3) all = false;
        }
        return all;
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nuint size, ref ulong mask);
}
