using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Basalt.Engine.Cache;

// One stripe of a CacheStore: the keys whose hash falls on it, with their own index, rings, ghost table, lock,
// counters and removal floor, all in native memory the stripe owns (two blocks, freed by Dispose). The store routes a
// key to a stripe by its hash; no state is shared between stripes.
//
// Layout: an open-addressing index of 8-byte slots ([loc: u32][tag: u32], tag 0 = empty; loc = queue bit | offset in
// 8-byte units), linear probing from the home slot Home(tag), deletion by backward shift (no tombstones); a byte of
// hit count beside each slot; S3-FIFO's small and main queues as two EntryRings (10% and 90% of the ring bytes); and
// the ghost of S3-FIFO, a table of 4-way buckets of tags of keys recently evicted from the small queue.
//
// Eviction (S3-FIFO, chosen by perf-results/cache-policy.md): a new key enters the small queue, or the main queue if
// its tag is in the ghost. Making room in the small queue takes its tail entry: with a hit since it entered, or while
// main has free room, it moves to main's head (hits reset), else its tag goes to the ghost and it is evicted. Making room in main takes main's tail:
// with hits it is copied to main's head with one hit less (FIFO-reinsertion), else it is evicted. Expired and dead
// entries met at a tail are reclaimed. A hit only bumps the byte beside the slot (saturating at 3), so the read path
// writes nothing that the writers' structure depends on.
//
// Concurrency: writers take Lock and, while they change the index or rings, hold Sequence odd (a seqlock). Readers
// take no lock: they read Sequence, search and copy, then check that Sequence is unchanged and even; otherwise they
// retry, and after CacheStore.OptimisticReads attempts take the lock. Every read of a reader stays inside memory the
// stripe owns for its whole life, whatever torn values it meets (EntryRing's reads are bounded, Find checks each
// header), so a torn read costs a retry, never a fault; Dispose must not race with calls (CacheStore says so).
// Memory ordering: BeginWrite's Interlocked.Increment is a full fence, so no change of the index or rings is visible
// before Sequence turns odd; EndWrite's Volatile.Write releases them all before Sequence turns even. A reader's first
// Volatile.Read of Sequence acquires (its reads of the structure cannot move before it) and Volatile.ReadBarrier keeps
// them before its second read of Sequence. The hit bytes are written without any ordering: a lost or misplaced bump
// (a slot that moved meanwhile) only skews the policy by one hit.
internal sealed unsafe class CacheStripe : IDisposable
{
    private const uint MainBit = 0x8000_0000u;
    private const int GhostWays = 4;
    // Index slots per stripe byte: one 8-byte slot and one hit byte per 96 bytes of stripe, filled to at most 3/4, so
    // a stripe holds at most one entry per 128 bytes. An entry of a 16-byte key and a 100-byte value takes 152 ring
    // bytes, so for such entries the rings, not the index, are the bound.
    private const int StripeBytesPerSlot = 96;
    // The hits a small-queue entry needs to move to main: 1 and 2 were within 0.001 of each other on every trace
    // (perf-results/cache-policy.md); 1 is S3-FIFO's simplest form.
    private const int MoveToMainHits = 1;
    private const byte HitsMax = 3;

    public readonly Lock Lock = new();
    // The seqlock: even while the index and rings are stable, odd while a writer changes them.
    public long Sequence;
    public readonly EntryRing Small, Main;
    // The largest entry (header, key, value, padding) the stripe stores: half the small queue, at most a largest
    // key and value. Larger entries are not stored.
    public readonly long EntryBytesMax;
    // Index, hit bytes and ghost: allocated whole when the stripe is made, and counted in Bytes from then on.
    public readonly long FixedBytes;

    private readonly byte* _rings;
    private readonly byte* _tables;
    private readonly ulong* _slots;
    private readonly byte* _hits;
    private readonly uint* _ghost;
    private readonly uint _slotCount;
    private readonly uint _ghostBuckets;
    private readonly long _entriesMax;
    private uint _ghostInserts;
    // Live entries in the small queue: S3-FIFO evicts from it while it holds at least a tenth of the entries.
    private long _smallEntries;
    private int _disposed;

