using System.Buffers.Binary;
using Basalt.Engine.Storage.Vfs;

namespace Basalt.Engine.Storage.Wal;

// Called once per record, in log order. The payload span is valid only during the call.
public delegate void WalRecordHandler(ulong seq, ReadOnlySpan<byte> payload);

// EndOffset: where the valid records end (the next record would start there). TornTailCut: reading stopped at a
// bad record with no valid record of this log after it (what a crash during a write leaves). Records: how many
// records onRecord saw.
public readonly record struct WalReadResult(long EndOffset, bool TornTailCut, int Records);

// Recovery-time reader of one log file (format and the rules for where a log ends: WalFormat.cs). Runs on
// whichever thread recovers the shard, on a file nobody is writing. Reads through IFile.Read in chunks into a
// managed window that grows to the largest record seen (at most WalFormat.RecordBytesMax); it allocates, which is
// fine on the recovery path. Never skips a bad record: either the log ends there (a torn tail) or reading fails
// with StorageException(Corruption) naming the file and the bad record's offset; so does a record whose seq is below
// the previous one's (recovery also checks that no record overlaps the previous one's entries). A FormatException from onRecord
// (a payload that passed its CRC but does not parse) becomes the same Corruption error at that record.
public static class WalReader
{
    // Reads every valid record of log `logNumber` in order, calling onRecord(seq, payload) for each.
    public static WalReadResult Read(IFileSystem fs, string path, uint logNumber, WalRecordHandler onRecord)
    {
        ArgumentNullException.ThrowIfNull(fs);
        ArgumentNullException.ThrowIfNull(onRecord);
        using var file = fs.Open(path, writable: false);
        var window = new Window(file, file.Length);
        long position = 0;
        int records = 0;
        ulong previousSeq = 0;
        while (true)
        {
            switch (Classify(window, position, logNumber, out int recordBytes))
            {
                case Found.Record:
                    var record = window.Get(position, recordBytes);
                    if (record[WalFormat.KindOffset] != (byte)WalRecordKind.Batch)
                        throw StorageException.Corrupt(
                            $"WAL record of unknown kind {record[WalFormat.KindOffset]} (written by a newer version?)", file.Path, position);
                    // Seqs never go back within a log (an empty batch may repeat the next one's). A record that does
                    // passed its CRC but was not written there: a block the disk repeated or misplaced.
                    ulong seq = WalFormat.ReadSeq(record);
                    if (seq < previousSeq)
                        throw StorageException.Corrupt(
                            $"WAL record's sequence number {seq} is below the previous record's {previousSeq}", file.Path, position);
                    previousSeq = seq;
                    try
                    {
                        onRecord(seq, record[WalFormat.HeaderBytes..]);
                    }
                    catch (FormatException e)
                    {
                        // The payload passed its CRC but the caller cannot parse it (a write batch that does not
                        // parse): corruption at this record, reported with the file and offset like any other.
                        throw new StorageException(StorageError.Corruption, $"WAL record payload does not parse: {e.Message}", file.Path, position, e);
                    }
                    records++;
                    position += recordBytes;
                    break;
                case Found.End:
                    return new WalReadResult(position, TornTailCut: false, records);
                default:
                    if (AnyRecordAfter(window, position + 1, logNumber, out long validOffset))
                        throw StorageException.Corrupt(
                            $"bad WAL record in log {logNumber} followed by a valid one at offset {validOffset}", file.Path, position);
                    return new WalReadResult(position, TornTailCut: true, records);
            }
        }
    }

    private enum Found { Record, End, Bad }

