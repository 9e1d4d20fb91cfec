namespace Basalt.Bench.Load;

// YCSB's core workloads as the load generator runs them (Cooper et al., "Benchmarking Cloud Serving Systems with
// YCSB", and YCSB's workloads/workload[a-f] files): records of `fieldcount` fields of `fieldlength` bytes under
// keys "user" + a hashed sequence number, and a mix of operations over a key distribution.
//   a: 50% read, 50% update, zipfian          b: 95% read, 5% update, zipfian      c: 100% read, zipfian
//   d: 95% read, 5% insert, latest            e: 95% scan, 5% insert, zipfian      f: 50% read, 50% read-modify-write
// and two single-operation workloads for comparing key-value peers (`compare`): get (100% read) and put (100%
// update), both over the loaded keys with the chosen distribution.
// A read is GetItem of the whole record; an update is PutItem of a whole new record (YCSB's default
// writeallfields=false updates one field; a whole-record put is what DynamoDB clients mostly do and costs the
// server more, so it is the conservative choice); an insert is PutItem of a new key. A scan is a Query of a short
// range within one partition (ScanLayout: e runs on its own table with a sort key).
public enum YcsbOp : byte { Read, Update, Insert, ReadModifyWrite, Scan }

public enum KeyDistribution : byte { Zipfian, Uniform }

public sealed record YcsbWorkload(string Name, double Read, double Update, double Insert, double ReadModifyWrite, double Scan, bool Latest)
{
    public static readonly string[] Names = ["a", "b", "c", "d", "e", "f", "get", "put"];

    public static YcsbWorkload? Get(string name) => name.ToLowerInvariant() switch
    {
        "a" => new("a", 0.5, 0.5, 0, 0, 0, false),
        "b" => new("b", 0.95, 0.05, 0, 0, 0, false),
        "c" => new("c", 1.0, 0, 0, 0, 0, false),
        "d" => new("d", 0.95, 0, 0.05, 0, 0, true),
        "e" => new("e", 0, 0, 0.05, 0, 0.95, false),
        "f" => new("f", 0.5, 0, 0, 0.5, 0, false),
        "get" => new("get", 1.0, 0, 0, 0, 0, false),
        "put" => new("put", 0, 1.0, 0, 0, 0, false),
        _ => null,
    };

    // e's records live in a table with a sort key (ScanLayout); every other workload's in the hash-key table.
    public KeyLayout Layout => Scan > 0 ? KeyLayout.Ranged : KeyLayout.Hash;

    // Only reads, updates and read-modify-writes of keys that exist: a key-value store (RESP) can run it.
    public bool IsKeyValue => Insert == 0 && Scan == 0;

    public YcsbOp Next(Random random)
    {
        double x = random.NextDouble();
        if (x < Read) return YcsbOp.Read;
        if ((x -= Read) < Update) return YcsbOp.Update;
        if ((x -= Update) < Insert) return YcsbOp.Insert;
        if ((x -= Insert) < Scan) return YcsbOp.Scan;
        return YcsbOp.ReadModifyWrite;
    }
}

// Where a workload's records live. Hash: table `usertable`, hash key `key` (S) = YcsbKeys.Key(sequence).
// Ranged: table `usertable_e`, hash key `key` (S) and sort key `seq` (N), laid out by ScanLayout.
public enum KeyLayout : byte { Hash, Ranged }

// YCSB's key naming: "user" + FNV-1a-64 of the sequence number, so that neighbouring sequence numbers are not
// neighbouring keys (YCSB's orderedinserts=false).
public static class YcsbKeys
{
    public static string Key(long sequence) => "user" + Fnv1a(sequence).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static ulong Fnv1a(long value)
    {
        ulong hash = 0xCBF29CE484222325;
        for (int i = 0; i < 8; i++)
        {
            hash ^= (ulong)((value >> (i * 8)) & 0xFF);
            hash *= 0x100000001B3;
        }
        return hash;
    }
}

// Workload e's mapping of YCSB's scan onto DynamoDB: YCSB scans an ordered key space from a start key for a length
// drawn uniformly from 1..maxscanlength (100). DynamoDB orders items only within a partition, and a Query needs the
// partition key, so the records of e are grouped: sequence number s lives in partition "user" + FNV(s / 100) (the
// hash key `key`) at sort key s % 100 (`seq`, a number), so a partition holds 100 consecutive sequence numbers and
// inserts fill the last partition before opening the next. A scan draws its start sequence s like any read (zipfian
// or uniform over the records) and a length L in 1..ScanLengthMax, and is the Query
//   key = partition(s) AND seq >= s % 100, Limit L
// which returns min(L, 100 - s % 100) items: the range stops at the partition's end, where YCSB's would carry on
// into the next keys (about 34 items on average with the defaults instead of YCSB's 50.5).
public static class ScanLayout
{
    public const int ItemsPerPartition = 100;

    public static string Partition(long sequence) => YcsbKeys.Key(sequence / ItemsPerPartition);

    public static long Sort(long sequence) => sequence % ItemsPerPartition;

    // The number of items the Query of (start, length) returns when every sequence below `records` is loaded.
    public static long Expected(long start, int length, long records) =>
        Math.Max(0, Math.Min(Math.Min(length, ItemsPerPartition - Sort(start)), records - start));
}

// Picks the sequence number of a read, update or scan start; one per worker (not thread-safe).
//   Zipfian: YCSB's scrambled zipfian over the loaded records (the popular keys spread over the key space); for a
//            workload with Latest (d) YCSB's "latest": the newest inserted record is the most popular.
//   Uniform: every record present equally likely (for d: every record inserted so far).
public sealed class KeyChooser(KeyDistribution distribution, long records, double zeta)
{
    private readonly ScrambledZipfian _zipf = new(records, zeta);

    public long Next(Random random, bool latest, long inserted)
    {
        if (distribution == KeyDistribution.Uniform) return random.NextInt64(latest ? Math.Max(1, inserted) : records);
        return latest ? Math.Max(0, inserted - 1 - Math.Min(_zipf.NextRank(random), inserted - 1)) : _zipf.Next(random);
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

    public long Next(Random random) => (long)(YcsbKeys.Fnv1a(NextRank(random)) & long.MaxValue) % _items;

    // The rank drawn from the zipfian distribution (0 is the most popular); below _items.
    public long NextRank(Random random)
    {
        double u = random.NextDouble();
        double uz = u * _zetan;
        if (uz < 1) return 0;
        if (uz < 1 + Math.Pow(0.5, Theta)) return 1;
        return Math.Min(_items - 1, (long)(_items * Math.Pow(_eta * u - _eta + 1, _alpha)));
    }
}