    // Written under Lock; Statistics reads them without it (a 64-bit read is never torn; a stale one is fine).
    public long Entries, Sets, Deletes, Evictions, Expirations;
    // The highest version of any entry of this stripe that was evicted or expired (SetVersioned refuses below it).
    public long RemovalFloor = long.MinValue;

    public CacheStripe(long stripeBytes)
    {
        _slotCount = (uint)Math.Max(64, stripeBytes / StripeBytesPerSlot);
        _entriesMax = _slotCount * 3L / 4;
        uint ghostSlots = BitOperations.RoundUpToPowerOf2(Math.Max(GhostWays, _slotCount / 2));
        _ghostBuckets = ghostSlots / GhostWays;
        FixedBytes = _slotCount * 9L + ghostSlots * 4L;
        long ringBytes = (stripeBytes - FixedBytes) & ~7L;
        long smallBytes = (ringBytes / 10) & ~7L;
        if (smallBytes < 256) throw new ArgumentOutOfRangeException(nameof(stripeBytes), stripeBytes, "a cache stripe is too small");
        EntryBytesMax = Math.Min((smallBytes / 2) & ~7L, CacheEntryHeader.EntryBytesFor(Limits.CacheKeyBytesMax, Limits.CacheValueBytesMax));

        _tables = (byte*)NativeMemory.AllocZeroed((nuint)FixedBytes);
        _slots = (ulong*)_tables;
        _ghost = (uint*)(_tables + _slotCount * 8L);
        _hits = _tables + _slotCount * 8L + ghostSlots * 4L;
        try
        {
            _rings = (byte*)NativeMemory.AlignedAlloc((nuint)ringBytes, 64);
        }
        catch
        {
            NativeMemory.Free(_tables);
            throw;
        }
        Small = new EntryRing(_rings, smallBytes);
        Main = new EntryRing(_rings + smallBytes, ringBytes - smallBytes);
    }

    public long Bytes => Volatile.Read(ref Small.Used) + Volatile.Read(ref Main.Used) + FixedBytes;

    public void BeginWrite() => Interlocked.Increment(ref Sequence);

    public void EndWrite() => Volatile.Write(ref Sequence, Sequence + 1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Home(uint tag) => (uint)(((ulong)tag * _slotCount) >> 32);

    private static ulong SlotValue(uint tag, uint loc) => ((ulong)loc << 32) | tag;

    private uint Locate(EntryRing ring, long offset) => (uint)(offset >> 3) | (ring == Main ? MainBit : 0);

    // The slot of key's live entry, or -1. Safe without the lock (see the type's comment): every offset and length it
    // follows is checked against the ring before use.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ReadOnlySpan<byte> key, uint tag, out EntryRing ring, out long offset, out CacheEntryHeader header)
    {
        uint i = Home(tag);
        for (uint probes = 0; probes < _slotCount; probes++)
        {
            ulong slot = _slots[i];
            uint slotTag = (uint)slot;
            if (slotTag == 0) break;
            if (slotTag == tag)
            {
                uint loc = (uint)(slot >> 32);
                ring = (loc & MainBit) != 0 ? Main : Small;
                offset = (long)(loc & ~MainBit) << 3;
                if (offset < ring.Capacity)
                {
                    ring.ReadHeader(offset, out header);
                    if (header.State == CacheEntryHeader.Live && header.KeyLength == key.Length
                        && header.EntryBytes <= ring.Capacity
                        && (ulong)CacheEntryHeader.HeaderBytes + header.KeyLength + header.ValueLength <= header.EntryBytes
                        && ring.Equals(ring.Wrap(offset + CacheEntryHeader.HeaderBytes), key))
                        return (int)i;
                }
            }
            if (++i == _slotCount) i = 0;
        }
        ring = Small;
        offset = 0;
        header = default;
        return -1;
    }

    // One optimistic (or locked) read: finds key and copies its value into the destination. The caller validates the
    // sequence number before it trusts the outcome or commits the destination.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOutcome Read<TDestination>(ReadOnlySpan<byte> key, uint tag, long nowMs, ref TDestination destination,
        out int valueLength, out long version, out int slot)
        where TDestination : IValueDestination, allows ref struct
    {
        valueLength = 0;
        version = 0;
        slot = Find(key, tag, out var ring, out long offset, out var header);
        if (slot < 0) return ReadOutcome.Miss;
        if (header.ExpiresMs <= nowMs) return ReadOutcome.Expired;
        if (header.ValueLength > EntryBytesMax) return ReadOutcome.Miss; // torn: the sequence check will say so
        valueLength = (int)header.ValueLength;
        version = header.Version;
        Span<byte> target = destination.GetSpan(valueLength);
        if (target.Length < valueLength) return ReadOutcome.BufferTooSmall;
        ring.Read(ring.Wrap(header.ValueOffsetIn(offset)), target[..valueLength]);
        return ReadOutcome.Hit;
    }

