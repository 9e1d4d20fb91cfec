using System.Globalization;
using Basalt.Bench.Engine;

namespace Basalt.Bench.Report;

// The one-line summaries the `engine` command prints to stdout, in the shape every bench command shares
// (`name: key=value ...`); scripts parse them, so the keys and their order are fixed:
//   engine: op=put threads=2 durability=sync basalt_ops/s=123 rocksdb_ops/s=456 ratio=0.27 basalt_p50=41us basalt_p99=230us rocksdb_p50=38us rocksdb_p99=310us
//   engine: op=group-commit-scaling durability=sync writers=64 basalt_scaling=31.20 rocksdb_scaling=12.70 ratio=2.46
// Target names are the registry names; ratio is always the first target's figure over the peer's.
public static class ResultLines
{
    public static string Case(CaseResult result, string first, string peer) =>
        string.Create(CultureInfo.InvariantCulture,
            $"engine: op={result.Op} threads={result.Threads} durability={EngineBenchOptions.DurabilityName(result.Durability)} " +
            $"{first}_ops/s={result.First.OpsPerSecond:0} {peer}_ops/s={result.Peer.OpsPerSecond:0} ratio={Ratio(result.Ratio)} " +
            $"{first}_p50={Us(result.First.P50Us)} {first}_p99={Us(result.First.P99Us)} " +
            $"{peer}_p50={Us(result.Peer.P50Us)} {peer}_p99={Us(result.Peer.P99Us)}");

    public static string Scaling(ScalingResult result, string first, string peer) =>
        string.Create(CultureInfo.InvariantCulture,
            $"engine: op=group-commit-scaling durability=sync writers={result.Writers} " +
            $"{first}_scaling={Ratio(result.FirstScaling)} {peer}_scaling={Ratio(result.PeerScaling)} " +
            $"ratio={Ratio(result.FirstScaling / result.PeerScaling)}");

    public static string Ratio(double ratio) =>
        double.IsFinite(ratio) ? ratio.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";

    // Three significant figures at most below 100 us, whole microseconds above.
    public static string Us(double microseconds) => UsNumber(microseconds) + "us";

    public static string UsNumber(double microseconds) => microseconds switch
    {
        < 10 => microseconds.ToString("0.00", CultureInfo.InvariantCulture),
        < 100 => microseconds.ToString("0.0", CultureInfo.InvariantCulture),
        _ => microseconds.ToString("0", CultureInfo.InvariantCulture),
    };
}
