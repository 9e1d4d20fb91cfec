using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Basalt.Engine.Storage.Vfs;

// The operating system's file system: positional I/O on SafeFileHandle (RandomAccess), fdatasync(2) on
// Linux for Sync, read-only MemoryMappedFile views for immutable files, and flock(2)-backed lock files
// (.NET maps FileShare.None to flock on Unix). Stateless and thread-safe.
public sealed partial class RealFileSystem : IFileSystem
{
    public static readonly RealFileSystem Instance = new();

    public IFile Create(string path) =>
        Io(path, "create", () => new RealFile(path, File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read)));

    public IFile Open(string path, bool writable) =>
        Io(path, "open", () => new RealFile(path, File.OpenHandle(path, FileMode.Open,
            writable ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite)));

    public IMappedFile MapReadOnly(string path) => Io(path, "map", () => new RealMappedFile(path));

    public bool Exists(string path) => File.Exists(path);

    public void Delete(string path) => Io(path, "delete", () => { File.Delete(path); return 0; });

    public void Rename(string from, string to) => Io(from, "rename", () => { File.Move(from, to, overwrite: true); return 0; });

    public IReadOnlyList<string> List(string directory) =>
        Io(directory, "list", () => Directory.Exists(directory)
            ? Directory.GetFiles(directory).Select(System.IO.Path.GetFileName).OfType<string>().ToArray()
            : Array.Empty<string>());

    public void CreateDirectory(string path) => Io(path, "create directory", () => { Directory.CreateDirectory(path); return 0; });

    public void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return; // Windows has no directory fsync.
        Io(path, "sync directory", () =>
        {
            int fd = Native.open(path, 0 /* O_RDONLY */);
            if (fd < 0) throw new IOException($"open failed, errno {Marshal.GetLastPInvokeError()}", Marshal.GetLastPInvokeError());
            try
            {
                if (Native.fsync(fd) != 0)
                    throw new IOException($"fsync failed, errno {Marshal.GetLastPInvokeError()}", Marshal.GetLastPInvokeError());
            }
            finally { Native.close(fd); }
            return 0;
        });
    }

    public IDisposable Lock(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException e) when (!IsDiskFull(e))
        {
            throw new StorageException(StorageError.DataFolderLocked,
                $"the data folder is locked by another process (lock file {path}): {e.Message}", e);
        }
    }

    internal static bool IsDiskFull(IOException e) =>
        e.HResult == 28 /* ENOSPC */ || e.HResult == unchecked((int)0x80070070) || e.HResult == unchecked((int)0x80070027)
        || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    internal static StorageException Translate(Exception e, string path, string operation) => e switch
    {
        StorageException s => s,
        IOException io when IsDiskFull(io) => new StorageException(StorageError.DiskFull, $"disk full during {operation} of {path}", e),
        _ => new StorageException(StorageError.IoError, $"{operation} of {path} failed: {e.Message}", e),
    };

    private static T Io<T>(string path, string operation, Func<T> action)
    {
        try { return action(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Translate(e, path, operation);
        }
    }

    private sealed class RealFile(string path, SafeFileHandle handle) : IFile
    {
        public string Path { get; } = path;

        public long Length => RandomAccess.GetLength(handle);

        public int Read(long offset, Span<byte> buffer)
        {
            try { return RandomAccess.Read(handle, buffer, offset); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Translate(e, Path, "read"); }
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            try { RandomAccess.Write(handle, data, offset); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Translate(e, Path, "write"); }
        }

        public void Sync()
        {
            if (OperatingSystem.IsLinux())
            {
                // fdatasync: the data and the metadata needed to read it (size), not timestamps. With
                // pre-allocated logs the size does not change, so this is one device flush.
                bool added = false;
                handle.DangerousAddRef(ref added);
                try
                {
                    if (Native.fdatasync((int)handle.DangerousGetHandle()) != 0)
                    {
                        int errno = Marshal.GetLastPInvokeError();
                        throw errno == 28
                            ? new StorageException(StorageError.DiskFull, $"fdatasync of {Path} failed: no space left on device")
                            : new StorageException(StorageError.IoError, $"fdatasync of {Path} failed, errno {errno}");
                    }
                }
                finally { if (added) handle.DangerousRelease(); }
            }
            else
            {
                try { RandomAccess.FlushToDisk(handle); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Translate(e, Path, "sync"); }
            }
        }

        public void SetLength(long length)
        {
            try { RandomAccess.SetLength(handle, length); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Translate(e, Path, "set length"); }
        }

        public void Dispose() => handle.Dispose();
    }

    private sealed unsafe class RealMappedFile : IMappedFile
    {
        private readonly MemoryMappedFile? _map;
        private readonly MemoryMappedViewAccessor? _view;
        private readonly byte* _pointer;
        private int _disposed;

        public RealMappedFile(string path)
        {
            Path = path;
            Length = new FileInfo(path).Length;
            if (Length == 0) return; // An empty file cannot be mapped; nothing to read anyway.
            _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _pointer = p + _view.PointerOffset;
        }

        public string Path { get; }
        public byte* Pointer => _pointer;
        public long Length { get; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            if (_view is not null)
            {
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
                _view.Dispose();
            }
            _map?.Dispose();
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc", SetLastError = true)]
        internal static partial int fdatasync(int fd);

        [LibraryImport("libc", SetLastError = true)]
        internal static partial int fsync(int fd);

        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int open(string path, int flags);

        [LibraryImport("libc", SetLastError = true)]
        internal static partial int close(int fd);
    }
}