    // A validated hit: one more hit for the policy (see the type's comment on ordering).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Touch(int slot)
    {
        byte* hits = _hits + slot;
        byte h = *hits;
        if (h < HitsMax) *hits = (byte)(h + 1);
    }

    // Under Lock and BeginWrite from here on.

    // Stores key's value (replacing a live entry); false when not stored: refused by version (versioned only), or
    // expiresMs not after nowMs, or too large. Not stored still removes the key's older entry, and for a versioned
    // store raises the floor to version, as if the new entry had been stored and evicted at once.
    public bool Store(ReadOnlySpan<byte> key, uint tag, ReadOnlySpan<byte> value, long expiresMs, long version, bool versioned, long nowMs)
    {
        int slot = Find(key, tag, out var ring, out long offset, out var header);
        if (slot >= 0 && header.ExpiresMs <= nowMs)
        {
            Expire(slot, ring, offset, header.Version);
            slot = -1;
        }
        if (versioned && (version < RemovalFloor || (slot >= 0 && header.Version > version))) return false;

        byte hits = 0;
        bool wasMain = false;
        if (slot >= 0)
        {
            // An update counts as a use of the key, and keeps a main-queue key in main.
            hits = (byte)Math.Min(HitsMax, _hits[slot] + 1);
            wasMain = ring == Main;
            Remove(slot, ring, offset);
        }
        long entryBytes = CacheEntryHeader.EntryBytesFor(key.Length, value.Length);
        if (expiresMs <= nowMs || entryBytes > EntryBytesMax)
        {
            if (versioned) RaiseFloor(version);
            return false;
        }

        var target = wasMain || GhostRemove(tag) ? Main : Small;
        MakeRoom(target, entryBytes, nowMs);
        long at = target.Append(entryBytes);
        var newHeader = new CacheEntryHeader
        {
            EntryBytes = (uint)entryBytes, KeyLength = (ushort)key.Length, State = CacheEntryHeader.Live,
            ValueLength = (uint)value.Length, Tag = tag, ExpiresMs = expiresMs, Version = version,
        };
        target.Write(at, new ReadOnlySpan<byte>(&newHeader, CacheEntryHeader.HeaderBytes));
        long keyAt = target.Wrap(at + CacheEntryHeader.HeaderBytes);
        target.Write(keyAt, key);
        target.Write(target.Wrap(keyAt + key.Length), value);
        Insert(tag, Locate(target, at), hits);
        Entries++;
        if (target == Small) _smallEntries++;
        Sets++;
        return true;
    }

    // Removes key's live entry; false when there is none (an expired one is reclaimed and counted as an expiration).
    public bool Delete(ReadOnlySpan<byte> key, uint tag, long nowMs)
    {
        int slot = Find(key, tag, out var ring, out long offset, out var header);
        if (slot < 0) return false;
        if (header.ExpiresMs <= nowMs)
        {
            Expire(slot, ring, offset, header.Version);
            return false;
        }
        Remove(slot, ring, offset);
        Deletes++;
        return true;
    }

