namespace Basalt.Engine.Storage.Vfs;

// The file-system seam. All file I/O of the engine goes through it, so that tests run on MemoryFileSystem
// (crashable: drops what was never synced) and the fuzzer on FaultInjectingFileSystem.
// Implementations translate failures into StorageException (IoError, DiskFull) with the file's path.
// Paths are full paths in the implementation's namespace; directories are separated by '/'.
public interface IFileSystem
{
    // Creates a file, or truncates an existing one, opened for reading and writing.
    IFile Create(string path);

    // Opens an existing file; throws StorageException(IoError) when it does not exist.
    IFile Open(string path, bool writable);

    // Maps an immutable file read-only. Never map a file that may still be written (STYLE.md).
    IMappedFile MapReadOnly(string path);

    bool Exists(string path);
    void Delete(string path);

    // Atomically replaces `to` with `from` (rename(2)). Durable once the directory is synced.
    void Rename(string from, string to);

    // The names (not paths) of the files directly inside a directory.
    IReadOnlyList<string> List(string directory);

    void CreateDirectory(string path);

    // Makes creations, renames and deletions inside the directory durable.
    void SyncDirectory(string path);

    // Takes an exclusive lock on a lock file, held until the returned object is disposed.
    // Throws StorageException(DataFolderLocked) when another process (or opener) holds it.
    IDisposable Lock(string path);
}

// An open file. Reads and writes are positional; one writer at a time per file, but Sync may run on
// another thread concurrently with Write (the WAL's syncer does that).
public interface IFile : IDisposable
{
    string Path { get; }
    long Length { get; }
    int Read(long offset, Span<byte> buffer);
    void Write(long offset, ReadOnlySpan<byte> data);
    // Makes all written data durable (fdatasync on Linux). Throws StorageException(IoError) on failure:
    // after that, what reached the disk is unknown.
    void Sync();
    // Grows (pre-allocates, zero-filled) or truncates the file.
    void SetLength(long length);
}

// A read-only view of a whole immutable file. Pointer stays valid until Dispose.
public unsafe interface IMappedFile : IDisposable
{
    string Path { get; }
    byte* Pointer { get; }
    long Length { get; }
}

public static class FileSystemExtensions
{
    public static void ReadExactly(this IFile file, long offset, Span<byte> buffer)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = file.Read(offset + done, buffer[done..]);
            if (n <= 0)
                throw StorageException.Corrupt($"unexpected end of file reading {buffer.Length} bytes", file.Path, offset + done);
            done += n;
        }
    }

    public static string Combine(string directory, string name) =>
        directory.EndsWith('/') ? directory + name : directory + "/" + name;

    public static unsafe ReadOnlySpan<byte> Span(this IMappedFile file, long offset, int length)
    {
        if ((ulong)offset > (ulong)file.Length || (ulong)length > (ulong)(file.Length - offset))
            throw StorageException.Corrupt($"read of {length} bytes outside the mapped file of {file.Length} bytes", file.Path, offset);
        return new ReadOnlySpan<byte>(file.Pointer + offset, length);
    }
}
