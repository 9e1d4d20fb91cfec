using System.Diagnostics;
using Basalt.Engine;
using Basalt.Engine.Storage.Vfs;

namespace Basalt.Tests.Storage.Faults;

// The fault-injecting file system itself: each fault does what its comment says, on MemoryFileSystem.
public class FaultInjectingFileSystemTests
{
    private static (MemoryFileSystem Memory, FaultPlan Plan, FaultInjectingFileSystem Fs) New()
    {
        var memory = new MemoryFileSystem();
        memory.CreateDirectory("/d");
        var plan = new FaultPlan();
        return (memory, plan, new FaultInjectingFileSystem(memory, plan));
    }

    [Fact]
    public void A_rule_fires_on_the_nth_matching_operation_only()
    {
        var (_, plan, fs) = New();
        var rule = plan.When(FileOp.Sync, "wal-").Nth(3).Inject(FaultKind.IoError);
        using var wal = fs.Create("/d/wal-1.log");
        using var seg = fs.Create("/d/seg-1.seg");
        for (int i = 0; i < 5; i++) seg.Sync(); // other paths do not count
        wal.Sync();
        wal.Sync();
        var e = Assert.Throws<StorageException>(() => wal.Sync());
        Assert.Equal(StorageError.IoError, e.Error);
        Assert.Contains("/d/wal-1.log", e.Message);
        wal.Sync();
        Assert.Equal(4, rule.Matches);
        Assert.Equal(1, rule.Hits);
    }

    [Fact]
    public void After_times_while_and_bytes_narrow_a_rule()
    {
        var (_, plan, fs) = New();
        bool on = false;
        var rule = plan.When(FileOp.Write).Bytes(100).While(() => on).After(1).Times(2).Inject(FaultKind.DiskFull);
        using var f = fs.Create("/d/a");
        f.Write(0, new byte[100]);              // off: not counted
        on = true;
        f.Write(0, new byte[10]);               // too small: not counted
        f.Write(0, new byte[100]);              // the first match: let through
        Assert.Equal(StorageError.DiskFull, Assert.Throws<StorageException>(() => f.Write(0, new byte[100])).Error);
        Assert.Equal(StorageError.DiskFull, Assert.Throws<StorageException>(() => f.Write(0, new byte[200])).Error);
        f.Write(0, new byte[100]);              // fired twice already
        Assert.Equal((4, 2), (rule.Matches, rule.Hits));
    }

    [Fact]
    public void The_injector_delegate_constructor_still_works()
    {
        var memory = new MemoryFileSystem();
        memory.CreateDirectory("/d");
        var fs = new FaultInjectingFileSystem(memory, (op, path, n) => op == FileOp.Write && n > 3 ? FaultKind.TornWrite : FaultKind.None);
        using var f = fs.Create("/d/a");
        Assert.Throws<StorageException>(() => f.Write(0, new byte[] { 1, 2, 3, 4, 5, 6 }));
        Assert.Equal(new byte[] { 1, 2, 3 }, memory.ReadAll("/d/a"));
        f.Write(3, new byte[] { 9 });
        Assert.Equal(4, memory.ReadAll("/d/a").Length);
    }

    [Theory]
    [InlineData(0, 100, 50)]              // inside one page: half of it
    [InlineData(0, 4096, 2048)]           // exactly one page
    [InlineData(0, 10000, 8192 + 904)]    // two whole pages, then half of the 1808 bytes in the third
    [InlineData(4000, 200, 96 + 52)]      // crosses a boundary: the 96 bytes in the first page whole, half of the 104 after
    [InlineData(8192, 4097, 4096)]        // one whole page, then half of one byte: nothing of the last
    public void A_torn_page_keeps_whole_pages_and_half_of_the_last(long offset, int length, int keep) =>
        Assert.Equal(keep, FaultInjectingFileSystem.TornPageKeepBytes(offset, length));

    [Fact]
    public void A_torn_page_leaves_a_durable_prefix_and_fails_the_write()
    {
        var (memory, plan, fs) = New();
        plan.When(FileOp.Write, "/d/log").Nth(2).Inject(FaultKind.TornPage);
        using var f = fs.Create("/d/log");
        f.Write(0, Enumerable.Repeat((byte)1, 5000).ToArray());
        f.Sync();
        fs.SyncDirectory("/d");
        var data = Enumerable.Repeat((byte)2, 10000).ToArray();
        var e = Assert.Throws<StorageException>(() => f.Write(5000, data));
        Assert.Equal(StorageError.IoError, e.Error);
        int keep = FaultInjectingFileSystem.TornPageKeepBytes(5000, 10000);
        Assert.Contains($"{keep} bytes reached the disk", e.Message);
        memory.Crash(); // the power loss completes: the prefix was made durable
        var after = memory.ReadAll("/d/log");
        Assert.Equal(5000 + keep, after.Length);
        Assert.All(after.AsSpan(5000).ToArray(), b => Assert.Equal(2, b));
        Assert.True((5000 + keep) % 4096 != 0, "the tear falls inside the last page");
    }

