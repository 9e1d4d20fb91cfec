using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Segments;
using Basalt.Engine.Storage.Vfs;

namespace Basalt.Fuzz.Targets;

// The segment reader, fed a whole segment file: the input is the content of one segment on a MemoryFileSystem,
// opened as the engine opens it (Segment.Open: footer, index, bloom filter and properties), then read all the way:
// every entry forward and backward through the iterator, a point read (TryGet) and a Seek for every key.
// Allowed: StorageException(Corruption or IncompatibleDataFolder) naming the file and an offset inside it.
// Findings: any other exception; a value that is not the seeds' value for its key (StorageFiles); keys out of
// internal-key order; forward and backward walks that disagree; a point read that misses a key the walk found or
// answers with another version; an entry count other than the properties block's.
public sealed class SegmentReaderTarget : FuzzTarget
{
    public override string Name => "segment-reader";
    public override string Description => "a segment opened and read in full (Segment.Open, iterator both ways, TryGet, Seek)";

    // Shared by every input (the engine shares one per process too); segments release their slots when disposed.
    private static readonly BlockCache Cache = new(1 << 20);

    private sealed class Capture : IValueSink
    {
        public byte[]? Value;
        public void OnValue(scoped ReadOnlySpan<byte> value) => Value = value.ToArray();
    }

    public override void Run(ReadOnlySpan<byte> input)
    {
        var fs = new MemoryFileSystem(crashable: false);
        fs.CreateDirectory("/seg");
        const string path = "/seg/000001.seg";
        using (var file = fs.Create(path)) file.Write(0, input);
        try
        {
            using var segment = Segment.Open(fs, path, 1, Cache);
            var entries = new List<(byte[] Key, ulong Trailer)>();
            using (var it = segment.NewIterator())
            {
                for (it.SeekToFirst(); it.Valid; it.Next())
                {
                    var key = it.UserKey.ToArray();
                    ulong trailer = it.Trailer;
                    if (entries.Count > 0 && InternalKey.Compare(entries[^1].Key, entries[^1].Trailer, key, trailer) >= 0)
                        throw new FuzzFindingException($"segment entry {entries.Count} is not after the one before it");
                    if (InternalKey.KindOf(trailer) == EntryKind.Put) StorageFiles.CheckValue(key, it.Value, $"segment entry {entries.Count}");
                    else if (InternalKey.KindOf(trailer) != EntryKind.Delete)
                        throw new FuzzFindingException($"segment entry {entries.Count} of unknown kind {(byte)trailer}");
                    entries.Add((key, trailer));
                }
                if (entries.Count != segment.Properties.EntryCount)
                    throw new FuzzFindingException($"segment walk found {entries.Count} entries, its properties say {segment.Properties.EntryCount}");
                int back = entries.Count;
                for (it.SeekToLast(); it.Valid; it.Prev())
                {
                    back--;
                    if (back < 0 || !it.UserKey.SequenceEqual(entries[back].Key) || it.Trailer != entries[back].Trailer)
                        throw new FuzzFindingException($"segment walk backward disagrees with the forward walk at entry {back}");
                    if (InternalKey.KindOf(it.Trailer) == EntryKind.Put) StorageFiles.CheckValue(it.UserKey, it.Value, $"segment entry {back} (backward)");
                }
                if (back != 0) throw new FuzzFindingException($"segment walk backward found {entries.Count - back} of {entries.Count} entries");

                for (int i = 0; i < entries.Count; i++)
                {
                    it.Seek(entries[i].Key, entries[i].Trailer);
                    if (!it.Valid || !it.UserKey.SequenceEqual(entries[i].Key) || it.Trailer != entries[i].Trailer)
                        throw new FuzzFindingException($"Seek to segment entry {i} did not land on it");
                }
            }
            // The newest version of each user key is the first of its run.
            for (int i = 0; i < entries.Count; i++)
            {
                if (i > 0 && entries[i - 1].Key.AsSpan().SequenceEqual(entries[i].Key)) continue;
                var sink = new Capture();
                if (!segment.TryGet(entries[i].Key, InternalKey.SeqMax, out var kind, ref sink))
                    throw new FuzzFindingException($"TryGet missed key {Convert.ToHexString(entries[i].Key)} that the walk found");
                if (kind != InternalKey.KindOf(entries[i].Trailer))
                    throw new FuzzFindingException($"TryGet answered {kind} for a key whose newest entry is {InternalKey.KindOf(entries[i].Trailer)}");
                if (kind == EntryKind.Put) StorageFiles.CheckValue(entries[i].Key, sink.Value, "TryGet");
            }
            var missing = new Capture();
            segment.TryGet("zzzz-not-a-key"u8, InternalKey.SeqMax, out _, ref missing);
        }
        catch (StorageException e) when (StorageFiles.IsReportedCorruption(e, input.Length))
        {
        }
    }
}
