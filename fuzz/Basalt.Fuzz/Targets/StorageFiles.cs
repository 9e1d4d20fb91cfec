using System.Buffers.Binary;
using System.IO.Hashing;
using Basalt.Engine;
using Basalt.Engine.Model;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Manifest;
using Basalt.Engine.Storage.Segments;
using Basalt.Engine.Storage.Vfs;
using Basalt.Engine.Storage.Wal;

namespace Basalt.Fuzz.Targets;

// The file corpora of the storage readers, made by the engine's own writers on a MemoryFileSystem, and the check
// that tells data read back from them from corrupt data.
//
// Every value the seeds hold is an encoded item derived from its key: {"key": B <the key>, "sum": N <XxHash32 of
// the key>}. A reader that hands back a value from a mutated file must hand back exactly such an item for the key
// it came with; a flipped byte anywhere in a checksummed region that came back as data would break the relation
// (the mutator cannot recompute a CRC32C over the bytes it changed). Whole blocks the mutator copies from another
// seed keep their relation, as they should: they are well-formed data under their own checksums.
public static class StorageFiles
{
    public static byte[] ValueFor(ReadOnlySpan<byte> key) => ItemCodec.Encode(
    [
        new("key", AttributeValue.Binary(key)),
        new("sum", AttributeValue.Number(XxHash32.HashToUInt32(key).ToString(System.Globalization.CultureInfo.InvariantCulture))),
    ]);

    // Throws FuzzFindingException unless value is ValueFor(key).
    public static void CheckValue(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, string where)
    {
        if (!value.SequenceEqual(ValueFor(key)))
            throw new FuzzFindingException($"{where}: the value read for key {Convert.ToHexString(key)} is not the value written for it (corrupt data returned as data)");
    }

    // A StorageException that is the readers' documented answer to a corrupt file: Corruption (or a format version
    // this build does not read) naming the file and an offset inside it.
    public static bool IsReportedCorruption(StorageException e, long fileBytes) =>
        e.Error is StorageError.Corruption or StorageError.IncompatibleDataFolder
        && e.FilePath is not null && e.FileOffset >= 0 && e.FileOffset <= fileBytes;

    // ---- seeds ----

    private static byte[] UserKey(int i, int version = 0) =>
        System.Text.Encoding.UTF8.GetBytes($"user{i:D4}" + (version > 0 ? $"-v{version}" : ""));

    // Stored keys (vpartition, routing, rest) as the WAL carries them.
    private static void Put(WriteBatch batch, int i) => batch.Put(i % 7, UserKey(i), [(byte)i], ValueOf(i));
    private static byte[] ValueOf(int i)
    {
        Span<byte> stored = stackalloc byte[StoredKey.Length(UserKey(i).Length, 1)];
        StoredKey.Write(stored, i % 7, UserKey(i), [(byte)i]);
        return ValueFor(stored);
    }

    public static IEnumerable<(string Name, byte[] Bytes)> WalSeeds()
    {
        // Batches of 1..4 entries, puts and deletes; a log with one empty batch; a recycled log whose previous
        // life follows its records; logs with a torn tail.
        yield return ("three-batches.log", Wal(w =>
        {
            ulong seq = 1;
            for (int b = 0; b < 3; b++)
            {
                using var batch = new WriteBatch();
                for (int i = 0; i <= b; i++) Put(batch, b * 4 + i);
                if (b == 2) batch.Delete(3, UserKey(99), [1]);
                w.Append(seq, batch.Encoded());
                seq += (ulong)batch.Count;
            }
        }));
        yield return ("one-put.log", Wal(w => { using var batch = new WriteBatch(); Put(batch, 1); w.Append(7, batch.Encoded()); }));
        yield return ("empty-batch.log", Wal(w => { using var batch = new WriteBatch(); w.Append(1, batch.Encoded()); }));
        yield return ("no-records.log", Wal(_ => { }));
        var full = Wal(w =>
        {
            for (int b = 0; b < 6; b++) { using var batch = new WriteBatch(); Put(batch, 20 + b); Put(batch, 40 + b); w.Append((ulong)(1 + 2 * b), batch.Encoded()); }
        });
        yield return ("torn-tail.log", full[..(full.Length - 30)]);
        yield return ("recycled.log", Recycled());
    }

    private static byte[] Wal(Action<WalWriter> write, uint logNumber = 1)
    {
        var fs = new MemoryFileSystem(crashable: false);
        fs.CreateDirectory("/wal");
        string path;
        using (var writer = WalWriter.Create(fs, "/wal", logNumber, preallocateBytes: 64))
        {
            write(writer);
            writer.Flush();
            writer.Sync();
            path = writer.Path;
        }
        return Trim(fs.ReadAll(path));
    }