    // Applies WalFormat's reading rules 1-5 at `position`. recordBytes is set for Found.Record.
    private static Found Classify(Window window, long position, uint logNumber, out int recordBytes)
    {
        recordBytes = 0;
        long remainingBytes = window.FileBytes - position;
        if (remainingBytes < WalFormat.HeaderBytes)
        {
            // A file always has room for the end marker after the last record, so a short tail is only
            // benign when it is zero (or empty).
            return remainingBytes == 0 || !window.Get(position, (int)remainingBytes).ContainsAnyExcept((byte)0)
                ? Found.End
                : Found.Bad;
        }

        var header = window.Get(position, WalFormat.HeaderBytes);
        uint payloadBytes = WalFormat.ReadLength(header);
        uint recordLogNumber = WalFormat.ReadLogNumber(header);
        if (payloadBytes <= WalFormat.PayloadBytesMax && WalFormat.HeaderBytes + payloadBytes <= remainingBytes)
        {
            int bytes = WalFormat.HeaderBytes + (int)payloadBytes;
            if (WalFormat.CrcMatches(window.Get(position, bytes)))
            {
                if (recordLogNumber != logNumber) return Found.End; // the file's previous life
                recordBytes = bytes;
                return Found.Record;
            }
        }
        // Get again: the CRC check may have moved the window under `header`.
        return window.Get(position, WalFormat.HeaderBytes).ContainsAnyExcept((byte)0) ? Found.Bad : Found.End;
    }

    // Scans from `from` to the end of the file for a record of this log with a good CRC. Candidates are found by
    // searching for the log number's 4 bytes (vectorised IndexOf), so the scan costs about one pass over the
    // file instead of a CRC per byte.
    private static bool AnyRecordAfter(Window window, long from, uint logNumber, out long validOffset)
    {
        Span<byte> needle = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(needle, logNumber);
        long position = from; // candidate record start
        while (position + WalFormat.HeaderBytes <= window.FileBytes)
        {
            long searchFrom = position + WalFormat.LogNumberOffset;
            int chunkBytes = (int)Math.Min(Window.ScanChunkBytes, window.FileBytes - searchFrom);
            int hit = window.Get(searchFrom, chunkBytes).IndexOf(needle);
            if (hit < 0)
            {
                position += chunkBytes - (needle.Length - 1);
                continue;
            }
            long candidate = searchFrom + hit - WalFormat.LogNumberOffset;
            if (Classify(window, candidate, logNumber, out _) == Found.Record)
            {
                validOffset = candidate;
                return true;
            }
            position = candidate + 1;
        }
        validOffset = -1;
        return false;
    }

    // A sliding view of the file: Get(offset, n) returns the file's bytes [offset, offset + n), reading them in
    // when they are not already buffered. The returned span is valid until the next Get.
    private sealed class Window(IFile file, long fileBytes)
    {
        public const int ScanChunkBytes = 1 << 20;
        private const int ReadAheadBytes = 1 << 20;

        private byte[] _buffer = new byte[ReadAheadBytes];
        private long _start;
        private int _count;

        public long FileBytes { get; } = fileBytes;

        public ReadOnlySpan<byte> Get(long offset, int bytes)
        {
            System.Diagnostics.Debug.Assert(offset >= 0 && bytes >= 0 && offset + bytes <= FileBytes);
            if (offset < _start || offset + bytes > _start + _count) Load(offset, bytes);
            return _buffer.AsSpan((int)(offset - _start), bytes);
        }

        private void Load(long offset, int bytes)
        {
            // Keep the part of the window at or after `offset` (the common case: the next record starts inside
            // the window and ends past it), then read the rest.
            int keptBytes = 0;
            if (offset >= _start && offset < _start + _count)
                keptBytes = (int)(_start + _count - offset);
            byte[] target = _buffer;
            if (bytes > _buffer.Length)
                target = new byte[Math.Max(bytes, (int)Math.Min((long)_buffer.Length * 2, WalFormat.RecordBytesMax))];
            if (keptBytes > 0)
                _buffer.AsSpan((int)(offset - _start), keptBytes).CopyTo(target);
            _buffer = target;
            _start = offset;
            int wantBytes = (int)Math.Min(_buffer.Length, FileBytes - offset);
            file.ReadExactly(offset + keptBytes, _buffer.AsSpan(keptBytes, wantBytes - keptBytes));
            _count = wantBytes;
        }
    }
}
