using System.Buffers;
using System.Buffers.Binary;
using Basalt.Engine.Storage.Vfs;
using K4os.Compression.LZ4;

namespace Basalt.Engine.Storage.Segments;

// An open, immutable segment file (layout in SegmentFormat), read through one read-only memory map taken
// at open. Open verifies the footer, index, bloom and properties, decodes the index into arrays (control
// plane: a few bytes per 16 KiB block) and copies the bloom (see _bloom). After that every reader is lock-free and may run on any thread:
// point reads (TryGet), bloom probes and iterators touch only the immutable arrays, the map and the shared
// BlockCache. A data block is checksummed and validated each time it is read from the map, before it enters
// the cache; corruption throws StorageException.Corrupt and never yields bytes.
//
// Lifetime: reference counted for the engine's versions. The opener holds the first reference; AddRef and
// Release from any thread; an iterator holds its own reference. At zero the segment gives its cache slots
// back, unmaps, and deletes its file if DeleteWhenUnreferenced was set. Dispose is Release (of the opener's
// reference): call one or the other, not both. A reader must hold a reference for as long as it reads.
public sealed unsafe class Segment : IDisposable
{
    private readonly IFileSystem _fs;
    private readonly IMappedFile _map;
    private readonly byte* _base;
    private readonly BlockCache _cache;
    private readonly ulong _ownerTag;
    private int _refs = 1;
    private volatile bool _deleteWhenUnreferenced;

    // Index, decoded at open. Block i's last internal key is _indexKeys[_indexKeyStarts[i].._indexKeyStarts[i+1]].
    private readonly int _blockCount;
    private readonly byte[] _indexKeys;
    private readonly int[] _indexKeyStarts;
    private readonly long[] _blockOffsets;
    private readonly int[] _blockStoredLengths;
    private readonly int[] _blockRawLengths;
    // Block -> cache slot hint (-1: none); read with Volatile.Read, written with Volatile.Write after the
    // slot is published. The slot's tag, checked after pinning, is what decides.
    private readonly int[] _slotOfBlock;

    // The bloom block's bytes, copied out of the map at open, after its checksum was verified. Probed in place in the
    // map, a bit flipped on disk after the open (the page re-read from a failing device after eviction) cleared a bit
    // that a stored key's probe tests, and the read answered "not found" for a key the segment holds: a wrong answer
    // no checksum could catch (BitFlipTests). Re-verifying the block's CRC per probe would cost a pass over the whole
    // filter per read; the copy costs its size in memory (10 bits per key: 1.25 MB for a million keys).
    private readonly byte[] _bloom;

    private Segment(IFileSystem fs, IMappedFile map, string path, ulong id, BlockCache cache, SegmentProperties properties,
        int blockCount, byte[] indexKeys, int[] indexKeyStarts, long[] blockOffsets, int[] storedLengths, int[] rawLengths,
        byte[] bloom)
    {
        _fs = fs;
        _map = map;
        _base = map.Pointer;
        Path = path;
        Id = id;
        _cache = cache;
        Properties = properties;
        _blockCount = blockCount;
        _indexKeys = indexKeys;
        _indexKeyStarts = indexKeyStarts;
        _blockOffsets = blockOffsets;
        _blockStoredLengths = storedLengths;
        _blockRawLengths = rawLengths;
        _slotOfBlock = new int[blockCount];
        Array.Fill(_slotOfBlock, -1);
        _bloom = bloom;
        _ownerTag = BlockCache.Tag(cache.RegisterOwner(), 0);
    }

    public ulong Id { get; }
    public string Path { get; }
    public SegmentProperties Properties { get; }
    public int BlockCount => _blockCount;

    public bool DeleteWhenUnreferenced
    {
        get => _deleteWhenUnreferenced;
        set => _deleteWhenUnreferenced = value;
    }

