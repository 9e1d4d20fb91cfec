using Basalt.Engine;
using Basalt.Engine.Storage;
using Basalt.Engine.Storage.Vfs;
using Basalt.Engine.Storage.Wal;

namespace Basalt.Fuzz.Targets;

// The WAL reader, fed a whole log file: the input is the content of log 1 (`wal-00000001.log`) on a
// MemoryFileSystem, read as recovery reads it (WalReader.Read), every record's payload walked as a write batch.
// Allowed: StorageException(Corruption) naming the file and an offset inside it (a bad record with a valid one
// after it), or a clean end (a torn tail is cut, zero fill or a previous life ends the log). Findings: any other
// exception; a record handed out whose payload is not a well-formed batch of entries whose values are the seeds'
// values for their keys (StorageFiles); sequence numbers that go backwards; an end offset past the file.
public sealed class WalReaderTarget : FuzzTarget
{
    public override string Name => "wal-reader";
    public override string Description => "a log file read as recovery reads it (WalReader), every batch entry checked";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var fs = new MemoryFileSystem(crashable: false);
        fs.CreateDirectory("/wal");
        string path = "/wal/" + WalFormat.FileName(1);
        using (var file = fs.Create(path)) file.Write(0, input);
        ulong lastSeq = 0;
        int records = 0;
        try
        {
            var result = WalReader.Read(fs, path, 1, (seq, payload) =>
            {
                records++;
                if (records > 1 && seq < lastSeq)
                    throw new FuzzFindingException($"WAL record {records} has seq {seq} after {lastSeq}");
                lastSeq = seq;
                WriteBatchFormat.Reader reader;
                try
                {
                    reader = new WriteBatchFormat.Reader(payload);
                    while (reader.TryRead(out var kind, out var key, out var value))
                    {
                        if (kind == EntryKind.Put) StorageFiles.CheckValue(key, value, $"WAL record {records}");
                    }
                }
                catch (FormatException e)
                {
                    throw new FuzzFindingException($"WAL record {records} passed its checksum but its batch does not parse: {e.Message}");
                }
            });
            if (result.EndOffset < 0 || result.EndOffset > input.Length || result.Records != records)
                throw new FuzzFindingException($"WAL read ended at {result.EndOffset} of {input.Length} bytes with {result.Records} records ({records} seen)");
        }
        catch (StorageException e) when (StorageFiles.IsReportedCorruption(e, input.Length))
        {
        }
    }
}
