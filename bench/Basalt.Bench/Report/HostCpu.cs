namespace Basalt.Bench.Report;

// The machine's CPU time by state, from the first line of /proc/stat (Linux; in USER_HZ ticks): what a benchmark
// reports next to its figures so that a reader can tell a slow run from a busy host. Steal is time the hypervisor
// ran something else while one of this machine's virtual CPUs wanted to run: it shows up as stalls of every thread
// at once, which no code in the process can remove.
public readonly record struct HostCpu(long Busy, long Idle, long Steal)
{
    public long Total => Busy + Idle + Steal;

    // Null where /proc/stat is not there or not in the expected shape.
    public static HostCpu? Read()
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return null;
            using var reader = new StreamReader("/proc/stat");
            string? line = reader.ReadLine();
            if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal)) return null;
            // cpu user nice system idle iowait irq softirq steal [guest guest_nice: already in user and nice]
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            if (f.Length < 8) return null;
            return new HostCpu(Busy: f[0] + f[1] + f[2] + f[5] + f[6], Idle: f[3] + f[4], Steal: f[7]);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // Shares of the interval between two readings, in percent; null when either reading is missing or equal.
    public static (double BusyPercent, double IdlePercent, double StealPercent)? Between(HostCpu? from, HostCpu? to)
    {
        if (from is not { } a || to is not { } b || b.Total <= a.Total) return null;
        double total = b.Total - a.Total;
        return (100 * (b.Busy - a.Busy) / total, 100 * (b.Idle - a.Idle) / total, 100 * (b.Steal - a.Steal) / total);
    }
}
