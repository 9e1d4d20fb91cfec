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
    // Write only: a prefix of the data reaches the file, then the write fails (a torn write).
    TornWrite,
    // Read only: the read succeeds but one bit of the returned data is flipped.
    BitFlip,
}

// Wraps another file system and asks an injector, before each operation, whether it should fail and how.
// The injector sees the operation, the path and the operation's byte count, so a test can fail "the third
// sync of wal-000002.log" or "any write once 1 MiB has been written". A fault in a chosen place is how
// tests and the crash fuzzer reach the error paths: fsync failure, ENOSPC, torn writes, bit flips.
public sealed class FaultInjectingFileSystem(IFileSystem inner, Func<FileOp, string, int, FaultKind> injector) : IFileSystem
{
    public IFileSystem Inner => inner;

    private void Check(FileOp op, string path, int bytes = 0)
    {
        switch (_injector(op, path, bytes))
        {
            case FaultKind.None: return;
            case FaultKind.DiskFull: throw new StorageException(StorageError.DiskFull, $"injected: disk full during {op} of {path}");
            default: throw new StorageException(StorageError.IoError, $"injected: {op} of {path} failed");
        }
    }

    public IFile Create(string path) { Check(FileOp.Create, path); return new FaultFile(this, inner.Create(path)); }
    public IFile Open(string path, bool writable) { Check(FileOp.Open, path); return new FaultFile(this, inner.Open(path, writable)); }
    public IMappedFile MapReadOnly(string path) { Check(FileOp.Map, path); return inner.MapReadOnly(path); }
    public bool Exists(string path) => inner.Exists(path);
    public void Delete(string path) { Check(FileOp.Delete, path); inner.Delete(path); }
    public void Rename(string from, string to) { Check(FileOp.Rename, from); inner.Rename(from, to); }
    public IReadOnlyList<string> List(string directory) { Check(FileOp.List, directory); return inner.List(directory); }
    public void CreateDirectory(string path) { Check(FileOp.CreateDirectory, path); inner.CreateDirectory(path); }
    public void SyncDirectory(string path) { Check(FileOp.SyncDirectory, path); inner.SyncDirectory(path); }
    public IDisposable Lock(string path) => inner.Lock(path);

    private sealed class FaultFile(FaultInjectingFileSystem fs, IFile file) : IFile
    {
        public string Path => file.Path;
        public long Length => file.Length;

        public int Read(long offset, Span<byte> buffer)
        {
            var fault = fs._injector(FileOp.Read, Path, buffer.Length);
            if (fault is FaultKind.IoError or FaultKind.DiskFull or FaultKind.TornWrite)
                throw new StorageException(StorageError.IoError, $"injected: read of {Path} failed");
            int n = file.Read(offset, buffer);
            if (fault == FaultKind.BitFlip && n > 0) buffer[n / 2] ^= 0x10;
            return n;
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            var fault = fs._injector(FileOp.Write, Path, data.Length);
            switch (fault)
            {
                case FaultKind.IoError: throw new StorageException(StorageError.IoError, $"injected: write of {Path} failed");
                case FaultKind.DiskFull: throw new StorageException(StorageError.DiskFull, $"injected: disk full during write of {Path}");
                case FaultKind.TornWrite:
                    file.Write(offset, data[..(data.Length / 2)]);
                    throw new StorageException(StorageError.IoError, $"injected: torn write of {Path}");
                default: file.Write(offset, data); return;
            }
        }

        public void Sync() { fs.Check(FileOp.Sync, Path); file.Sync(); }
        public void SetLength(long length) { fs.Check(FileOp.SetLength, Path); file.SetLength(length); }
        public void Dispose() => file.Dispose();
    }

    private readonly Func<FileOp, string, int, FaultKind> _injector = injector;
}
