using System.Numerics;
using System.Runtime.CompilerServices;

namespace Basalt.Engine.Storage.Memtable;

// A skiplist of internal keys (user key bytewise ascending, then trailer descending; see InternalKey) with
// values, whose nodes live in an Arena and link to each other by uint offsets.
//
// Thread safety (the contract of leveldb's db/skiplist.h):
//   - Writes (TryInsert) need external synchronisation: one writer, the owning shard's thread. A writer
//     may be handed to another thread only across a happens-before edge (a queue, a join).
//   - Reads (Find*, Next, the node accessors) need none: any number of threads may read while the writer
//     inserts, without locks and without ever making the writer wait. Readers need only that the arena
//     stays allocated while they read (the engine pins the memtable).
// Invariants:
//   (1) Nodes are never deleted or moved until the arena is freed, so an offset a reader holds stays valid.
//   (2) A node is immutable once linked, except for the next offsets of its tower, and each next offset is
//       a naturally aligned uint, so it changes atomically.
//   (3) A node is fully initialised (header, key, value, its own tower) before it becomes reachable, and
//       is linked bottom-up, level 0 first, each link a release store (Volatile.Write). Readers load links
//       with acquire (Volatile.Read), so a reader that reaches a node sees all of it. A reader that reaches
//       a node at level i only ever reads that node's links at levels <= i, which were written before the
//       release store that linked it at level i.
//   (4) Every level is a sorted sub-list of the level below; level 0 holds every node, strictly ascending
//       (a duplicate internal key is a caller bug: sequence numbers are unique).
// Readers racing an insert may or may not see the new node; either way they see a sorted list.
//
// Node layout in the arena; the tower sits *before* the node offset so that the header and key are at
// fixed offsets whatever the height (a key compare needs no height lookup):
//   [next[h-1]: u32] ... [next[1]: u32] [next[0]: u32] | node offset -> [trailer: u64][keyLen: u16]
//   [height: u8][unused: u8][valueLen: u32][valueOffset: u32][user key: keyLen bytes]
// and the value's bytes at valueOffset, in the arena's high end (Arena.TryAllocateSplit): nodes and keys
// fill the arena from the bottom, values from the top. A search compares keys only, and with values inline a
// 1 KiB value spread 60k nodes over 64 MiB, each step a cache miss and a TLB miss; packed, the nodes of the
// same memtable take a few MiB (figures in docs/storage-engine.md, "Memtable layout").
// Native endianness (the arena never leaves the process). Nodes are 4-byte aligned so that next offsets are
// atomic; the trailer may be 8-byte misaligned, which x64 and arm64 load without a fault (it costs extra
// only when it straddles a cache line). 8-byte alignment would waste 4 bytes on every odd-height node: most
// nodes, since height 1 alone is 3/4 of them.
// The head node has a full MaxHeight tower and no key; it is never compared.
//
// Rejected: CAS linking (pebble's arenaskl allows many writers). Basalt has one writer per shard, so a
// release store per level (a plain mov on x64, stlr on arm64) is enough; a lock cmpxchg per level would add
// a full fence and a retry path for contention that cannot happen. Not measured: nothing to gain.
internal sealed unsafe class SkipList
{
    // 4^16 = 4.3e9 nodes before the top level stops thinning out, far past the ~2e7 entries of a 2 GiB
    // arena (Limits.MemtableBytesMax). A larger MaxHeight only enlarges the head node and EntryBytesMax;
    // searches start at the current height, not at MaxHeight.
    public const int MaxHeight = 16;
    // p = 1/4 (leveldb, pebble): 1.33 links per node on average, where p = 1/2 would take 2 for searches of
    // about the same length.
    private const int BranchingBits = 2;

    public const int HeaderBytes = 20;
    private const int KeyLengthOffset = 8;
    private const int HeightOffset = 10;
    private const int ValueLengthOffset = 12;
    private const int ValueOffsetOffset = 16; // values live at the arena's high end (see TryInsert)
    private const int NodeAlignBytes = 4;
    private const int TowerSlotBytes = sizeof(uint);

    private readonly Arena _arena;
    // Cached Arena.Base: valid until the arena is disposed, which the owner does only when no reader is left.
    private readonly byte* _base;
    private readonly uint _head;
    // Levels in use, 1..MaxHeight. Written by the writer only, with Volatile.Write; read with Volatile.Read.
    // Nothing depends on its ordering against the links: a reader that sees a raised height before the head's
    // new links reads null there and drops a level; a reader that sees the old height skips the new top levels.
    private int _height;
    // xorshift32 state; writer only. Never 0.
    private uint _random;

