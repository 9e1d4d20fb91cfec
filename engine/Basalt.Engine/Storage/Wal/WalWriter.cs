using System.Runtime.InteropServices;
using Basalt.Engine.Storage.Vfs;

namespace Basalt.Engine.Storage.Wal;

// Writes one log file of a shard's write-ahead log (format: WalFormat.cs). Records are framed into an unmanaged
// buffer owned by this object; Flush hands the buffer to the file in one positional write; Sync makes what was
// flushed durable. The group-commit policy (when to flush, when to sync, which writes to acknowledge) belongs to
// the engine, not to this type.
//
// Threads:
// - the shard thread owns Append, BeginAppend/EndAppend, Flush, BufferedBytes and Dispose;
// - any other thread (the shard's syncer) may call Sync concurrently with them. Sync is also safe from several
//   threads at once, though one syncer is the intended use.
// Memory ordering: Flush finishes its write(2) and then publishes the new end with Volatile.Write(_flushedBytes);
// Sync reads that end with Volatile.Read before fdatasync, so every byte it reports as synced was written before
// the fdatasync began. SyncedPosition only grows (a CAS max), so a slow Sync can never move it back.
//
// Invariants:
// - SyncedPosition <= FlushedPosition <= file length - HeaderBytes (room for the end marker is always there);
// - the bytes [0, FlushedPosition) are whole records of this log, followed by an all-zero header (the end marker);
// - the buffer holds whole records, plus, between BeginAppend and EndAppend, one reserved record at its end.
//
// Failure: once a Flush or a Sync throws, the writer is poisoned and every later Append and Flush throws
// StorageException(WritesRefused); after a failed Sync, every later Sync does too. A failed write does not
// stop Sync: the records flushed before it are whole and still need their fsync (a full disk fails new
// writes, not the durability of earlier ones), and the torn bytes after FlushedPosition are cut by recovery. After a failed fdatasync nothing is known about what reached the disk (Linux
// may drop the dirty pages and report success on the next fsync: PostgreSQL's "fsyncgate"), and after a failed
// write the file may hold a torn prefix of the buffer. The buffered records are dropped, not retried: the engine
// fails the writes they carry. Their outcome is unknown, not "not applied": a prefix of them may have reached the
// file and be replayed by recovery, exactly as a torn tail would be. The failing call itself rethrows the original
// error (IoError, DiskFull) so the cause is visible; later calls carry it as the inner exception.
//
// Not done here: choosing log numbers, deciding which files are obsolete, deleting logs, reading (WalReader).
public sealed unsafe class WalWriter : IDisposable
{
    // The buffer starts here and is given back down to this size after a flush that needed more than
    // BufferRetainBytesMax, so one 16 MiB batch does not pin 16 MiB per shard for the life of the log.
    private const int BufferInitialBytes = 64 << 10;
    private const int BufferRetainBytesMax = 4 << 20;

    // Bound on what may be buffered between flushes: one positional write takes at most int.MaxValue bytes, and
    // the engine flushes at least once per group commit, far below this.
    public const int BufferedBytesMax = 1 << 30;

    // Zero-ahead: Flush keeps the file written with zeros up to at least this far past the records' end, one chunk
    // at a time. Pre-allocating with SetLength leaves a sparse file, and an fdatasync after writing into a hole must
    // also commit the block allocation to the file system's journal; with the blocks already written, the next
    // fdatasyncs flush data only (and need no journal commit). Measured on this project's VM (ext4, virtio), one
    // file: pwrite 4 KiB + fdatasync 173 µs into zeroed blocks vs 220 µs into a hole (365 vs 530, 346 vs 653 in later
    // minutes), and two files synced at once 227 vs 345 µs each: the journal serialises the shards' logs. (fallocate
    // is worse than both, 375–664 µs: its unwritten extents are converted, and journaled, at every sync.) PostgreSQL
    // zero-fills its WAL segments for the same reason (wal_init_zero). A chunk rather than the whole pre-allocation
    // so that no write waits for 72 MiB of zeros; its allocation is committed by the next fdatasync, once per chunk.
    public const int ZeroAheadBytes = 256 << 10;
    private static readonly byte* Zeros = (byte*)NativeMemory.AllocZeroed(ZeroAheadBytes);

