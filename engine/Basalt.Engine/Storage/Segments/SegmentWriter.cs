using System.Buffers.Binary;
using Basalt.Engine.Storage.Vfs;
using K4os.Compression.LZ4;

namespace Basalt.Engine.Storage.Segments;

public sealed record SegmentWriterOptions(int BlockBytes = 16 * 1024, int BloomBitsPerKey = 10, bool Compress = true);

// What a segment holds, from its properties block. Keys are internal keys. FileBytes is the file's length.
public sealed record SegmentProperties(long EntryCount, ulong MinSeq, ulong MaxSeq, byte[] SmallestKey, byte[] LargestKey, long FileBytes, long RawDataBytes, long StoredDataBytes);

// Writes one segment file (layout in SegmentFormat) from entries that arrive in strictly increasing
// internal-key order: a flush of a memtable or one output of a compaction. Owned by one thread.
// Ordinary positional writes through IFile, buffered in 256 KiB runs; Finish writes the meta blocks and the
// footer, then fsyncs. The caller syncs the directory and records the segment in the manifest; an unfinished
// writer (Dispose without Finish) leaves a file without a footer, which Segment.Open rejects as corrupt.
// Memory: the current block, one compression buffer, the index being built and 8 bytes per distinct user key
// for the bloom filter (1M keys: 8 MB), all released at Finish.
public sealed class SegmentWriter : IDisposable
{
    private const int OutputBufferBytes = 256 * 1024;

    private readonly IFile _file;
    private readonly SegmentWriterOptions _options;

    private byte[] _out = new byte[OutputBufferBytes];
    private int _outLength;
    private long _flushedBytes;

    // The block being built: entries, then restart offsets.
    private byte[] _block;
    private int _blockLength;
    private int[] _restarts = new int[64];
    private int _restartCount;
    private int _blockEntries;
    private byte[] _compressed = [];

    // The last key added (full internal key): the order check, prefix compression and the index key of the
    // block it ends.
    private readonly byte[] _lastKey = new byte[SegmentFormat.InternalKeyBytesMax];
    private int _lastKeyLength = -1;
    private readonly byte[] _key = new byte[SegmentFormat.InternalKeyBytesMax];

    private byte[] _index = new byte[4096];
    private int _indexLength = 4; // the block count goes first, written at Finish
    private int _blockCount;

    private ulong[] _bloomHashes = new ulong[1024];
    private int _bloomHashCount;

    private long _entryCount;
    private ulong _minSeq = ulong.MaxValue;
    private ulong _maxSeq;
    private byte[] _smallestKey = [];
    private long _rawDataBytes;
    private long _storedDataBytes;
    private bool _finished;
    private bool _disposed;

    public SegmentWriter(IFileSystem fs, string path, SegmentWriterOptions options)
    {
        if (options.BlockBytes < SegmentFormat.BlockBytesMin || options.BlockBytes > SegmentFormat.BlockBytesMax)
            throw new ArgumentOutOfRangeException(nameof(options), $"BlockBytes must be in [{SegmentFormat.BlockBytesMin}, {SegmentFormat.BlockBytesMax}]");
        if (options.BloomBitsPerKey < 0 || options.BloomBitsPerKey > SegmentFormat.BloomBitsPerKeyMax)
            throw new ArgumentOutOfRangeException(nameof(options), $"BloomBitsPerKey must be in [0, {SegmentFormat.BloomBitsPerKeyMax}]");
        _options = options;
        _block = new byte[options.BlockBytes + 1024];
        _file = fs.Create(path);
    }

    public string Path => _file.Path;

    // File bytes so far plus the raw size of the block being built: what the file would be if it ended now,
    // to within one block and the meta blocks.
    public long EstimatedBytes => _flushedBytes + _outLength + _blockLength;

    public long EntryCount => _entryCount;