    public SkipList(Arena arena, uint randomSeed = 0xDEADBEEF)
    {
        _arena = arena;
        _base = arena.Base;
        uint start = arena.TryAllocate(NodeBytes(MaxHeight, 0, 0), NodeAlignBytes);
        if (start == 0) throw new ArgumentException($"an arena of {arena.CapacityBytes} bytes cannot hold the head node", nameof(arena));
        _head = start + MaxHeight * TowerSlotBytes;
        // The arena is not zeroed; the head's links must start null. Nothing else reads them yet.
        new Span<byte>(_base + start, MaxHeight * TowerSlotBytes + HeaderBytes).Clear();
        _height = 1;
        _random = randomSeed == 0 ? 0xDEADBEEF : randomSeed;
    }

    public uint Head => _head;

    // Arena bytes of a node of this height before alignment padding.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long NodeBytes(int height, int keyBytes, int valueBytes) =>
        (long)height * TowerSlotBytes + HeaderBytes + keyBytes + valueBytes;

    // The most arena bytes one insert can take: the tallest tower plus the worst alignment padding.
    public static long NodeBytesMax(int keyBytes, int valueBytes) =>
        NodeBytes(MaxHeight, keyBytes, valueBytes) + NodeAlignBytes - 1;

    // ---- Node accessors (any thread; node must be a linked node, or the head for Next) ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref uint NextSlot(uint node, int level) => ref *((uint*)(_base + node) - 1 - level);