    private readonly IFile _file;
    private readonly long _preallocateBytes;

    // Shard thread only.
    private byte* _buffer;
    private int _bufferCapacityBytes;
    private int _bufferedBytes;
    private int _reservedPayloadBytes = -1; // -1: no BeginAppend outstanding
    private long _fileBytes;                // the file's length as this writer made it
    private long _zeroedBytes;              // [0, _zeroedBytes) has been written (records or zeros): see ZeroAheadBytes
    private bool _disposed;

    // Cross-thread: written with Volatile.Write / Interlocked, read with Volatile.Read.
    private long _flushedBytes;
    private long _syncedBytes;
    private StorageException? _poison;
    private StorageException? _syncPoison;  // set only by a failed Sync

    private WalWriter(IFile file, uint logNumber, long preallocateBytes, long fileBytes, long zeroedBytes)
    {
        _zeroedBytes = zeroedBytes;
        _file = file;
        LogNumber = logNumber;
        _preallocateBytes = preallocateBytes;
        _fileBytes = fileBytes;
        _buffer = (byte*)NativeMemory.Alloc(BufferInitialBytes);
        _bufferCapacityBytes = BufferInitialBytes;
    }

    // Creates log `logNumber` in `directory`, reusing `recyclePath` (an obsolete log file) when given, pre-allocated
    // to preallocateBytes. Syncs the file (its size) and the directory (its name), so the empty log exists durably.
    public static WalWriter Create(IFileSystem fs, string directory, uint logNumber, long preallocateBytes, string? recyclePath = null)
    {
        ArgumentNullException.ThrowIfNull(fs);
        ArgumentNullException.ThrowIfNull(directory);
        if (preallocateBytes < WalFormat.HeaderBytes)
            throw new StorageException(StorageError.InvalidArgument,
                $"WAL pre-allocation must be at least {WalFormat.HeaderBytes} bytes, got {preallocateBytes}");

        string path = FileSystemExtensions.Combine(directory, WalFormat.FileName(logNumber));
        IFile? file = null;
        bool made = false;
        try
        {
            if (recyclePath is null)
            {
                file = fs.Create(path);
                made = true;
                file.SetLength(preallocateBytes);
            }
            else
            {
                fs.Rename(recyclePath, path);
                made = true;
                file = fs.Open(path, writable: true);
                if (file.Length < preallocateBytes) file.SetLength(preallocateBytes);
                // The old life's first record would read as "another log": already the end of data. The marker
                // makes the empty log's end explicit even if that first old record was itself torn.
                file.Write(0, stackalloc byte[WalFormat.HeaderBytes]);
            }
            long fileBytes = file.Length;
            // fdatasync persists the size too, so later syncs of a pre-allocated log flush data only.
            file.Sync();
            fs.SyncDirectory(directory);
            // A recycled log's blocks were written in its earlier life (a log is retired when nearly full): no
            // zero-ahead over them, which would also erase what the end marker alone must hide.
            return new WalWriter(file, logNumber, preallocateBytes, fileBytes, zeroedBytes: recyclePath is null ? 0 : fileBytes);
        }
        catch
        {
            file?.Dispose();
            // A log that holds no record is not worth keeping: on a full disk every write that needs a new log tries
            // to make one, and each failure left a file behind (200 failed writes, 200 files).
            if (made)
            {
                try { fs.Delete(path); }
                catch (StorageException) { /* an empty log left behind reads as empty and is recycled at the next open */ }
            }
            throw;
        }
    }

    public uint LogNumber { get; }
    public string Path => _file.Path;
    public long BufferedBytes => _bufferedBytes;
    public long FlushedPosition => Volatile.Read(ref _flushedBytes);
    public long SyncedPosition => Volatile.Read(ref _syncedBytes);
    public long PreallocateBytes => _preallocateBytes;
    public bool IsPoisoned => Volatile.Read(ref _poison) is not null;

