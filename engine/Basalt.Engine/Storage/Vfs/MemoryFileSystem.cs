using System.Runtime.InteropServices;

namespace Basalt.Engine.Storage.Vfs;

// An in-memory file system for tests, modelled on pebble's crashable MemFS. Each file keeps the bytes
// written so far and the bytes as of its last Sync; each directory keeps its live entries and the entries
// as of its last SyncDirectory. Crash() throws away everything that was not made durable, exactly what
// power loss does to a real disk (pessimistically: nothing unsynced survives).
// Thread-safe with one coarse lock: it is a test device, not a hot path.
//
// With crashable: false it is the server's --in-memory store instead: nothing is durable anyway, so Sync keeps no
// copy (a crashable Sync copies the whole file, 72 MiB for a WAL, which made every acknowledged write in the server's
// in-memory mode cost about 20 ms) and Crash is refused.
public sealed class MemoryFileSystem(bool crashable = true) : IFileSystem
{
    // A file's bytes in fixed chunks on the pinned object heap: appending never copies what is already written
    // (a doubling array did, and an in-memory server's 64 MiB write-ahead log then copied tens of megabytes on
    // the request path and allocated arrays that set off full collections), and the GC never moves them.
    private sealed class Node
    {
        public const int ChunkBytes = 64 << 10;
        private readonly List<byte[]> _chunks = new();
        public long Length;
        public byte[] SyncedData = [];
        public long SyncedLength;

        public static Node From(ReadOnlySpan<byte> data)
        {
            var node = new Node();
            node.Write(0, data);
            node.Length = data.Length;
            node.SyncedData = data.ToArray();
            node.SyncedLength = data.Length;
            return node;
        }

        // Makes room up to `end` (new bytes are zero); Length is the caller's.
        public void Reserve(long end)
        {
            while ((long)_chunks.Count * ChunkBytes < end) _chunks.Add(GC.AllocateArray<byte>(ChunkBytes, pinned: true));
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            Reserve(offset + data.Length);
            while (!data.IsEmpty)
            {
                int within = (int)(offset % ChunkBytes);
                int n = Math.Min(data.Length, ChunkBytes - within);
                data[..n].CopyTo(_chunks[(int)(offset / ChunkBytes)].AsSpan(within, n));
                data = data[n..];
                offset += n;
            }
        }

        public void Read(long offset, Span<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                int within = (int)(offset % ChunkBytes);
                int n = Math.Min(buffer.Length, ChunkBytes - within);
                _chunks[(int)(offset / ChunkBytes)].AsSpan(within, n).CopyTo(buffer);
                buffer = buffer[n..];
                offset += n;
            }
        }

        public void Clear(long from, long to)
        {
            while (from < to)
            {
                int within = (int)(from % ChunkBytes);
                int n = (int)Math.Min(to - from, ChunkBytes - within);
                _chunks[(int)(from / ChunkBytes)].AsSpan(within, n).Clear();
                from += n;
            }
        }

