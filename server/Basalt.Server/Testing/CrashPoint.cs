using System.Diagnostics;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;

namespace Basalt.Server.Testing;

// A testing aid for the crash fuzzer (docs/crash-fuzzing.md): the server kills itself with SIGKILL just before the
// Nth file operation of one kind, so that a crash lands inside the engine at a chosen step instead of wherever a kill
// from outside happens to fall. Set through the environment only, never by a flag a user might pass by mistake:
//
//   BASALT_CRASH_POINT=<point>:<N>     N >= 1, counted from the moment the data folder is open (recovery's own file
//                                      operations at startup are not counted)
//   wal-sync           an fsync of a WAL file (`.log`): its records are written, not yet synced
//   flush-write        a write into a new segment (`.seg`) while a memtable is flushed
//   compaction-write   a write into a new segment while segments are merged
//   manifest-write     the write of MANIFEST.tmp (the previous MANIFEST is still the live one)
//   manifest-rename    the rename of the synced MANIFEST.tmp over MANIFEST
//   wal-power-loss     an fsync of a WAL file, as wal-sync, but first the unsynced bytes of every log are replaced by
//                      zeros from a random point on (UnsyncedWalTail): a power loss that tore the log's tail
//
// The server wraps its real file system in FaultInjectingFileSystem with Injector as the injector; the injector
// never fails an operation, it only counts and, at the chosen one, writes one line to stderr and kills the process.
// A flush and a compaction both write `.seg` files on the maintenance thread; StorageActivity tells them apart.
// A kill is not a power loss: what the process wrote stays in the OS page cache whether it was synced or not; only
// wal-power-loss takes back what a power loss could (the WAL's unsynced tail).
public sealed class CrashPoint
{
    public const string EnvironmentVariable = "BASALT_CRASH_POINT";

    public static readonly IReadOnlyList<string> Names = ["wal-sync", "flush-write", "compaction-write", "manifest-write", "manifest-rename", "wal-power-loss"];

    private readonly string _name;
    private readonly long _target;
    private long _count;
    private volatile bool _armed;

    private CrashPoint(string name, long target)
    {
        _name = name;
        _target = target;
    }

    public string Name => _name;
    public long Target => _target;

    // "wal-sync:3" -> a crash point; null and an error message for anything else.
    public static CrashPoint? Parse(string text, out string? error)
    {
        error = null;
        int colon = text.IndexOf(':');
        string name = colon < 0 ? text : text[..colon];
        if (!Names.Contains(name))
        {
            error = $"{EnvironmentVariable}: unknown crash point '{name}' (one of {string.Join(", ", Names)})";
            return null;
        }
        if (colon < 0 || !long.TryParse(text.AsSpan(colon + 1), out long n) || n < 1)
        {
            error = $"{EnvironmentVariable}: expected {name}:N with N >= 1, got '{text}'";
            return null;
        }
        return new CrashPoint(name, n);
    }

    // Starts counting (the server calls it once the data folder is open).
    public void Arm() => _armed = true;

    private UnsyncedWalTail? _tails;

    public IFileSystem Wrap(IFileSystem inner)
    {
        if (_name == "wal-power-loss") inner = _tails = new UnsyncedWalTail(inner);
        return new FaultInjectingFileSystem(inner, Injector);
    }

    private FaultKind Injector(FileOp op, string path, int bytes)
    {
        if (_armed && Matches(op, path) && Interlocked.Increment(ref _count) == _target)
        {
            string lost = _tails is null ? "" : $" ({_tails.LoseUnsyncedTails(new Random((int)_target))})";
            Console.Error.WriteLine($"basalt: crash point {_name}:{_target} reached at {op} of {path}{lost}; killing the process (SIGKILL)");
            Console.Error.Flush();
            Process.GetCurrentProcess().Kill();
            Thread.Sleep(Timeout.Infinite); // the operation must not run: SIGKILL is on its way
        }
        return FaultKind.None;
    }

    private bool Matches(FileOp op, string path) => _name switch
    {
        "wal-sync" or "wal-power-loss" => op == FileOp.Sync && path.EndsWith(".log", StringComparison.Ordinal),
        "flush-write" => op == FileOp.Write && path.EndsWith(".seg", StringComparison.Ordinal) && StorageActivity.Current == StorageActivityKind.Flush,
        "compaction-write" => op == FileOp.Write && path.EndsWith(".seg", StringComparison.Ordinal) && StorageActivity.Current == StorageActivityKind.Compaction,
        "manifest-write" => op == FileOp.Write && path.EndsWith("MANIFEST.tmp", StringComparison.Ordinal),
        "manifest-rename" => op == FileOp.Rename && path.EndsWith("MANIFEST.tmp", StringComparison.Ordinal),
        _ => false,
    };
}