    public static Segment Open(IFileSystem fs, string path, ulong segmentId, BlockCache cache)
    {
        var map = fs.MapReadOnly(path);
        try
        {
            return Load(fs, map, path, segmentId, cache);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    private static Segment Load(IFileSystem fs, IMappedFile map, string path, ulong segmentId, BlockCache cache)
    {
        long length = map.Length;
        if (length < SegmentFormat.FooterBytes)
            throw StorageException.Corrupt($"segment of {length} bytes is shorter than its footer (truncated?)", path, length);
        long footerOffset = length - SegmentFormat.FooterBytes;
        var footer = map.Span(footerOffset, SegmentFormat.FooterBytes);
        if (BinaryPrimitives.ReadUInt64LittleEndian(footer[56..]) != SegmentFormat.Magic)
            throw StorageException.Corrupt("segment footer has no magic (truncated, or not a segment)", path, length - 8);
        if (BinaryPrimitives.ReadUInt32LittleEndian(footer[52..]) != Crc32C.Compute(footer[..SegmentFormat.FooterCrcCoveredBytes]))
            throw StorageException.Corrupt("segment footer checksum mismatch", path, footerOffset);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(footer[48..]);
        if (version != SegmentFormat.FormatVersion)
            throw new StorageException(StorageError.IncompatibleDataFolder, $"segment format version {version} is not supported (this build reads {SegmentFormat.FormatVersion})", path, footerOffset + 48);

        ulong indexOffset = BinaryPrimitives.ReadUInt64LittleEndian(footer);
        ulong indexLength = BinaryPrimitives.ReadUInt64LittleEndian(footer[8..]);
        ulong bloomOffset = BinaryPrimitives.ReadUInt64LittleEndian(footer[16..]);
        ulong bloomLength = BinaryPrimitives.ReadUInt64LittleEndian(footer[24..]);
        ulong propsOffset = BinaryPrimitives.ReadUInt64LittleEndian(footer[32..]);
        ulong propsLength = BinaryPrimitives.ReadUInt64LittleEndian(footer[40..]);
        // The meta blocks are contiguous, in this order, right before the footer; lengths fit in an int.
        if (indexLength > int.MaxValue || bloomLength > int.MaxValue || propsLength > int.MaxValue
            || indexOffset > (ulong)footerOffset
            || indexOffset + indexLength != bloomOffset || bloomOffset + bloomLength != propsOffset
            || propsOffset + propsLength != (ulong)footerOffset)
            throw StorageException.Corrupt("segment footer has inconsistent block offsets", path, footerOffset);

        var index = ReadMetaBlock(map, path, (long)indexOffset, (int)indexLength, "index");
        var bloom = ReadMetaBlock(map, path, (long)bloomOffset, (int)bloomLength, "bloom");
        var props = ReadMetaBlock(map, path, (long)propsOffset, (int)propsLength, "properties");

        if (!BloomFilter.IsWellFormed(bloom))
            throw StorageException.Corrupt("malformed bloom block", path, (long)bloomOffset);
        var properties = DecodeProperties(props, length, out int propsBlockCount)
            ?? throw StorageException.Corrupt("malformed properties block", path, (long)propsOffset);
        if (!TryDecodeIndex(index, (long)indexOffset, out int blockCount, out var indexKeys, out var keyStarts, out var offsets, out var stored, out var raw)
            || blockCount != propsBlockCount)
            throw StorageException.Corrupt("malformed index block", path, (long)indexOffset);

        return new Segment(fs, map, path, segmentId, cache, properties, blockCount, indexKeys, keyStarts, offsets, stored, raw,
            bloom.ToArray());
    }

    // Verifies one framed meta block (always Raw in version 1) and returns its bytes inside the map.
    private static ReadOnlySpan<byte> ReadMetaBlock(IMappedFile map, string path, long offset, int length, string what)
    {
        if (length < SegmentFormat.BlockHeaderBytes)
            throw StorageException.Corrupt($"{what} block is shorter than its header", path, offset);
        var header = map.Span(offset, SegmentFormat.BlockHeaderBytes);
        var stored = map.Span(offset + SegmentFormat.BlockHeaderBytes, length - SegmentFormat.BlockHeaderBytes);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[12..]) != SegmentFormat.BlockCrc(header, stored))
            throw StorageException.Corrupt($"{what} block checksum mismatch", path, offset);
        if ((BlockKind)header[0] != BlockKind.Raw
            || BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != (uint)stored.Length
            || BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != (uint)stored.Length)
            throw StorageException.Corrupt($"{what} block header does not match its footer entry", path, offset);
        return stored;
    }