    // Shard thread: frames one record into the buffer (no file I/O).
    public void Append(ulong seq, ReadOnlySpan<byte> payload)
    {
        var reserved = BeginAppend(payload.Length);
        payload.CopyTo(reserved);
        EndAppend(seq);
    }

    // Shard thread: reserves room for a record of payloadBytes and returns its payload span, to be filled before
    // EndAppend. The span is valid until EndAppend; nothing else may be appended in between.
    public Span<byte> BeginAppend(int payloadBytes)
    {
        ThrowIfRefused();
        if (_reservedPayloadBytes >= 0)
            throw new InvalidOperationException("BeginAppend called twice without EndAppend");
        if ((uint)payloadBytes > WalFormat.PayloadBytesMax)
        {
            if (payloadBytes < 0) throw new ArgumentOutOfRangeException(nameof(payloadBytes));
            throw new StorageException(StorageError.BatchTooLarge,
                $"a WAL record carries at most {WalFormat.PayloadBytesMax} bytes, got {payloadBytes}");
        }
        // Room for the record and for the end marker that Flush writes after the last record.
        long needBytes = (long)_bufferedBytes + WalFormat.HeaderBytes + payloadBytes + WalFormat.HeaderBytes;
        if (needBytes > _bufferCapacityBytes) GrowBuffer(needBytes);
        _reservedPayloadBytes = payloadBytes;
        return new Span<byte>(_buffer + _bufferedBytes + WalFormat.HeaderBytes, payloadBytes);
    }

    // Shard thread: frames the reserved record, computing the CRC over what was written into its span.
    public void EndAppend(ulong seq)
    {
        if (_reservedPayloadBytes < 0)
            throw new InvalidOperationException("EndAppend without BeginAppend");
        int recordBytes = WalFormat.HeaderBytes + _reservedPayloadBytes;
        WalFormat.WriteHeader(new Span<byte>(_buffer + _bufferedBytes, recordBytes), LogNumber, WalRecordKind.Batch, seq);
        _bufferedBytes += recordBytes;
        _reservedPayloadBytes = -1;
    }

    // Shard thread: writes the buffered records (and the end marker after them) to the file in one positional
    // write, extending the pre-allocation first if they do not fit. No fsync. Returns the file position after the
    // records: what a Sync that starts after this returns will cover.
    public long Flush()
    {
        ThrowIfRefused();
        if (_reservedPayloadBytes >= 0)
            throw new InvalidOperationException("Flush between BeginAppend and EndAppend");
        long position = _flushedBytes; // only this thread writes it
        if (_bufferedBytes == 0) return position;

        int writeBytes = _bufferedBytes + WalFormat.HeaderBytes;
        new Span<byte>(_buffer + _bufferedBytes, WalFormat.HeaderBytes).Clear();
        try
        {
            long endBytes = position + writeBytes;
            if (endBytes > _fileBytes) Extend(endBytes);
            _file.Write(position, new ReadOnlySpan<byte>(_buffer, writeBytes));
        }
        catch (Exception e)
        {
            _bufferedBytes = 0;
            Poison(e, "write");
            throw;
        }

        if (position + writeBytes > _zeroedBytes - ZeroAheadBytes / 2) ZeroAhead(position + writeBytes);
        position += _bufferedBytes;
        _bufferedBytes = 0;
        Volatile.Write(ref _flushedBytes, position);
        if (_bufferCapacityBytes > BufferRetainBytesMax) ShrinkBuffer();
        return position;
    }