    // Lazy expiry: a reader that met key's expired entry reclaims it (when the lock was free).
    public void RemoveIfExpired(ReadOnlySpan<byte> key, uint tag, long nowMs)
    {
        int slot = Find(key, tag, out var ring, out long offset, out var header);
        if (slot >= 0 && header.ExpiresMs <= nowMs) Expire(slot, ring, offset, header.Version);
    }

    public void Clear()
    {
        NativeMemory.Clear(_tables, (nuint)FixedBytes);
        Small.Reset();
        Main.Reset();
        Entries = 0;
        _smallEntries = 0;
    }

    private void RaiseFloor(long version)
    {
        if (version > RemovalFloor) RemovalFloor = version;
    }

    private void Expire(int slot, EntryRing ring, long offset, long version)
    {
        Remove(slot, ring, offset);
        Expirations++;
        RaiseFloor(version);
    }

    // Unlinks a live entry: its bytes stay in the ring, marked dead, until the tail passes them.
    private void Remove(int slot, EntryRing ring, long offset)
    {
        ring.At(offset)[6] = CacheEntryHeader.Dead; // the state byte: within the entry's first 8 bytes, never wrapped
        DeleteSlot(slot);
        Entries--;
        if (ring == Small) _smallEntries--;
    }

    private void MakeRoom(EntryRing target, long bytes, long nowMs)
    {
        // A full index: S3-FIFO's choice of queue, by entries (the rings, by bytes, are sized 1 to 9 already).
        while (Entries >= _entriesMax)
        {
            if (_smallEntries * 10 >= Entries && Small.Used > 0) EvictSmallTail(nowMs);
            else EvictMainTail(nowMs);
        }
        while (target.Free < bytes)
        {
            if (target == Small) EvictSmallTail(nowMs);
            else EvictMainTail(nowMs);
        }
    }

    private void EvictSmallTail(long nowMs)
    {
        CacheAssert.That(Small.Used > 0, "the small queue has a tail entry");
        long offset = Small.Tail;
        Small.ReadHeader(offset, out var header);
        long bytes = header.EntryBytes;
        CacheAssert.That(bytes >= CacheEntryHeader.HeaderBytes && bytes <= Small.Used, "the small queue's tail is an entry");
        if (header.State != CacheEntryHeader.Live)
        {
            Small.DropTail(bytes);
            return;
        }
        uint loc = Locate(Small, offset);
        int slot = SlotOf(header.Tag, loc);
        _smallEntries--;
        if (header.ExpiresMs <= nowMs)
        {
            DeleteSlot(slot);
            Entries--;
            Expirations++;
            RaiseFloor(header.Version);
        }
        else if (_hits[slot] >= MoveToMainHits || (Main.Free >= bytes && Entries < _entriesMax))
        {
            // Also without a hit while main has room (in bytes and in the index): S3-FIFO evicts only from a full
            // cache, and the small queue's share bounds what it keeps of a full one (without this, a cache filled by
            // sets alone would use its small queue only).
            while (Main.Free < bytes) EvictMainTail(nowMs);
            long at = Main.Append(bytes);
            EntryRing.Copy(Small, offset, Main, at, bytes);
            slot = SlotOf(header.Tag, loc); // main's evictions may have shifted it
            _slots[slot] = SlotValue(header.Tag, Locate(Main, at));
            _hits[slot] = 0;
        }
        else
        {
            GhostAdd(header.Tag);
            DeleteSlot(slot);
            Entries--;
            Evictions++;
            RaiseFloor(header.Version);
        }
        Small.DropTail(bytes);
    }

