using Basalt.Engine.Storage.Vfs;

namespace Basalt.Server.Testing;

// A file-system wrapper for the `wal-power-loss` crash point: it remembers, per WAL file (`.log`), which bytes were
// written since the last fsync that completed, and on request replaces them from a cut point on with zeros before the
// process is killed. A kill alone loses nothing the process wrote (the OS page cache keeps it); this loses what a power
// failure could lose: the log's unsynced tail, torn at an arbitrary byte. Zeros are what a pre-allocated log holds
// there; a recycled log would hold its earlier records, which end reading just as zeros do (each record carries its
// log's number; docs/wal-format.md).
//
// Only WAL files are tracked: segments and the manifest are fsynced before anything refers to them, and losing a
// directory entry (a log created but its folder not yet synced) is not simulated. Writes and the tear take the
// file's lock, and once torn the file takes no more writes (the writer blocks until SIGKILL arrives), so no write
// lands after the tear.
public sealed class UnsyncedWalTail(IFileSystem inner) : IFileSystem
{
    private readonly Dictionary<string, Tracked> _logs = new();

    private sealed class Tracked
    {
        public readonly object Lock = new();
        public IFile? File;
        public long Generation;
        // Unsynced writes: (generation, offset, bytes), oldest first.
        public readonly List<(long Generation, long Offset, long Bytes)> Dirty = new();
        public bool Torn;
    }

    private static bool IsLog(string path) => path.EndsWith(".log", StringComparison.Ordinal);

    private Tracked Track(string path)
    {
        lock (_logs)
        {
            if (!_logs.TryGetValue(path, out var t)) _logs[path] = t = new Tracked();
            return t;
        }
    }

    public IFile Create(string path) => Wrap(path, inner.Create(path), created: true);
    public IFile Open(string path, bool writable) => Wrap(path, inner.Open(path, writable), created: false);
    public IMappedFile MapReadOnly(string path) => inner.MapReadOnly(path);
    public bool Exists(string path) => inner.Exists(path);
    public void Delete(string path) => inner.Delete(path);
    public void Rename(string from, string to)
    {
        inner.Rename(from, to);
        if (IsLog(from) || IsLog(to))
            lock (_logs)
            {
                _logs.Remove(to);
                if (_logs.Remove(from, out var t)) _logs[to] = t;
            }
    }
    public IReadOnlyList<string> List(string directory) => inner.List(directory);
    public void CreateDirectory(string path) => inner.CreateDirectory(path);
    public void SyncDirectory(string path) => inner.SyncDirectory(path);
    public IDisposable Lock(string path) => inner.Lock(path);

    private IFile Wrap(string path, IFile file, bool created)
    {
        if (!IsLog(path)) return file;
        var t = Track(path);
        lock (t.Lock)
        {
            if (created) t.Dirty.Clear();
            t.File = file;
        }
        return new LogFile(t, file);
    }

    // Zeroes every tracked log's unsynced bytes from a point within them (chosen by `random`) to their end, and stops
    // those files from taking further writes. Returns what it did, for the crash point's line.
    public string LoseUnsyncedTails(Random random)
    {
        List<(string Path, Tracked T)> logs;
        lock (_logs) logs = _logs.Select(kv => (kv.Key, kv.Value)).ToList();
        var done = new List<string>();
        foreach (var (path, t) in logs)
        {
            Monitor.Enter(t.Lock); // kept: the file takes no write until the process is gone
            t.Torn = true;
            if (t.File is null || t.Dirty.Count == 0) continue;
            long start = t.Dirty.Min(d => d.Offset), end = t.Dirty.Max(d => d.Offset + d.Bytes);
            long cut = start + (long)(random.NextDouble() * (end - start));
            var zeros = new byte[64 * 1024];
            for (long at = cut; at < end; at += zeros.Length)
                t.File.Write(at, zeros.AsSpan(0, (int)Math.Min(zeros.Length, end - at)));
            done.Add($"{Path.GetFileName(path)} unsynced {start}..{end} zeroed from {cut}");
        }
        return done.Count == 0 ? "no unsynced WAL bytes" : string.Join(", ", done);
    }

    private sealed class LogFile(Tracked t, IFile file) : IFile
    {
        public string Path => file.Path;
        public long Length => file.Length;
        public int Read(long offset, Span<byte> buffer) => file.Read(offset, buffer);

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            lock (t.Lock)
            {
                if (t.Torn) Thread.Sleep(Timeout.Infinite);
                file.Write(offset, data);
                t.Dirty.Add((++t.Generation, offset, data.Length));
            }
        }

        public void Sync()
        {
            long upTo;
            lock (t.Lock) upTo = t.Generation;
            file.Sync();
            lock (t.Lock) t.Dirty.RemoveAll(d => d.Generation <= upTo);
        }

        public void SetLength(long length) => file.SetLength(length);
        public void Dispose() => file.Dispose();
    }
}
