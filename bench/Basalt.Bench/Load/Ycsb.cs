namespace Basalt.Bench.Load;

// YCSB's core workloads as the load generator runs them (Cooper et al., "Benchmarking Cloud Serving Systems with
// YCSB", and YCSB's workloads/workload[a-f] files): records of `fieldcount` fields of `fieldlength` bytes under
// keys "user" + a hashed sequence number, and a mix of operations over a key distribution.
//   a: 50% read, 50% update, zipfian          b: 95% read, 5% update, zipfian      c: 100% read, zipfian
//   d: 95% read, 5% insert, latest            f: 50% read, 50% read-modify-write, zipfian
// e (short range scans) needs Query over a sort key and comes with the binary target (issue 7); it is refused.
// A read is GetItem of the whole record; an update is PutItem of a whole new record (YCSB's default
// writeallfields=false updates one field; a whole-record put is what DynamoDB clients mostly do and costs the
// server more, so it is the conservative choice); an insert is PutItem of a new key.
public enum YcsbOp : byte { Read, Update, Insert, ReadModifyWrite }

public sealed record YcsbWorkload(char Name, double Read, double Update, double Insert, double ReadModifyWrite, bool Latest)
{
    public static YcsbWorkload? Get(char name) => char.ToLowerInvariant(name) switch
    {
        'a' => new('a', 0.5, 0.5, 0, 0, false),
        'b' => new('b', 0.95, 0.05, 0, 0, false),
        'c' => new('c', 1.0, 0, 0, 0, false),
        'd' => new('d', 0.95, 0, 0.05, 0, true),
        'f' => new('f', 0.5, 0, 0, 0.5, false),
        _ => null,
    };

    public YcsbOp Next(Random random)
    {
        double x = random.NextDouble();
        if (x < Read) return YcsbOp.Read;
        if (x < Read + Update) return YcsbOp.Update;
        if (x < Read + Update + Insert) return YcsbOp.Insert;
        return YcsbOp.ReadModifyWrite;
    }
}

// YCSB's key naming: "user" + FNV-1a-64 of the sequence number, so that neighbouring sequence numbers are not
// neighbouring keys (YCSB's orderedinserts=false).
public static class YcsbKeys
{
    public static string Key(long sequence)
    {
        ulong hash = 0xCBF29CE484222325;
        for (int i = 0; i < 8; i++)
        {
            hash ^= (ulong)((sequence >> (i * 8)) & 0xFF);
            hash *= 0x100000001B3;
        }
        return "user" + hash.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

// YCSB's ZipfianGenerator (Gray et al.'s algorithm, "Quickly Generating Billion-Record Synthetic Databases") with
// YCSB's constant 0.99, scrambled (ScrambledZipfianGenerator): the popular items are spread over the key space
// instead of being the lowest sequence numbers. Not thread-safe: one per worker.
public sealed class ScrambledZipfian
{
    private const double Theta = 0.99;
    private readonly long _items;
    private readonly double _alpha, _zetan, _eta;
    private static readonly double Zeta2 = 1 + Math.Pow(0.5, Theta);

    public ScrambledZipfian(long items, double zetan)
    {
        _items = items;
        _zetan = zetan;
        _alpha = 1 / (1 - Theta);
        _eta = (1 - Math.Pow(2.0 / items, 1 - Theta)) / (1 - Zeta2 / zetan);
    }

    // ζ(n, θ), the normaliser: O(n), computed once per run and shared by the workers.
    public static double Zeta(long items)
    {
        double sum = 0;
        for (long i = 1; i <= items; i++) sum += 1 / Math.Pow(i, Theta);
        return sum;
    }

    public long Next(Random random) => Scramble(NextRank(random)) % _items;

    // The rank drawn from the zipfian distribution (0 is the most popular).
    public long NextRank(Random random)
    {
        double u = random.NextDouble();
        double uz = u * _zetan;
        if (uz < 1) return 0;
        if (uz < 1 + Math.Pow(0.5, Theta)) return 1;
        return (long)(_items * Math.Pow(_eta * u - _eta + 1, _alpha));
    }

    private static long Scramble(long rank)
    {
        ulong hash = 0xCBF29CE484222325;
        for (int i = 0; i < 8; i++)
        {
            hash ^= (ulong)((rank >> (i * 8)) & 0xFF);
            hash *= 0x100000001B3;
        }
        return (long)(hash & long.MaxValue);
    }
}