    public void Add(ReadOnlySpan<byte> userKey, ulong trailer, ReadOnlySpan<byte> value)
    {
        if (_finished || _disposed) throw new InvalidOperationException("the segment writer is finished");
        if (userKey.Length > Limits.StoredKeyBytesMax)
            throw new StorageException(StorageError.KeyTooLarge, $"key of {userKey.Length} bytes exceeds {Limits.StoredKeyBytesMax}");
        if (value.Length > Limits.ValueBytesMax)
            throw new StorageException(StorageError.ValueTooLarge, $"value of {value.Length} bytes exceeds {Limits.ValueBytesMax}");

        int keyLength = userKey.Length + InternalKey.TrailerBytes;
        InternalKey.Write(_key, userKey, trailer);
        var key = _key.AsSpan(0, keyLength);
        bool sameUserKey = false;
        if (_lastKeyLength >= 0)
        {
            // Assert at write: a segment out of order returns wrong answers forever after.
            var last = _lastKey.AsSpan(0, _lastKeyLength);
            int c = InternalKey.Compare(userKey, trailer, InternalKey.UserKey(last), InternalKey.TrailerOf(last));
            if (c <= 0)
                throw new InvalidOperationException("segment entries must arrive in strictly increasing internal-key order");
            sameUserKey = userKey.SequenceEqual(InternalKey.UserKey(last));
        }

        int entryBytes = EntryBytes(key, value.Length, out int shared);
        if (_blockEntries > 0 && _blockLength + entryBytes + 4 * (_restartCount + (IsRestart ? 1 : 0)) + 4 > _options.BlockBytes)
        {
            FlushBlock();
            entryBytes = EntryBytes(key, value.Length, out shared);
        }
        AppendEntry(key, shared, value, entryBytes);

        key.CopyTo(_lastKey);
        _lastKeyLength = keyLength;
        if (_entryCount == 0) _smallestKey = key.ToArray();
        _entryCount++;
        ulong seq = InternalKey.SeqOf(trailer);
        if (seq < _minSeq) _minSeq = seq;
        if (seq > _maxSeq) _maxSeq = seq;
        if (!sameUserKey && _options.BloomBitsPerKey > 0)
        {
            if (_bloomHashCount == _bloomHashes.Length) Array.Resize(ref _bloomHashes, _bloomHashes.Length * 2);
            _bloomHashes[_bloomHashCount++] = BloomFilter.Hash(userKey);
        }
    }

    private bool IsRestart => _blockEntries % SegmentFormat.RestartInterval == 0;

    private int EntryBytes(ReadOnlySpan<byte> key, int valueLength, out int shared)
    {
        shared = IsRestart ? 0 : key.CommonPrefixLength(_lastKey.AsSpan(0, _lastKeyLength));
        int unshared = key.Length - shared;
        return SegmentFormat.Varint32Length((uint)shared) + SegmentFormat.Varint32Length((uint)unshared)
            + SegmentFormat.Varint32Length((uint)valueLength) + unshared + valueLength;
    }

    private void AppendEntry(ReadOnlySpan<byte> key, int shared, ReadOnlySpan<byte> value, int entryBytes)
    {
        if (IsRestart)
        {
            if (_restartCount == _restarts.Length) Array.Resize(ref _restarts, _restarts.Length * 2);
            _restarts[_restartCount++] = _blockLength;
        }
        int needed = _blockLength + entryBytes + 4 * _restartCount + 4;
        if (needed > _block.Length) Array.Resize(ref _block, Math.Max(needed, _block.Length * 2));
        var dst = _block.AsSpan(_blockLength);
        int p = SegmentFormat.WriteVarint32(dst, (uint)shared);
        p += SegmentFormat.WriteVarint32(dst[p..], (uint)(key.Length - shared));
        p += SegmentFormat.WriteVarint32(dst[p..], (uint)value.Length);
        key[shared..].CopyTo(dst[p..]);
        p += key.Length - shared;
        value.CopyTo(dst[p..]);
        p += value.Length;
        _blockLength += p;
        _blockEntries++;
    }

    private void FlushBlock()
    {
        for (int i = 0; i < _restartCount; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_block.AsSpan(_blockLength), (uint)_restarts[i]);
            _blockLength += 4;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(_block.AsSpan(_blockLength), (uint)_restartCount);
        _blockLength += 4;

        var raw = _block.AsSpan(0, _blockLength);
        var kind = BlockKind.Raw;
        ReadOnlySpan<byte> stored = raw;
        if (_options.Compress)
        {
            int max = LZ4Codec.MaximumOutputSize(raw.Length);
            if (_compressed.Length < max) _compressed = new byte[max];
            int n = LZ4Codec.Encode(raw, _compressed, LZ4Level.L00_FAST);
            if (n > 0 && n <= raw.Length - raw.Length / 8)
            {
                kind = BlockKind.Lz4;
                stored = _compressed.AsSpan(0, n);
            }
        }

        long offset = EmitBlock(kind, raw.Length, stored);
        AppendIndexEntry(_lastKey.AsSpan(0, _lastKeyLength), offset, stored.Length, raw.Length);
        _rawDataBytes += raw.Length;
        _storedDataBytes += stored.Length;
        _blockCount++;

        _blockLength = 0;
        _restartCount = 0;
        _blockEntries = 0;
    }

    private void AppendIndexEntry(ReadOnlySpan<byte> lastKey, long offset, int storedLength, int rawLength)
    {
        int needed = _indexLength + lastKey.Length + 5 + 10 + 5 + 5;
        if (needed > _index.Length) Array.Resize(ref _index, Math.Max(needed, _index.Length * 2));
        var dst = _index.AsSpan(_indexLength);
        int p = SegmentFormat.WriteVarint32(dst, (uint)lastKey.Length);
        lastKey.CopyTo(dst[p..]);
        p += lastKey.Length;
        p += SegmentFormat.WriteVarint64(dst[p..], (ulong)offset);
        p += SegmentFormat.WriteVarint32(dst[p..], (uint)storedLength);
        p += SegmentFormat.WriteVarint32(dst[p..], (uint)rawLength);
        _indexLength += p;
    }

