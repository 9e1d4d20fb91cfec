using System.IO.Hashing;
using System.Text;

namespace Basalt.Fuzz.Crash;

// One item of the crash workload as the model knows it. Every write gives its item a new `ver` (unique in the
// iteration: worker.op.part), so a recovered item names the write that produced it; `sum` is a checksum of ver and
// data written into the item itself, so a corrupt item is detectable without the model. `g` (the global index's
// partition key) and `lv` (the local index's sort key) are optional: an item without them is absent from that index.
public sealed class ItemState
{
    public ItemState(string ver, byte[] data, long n, string? g, string? lv)
    {
        Ver = ver;
        Data = data;
        N = n;
        G = g;
        Lv = lv;
    }

    public string Ver { get; }
    public byte[] Data { get; }
    public long N { get; }
    public string? G { get; }
    public string? Lv { get; }

    public string Sum => ChecksumOf(Ver, Data);

    public static string ChecksumOf(string ver, ReadOnlySpan<byte> data)
    {
        var hash = new XxHash64(0x6261_7361_6c74);
        hash.Append(Encoding.UTF8.GetBytes(ver));
        hash.Append([0]);
        hash.Append(data);
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    public static bool Same(ItemState? a, ItemState? b) =>
        a is null ? b is null
        : b is not null && a.Ver == b.Ver && a.N == b.N && a.G == b.G && a.Lv == b.Lv && a.Data.AsSpan().SequenceEqual(b.Data);

    public static string Describe(ItemState? s) =>
        s is null ? "absent" : $"ver={s.Ver} data={s.Data.Length}B n={s.N} g={s.G ?? "-"} lv={s.Lv ?? "-"} sum={s.Sum}";
}

// An item's key in the workload: the `items` table (pk, sk) or the `side` table (pk only).
public readonly record struct ItemKey(string Table, string Pk, string? Sk)
{
    public override string ToString() => Sk is null ? $"{Table}/{Pk}" : $"{Table}/{Pk}/{Sk}";
}

// An item as read back after the restart, before any judgement: its attributes as they came, and what could not be
// parsed (Problem), so that a malformed item is reported as corruption instead of crashing the checker.
public sealed record RecoveredItem(ItemKey Key, string? Ver, byte[]? Data, string? Sum, long? N, string? G, string? Lv, string? Problem)
{
    public ItemState? AsState() => Problem is null && Ver is not null && Data is not null && N is not null ? new ItemState(Ver, Data, N.Value, G, Lv) : null;
}