    [Fact]
    public void The_disk_full_switch_stops_every_write_path_and_space_returns()
    {
        var (memory, _, fs) = New();
        using var f = fs.Create("/d/a");
        f.Write(0, new byte[10]);
        fs.DiskFull = true;
        Assert.Equal(StorageError.DiskFull, Assert.Throws<StorageException>(() => f.Write(10, new byte[1])).Error);
        Assert.Equal(StorageError.DiskFull, Assert.Throws<StorageException>(() => f.SetLength(100)).Error);
        Assert.Equal(StorageError.DiskFull, Assert.Throws<StorageException>(() => fs.Create("/d/b")).Error);
        var e = Assert.Throws<StorageException>(() => fs.CreateDirectory("/d/e"));
        Assert.Equal(StorageError.DiskFull, e.Error);
        Assert.Contains("no space left on device", e.Message);
        f.SetLength(5); // shrinking needs no space
        Assert.Equal(5, memory.ReadAll("/d/a").Length);
        fs.DiskFull = false;
        f.Write(5, new byte[5]);
        using var g = fs.Create("/d/b");
        Assert.Equal(10, f.Length);
    }

    [Fact]
    public void A_byte_budget_runs_out_and_can_be_refilled()
    {
        var (_, _, fs) = New();
        fs.FreeBytes = 100;
        using var f = fs.Create("/d/a");
        f.Write(0, new byte[60]);
        f.SetLength(90);
        Assert.Equal(10, fs.FreeBytes);
        Assert.Equal(StorageError.DiskFull, Assert.Throws<StorageException>(() => f.Write(90, new byte[11])).Error);
        Assert.Equal(90, f.Length); // nothing written
        f.Write(90, new byte[10]);
        fs.FreeBytes = null;
        f.Write(100, new byte[1000]);
        Assert.Null(fs.FreeBytes);
    }

    [Fact]
    public void A_flipped_bit_at_rest_is_durable_and_survives_a_crash()
    {
        var (memory, _, fs) = New();
        using (var f = fs.Create("/d/a"))
        {
            f.Write(0, new byte[100]);
            f.Sync();
        }
        fs.SyncDirectory("/d");
        fs.FlipBit("/d/a", 40, bit: 3);
        long offset = fs.FlipRandomBit("/d/a", seed: 7, from: 50, to: 60);
        Assert.InRange(offset, 50, 59);
        Assert.Equal(offset, fs.FlipRandomBit("/d/a", seed: 7, from: 50, to: 60)); // seeded: the same offset again (and flipped back)
        memory.Crash();
        var bytes = memory.ReadAll("/d/a");
        Assert.Equal(8, bytes[40]);
        Assert.Equal(1, bytes.Count(b => b != 0));
    }

    [Fact]
    public unsafe void Mapped_flips_reach_later_mappings_and_with_copies_earlier_ones()
    {
        var (memory, plan, fs) = New();
        using (var f = fs.Create("/d/seg")) f.Write(0, new byte[64]);
        using var before = fs.MapReadOnly("/d/seg");
        fs.FlipMappedBit("/d/seg", 10, bit: 0);
        Assert.Equal(0, before.Pointer[10]); // not a copy: untouched
        using (var after = fs.MapReadOnly("/d/seg")) Assert.Equal(1, after.Pointer[10]);
        Assert.All(memory.ReadAll("/d/seg"), b => Assert.Equal(0, b)); // the stored file is not touched

        fs.CopyMappings = true;
        using var copy = fs.MapReadOnly("/d/seg");
        fs.FlipMappedBit("/d/seg", 20, bit: 1);
        Assert.Equal(2, copy.Pointer[20]); // reaches a mapping taken before it

        plan.When(FileOp.Map).Nth(1).Inject(FaultKind.BitFlip);
        using var flipped = fs.MapReadOnly("/d/seg");
        int differing = 0;
        for (int i = 0; i < 64; i++) differing += System.Numerics.BitOperations.PopCount((uint)(flipped.Pointer[i] ^ copy.Pointer[i]));
        Assert.Equal(1, differing);
    }

    [Fact]
    public async Task A_delay_slows_an_operation_and_a_gate_holds_it_until_opened()
    {
        var (_, plan, fs) = New();
        using var gate = new FaultGate();
        plan.When(FileOp.Sync, "/d/slow").Delay(30);
        plan.When(FileOp.Sync, "/d/held").Hold(gate);
        using var slow = fs.Create("/d/slow");
        var sw = Stopwatch.StartNew();
        slow.Sync();
        Assert.True(sw.ElapsedMilliseconds >= 25, $"{sw.ElapsedMilliseconds} ms");

        using var held = fs.Create("/d/held");
        var sync = Task.Run(held.Sync);
        Assert.True(await gate.WhenHeldAsync(TimeSpan.FromSeconds(10)));
        Assert.False(sync.IsCompleted);
        gate.Open();
        await sync.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, gate.Held);
    }
}