    // Acquire load: pairs with the writer's release store in TryInsert, so everything written to the node
    // we land on is visible before we read it (invariant 3).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Next(uint node, int level) => Volatile.Read(ref NextSlot(node, level));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong TrailerOf(uint node) => Unsafe.ReadUnaligned<ulong>(_base + node);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> UserKeyOf(uint node) =>
        new(_base + node + HeaderBytes, *(ushort*)(_base + node + KeyLengthOffset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> ValueOf(uint node)
    {
        byte* p = _base + node;
        return new(_base + *(uint*)(p + ValueOffsetOffset), *(int*)(p + ValueLengthOffset));
    }

    public int HeightOf(uint node) => _base[node + HeightOffset];

    // Compares the node's internal key with (userKey, trailer): < 0 when the node sorts first.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Compare(uint node, ReadOnlySpan<byte> userKey, ulong trailer)
    {
        byte* p = _base + node;
        int c = new ReadOnlySpan<byte>(p + HeaderBytes, *(ushort*)(p + KeyLengthOffset)).SequenceCompareTo(userKey);
        if (c != 0) return c;
        ulong nodeTrailer = Unsafe.ReadUnaligned<ulong>(p);
        // Trailer descending: the newer (larger) trailer sorts first.
        return nodeTrailer > trailer ? -1 : nodeTrailer < trailer ? 1 : 0;
    }

    // ---- Searches (any thread) ----

    // The first node >= (userKey, trailer), or 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint FindGreaterOrEqual(ReadOnlySpan<byte> userKey, ulong trailer) => FindGreaterOrEqual(userKey, trailer, null);

    // As above; when prev is not null (the writer), also fills prev[i] with the last node < the target at
    // level i, for every level in use.
    public uint FindGreaterOrEqual(ReadOnlySpan<byte> userKey, ulong trailer, uint* prev)
    {
        uint x = _head;
        int level = Volatile.Read(ref _height) - 1;
        // The node the level above stopped at (known not to precede the target): when the level below leads
        // straight to it again (no node in between, probability p), it need not be compared twice (leveldb).
        uint stoppedAt = 0;
        while (true)
        {
            uint next = Next(x, level);
            if (next != 0 && next != stoppedAt && Compare(next, userKey, trailer) < 0)
            {
                x = next;
                continue;
            }
            if (prev != null) prev[level] = x;
            if (level == 0) return next;
            stoppedAt = next;
            level--;
        }
    }

    // The last node < (userKey, trailer), or with orEqual the last node <= it; the head when there is none.
    public uint FindLessThan(ReadOnlySpan<byte> userKey, ulong trailer, bool orEqual)
    {
        int limit = orEqual ? 1 : 0; // advance while Compare(next, target) < limit
        uint x = _head;
        int level = Volatile.Read(ref _height) - 1;
        uint stoppedAt = 0; // as in FindGreaterOrEqual
        while (true)
        {
            uint next = Next(x, level);
            if (next != 0 && next != stoppedAt && Compare(next, userKey, trailer) < limit)
            {
                x = next;
                continue;
            }
            if (level == 0) return x;
            stoppedAt = next;
            level--;
        }
    }

    // The last node, or the head when the list is empty.
    public uint FindLast()
    {
        uint x = _head;
        int level = Volatile.Read(ref _height) - 1;
        while (true)
        {
            uint next = Next(x, level);
            if (next != 0)
            {
                x = next;
                continue;
            }
            if (level == 0) return x;
            level--;
        }
    }

    // ---- Writer ----

    // Writer thread only. Inserts (userKey, trailer) -> value; returns false, changing nothing but the height
    // generator, when the arena has no room for the node. The key must not be in the list already.
    public bool TryInsert(ReadOnlySpan<byte> userKey, ulong trailer, ReadOnlySpan<byte> value)
    {
        MemtableAssert.That(userKey.Length <= ushort.MaxValue, "user key too long for the node layout");
        int height = RandomHeight();
        // The node (tower, header, key) at the arena's low end, the value at its high end: searches walk nodes
        // and keys only, and those stay packed in a fraction of the arena (a 1 KiB value would otherwise put
        // every node on its own cache lines and pages, a miss of each at every step).
        if (!_arena.TryAllocateSplit(NodeBytes(height, userKey.Length, 0), NodeAlignBytes, value.Length, out uint start, out uint valueAt))
            return false;
        uint node = start + (uint)(height * TowerSlotBytes);

        // Initialise the node while no one can reach it (invariant 3): plain stores.
        byte* p = _base + node;
        Unsafe.WriteUnaligned(p, trailer);
        *(ushort*)(p + KeyLengthOffset) = (ushort)userKey.Length;
        p[HeightOffset] = (byte)height;
        p[HeightOffset + 1] = 0;
        *(int*)(p + ValueLengthOffset) = value.Length;
        *(uint*)(p + ValueOffsetOffset) = valueAt;
        userKey.CopyTo(new Span<byte>(p + HeaderBytes, userKey.Length));
        value.CopyTo(new Span<byte>(_base + valueAt, value.Length));

        uint* prev = stackalloc uint[MaxHeight];
        uint found = FindGreaterOrEqual(userKey, trailer, prev);
        MemtableAssert.That(found == 0 || Compare(found, userKey, trailer) != 0, "duplicate internal key");

        int listHeight = _height; // the writer reads its own field
        if (height > listHeight)
        {
            for (int i = listHeight; i < height; i++) prev[i] = _head;
            // See _height for why the order against the links below does not matter.
            Volatile.Write(ref _height, height);
        }

        for (int i = 0; i < height; i++)
        {
            // The new node's own link: a plain store is enough, since the release store just below publishes
            // it together with everything else written to the node. The writer reads prev's link plainly: it
            // wrote it itself.
            NextSlot(node, i) = NextSlot(prev[i], i);
            // Release store: publishes the node at level i. Bottom-up, so a node reachable at level i is
            // already reachable at every level below it (invariant 4).
            Volatile.Write(ref NextSlot(prev[i], i), node);
        }
        return true;
    }

    // Height of the next node: 1 + one level per pair of trailing zero bits of a random word, so
    // P(height > k) = 4^-k. xorshift32 costs three shifts; its weak low bits are good enough for tower
    // heights (SkipListTests checks the distribution).
    private int RandomHeight()
    {
        uint x = _random;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        _random = x;
        int height = 1 + BitOperations.TrailingZeroCount(x) / BranchingBits;
        return Math.Min(height, MaxHeight);
    }

    // ---- Checks for tests and assertions ----

    // Walks every level and verifies invariant (4) and node heights. Call with no concurrent writer.
    internal void CheckInvariants()
    {
        int listHeight = Volatile.Read(ref _height);
        if (listHeight < 1 || listHeight > MaxHeight) throw new InvalidOperationException($"height {listHeight}");
        for (int level = MaxHeight - 1; level >= listHeight; level--)
            if (Next(_head, level) != 0) throw new InvalidOperationException($"head links level {level} above height");
        for (int level = 0; level < listHeight; level++)
        {
            uint x = Next(_head, level);
            uint lower = Next(_head, Math.Max(level - 1, 0));
            uint previous = 0;
            while (x != 0)
            {
                if (HeightOf(x) <= level || HeightOf(x) > MaxHeight)
                    throw new InvalidOperationException($"node {x} of height {HeightOf(x)} linked at level {level}");
                if (previous != 0 && Compare(previous, UserKeyOf(x), TrailerOf(x)) >= 0)
                    throw new InvalidOperationException($"level {level} not strictly ascending at node {x}");
                if (level > 0)
                {
                    // x must also be on the level below, after the previous node of this level.
                    while (lower != 0 && lower != x) lower = Next(lower, level - 1);
                    if (lower == 0) throw new InvalidOperationException($"node {x} at level {level} missing below");
                }
                previous = x;
                x = Next(x, level);
            }
        }
    }

    // For tests: the height the next insert will draw, advancing the generator as an insert would.
    internal int NextRandomHeightForTest() => RandomHeight();
}
