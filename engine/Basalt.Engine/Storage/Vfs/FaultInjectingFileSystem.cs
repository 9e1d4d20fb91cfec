using System.Runtime.InteropServices;

namespace Basalt.Engine.Storage.Vfs;

// What a fault injector may be asked about. Persisted nowhere.
public enum FileOp
{
    Create, Open, Map, Delete, Rename, List, CreateDirectory, SyncDirectory, Read, Write, Sync, SetLength,
}

public enum FaultKind
{
    None,
    // The operation fails with an I/O error and has no effect.
    IoError,
    // The operation fails with DiskFull and has no effect.
    DiskFull,
    // Write only: the first half of the data reaches the file, then the write fails (a torn write).
    TornWrite,
    // Read: the read succeeds but one bit of the returned data is flipped (the middle byte's bit 4).
    // (A write asked for a BitFlip writes its data unchanged; other operations fail with an I/O error.)
    // Map: the mapping is a copy of the file with one bit flipped, at an offset drawn from the seeded generator.
    BitFlip,
    // Write only: the power fails during the write. The data reaches the file in whole 4 KiB pages (of the file's
    // offsets) up to the last page the write touches, and then half of what falls in that last page (a torn last
    // page); that prefix is made durable, as if the device had written those pages before it lost power, and the
    // write fails with an I/O error. A test then crashes the file system below to complete the power loss.
    TornPage,
}

// Wraps another file system and injects faults: the ones a plan (FaultPlan) or an injector delegate chooses before
// each operation, plus a few switches that act on every operation:
//   - the injector sees the operation, the path and the operation's byte count, so a test can fail "the third sync
//     of wal-000002.log" or "any write once 1 MiB has been written"; with a FaultPlan, an operation may also be
//     slowed (Delay) or held at a gate (Hold): slow I/O and stalled devices;
//   - DiskFull (a switch) and FreeBytes (a budget of bytes still writable) make every write path fail with ENOSPC's
//     DiskFull: file creation, writes, growing a file (pre-allocation), creating a directory; turn them off and the
//     space is back;
//   - FlipBit/FlipRandomBit flip a stored bit of a file (corruption at rest: in a segment, a log, the manifest),
//     FlipMappedBit flips a bit in the bytes a mapping shows (a segment read through its memory map).
// Faults reach the engine's error paths: fsync failure, ENOSPC, torn writes, bit flips, stalls (docs/fault-injection.md).
// Thread-safe as far as its inner file system is; the switches are read once per operation.
public sealed class FaultInjectingFileSystem : IFileSystem
{
    public const int PageBytes = 4096;

    private readonly IFileSystem _inner;
    private readonly Func<FileOp, string, int, FaultDecision> _decide;
    private volatile bool _diskFull;
    private long _freeBytes = long.MaxValue; // Interlocked; long.MaxValue: no budget
    private readonly object _flipLock = new();
    private readonly Dictionary<string, List<(long Offset, byte Mask)>> _mappedFlips = new(StringComparer.Ordinal);
    private readonly List<CopiedMapping> _copies = new();
    private Random? _random;

    // The injector is asked before each operation; tests and the crash fuzzer pass their own.
    public FaultInjectingFileSystem(IFileSystem inner, Func<FileOp, string, int, FaultKind> injector)
    {
        ArgumentNullException.ThrowIfNull(injector);
        _inner = inner;
        _decide = (op, path, bytes) => new FaultDecision(injector(op, path, bytes));
    }

    public FaultInjectingFileSystem(IFileSystem inner, FaultPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _inner = inner;
        _decide = plan.Decide;
    }

    // Only the switches and the bit flips.
    public FaultInjectingFileSystem(IFileSystem inner) : this(inner, static (_, _, _) => FaultKind.None) { }

    public IFileSystem Inner => _inner;

    // ENOSPC for every write path while on: Create, Write, SetLength that grows a file, CreateDirectory.
    public bool DiskFull
    {
        get => _diskFull;
        set => _diskFull = value;
    }

    // A budget of bytes that writes may still use; null: no budget. Every byte written counts (an overwrite too:
    // this is a budget of writes, not a model of free space; MemoryFileSystem.CapacityBytes models space exactly),
    // and so does the growth of a file by SetLength. A write that does not fit fails with DiskFull and writes nothing.
    public long? FreeBytes
    {
        get { long v = Interlocked.Read(ref _freeBytes); return v == long.MaxValue ? null : v; }
        set => Interlocked.Exchange(ref _freeBytes, value ?? long.MaxValue);
    }

    // Seeds the generator of the offsets BitFlip on Map and FlipRandomBit choose.
    public int Seed { get; init; } = 1;

    // Maps every file through a private copy, so that FlipMappedBit reaches mappings taken before it (a flip at rest
    // that the engine meets after it opened the segment). Off: mappings are the inner file system's own, and
    // FlipMappedBit reaches only mappings taken after it. Costs a copy of each mapped file.
    public bool CopyMappings { get; set; }

