using Basalt.Engine;
using Basalt.Engine.Storage.Memtable;

namespace Basalt.Tests.Storage.Memtable;

public class ArenaTests
{
    [Fact]
    public void Allocations_are_aligned_nonzero_and_disjoint_until_full()
    {
        using var arena = new Arena(1000);
        Assert.Equal(Arena.ReservedBytes, arena.UsedBytes);
        long previousEnd = 0;
        int allocations = 0;
        while (true)
        {
            long usedBefore = arena.UsedBytes;
            uint offset = arena.TryAllocate(13, 4);
            if (offset == 0)
            {
                Assert.Equal(usedBefore, arena.UsedBytes); // a failed call changes nothing
                Assert.True(((usedBefore + 3) & ~3L) + 13 > 1000);
                break;
            }
            allocations++;
            Assert.Equal(0u, offset % 4);
            Assert.True(offset >= previousEnd && offset >= Arena.ReservedBytes);
            previousEnd = offset + 13;
            Assert.Equal(previousEnd, arena.UsedBytes);
            Assert.True(arena.UsedBytes <= arena.CapacityBytes);
        }
        Assert.True(allocations > 60);
        // A smaller request may still fit after a failed larger one.
        Assert.NotEqual(0u, arena.TryAllocate(1000 - arena.UsedBytes, 1));
        Assert.Equal(1000, arena.UsedBytes);
        Assert.Equal(0u, arena.TryAllocate(1, 1));
    }

    [Fact]
    public void Capacity_is_bounded()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Arena(Arena.ReservedBytes));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Arena(Limits.MemtableBytesMax + 1));
    }

    [Fact]
    public unsafe void Dispose_is_idempotent_and_fences_Base()
    {
        var arena = new Arena(4096);
        arena.Dispose();
        arena.Dispose();
        Assert.True(arena.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => { _ = (nint)arena.Base; });
    }
}