    private static SegmentProperties? DecodeProperties(ReadOnlySpan<byte> p, long fileBytes, out int blockCount)
    {
        blockCount = 0;
        if (p.Length < SegmentFormat.PropertiesFixedBytes) return null;
        long entryCount = (long)BinaryPrimitives.ReadUInt64LittleEndian(p);
        ulong minSeq = BinaryPrimitives.ReadUInt64LittleEndian(p[8..]);
        ulong maxSeq = BinaryPrimitives.ReadUInt64LittleEndian(p[16..]);
        long rawBytes = (long)BinaryPrimitives.ReadUInt64LittleEndian(p[24..]);
        long storedBytes = (long)BinaryPrimitives.ReadUInt64LittleEndian(p[32..]);
        uint blocks = BinaryPrimitives.ReadUInt32LittleEndian(p[40..]);
        uint smallestLength = BinaryPrimitives.ReadUInt32LittleEndian(p[44..]);
        uint largestLength = BinaryPrimitives.ReadUInt32LittleEndian(p[48..]);
        if ((ulong)SegmentFormat.PropertiesFixedBytes + smallestLength + largestLength != (ulong)p.Length) return null;
        if (entryCount < 0 || blocks > int.MaxValue || minSeq > maxSeq) return null;
        var smallest = p.Slice(SegmentFormat.PropertiesFixedBytes, (int)smallestLength).ToArray();
        var largest = p.Slice(SegmentFormat.PropertiesFixedBytes + (int)smallestLength, (int)largestLength).ToArray();
        blockCount = (int)blocks;
        return new SegmentProperties(entryCount, minSeq, maxSeq, smallest, largest, fileBytes, rawBytes, storedBytes);
    }

    // Decodes the index and checks that the blocks tile [0, indexOffset) exactly, with sane lengths and
    // strictly ascending keys.
    private static bool TryDecodeIndex(ReadOnlySpan<byte> index, long indexOffset, out int count, out byte[] keys,
        out int[] keyStarts, out long[] offsets, out int[] stored, out int[] raw)
    {
        count = 0;
        keys = [];
        keyStarts = [0];
        offsets = [];
        stored = raw = [];
        if (index.Length < 4) return false;
        uint n = BinaryPrimitives.ReadUInt32LittleEndian(index);
        // Each entry takes at least 8 key bytes plus 4 length bytes: a cheap bound before allocating.
        if (n > (uint)(index.Length - 4) / 12) return false;
        count = (int)n;
        keyStarts = new int[count + 1];
        offsets = new long[count];
        stored = new int[count];
        raw = new int[count];
        keys = new byte[index.Length];
        int keysLength = 0;
        int p = 4;
        long expectedOffset = 0;
        for (int i = 0; i < count; i++)
        {
            if (!SegmentFormat.TryReadVarint32(index, ref p, out uint keyLength)) return false;
            if (keyLength < InternalKey.TrailerBytes || keyLength > SegmentFormat.InternalKeyBytesMax || keyLength > (uint)(index.Length - p)) return false;
            var key = index.Slice(p, (int)keyLength);
            p += (int)keyLength;
            if (i > 0 && InternalKey.Compare(keys.AsSpan(keyStarts[i - 1], keysLength - keyStarts[i - 1]), key) >= 0) return false;
            key.CopyTo(keys.AsSpan(keysLength));
            keyStarts[i] = keysLength;
            keysLength += key.Length;
            if (!SegmentFormat.TryReadVarint64(index, ref p, out ulong offset)
                || !SegmentFormat.TryReadVarint32(index, ref p, out uint storedLength)
                || !SegmentFormat.TryReadVarint32(index, ref p, out uint rawLength))
                return false;
            if ((long)offset != expectedOffset || storedLength > SegmentFormat.BlockRawBytesMax || rawLength > SegmentFormat.BlockRawBytesMax)
                return false;
            offsets[i] = (long)offset;
            stored[i] = (int)storedLength;
            raw[i] = (int)rawLength;
            expectedOffset += SegmentFormat.BlockHeaderBytes + storedLength;
        }
        keyStarts[count] = keysLength;
        if (p != index.Length || expectedOffset != indexOffset) return false;
        Array.Resize(ref keys, keysLength);
        return true;
    }