    private FaultKind Decide(FileOp op, string path, int bytes)
    {
        var decision = _decide(op, path, bytes);
        if (decision.IsNone) return FaultKind.None;
        if (decision.DelayMs > 0) Thread.Sleep(Math.Min(decision.DelayMs, FaultPlan.DelayMsMax));
        decision.Gate?.Wait();
        return decision.Kind;
    }

    private void Check(FileOp op, string path, int bytes = 0)
    {
        var fault = Decide(op, path, bytes);
        if (fault == FaultKind.DiskFull || (_diskFull && op is FileOp.Create or FileOp.CreateDirectory))
            throw Full(op, path);
        if (fault != FaultKind.None && !(fault == FaultKind.BitFlip && op == FileOp.Map))
            throw new StorageException(StorageError.IoError, $"injected: {op} of {path} failed");
    }

    private static StorageException Full(FileOp op, string path) =>
        new(StorageError.DiskFull, $"injected: disk full (no space left on device) during {op} of {path}");

    // Takes `bytes` from the budget, or fails with DiskFull (the switch, or a budget too small).
    private void TakeSpace(FileOp op, string path, long bytes)
    {
        if (_diskFull) throw Full(op, path);
        if (bytes <= 0) return;
        while (true)
        {
            long free = Interlocked.Read(ref _freeBytes);
            if (free == long.MaxValue) return;
            if (free < bytes) throw Full(op, path);
            if (Interlocked.CompareExchange(ref _freeBytes, free - bytes, free) == free) return;
        }
    }

    public IFile Create(string path) { Check(FileOp.Create, path); return new FaultFile(this, _inner.Create(path)); }
    public IFile Open(string path, bool writable) { Check(FileOp.Open, path); return new FaultFile(this, _inner.Open(path, writable)); }

    public IMappedFile MapReadOnly(string path)
    {
        var fault = Decide(FileOp.Map, path, 0);
        if (fault == FaultKind.DiskFull) throw Full(FileOp.Map, path);
        if (fault is not FaultKind.None and not FaultKind.BitFlip)
            throw new StorageException(StorageError.IoError, $"injected: Map of {path} failed");
        var map = _inner.MapReadOnly(path);
        List<(long Offset, byte Mask)>? flips;
        lock (_flipLock) flips = _mappedFlips.TryGetValue(Key(path), out var registered) ? [.. registered] : null;
        if (fault != FaultKind.BitFlip && flips is null && !CopyMappings) return map;
        CopiedMapping copy;
        try { copy = new CopiedMapping(this, map); }
        finally { map.Dispose(); }
        if (fault == FaultKind.BitFlip && copy.Length > 0) copy.Flip(NextRandom(copy.Length), (byte)(1 << (int)NextRandom(8)));
        foreach (var (offset, mask) in flips ?? []) copy.Flip(offset, mask);
        return copy;
    }

    public bool Exists(string path) => _inner.Exists(path);
    public void Delete(string path) { Check(FileOp.Delete, path); _inner.Delete(path); }
    public void Rename(string from, string to) { Check(FileOp.Rename, from); _inner.Rename(from, to); }
    public IReadOnlyList<string> List(string directory) { Check(FileOp.List, directory); return _inner.List(directory); }
    public void CreateDirectory(string path) { Check(FileOp.CreateDirectory, path); _inner.CreateDirectory(path); }
    public void SyncDirectory(string path) { Check(FileOp.SyncDirectory, path); _inner.SyncDirectory(path); }
    public IDisposable Lock(string path) => _inner.Lock(path);

