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

    // A flushed memtable's block serves the next memtable; a block of another size, or one returned after the
    // pool closed, is freed instead of kept.
    [Fact]
    public unsafe void The_pool_hands_a_returned_block_to_the_next_arena_of_its_size_only()
    {
        const long Bytes = 64 << 10;
        using var pool = new ArenaBlockPool(Bytes);
        var first = new Arena(Bytes, pool);
        nint block = (nint)first.Base;
        Assert.False(pool.HasSpare);
        first.Dispose();
        Assert.True(pool.HasSpare);
        var second = new Arena(Bytes, pool);
        Assert.Equal(block, (nint)second.Base);
        Assert.False(pool.HasSpare);
        var third = new Arena(Bytes, pool);  // the spare is taken: a fresh block
        Assert.NotEqual(block, (nint)third.Base);
        var other = new Arena(Bytes * 2, pool);
        other.Dispose();                     // not the pool's size: freed, not kept
        Assert.False(pool.HasSpare);
        third.Dispose();
        Assert.True(pool.HasSpare);
        second.Dispose();                    // the spare slot is full: freed
        var fourth = new Arena(Bytes, pool);
        Assert.False(pool.HasSpare);
        pool.Dispose();
        fourth.Dispose();                    // after the pool closed: freed, not kept
        Assert.False(pool.HasSpare);
    }

    // A memtable on a reused block (filled with junk first in assert builds) reads back exactly what it was given:
    // nothing depends on fresh memory being zero.
    [Fact]
    public void A_memtable_on_a_reused_block_holds_only_its_own_entries()
    {
        const long Bytes = 256 << 10;
        using var pool = new ArenaBlockPool(Bytes);
        var old = new Basalt.Engine.Storage.Memtable.Memtable(Bytes, pool);
        for (int i = 0; old.TryAdd(System.Text.Encoding.UTF8.GetBytes($"old{i:D6}"), (ulong)i + 1, Basalt.Engine.Storage.EntryKind.Put, new byte[100]); i++) { }
        old.Dispose();
        var table = new Basalt.Engine.Storage.Memtable.Memtable(Bytes, pool);
        for (int i = 0; i < 500; i++)
            Assert.True(table.TryAdd(System.Text.Encoding.UTF8.GetBytes($"new{i:D6}"), (ulong)i + 1, Basalt.Engine.Storage.EntryKind.Put, BitConverter.GetBytes(i)));
        Assert.Equal(500, table.Count);
        Assert.False(table.TryGet(System.Text.Encoding.UTF8.GetBytes("old000001"), ulong.MaxValue, out _, out _));
        for (int i = 0; i < 500; i++)
        {
            Assert.True(table.TryGet(System.Text.Encoding.UTF8.GetBytes($"new{i:D6}"), ulong.MaxValue, out _, out var value));
            Assert.Equal(i, BitConverter.ToInt32(value));
        }
        int seen = 0;
        using (var it = table.NewIterator())
        {
            it.SeekToFirst();
            for (; it.Valid; it.Next()) seen++;
        }
        Assert.Equal(500, seen);
        table.Dispose();
    }

    // Nodes from the bottom, values from the top: both parts or neither, and the two ends may meet exactly.
    [Fact]
    public void Split_allocations_take_both_ends_or_nothing()
    {
        using var arena = new Arena(1024);
        Assert.True(arena.TryAllocateSplit(100, 4, 200, out uint low, out uint high));
        Assert.Equal(4u, low);
        Assert.Equal(1024u - 200, high);
        Assert.Equal(104 + 200, arena.UsedBytes);
        // Free middle: [104, 824) = 720 bytes. One byte too many on either side fails and changes nothing.
        Assert.False(arena.TryAllocateSplit(700, 4, 21, out _, out _));
        Assert.Equal(304, arena.UsedBytes);
        Assert.False(arena.TryAllocate(721, 1) != 0);
        Assert.True(arena.TryAllocateSplit(700, 4, 20, out low, out high));
        Assert.Equal(104u, low);
        Assert.Equal(804u, high);
        Assert.Equal(1024, arena.UsedBytes);
        Assert.False(arena.TryAllocateSplit(0, 1, 1, out _, out _));
        Assert.True(arena.TryAllocateSplit(0, 1, 0, out _, out _));
    }
}