    public bool MayContain(ReadOnlySpan<byte> userKey) =>
        BloomFilter.MayContain(_bloom, userKey);

    public bool TryGet<TSink>(scoped ReadOnlySpan<byte> userKey, ulong snapshotSeq, out EntryKind kind, ref TSink sink) where TSink : IValueSink, allows ref struct
    {
        kind = default;
        if (_blockCount == 0 || !MayContain(userKey)) return false;
        ulong target = InternalKey.SeekTrailer(Math.Min(snapshotSeq, InternalKey.SeqMax));
        int b = FindBlock(userKey, target);
        if (b < 0) return false;

        AcquireBlock(b, out var handle);
        try
        {
            var block = handle.Span;
            Span<byte> keyBuffer = stackalloc byte[SegmentFormat.InternalKeyBytesMax];
            int restarts = DataBlock.RestartCount(block);
            int end = block.Length - 4 - 4 * restarts;
            int p = DataBlock.RestartOffset(block, end, DataBlock.SeekRestart(block, end, restarts, userKey, target));
            while (p < end)
            {
                p = DataBlock.DecodeEntry(block, p, keyBuffer, out int keyLength, out int valueOffset, out int valueLength);
                var key = keyBuffer[..keyLength];
                var entryUserKey = InternalKey.UserKey(key);
                ulong trailer = InternalKey.TrailerOf(key);
                if (InternalKey.Compare(entryUserKey, trailer, userKey, target) < 0) continue;
                // The first entry >= (userKey, seek trailer): the newest version with seq <= snapshot if it
                // has the same user key.
                if (!entryUserKey.SequenceEqual(userKey)) return false;
                kind = InternalKey.KindOf(trailer);
                if (kind == EntryKind.Put) sink.OnValue(block.Slice(valueOffset, valueLength));
                return true;
            }
            // Unreachable for a well-formed segment: the block's last key is >= target.
            return false;
        }
        finally
        {
            ReleaseBlock(ref handle);
        }
    }

    public IInternalIterator NewIterator()
    {
        AddRef();
        return new SegmentIterator(this);
    }

