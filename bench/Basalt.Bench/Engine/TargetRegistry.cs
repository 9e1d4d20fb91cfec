namespace Basalt.Bench.Engine;

// Name -> factory for the engines `basalt-bench engine` can run. `--first` picks the target whose figures lead each
// line (and the numerator of ratio=), `--vs` the peer. Names are lower case and appear verbatim in output keys
// (`rocksdb_ops/s=`), so they must be short and contain no spaces or '='.
public static class TargetRegistry
{
    public const string DefaultFirst = "basalt";

    public static Dictionary<string, IKvTargetFactory> CreateDefault()
    {
        var factories = new IKvTargetFactory[]
        {
            new BasaltTargetFactory(),
            new RocksDbTargetFactory(),
            new ReferenceTargetFactory(),
        };
        var registry = new Dictionary<string, IKvTargetFactory>(StringComparer.Ordinal);
        foreach (IKvTargetFactory factory in factories) registry.Add(factory.Name, factory);
        return registry;
    }

    // Resolves a target name with an error message a user can act on.
    public static bool TryResolve(
        IReadOnlyDictionary<string, IKvTargetFactory> registry, string name, string optionName,
        out IKvTargetFactory factory, out string error)
    {
        if (registry.TryGetValue(name, out IKvTargetFactory? found))
        {
            factory = found;
            error = "";
            return true;
        }
        factory = null!;
        string known = string.Join(", ", registry.Keys.Order(StringComparer.Ordinal));
        error = name == DefaultFirst
            ? $"{optionName} {name}: the Basalt target is not registered in this build (TargetRegistry.CreateDefault). " +
              $"Registered targets: {known}. Pass --first <name> to compare two of them, e.g. --first reference."
            : $"{optionName} {name}: unknown target. Registered targets: {known}.";
        return false;
    }
}
