using Basalt.Engine.Storage.Vfs;
using Basalt.Engine.Storage.Wal;

namespace Basalt.Tests.Storage.Wal;

// Shared pieces of the WAL tests: seeds (BASALT_SEED overrides, printed on failure), payloads, read-back.
internal static class WalTestKit
{
    public const string Dir = "/wal";

    public static void WithSeed(Action<Random> body)
    {
        string? fixedSeed = Environment.GetEnvironmentVariable("BASALT_SEED");
        int seed = string.IsNullOrEmpty(fixedSeed) ? Random.Shared.Next() : int.Parse(fixedSeed);
        try { body(new Random(seed)); }
        catch (Exception e) { throw new Exception($"failed with seed {seed} (rerun with BASALT_SEED={seed}): {e.Message}", e); }
    }

    public static MemoryFileSystem NewFs()
    {
        var fs = new MemoryFileSystem();
        fs.CreateDirectory(Dir);
        return fs;
    }

    public static byte[] Payload(Random random, int bytes)
    {
        var payload = new byte[bytes];
        random.NextBytes(payload);
        return payload;
    }

    public static (List<(ulong Seq, byte[] Payload)> Records, WalReadResult Result) ReadAll(IFileSystem fs, string path, uint logNumber)
    {
        var records = new List<(ulong, byte[])>();
        var result = WalReader.Read(fs, path, logNumber, (seq, payload) => records.Add((seq, payload.ToArray())));
        Assert.Equal(records.Count, result.Records);
        return (records, result);
    }

    public static void AssertSame(IReadOnlyList<(ulong Seq, byte[] Payload)> expected, IReadOnlyList<(ulong Seq, byte[] Payload)> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Seq == actual[i].Seq, $"record {i}: seq {actual[i].Seq}, expected {expected[i].Seq}");
            Assert.True(expected[i].Payload.AsSpan().SequenceEqual(actual[i].Payload),
                $"record {i}: payload of {actual[i].Payload.Length} bytes differs from the {expected[i].Payload.Length} written");
        }
    }

    // Appends `count` records of `bytes` each (seqs firstSeq, firstSeq + 10, ...), flushing after each; returns them and
    // their offsets.
    public static (List<(ulong Seq, byte[] Payload)> Records, List<long> Offsets) AppendFlushed(WalWriter writer, Random random, int count, Func<int, int> bytes, ulong firstSeq = 10)
    {
        var records = new List<(ulong, byte[])>();
        var offsets = new List<long>();
        for (int i = 0; i < count; i++)
        {
            offsets.Add(writer.FlushedPosition);
            var payload = Payload(random, bytes(i));
            ulong seq = firstSeq + (ulong)records.Count * 10;
            writer.Append(seq, payload);
            writer.Flush();
            records.Add((seq, payload));
        }
        return (records, offsets);
    }
}