    // The first block whose last key is >= (userKey, trailer), or -1 when every key of the segment is smaller.
    internal int FindBlock(ReadOnlySpan<byte> userKey, ulong trailer)
    {
        int lo = 0, hi = _blockCount;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            var key = new ReadOnlySpan<byte>(_indexKeys, _indexKeyStarts[mid], _indexKeyStarts[mid + 1] - _indexKeyStarts[mid]);
            if (InternalKey.Compare(InternalKey.UserKey(key), InternalKey.TrailerOf(key), userKey, trailer) < 0) lo = mid + 1;
            else hi = mid;
        }
        return lo < _blockCount ? lo : -1;
    }

    // Pins block b's decompressed bytes: from the cache on a hit; on a miss, loaded into a claimed slot,
    // or into a pooled buffer when the block is larger than a slot or no slot is free.
    internal void AcquireBlock(int b, out BlockHandle handle)
    {
        int rawLength = _blockRawLengths[b];
        ulong tag = _ownerTag | (uint)b;
        int slot = Volatile.Read(ref _slotOfBlock[b]);
        if (slot >= 0 && _cache.TryPin(slot, tag))
        {
            handle = new BlockHandle(_cache.SlotPointer(slot), rawLength, slot, null);
            return;
        }
        _cache.CountMiss();
        if (rawLength <= _cache.SlotBytes)
        {
            int victim = _cache.Claim();
            if (victim >= 0)
            {
                byte* data = _cache.SlotPointer(victim);
                try
                {
                    LoadBlock(b, new Span<byte>(data, rawLength));
                }
                catch
                {
                    _cache.Abandon(victim);
                    throw;
                }
                _cache.Publish(victim, tag);
                Volatile.Write(ref _slotOfBlock[b], victim);
                handle = new BlockHandle(data, rawLength, victim, null);
                return;
            }
        }
        var buffer = ArrayPool<byte>.Shared.Rent(rawLength);
        try
        {
            LoadBlock(b, buffer.AsSpan(0, rawLength));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        handle = new BlockHandle(null, rawLength, -1, buffer);
    }

    internal void ReleaseBlock(ref BlockHandle handle)
    {
        if (handle.Slot >= 0) _cache.Unpin(handle.Slot);
        else if (handle.Pooled is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
        handle = default;
    }

    // Reads block b from the map into destination: checksum, header against the index, decompression,
    // structure. Throws Corrupt with the block's offset on any mismatch; destination is then garbage.
    private void LoadBlock(int b, Span<byte> destination)
    {
        long offset = _blockOffsets[b];
        int storedLength = _blockStoredLengths[b];
        var header = new ReadOnlySpan<byte>(_base + offset, SegmentFormat.BlockHeaderBytes);
        var stored = new ReadOnlySpan<byte>(_base + offset + SegmentFormat.BlockHeaderBytes, storedLength);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[12..]) != SegmentFormat.BlockCrc(header, stored))
            throw StorageException.Corrupt($"data block {b} checksum mismatch", Path, offset);
        var kind = (BlockKind)header[0];
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != (uint)destination.Length
            || BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != (uint)storedLength)
            throw StorageException.Corrupt($"data block {b} header does not match the index", Path, offset);
        switch (kind)
        {
            case BlockKind.Raw:
                if (storedLength != destination.Length)
                    throw StorageException.Corrupt($"raw data block {b} has stored length != raw length", Path, offset);
                stored.CopyTo(destination);
                break;
            case BlockKind.Lz4:
                if (LZ4Codec.Decode(stored, destination) != destination.Length)
                    throw StorageException.Corrupt($"data block {b} does not decompress to its raw length", Path, offset);
                break;
            default:
                throw StorageException.Corrupt($"data block {b} has unknown kind {(byte)kind}", Path, offset);
        }
        if (!DataBlock.Validate(destination))
            throw StorageException.Corrupt($"data block {b} is malformed", Path, offset);
    }

    public void AddRef()
    {
        int r = Volatile.Read(ref _refs);
        while (true)
        {
            if (r <= 0) throw new InvalidOperationException($"segment {Path} was already released");
            int seen = Interlocked.CompareExchange(ref _refs, r + 1, r);
            if (seen == r) return;
            r = seen;
        }
    }

    public void Release()
    {
        int r = Interlocked.Decrement(ref _refs);
        if (r > 0) return;
        if (r < 0) throw new InvalidOperationException($"segment {Path} released more often than referenced");
        for (int b = 0; b < _blockCount; b++)
        {
            int slot = _slotOfBlock[b];
            if (slot >= 0) _cache.Forget(slot, _ownerTag | (uint)b);
        }
        _cache.UnregisterOwner();
        _map.Dispose();
        if (_deleteWhenUnreferenced) _fs.Delete(Path);
    }

    public void Dispose() => Release();

    internal ReadOnlySpan<byte> IndexKey(int b) =>
        new(_indexKeys, _indexKeyStarts[b], _indexKeyStarts[b + 1] - _indexKeyStarts[b]);
}

// A pinned, decompressed data block: a cache slot (Slot >= 0) or a pooled buffer (Pooled != null).
// Released exactly once through Segment.ReleaseBlock. default is "nothing held" (the slot is stored + 1).
internal unsafe struct BlockHandle(byte* data, int length, int slot, byte[]? pooled)
{
    public byte* Data = data;
    public int Length = length;
    private int _slotPlusOne = slot + 1;
    public byte[]? Pooled = pooled;

    public readonly int Slot => _slotPlusOne - 1;
    public readonly ReadOnlySpan<byte> Span => Pooled is { } p ? p.AsSpan(0, Length) : new ReadOnlySpan<byte>(Data, Length);
    public readonly bool IsHeld => _slotPlusOne > 0 || Pooled != null;
}