    // Corruption at rest: flips bit `bit` of the byte at `offset` of a stored file and makes it durable. Goes through
    // the inner file system (no fault applies). The file should not be open for writing by the engine: the sync makes
    // the whole file durable, as it is now.
    public void FlipBit(string path, long offset, int bit = 4)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)bit, 7u);
        using var file = _inner.Open(path, writable: true);
        if (offset >= file.Length) throw new ArgumentOutOfRangeException(nameof(offset), $"offset {offset} is past the end of {path} ({file.Length} bytes)");
        Span<byte> one = stackalloc byte[1];
        file.ReadExactly(offset, one);
        one[0] ^= (byte)(1 << bit);
        file.Write(offset, one);
        file.Sync();
    }

    // Flips one bit at an offset in [from, to) (to < 0: the end of the file) drawn from a generator seeded with
    // `seed`; returns the offset, so the test can name it.
    public long FlipRandomBit(string path, int seed, long from = 0, long to = -1)
    {
        long length;
        using (var file = _inner.Open(path, writable: false)) length = file.Length;
        if (to < 0 || to > length) to = length;
        if (from < 0 || from >= to) throw new ArgumentOutOfRangeException(nameof(from), $"no bytes in [{from}, {to}) of {path}");
        var random = new Random(seed);
        long offset = from + random.NextInt64(to - from);
        FlipBit(path, offset, random.Next(8));
        return offset;
    }

    // Corruption seen through a mapping: the bytes every later mapping of `path` shows (and, with CopyMappings, those
    // of mappings already taken) have bit `bit` of the byte at `offset` flipped. The stored file is not touched.
    public void FlipMappedBit(string path, long offset, int bit = 4)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)bit, 7u);
        byte mask = (byte)(1 << bit);
        lock (_flipLock)
        {
            string key = Key(path);
            if (!_mappedFlips.TryGetValue(key, out var list)) _mappedFlips[key] = list = new();
            list.Add((offset, mask));
            foreach (var copy in _copies)
                if (Key(copy.Path) == key) copy.Flip(offset, mask);
        }
    }

    private static string Key(string path) => path.Replace('\\', '/');

    private long NextRandom(long bound)
    {
        lock (_flipLock)
        {
            _random ??= new Random(Seed);
            return _random.NextInt64(bound);
        }
    }

    // The part of a write of `length` bytes at `offset` that a torn last page leaves: every 4 KiB page before the
    // last one the write touches, whole, then half of the bytes it puts in that last page.
    public static int TornPageKeepBytes(long offset, int length)
    {
        if (length <= 0) return 0;
        long end = offset + length;
        long lastPageStart = (end - 1) / PageBytes * PageBytes;
        long whole = Math.Max(0, lastPageStart - offset);
        long inLast = end - Math.Max(offset, lastPageStart);
        return (int)(whole + inLast / 2);
    }

    private sealed class FaultFile(FaultInjectingFileSystem fs, IFile file) : IFile
    {
        public string Path => file.Path;
        public long Length => file.Length;

        public int Read(long offset, Span<byte> buffer)
        {
            var fault = fs.Decide(FileOp.Read, Path, buffer.Length);
            if (fault is not FaultKind.None and not FaultKind.BitFlip)
                throw new StorageException(StorageError.IoError, $"injected: read of {Path} failed");
            int n = file.Read(offset, buffer);
            if (fault == FaultKind.BitFlip && n > 0) buffer[n / 2] ^= 0x10;
            return n;
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            var fault = fs.Decide(FileOp.Write, Path, data.Length);
            switch (fault)
            {
                case FaultKind.IoError: throw new StorageException(StorageError.IoError, $"injected: write of {Path} failed");
                case FaultKind.DiskFull: throw Full(FileOp.Write, Path);
                case FaultKind.TornWrite:
                    file.Write(offset, data[..(data.Length / 2)]);
                    throw new StorageException(StorageError.IoError, $"injected: torn write of {Path}");
                case FaultKind.TornPage:
                    int keep = TornPageKeepBytes(offset, data.Length);
                    file.Write(offset, data[..keep]);
                    file.Sync();
                    throw new StorageException(StorageError.IoError,
                        $"injected: power failed during a write of {data.Length} bytes at offset {offset} of {Path}; {keep} bytes reached the disk");
            }
            fs.TakeSpace(FileOp.Write, Path, data.Length);
            file.Write(offset, data);
        }

        public void Sync() { fs.Check(FileOp.Sync, Path); file.Sync(); }

        public void SetLength(long length)
        {
            fs.Check(FileOp.SetLength, Path);
            long growth = length - file.Length;
            if (growth > 0) fs.TakeSpace(FileOp.SetLength, Path, growth);
            file.SetLength(length);
        }

        public void Dispose() => file.Dispose();
    }

    // A mapping through a private, writable copy of the file's bytes (unmanaged, so the pointer never moves).
    private sealed unsafe class CopiedMapping : IMappedFile
    {
        private readonly FaultInjectingFileSystem _fs;
        private byte* _pointer;

        public CopiedMapping(FaultInjectingFileSystem fs, IMappedFile source)
        {
            _fs = fs;
            Path = source.Path;
            Length = source.Length;
            _pointer = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, Length));
            if (Length > 0) new ReadOnlySpan<byte>(source.Pointer, checked((int)Length)).CopyTo(new Span<byte>(_pointer, (int)Length));
            lock (fs._flipLock) fs._copies.Add(this);
        }

        public string Path { get; }
        public long Length { get; }
        public byte* Pointer => _pointer;

        // Under the file system's flip lock, or before the mapping is shared.
        public void Flip(long offset, byte mask)
        {
            if (_pointer != null && offset < Length) _pointer[offset] ^= mask;
        }

        public void Dispose()
        {
            lock (_fs._flipLock)
            {
                _fs._copies.Remove(this);
                var p = _pointer;
                _pointer = null;
                if (p != null) NativeMemory.Free(p);
            }
        }
    }
}