    // Frames and emits one block; returns its file offset.
    private long EmitBlock(BlockKind kind, int rawLength, ReadOnlySpan<byte> stored)
    {
        long offset = _flushedBytes + _outLength;
        Span<byte> header = stackalloc byte[SegmentFormat.BlockHeaderBytes];
        SegmentFormat.WriteBlockHeader(header, kind, rawLength, stored);
        Emit(header);
        Emit(stored);
        return offset;
    }

    private void Emit(ReadOnlySpan<byte> data)
    {
        if (_outLength + data.Length > _out.Length) FlushOutput();
        if (data.Length >= _out.Length)
        {
            _file.Write(_flushedBytes, data);
            _flushedBytes += data.Length;
            return;
        }
        data.CopyTo(_out.AsSpan(_outLength));
        _outLength += data.Length;
    }

    private void FlushOutput()
    {
        if (_outLength == 0) return;
        _file.Write(_flushedBytes, _out.AsSpan(0, _outLength));
        _flushedBytes += _outLength;
        _outLength = 0;
    }

    public SegmentProperties Finish()
    {
        if (_finished || _disposed) throw new InvalidOperationException("the segment writer is finished");
        if (_blockEntries > 0) FlushBlock();

        BinaryPrimitives.WriteUInt32LittleEndian(_index, (uint)_blockCount);
        long indexOffset = _flushedBytes + _outLength;
        EmitBlock(BlockKind.Raw, _indexLength, _index.AsSpan(0, _indexLength));
        long bloomOffset = _flushedBytes + _outLength;
        var bloom = BloomFilter.Build(_bloomHashes.AsSpan(0, _bloomHashCount), _options.BloomBitsPerKey);
        EmitBlock(BlockKind.Raw, bloom.Length, bloom);
        long propertiesOffset = _flushedBytes + _outLength;

        byte[] largestKey = _lastKeyLength < 0 ? [] : _lastKey.AsSpan(0, _lastKeyLength).ToArray();
        ulong minSeq = _entryCount == 0 ? 0 : _minSeq;
        var props = new byte[SegmentFormat.PropertiesFixedBytes + _smallestKey.Length + largestKey.Length];
        var ps = props.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(ps, (ulong)_entryCount);
        BinaryPrimitives.WriteUInt64LittleEndian(ps[8..], minSeq);
        BinaryPrimitives.WriteUInt64LittleEndian(ps[16..], _maxSeq);
        BinaryPrimitives.WriteUInt64LittleEndian(ps[24..], (ulong)_rawDataBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(ps[32..], (ulong)_storedDataBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(ps[40..], (uint)_blockCount);
        BinaryPrimitives.WriteUInt32LittleEndian(ps[44..], (uint)_smallestKey.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(ps[48..], (uint)largestKey.Length);
        _smallestKey.CopyTo(ps[SegmentFormat.PropertiesFixedBytes..]);
        largestKey.CopyTo(ps[(SegmentFormat.PropertiesFixedBytes + _smallestKey.Length)..]);
        EmitBlock(BlockKind.Raw, props.Length, props);
        long footerOffset = _flushedBytes + _outLength;

        Span<byte> footer = stackalloc byte[SegmentFormat.FooterBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(footer, (ulong)indexOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[8..], (ulong)(bloomOffset - indexOffset));
        BinaryPrimitives.WriteUInt64LittleEndian(footer[16..], (ulong)bloomOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[24..], (ulong)(propertiesOffset - bloomOffset));
        BinaryPrimitives.WriteUInt64LittleEndian(footer[32..], (ulong)propertiesOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[40..], (ulong)(footerOffset - propertiesOffset));
        BinaryPrimitives.WriteUInt32LittleEndian(footer[48..], SegmentFormat.FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(footer[52..], Crc32C.Compute(footer[..SegmentFormat.FooterCrcCoveredBytes]));
        BinaryPrimitives.WriteUInt64LittleEndian(footer[56..], SegmentFormat.Magic);
        Emit(footer);
        FlushOutput();
        _file.Sync();
        _finished = true;
        long fileBytes = _flushedBytes;
        ReleaseBuffers();
        _file.Dispose();
        return new SegmentProperties(_entryCount, minSeq, _maxSeq, _smallestKey, largestKey, fileBytes, _rawDataBytes, _storedDataBytes);
    }

    private void ReleaseBuffers()
    {
        _out = [];
        _block = [];
        _compressed = [];
        _index = [];
        _bloomHashes = [];
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_finished) _file.Dispose();
        ReleaseBuffers();
    }
}
