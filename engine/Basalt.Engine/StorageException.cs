namespace Basalt.Engine;

// Persisted in nothing, but part of the public API: never reorder, add at the end.
public enum StorageError
{
    IoError = 1,
    Corruption = 2,
    DiskFull = 3,
    // After an fsync failure the shard cannot know what reached the disk, so it refuses writes rather
    // than acknowledging them (the PostgreSQL "fsyncgate" lesson).
    WritesRefused = 4,
    DataFolderLocked = 5,
    KeyTooLarge = 6,
    ValueTooLarge = 7,
    BatchTooLarge = 8,
    Closed = 9,
    InvalidArgument = 10,
    CrossShardBatch = 11,
    IncompatibleDataFolder = 12,
    // The key is locked by another owner (a transaction between its prepare and its commit): the write is refused,
    // nothing is written.
    Locked = 13,
}

// An operating error at the engine's edge: a bad request, a full disk, a checksum mismatch.
// Corruption errors carry the file and offset where the bad bytes are.
public sealed class StorageException : Exception
{
    public StorageError Error { get; }
    public string? FilePath { get; }
    public long FileOffset { get; }

    public StorageException(StorageError error, string message, Exception? inner = null)
        : base(message, inner)
    {
        Error = error;
        FileOffset = -1;
    }

    public StorageException(StorageError error, string message, string filePath, long fileOffset, Exception? inner = null)
        : base($"{message} (file {filePath}, offset {fileOffset})", inner)
    {
        Error = error;
        FilePath = filePath;
        FileOffset = fileOffset;
    }

    public static StorageException Corrupt(string what, string filePath, long fileOffset) =>
        new(StorageError.Corruption, what, filePath, fileOffset);
}