    private void EvictMainTail(long nowMs)
    {
        CacheAssert.That(Main.Used > 0, "the main queue has a tail entry");
        long offset = Main.Tail;
        Main.ReadHeader(offset, out var header);
        long bytes = header.EntryBytes;
        CacheAssert.That(bytes >= CacheEntryHeader.HeaderBytes && bytes <= Main.Used, "the main queue's tail is an entry");
        if (header.State != CacheEntryHeader.Live)
        {
            Main.DropTail(bytes);
            return;
        }
        int slot = SlotOf(header.Tag, Locate(Main, offset));
        byte hits = _hits[slot];
        if (header.ExpiresMs <= nowMs)
        {
            DeleteSlot(slot);
            Entries--;
            Expirations++;
            RaiseFloor(header.Version);
        }
        else if (hits > 0)
        {
            // Reinsert at the head: the head lies Free bytes before the tail, so the forward copy is safe (and is no
            // copy at all when the ring is exactly full).
            Main.DropTail(bytes);
            long at = Main.Append(bytes);
            if (at != offset) EntryRing.Copy(Main, offset, Main, at, bytes);
            _slots[slot] = SlotValue(header.Tag, Locate(Main, at));
            _hits[slot] = (byte)(hits - 1);
            return;
        }
        else
        {
            DeleteSlot(slot);
            Entries--;
            Evictions++;
            RaiseFloor(header.Version);
        }
        Main.DropTail(bytes);
    }

    // The slot that points to a live entry (one always does).
    private int SlotOf(uint tag, uint loc)
    {
        ulong wanted = SlotValue(tag, loc);
        uint i = Home(tag);
        for (uint probes = 0; probes < _slotCount; probes++)
        {
            ulong slot = _slots[i];
            if (slot == wanted) return (int)i;
            if ((uint)slot == 0) break;
            if (++i == _slotCount) i = 0;
        }
        throw new InvalidOperationException("cache store invariant violated: a live entry has no index slot");
    }

    private void Insert(uint tag, uint loc, byte hits)
    {
        CacheAssert.That(Entries < _entriesMax, "the index has room");
        uint i = Home(tag);
        while ((uint)_slots[i] != 0)
            if (++i == _slotCount) i = 0;
        _slots[i] = SlotValue(tag, loc);
        _hits[i] = hits;
    }

    // Backward-shift deletion: each later slot of the probe run moves back into the hole unless its home lies
    // cyclically in (hole, slot], so every key stays reachable from its home without tombstones.
    private void DeleteSlot(int slot)
    {
        uint hole = (uint)slot, j = hole;
        while (true)
        {
            if (++j == _slotCount) j = 0;
            ulong value = _slots[j];
            if ((uint)value == 0) break;
            uint home = Home((uint)value);
            bool stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
            if (stays) continue;
            _slots[hole] = value;
            _hits[hole] = _hits[j];
            hole = j;
        }
        _slots[hole] = 0;
        _hits[hole] = 0;
    }

    private uint* GhostBucket(uint tag) => _ghost + (uint)(((ulong)(tag * 0x9E3779B1u) * _ghostBuckets) >> 32) * GhostWays;

    private void GhostAdd(uint tag)
    {
        uint* bucket = GhostBucket(tag);
        for (int w = 0; w < GhostWays; w++)
        {
            if (bucket[w] != 0) continue;
            bucket[w] = tag;
            return;
        }
        // A full bucket forgets one of its tags (round robin over the stripe's inserts): the ghost remembers roughly
        // its size in evictions, about as many keys as main holds, as S3-FIFO's ghost queue does.
        bucket[_ghostInserts++ & (GhostWays - 1)] = tag;
    }

    private bool GhostRemove(uint tag)
    {
        uint* bucket = GhostBucket(tag);
        for (int w = 0; w < GhostWays; w++)
        {
            if (bucket[w] != tag) continue;
            bucket[w] = 0;
            return true;
        }
        return false;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        NativeMemory.AlignedFree(_rings);
        NativeMemory.Free(_tables);
    }
}

internal enum ReadOutcome
{
    Miss,
    Hit,
    BufferTooSmall,
    Expired,
}