    // Any thread: makes everything flushed before the call durable (IFile.Sync, fdatasync on Linux). Returns the
    // position covered. Skips the fdatasync when nothing was flushed since the last one.
    public long Sync()
    {
        var syncPoison = Volatile.Read(ref _syncPoison);
        if (syncPoison is not null)
            throw new StorageException(StorageError.WritesRefused,
                $"WAL {Path} refuses to sync after a failed sync: what reached the disk is unknown", syncPoison);
        if (Volatile.Read(ref _disposed)) throw Closed();
        long target = Volatile.Read(ref _flushedBytes);
        long synced = Volatile.Read(ref _syncedBytes);
        if (target <= synced) return synced;
        try
        {
            _file.Sync();
        }
        catch (Exception e)
        {
            Poison(e, "sync");
            Interlocked.CompareExchange(ref _syncPoison, Volatile.Read(ref _poison), null);
            throw;
        }
        while (true)
        {
            long seen = Volatile.Read(ref _syncedBytes);
            if (seen >= target) return seen;
            if (Interlocked.CompareExchange(ref _syncedBytes, target, seen) == seen) return target;
        }
    }

    // Shard thread, after the syncer has stopped. Does not sync: a clean close calls Flush and Sync first.
    public void Dispose()
    {
        if (_disposed) return;
        Volatile.Write(ref _disposed, true);
        NativeMemory.Free(_buffer);
        _buffer = null;
        _bufferCapacityBytes = 0;
        _bufferedBytes = 0;
        _file.Dispose();
    }

    // After a write that ended at endBytes: zeros from there (or from the zeroed end, if further) up to one chunk
    // past it, within the file. Never over records: only this thread writes, and only past what it has written.
    // An optimisation only: a failed zero write (a full disk) stops it for this log and fails nothing; the records'
    // own write succeeded, and zeros past the end marker, whole or torn, read as the end of the log.
    private void ZeroAhead(long endBytes)
    {
        long from = Math.Max(endBytes, _zeroedBytes);
        long to = Math.Min(_fileBytes, endBytes + ZeroAheadBytes);
        try
        {
            for (long at = from; at < to; at += ZeroAheadBytes)
                _file.Write(at, new ReadOnlySpan<byte>(Zeros, (int)Math.Min(ZeroAheadBytes, to - at)));
            _zeroedBytes = Math.Max(to, endBytes);
        }
        catch (Exception e) when (e is IOException or StorageException)
        {
            _zeroedBytes = long.MaxValue;
        }
    }

    private void Extend(long endBytes)
    {
        // Grow by whole pre-allocation steps (one step, or several for a batch larger than a step).
        long steps = (endBytes - _fileBytes + _preallocateBytes - 1) / _preallocateBytes;
        long newBytes = _fileBytes + steps * _preallocateBytes;
        _file.SetLength(newBytes);
        _fileBytes = newBytes;
    }

    private void GrowBuffer(long needBytes)
    {
        if (needBytes > BufferedBytesMax)
            throw new InvalidOperationException(
                $"WAL buffer would hold {needBytes} bytes, above {BufferedBytesMax}: flush more often");
        long capacity = _bufferCapacityBytes;
        while (capacity < needBytes) capacity *= 2;
        capacity = Math.Min(capacity, BufferedBytesMax);
        _buffer = (byte*)NativeMemory.Realloc(_buffer, (nuint)capacity);
        _bufferCapacityBytes = (int)capacity;
    }

    private void ShrinkBuffer()
    {
        NativeMemory.Free(_buffer);
        _buffer = null;
        _buffer = (byte*)NativeMemory.Alloc(BufferInitialBytes);
        _bufferCapacityBytes = BufferInitialBytes;
    }

    // The first failure wins; it becomes the inner exception of every later WritesRefused.
    private void Poison(Exception e, string operation)
    {
        var cause = e as StorageException
            ?? new StorageException(StorageError.IoError, $"WAL {operation} of {Path} failed: {e.Message}", e);
        Interlocked.CompareExchange(ref _poison, cause, null);
    }

    private void ThrowIfRefused()
    {
        ThrowIfPoisoned();
        if (_disposed) throw Closed();
    }

    private void ThrowIfPoisoned()
    {
        var poison = Volatile.Read(ref _poison);
        if (poison is not null)
            throw new StorageException(StorageError.WritesRefused,
                $"WAL {Path} refuses writes after a failed write or sync: what reached the disk is unknown", poison);
    }

    private StorageException Closed() => new(StorageError.Closed, $"WAL {Path} is closed");
}
