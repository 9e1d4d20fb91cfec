using BenchmarkDotNet.Attributes;
using Basalt.Engine.Storage.Vfs;
using Basalt.Engine.Storage.Wal;

namespace Basalt.Bench.Micro;

// The WAL's shard-thread cost per write on the real file system in a temp directory, without fdatasync: framing
// and CRC into the unmanaged buffer, then one pwrite(2) into the page cache. AppendFlush is one record per flush
// (durability "sync" without the sync); AppendFlushGroupOf64 is a group commit of 64 records per flush.
// The log rolls over, recycling its file, once it passes RollBytes, so the file never grows without bound; the
// roll allocates (a writer, a path) once per ~1.9 M records, which is the engine's once-per-memtable cost, not
// the steady state this measures. Allocated must read "-".
[MemoryDiagnoser]
public class WalBenchmarks
{
    private const long PreallocateBytes = 64L << 20;
    private const long RollBytes = 256L << 20;

    private readonly byte[] _payload = new byte[120];
    private string _directory = "";
    private WalWriter _writer = null!;
    private uint _logNumber;
    private ulong _seq;

    [GlobalSetup]
    public void Setup()
    {
        new Random(42).NextBytes(_payload);
        _directory = Path.Combine(Path.GetTempPath(), "basalt-walbench-" + Guid.NewGuid().ToString("N"));
        RealFileSystem.Instance.CreateDirectory(_directory);
        _logNumber = 1;
        _writer = WalWriter.Create(RealFileSystem.Instance, _directory, _logNumber, PreallocateBytes);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _writer.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public long AppendFlush()
    {
        _writer.Append(++_seq, _payload);
        long position = _writer.Flush();
        if (position > RollBytes) Roll();
        return position;
    }

    [Benchmark(OperationsPerInvoke = 64)]
    public long AppendFlushGroupOf64()
    {
        for (int i = 0; i < 64; i++) _writer.Append(++_seq, _payload);
        long position = _writer.Flush();
        if (position > RollBytes) Roll();
        return position;
    }

    private void Roll()
    {
        string old = _writer.Path;
        _writer.Dispose();
        _writer = WalWriter.Create(RealFileSystem.Instance, _directory, ++_logNumber, PreallocateBytes, recyclePath: old);
    }
}
