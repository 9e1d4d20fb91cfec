using Basalt.Engine.Storage.Vfs;

namespace Basalt.Engine.Storage.Manifest;

// Reads and atomically replaces one shard's MANIFEST (see ManifestFormat). Used by one thread at a time:
// the shard's maintenance thread after open, the opener during recovery.
public sealed class ManifestStore(IFileSystem fs, string directory)
{
    public string Path => FileSystemExtensions.Combine(directory, ManifestFormat.FileName);

    public ManifestState? Load()
    {
        if (!fs.Exists(Path)) return null;
        using var file = fs.Open(Path, writable: false);
        long length = file.Length;
        if (length > 64L << 20) throw StorageException.Corrupt($"manifest of {length} bytes is implausibly large", Path, 0);
        var bytes = new byte[length];
        file.ReadExactly(0, bytes);
        return ManifestState.Decode(bytes, Path);
    }

    // After a Save that threw: whether MANIFEST may hold the new state anyway. False when it failed before the rename
    // (the old manifest is the one on disk); true once the rename was attempted: when the folder's fsync fails after
    // it, the rename may still reach the disk (a later fsync of the folder carries it), so until a later Save
    // succeeds, every file the new state lists must be kept.
    public bool LastSaveMayBeOnDisk { get; private set; }

    public void Save(ManifestState state)
    {
        LastSaveMayBeOnDisk = false;
        string temp = FileSystemExtensions.Combine(directory, ManifestFormat.TempFileName);
        byte[] bytes = state.Encode();
        using (var file = fs.Create(temp))
        {
            file.Write(0, bytes);
            file.Sync();
        }
        LastSaveMayBeOnDisk = true;
        fs.Rename(temp, Path);
        fs.SyncDirectory(directory);
        LastSaveMayBeOnDisk = false;
    }
}