    private static byte[] Recycled()
    {
        var fs = new MemoryFileSystem(crashable: false);
        fs.CreateDirectory("/wal");
        string old;
        using (var writer = WalWriter.Create(fs, "/wal", 0, preallocateBytes: 64))
        {
            for (int b = 0; b < 5; b++) { using var batch = new WriteBatch(); Put(batch, 60 + b); writer.Append((ulong)(1 + b), batch.Encoded()); }
            writer.Flush();
            writer.Sync();
            old = writer.Path;
        }
        string path;
        using (var writer = WalWriter.Create(fs, "/wal", 1, preallocateBytes: 64, recyclePath: old))
        {
            using var batch = new WriteBatch();
            Put(batch, 70);
            writer.Append(10, batch.Encoded());
            writer.Flush();
            writer.Sync();
            path = writer.Path;
        }
        return fs.ReadAll(path);
    }

    // Drops the zero pre-allocation past the end marker: the reader treats both alike, the seed stays small.
    private static byte[] Trim(byte[] file)
    {
        int end = file.Length;
        while (end > 0 && file[end - 1] == 0) end--;
        return file[..Math.Min(file.Length, end + WalFormat.HeaderBytes)];
    }

    public static IEnumerable<(string Name, byte[] Bytes)> SegmentSeeds()
    {
        yield return ("small-blocks-lz4.seg", Segment(new SegmentWriterOptions(BlockBytes: 256, Compress: true), 24, versions: 1, deletes: false));
        yield return ("small-blocks-raw.seg", Segment(new SegmentWriterOptions(BlockBytes: 256, Compress: false), 16, versions: 1, deletes: false));
        yield return ("versions-and-deletes.seg", Segment(new SegmentWriterOptions(BlockBytes: 512, Compress: true), 10, versions: 3, deletes: true));
        yield return ("one-entry.seg", Segment(new SegmentWriterOptions(BlockBytes: 4096, Compress: false), 1, versions: 1, deletes: false));
        yield return ("one-block.seg", Segment(new SegmentWriterOptions(BlockBytes: 16 * 1024, Compress: true), 12, versions: 1, deletes: false));
        yield return ("empty.seg", Segment(new SegmentWriterOptions(BlockBytes: 256), 0, versions: 1, deletes: false));
    }

    private static byte[] Segment(SegmentWriterOptions options, int keys, int versions, bool deletes)
    {
        var fs = new MemoryFileSystem(crashable: false);
        fs.CreateDirectory("/seg");
        const string path = "/seg/000001.seg";
        using (var writer = new SegmentWriter(fs, path, options))
        {
            ulong seq = 1000;
            for (int i = 0; i < keys; i++)
            {
                byte[] key = UserKey(i);
                // Newest version first: internal keys order a user key's entries by descending seq.
                for (int v = versions; v >= 1; v--)
                {
                    bool delete = deletes && v == versions && i % 3 == 0;
                    ulong trailer = InternalKey.Trailer(seq - (ulong)(i * 10 + (versions - v)), delete ? EntryKind.Delete : EntryKind.Put);
                    writer.Add(key, trailer, delete ? [] : ValueFor(key));
                }
            }
            writer.Finish();
        }
        return fs.ReadAll(path);
    }

    public static IEnumerable<(string Name, byte[] Bytes)> ManifestSeeds()
    {
        yield return ("empty.manifest", Manifest(new ManifestState(0, 1, 2, 1, 0, [])));
        yield return ("three-segments.manifest", Manifest(new ManifestState(1, 4, 12, 9, 500,
        [
            Entry(11, 0, 300, 400), Entry(8, 1, 100, 299), Entry(5, 2, 1, 99),
        ])));
        yield return ("one-segment.manifest", Manifest(new ManifestState(0, 2, 5, 4, 77, [Entry(3, 0, 1, 77)])));
    }

    private static SegmentEntry Entry(ulong id, int tier, ulong minSeq, ulong maxSeq) => new(id, tier, 4096 * (long)id, (long)(maxSeq - minSeq + 1),
        minSeq, maxSeq, InternalKey.Make(UserKey((int)id), InternalKey.Trailer(maxSeq, EntryKind.Put)),
        InternalKey.Make(UserKey((int)id + 50), InternalKey.Trailer(minSeq, EntryKind.Put)));

    private static byte[] Manifest(ManifestState state)
    {
        var fs = new MemoryFileSystem(crashable: false);
        fs.CreateDirectory("/db");
        var store = new ManifestStore(fs, "/db");
        store.Save(state);
        return fs.ReadAll(store.Path);
    }

    // The internal key order of two keys, for the targets' ordering checks.
    public static int CompareInternal(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => InternalKey.Compare(a, b);

    public static ulong ReadTrailer(ReadOnlySpan<byte> internalKey) => BinaryPrimitives.ReadUInt64LittleEndian(internalKey[^8..]);
}