        public byte[] ToArray()
        {
            var copy = new byte[Length];
            Read(0, copy);
            return copy;
        }
    }

    private readonly bool _crashable = crashable;
    private readonly object _gate = new();
    private readonly Dictionary<string, Node> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Node> _durable = new(StringComparer.Ordinal);
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal) { "/" };
    private readonly HashSet<string> _locks = new(StringComparer.Ordinal);
    private int _generation;  // bumped by Crash: handles from before it no longer touch the live files

    // Simulated free space; null means unlimited. Writes past it fail with DiskFull.
    public long? CapacityBytes { get; set; }

    public static string Normalize(string path)
    {
        string p = path.Replace('\\', '/');
        while (p.Length > 1 && p.EndsWith('/')) p = p[..^1];
        return p.StartsWith('/') ? p : "/" + p;
    }

    private static string Parent(string path)
    {
        int i = path.LastIndexOf('/');
        return i <= 0 ? "/" : path[..i];
    }

    public IFile Create(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            if (!_directories.Contains(Parent(path)))
                throw new StorageException(StorageError.IoError, $"create of {path} failed: no such directory");
            var node = new Node();
            _live[path] = node;
            return new MemFile(this, path, node, writable: true, _generation);
        }
    }

    public IFile Open(string path, bool writable)
    {
        path = Normalize(path);
        lock (_gate)
        {
            if (!_live.TryGetValue(path, out var node))
                throw new StorageException(StorageError.IoError, $"open of {path} failed: no such file");
            return new MemFile(this, path, node, writable, _generation);
        }
    }

    public unsafe IMappedFile MapReadOnly(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            if (!_live.TryGetValue(path, out var node))
                throw new StorageException(StorageError.IoError, $"map of {path} failed: no such file");
            return new MemMapped(path, node);
        }
    }

    public bool Exists(string path)
    {
        lock (_gate) return _live.ContainsKey(Normalize(path));
    }

    public void Delete(string path)
    {
        lock (_gate) _live.Remove(Normalize(path));
    }

    public void Rename(string from, string to)
    {
        from = Normalize(from);
        to = Normalize(to);
        lock (_gate)
        {
            if (!_live.Remove(from, out var node))
                throw new StorageException(StorageError.IoError, $"rename of {from} failed: no such file");
            _live[to] = node;
        }
    }

    public IReadOnlyList<string> List(string directory)
    {
        directory = Normalize(directory);
        lock (_gate)
        {
            return _live.Keys.Where(k => Parent(k) == directory).Select(k => k[(k.LastIndexOf('/') + 1)..]).OrderBy(k => k, StringComparer.Ordinal).ToArray();
        }
    }

    public void CreateDirectory(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            // Directories are treated as durable once created (their own entry in the parent is not modelled).
            for (string p = path; p != "/"; p = Parent(p)) _directories.Add(p);
        }
    }

    public void SyncDirectory(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            foreach (var key in _durable.Keys.Where(k => Parent(k) == path).ToList()) _durable.Remove(key);
            foreach (var (key, node) in _live)
                if (Parent(key) == path) _durable[key] = node;
        }
    }

    public IDisposable Lock(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            if (!_locks.Add(path))
                throw new StorageException(StorageError.DataFolderLocked, $"the data folder is locked by another opener (lock file {path})");
            if (!_live.ContainsKey(path)) _live[path] = new Node();
            return new LockHandle(this, path, _generation);
        }
    }

    // Simulates power loss: unsynced file contents and unsynced directory entries vanish, locks are released.
    // Files get fresh nodes, so handles opened before the crash (a crashed engine's threads still running)
    // write into detached copies and never into what the restarted process sees.
    public void Crash()
    {
        if (!_crashable) throw new InvalidOperationException("this memory file system was created with crashable: false");
        lock (_gate)
        {
            _live.Clear();
            foreach (var key in _durable.Keys.ToList())
            {
                var old = _durable[key];
                var fresh = Node.From(old.SyncedData.AsSpan(0, (int)old.SyncedLength));
                _durable[key] = fresh;
                _live[key] = fresh;
            }
            _locks.Clear();
            _generation++;
        }
    }

    // A view of this file system that lives until the next Crash: every operation through it, and through the
    // files it opened, fails once the power has gone out. A test opens each "process" through its own session,
    // so that a crashed engine's threads, still running, can neither finish an fsync nor touch the namespace
    // that the restarted engine sees.
    public IFileSystem Session()
    {
        lock (_gate) return new SessionView(this, _generation);
    }

    private sealed class SessionView(MemoryFileSystem fs, int generation) : IFileSystem
    {
        private T Do<T>(Func<T> action)
        {
            lock (fs._gate)
            {
                if (generation != fs._generation)
                    throw new StorageException(StorageError.IoError, "the file system crashed under this process");
                return action();
            }
        }

        public IFile Create(string path) => Do(() => fs.Create(path));
        public IFile Open(string path, bool writable) => Do(() => fs.Open(path, writable));
        public IMappedFile MapReadOnly(string path) => Do(() => fs.MapReadOnly(path));
        public bool Exists(string path) => Do(() => fs.Exists(path));
        public void Delete(string path) => Do(() => { fs.Delete(path); return 0; });
        public void Rename(string from, string to) => Do(() => { fs.Rename(from, to); return 0; });
        public IReadOnlyList<string> List(string directory) => Do(() => fs.List(directory));
        public void CreateDirectory(string path) => Do(() => { fs.CreateDirectory(path); return 0; });
        public void SyncDirectory(string path) => Do(() => { fs.SyncDirectory(path); return 0; });
        public IDisposable Lock(string path) => Do(() => fs.Lock(path));
    }

    // Test helper: the current bytes of a file (a copy).
    public byte[] ReadAll(string path)
    {
        lock (_gate) return _live[Normalize(path)].ToArray();
    }

    // Test helper: overwrites bytes in place, bypassing the file API (used to inject corruption).
    public void Poke(string path, long offset, ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            var n = _live[Normalize(path)];
            if (offset + bytes.Length > n.Length) throw new ArgumentOutOfRangeException(nameof(offset), "a poke stays inside the file");
            n.Write(offset, bytes);
            if (n.SyncedLength >= offset + bytes.Length) bytes.CopyTo(n.SyncedData.AsSpan((int)offset));
        }
    }

    private long UsedBytes()
    {
        long sum = 0;
        foreach (var n in _live.Values) sum += n.Length;
        return sum;
    }

    private sealed class LockHandle(MemoryFileSystem fs, string path, int generation) : IDisposable
    {
        private int _disposed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            lock (fs._gate)
            {
                if (fs._generation == generation) fs._locks.Remove(path);
            }
        }
    }

    private sealed class MemFile(MemoryFileSystem fs, string path, Node node, bool writable, int generation) : IFile
    {
        public string Path { get; } = path;

        // Called under fs._gate: a handle from before a crash fails, atomically with respect to Crash, so no
        // write or sync can "succeed" after the power went out.
        private void CheckAlive()
        {
            if (generation != fs._generation)
                throw new StorageException(StorageError.IoError, $"{Path}: the file system crashed after this handle was opened");
        }

        public long Length { get { lock (fs._gate) return node.Length; } }

        public int Read(long offset, Span<byte> buffer)
        {
            lock (fs._gate)
            {
                CheckAlive();
                if (offset >= node.Length) return 0;
                int n = (int)Math.Min(buffer.Length, node.Length - offset);
                node.Read(offset, buffer[..n]);
                return n;
            }
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            if (!writable) throw new StorageException(StorageError.IoError, $"write of {Path} failed: opened read-only");
            lock (fs._gate)
            {
                CheckAlive();
                long end = offset + data.Length;
                if (fs.CapacityBytes is long cap && end > node.Length && fs.UsedBytes() + (end - node.Length) > cap)
                    throw new StorageException(StorageError.DiskFull, $"disk full during write of {Path}");
                // Bytes between the old end and `offset` read as zeros: Reserve's chunks are zeroed, and SetLength
                // clears what it cuts off.
                node.Write(offset, data);
                if (end > node.Length) node.Length = end;
            }
        }

        public void Sync()
        {
            lock (fs._gate)
            {
                CheckAlive();
                if (!fs._crashable) return;
                node.SyncedData = node.ToArray();
                node.SyncedLength = node.Length;
            }
        }

        public void SetLength(long length)
        {
            if (!writable) throw new StorageException(StorageError.IoError, $"set length of {Path} failed: opened read-only");
            lock (fs._gate)
            {
                CheckAlive();
                if (fs.CapacityBytes is long cap && length > node.Length && fs.UsedBytes() + (length - node.Length) > cap)
                    throw new StorageException(StorageError.DiskFull, $"disk full during set length of {Path}");
                node.Reserve(length);
                if (length < node.Length) node.Clear(length, node.Length);
                node.Length = length;
            }
        }

        public void Dispose() { }
    }

    private sealed unsafe class MemMapped : IMappedFile
    {
        private byte* _pointer;

        public MemMapped(string path, Node contents)
        {
            Path = path;
            Length = contents.Length;
            // A copy in unmanaged memory: the file is immutable by contract, and the pointer must not move.
            _pointer = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, contents.Length));
            contents.Read(0, new Span<byte>(_pointer, checked((int)contents.Length)));
        }

        public string Path { get; }
        public byte* Pointer => _pointer;
        public long Length { get; }

        public void Dispose()
        {
            var p = _pointer;
            _pointer = null;
            if (p != null) NativeMemory.Free(p);
        }
    }
}
