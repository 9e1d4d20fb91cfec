using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Manifest;
using Basalt.Engine.Storage.Vfs;

namespace Basalt.Fuzz.Targets;

// The manifest reader, fed a whole MANIFEST: the input is the file's content on a MemoryFileSystem, loaded as a
// shard's opener loads it (ManifestStore.Load). Allowed: StorageException(Corruption or IncompatibleDataFolder)
// naming the file and an offset inside it. Findings: any other exception, and a state that the engine could never
// have written (the seeds' invariants: a shard inside its count, seq ranges in order, keys that are internal keys
// with the smallest not after the largest), which only a mutation that passed the checksum could produce.
public sealed class ManifestReaderTarget : FuzzTarget
{
    public override string Name => "manifest-reader";
    public override string Description => "a MANIFEST loaded as a shard's opener loads it (ManifestStore.Load)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var fs = new MemoryFileSystem(crashable: false);
        fs.CreateDirectory("/db");
        var store = new ManifestStore(fs, "/db");
        using (var file = fs.Create(store.Path)) file.Write(0, input);
        try
        {
            var state = store.Load() ?? throw new FuzzFindingException("an existing manifest loaded as none");
            if (state.ShardCount <= 0 || state.ShardIndex < 0 || state.ShardIndex >= state.ShardCount)
                throw new FuzzFindingException($"manifest of shard {state.ShardIndex} of {state.ShardCount}");
            foreach (var s in state.Segments)
            {
                if (s.MinSeq > s.MaxSeq || s.MaxSeq > state.LastSeq)
                    throw new FuzzFindingException($"segment {s.Id}: seq range {s.MinSeq}..{s.MaxSeq} with last seq {state.LastSeq}");
                if (s.SmallestKey.Length < InternalKey.TrailerBytes || s.LargestKey.Length < InternalKey.TrailerBytes
                    || StorageFiles.CompareInternal(s.SmallestKey, s.LargestKey) > 0)
                    throw new FuzzFindingException($"segment {s.Id}: key range is not a range of internal keys");
                if (s.Id >= state.NextFileNumber)
                    throw new FuzzFindingException($"segment {s.Id} at or past the next file number {state.NextFileNumber}");
            }
        }
        catch (StorageException e) when (StorageFiles.IsReportedCorruption(e, input.Length))
        {
        }
    }
}
