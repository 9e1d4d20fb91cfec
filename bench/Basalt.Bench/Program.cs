using System.CommandLine;
using System.Globalization;
using BenchmarkDotNet.Running;
using Basalt.Bench.Engine;
using Basalt.Bench.Report;

namespace Basalt.Bench;

// `basalt-bench`: the benchmark command line (see docs in perf-results/README.md).
//   engine  the embedded storage engine side by side with a peer (RocksDB) in one run; Markdown + CSV + summary lines
//   model   the embedded DynamoDB API side by side with LiteDB; Markdown + summary lines
//   micro   BenchmarkDotNet micro-benchmarks; every argument after `micro` goes to BenchmarkSwitcher unchanged
//   load    YCSB-style load (DynamoDB JSON API, RESP; binary later): a running server, or Basalt's server vs dynalite
//   cache   Basalt's cache store side by side with FASTER KV, MemoryCache and BitFaster.Caching; Markdown + CSV + PNG + summary lines
//   cache-policy  trace simulation of cache eviction policies (hit ratios); perf-results/cache-policy.md
//   compare Basalt's server and its peers (dynalite, Redis, Garnet) side by side in one run; Markdown + CSV + summary lines
// Exit codes: 0 success, 1 the run failed (a target error, a failed read verification, a hang), 2 bad arguments.
public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("basalt-bench: Basalt's benchmarks");
        root.Subcommands.Add(EngineCommand(args));
        root.Subcommands.Add(MicroCommand());
        root.Subcommands.Add(Compaction.CompactionBench.Create());
        root.Subcommands.Add(Model.ModelBench.Create());
        root.Subcommands.Add(Probe.WriteProbe.Create());
        root.Subcommands.Add(Load.LoadBench.Create());
        root.Subcommands.Add(Load.IndexLagBench.Create());
        root.Subcommands.Add(Load.TransactionBench.Create());
        root.Subcommands.Add(Compare.CompareBench.Create(args));
        root.Subcommands.Add(Cache.PolicySimulation.Create(args));
        root.Subcommands.Add(Cache.CacheBench.Create(args));
        root.Subcommands.Add(Micro.BinaryProtocolBenchmarks.ProbeCommand());
        return root.Parse(args).Invoke();
    }

    private static Command EngineCommand(string[] args)
    {
        var vs = new Option<string>("--vs") { Description = "Peer target (registered: rocksdb, reference)", DefaultValueFactory = _ => "rocksdb" };
        var first = new Option<string>("--first") { Description = "First target, the numerator of ratio=", DefaultValueFactory = _ => TargetRegistry.DefaultFirst };
        var keys = new Option<long>("--keys") { Description = "Key space: number of distinct keys (loaded for get, the random range for put)", DefaultValueFactory = _ => 1_000_000 };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds per case and target", DefaultValueFactory = _ => 10 };
        var threads = new Option<string>("--threads") { Description = "Comma-separated thread counts", DefaultValueFactory = _ => "1,2" };
        var durability = new Option<string>("--durability") { Description = "Comma-separated durability modes: sync, group, async", DefaultValueFactory = _ => "sync,group,async" };
        var valueBytes = new Option<int>("--value-bytes") { Description = "Value size in bytes", DefaultValueFactory = _ => 100 };
        var keyBytes = new Option<int>("--key-bytes") { Description = "Key size in bytes (at least 8)", DefaultValueFactory = _ => 16 };
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder for the stores (a run folder is created in it and deleted afterwards); default: the system temp folder" };
        var output = new Option<string?>("--out") { Description = "Markdown report path; a .csv is written next to it (default: perf-results/engine-vs-<peer>.md)" };
        var cases = new Option<string>("--cases") { Description = "Comma-separated cases: put, get", DefaultValueFactory = _ => "put,get" };
        var groupCommitMs = new Option<int>("--group-commit-ms") { Description = "Group-commit interval of group mode, in ms", DefaultValueFactory = _ => 2 };
        var syncWriters = new Option<int>("--sync-writers") { Description = "Concurrent writers of the sync-put case that measures group-commit scaling (0: skip)", DefaultValueFactory = _ => 64 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of keys, values and key sequences", DefaultValueFactory = _ => 1 };

        var command = new Command("engine", "Compare the embedded storage engine with a peer (RocksDB) in one run");
        foreach (Option option in new Option[] { vs, first, keys, seconds, threads, durability, valueBytes, keyBytes, dataDir, output, cases, groupCommitMs, syncWriters, seed })
            command.Options.Add(option);

        command.SetAction(async parseResult =>
        {
            if (!EngineBenchOptions.TryParseList(parseResult.GetValue(threads)!, ParseInt, out List<int> threadCounts, out string badThread))
                return Usage($"--threads: '{badThread}' is not a thread count.");
            if (!EngineBenchOptions.TryParseList(parseResult.GetValue(durability)!, EngineBenchOptions.ParseDurability, out List<BenchDurability> durabilities, out string badDurability))
                return Usage($"--durability: '{badDurability}' is not one of sync, group, async.");
            string peerName = parseResult.GetValue(vs)!;
            var options = new EngineBenchOptions
            {
                First = parseResult.GetValue(first)!,
                Vs = peerName,
                Keys = parseResult.GetValue(keys),
                Seconds = parseResult.GetValue(seconds),
                Threads = threadCounts,
                Durabilities = durabilities,
                ValueBytes = parseResult.GetValue(valueBytes),
                KeyBytes = parseResult.GetValue(keyBytes),
                DataDir = parseResult.GetValue(dataDir),
                Out = parseResult.GetValue(output) ?? Path.Combine("perf-results", $"engine-vs-{peerName}.md"),
                Cases = parseResult.GetValue(cases)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList(),
                GroupCommitMs = parseResult.GetValue(groupCommitMs),
                SyncWriters = parseResult.GetValue(syncWriters),
                Seed = parseResult.GetValue(seed),
                CommandLineArgs = args,
            };
            if (options.Validate() is string problem) return Usage(problem);

            Dictionary<string, IKvTargetFactory> registry = TargetRegistry.CreateDefault();
            if (!TargetRegistry.TryResolve(registry, options.First, "--first", out IKvTargetFactory firstFactory, out string error)) return Usage(error);
            if (!TargetRegistry.TryResolve(registry, options.Vs, "--vs", out IKvTargetFactory peerFactory, out error)) return Usage(error);

            try
            {
                var bench = new EngineBench(options, firstFactory, peerFactory, Console.Out, Console.Error);
                EngineBenchResult result = await bench.RunAsync();
                EngineReport.Write(options.Out, result, firstFactory, peerFactory);
                Console.Error.WriteLine($"engine: wrote {options.Out} and {EngineReport.CsvPathFor(options.Out)}");
                return 0;
            }
            catch (VerificationException e)
            {
                Console.Error.WriteLine($"engine: failed: {e.Message}");
                return 1;
            }
            catch (Exception e)
            {
                // A target failure (I/O error, hung operation): the message first, the details after it.
                Console.Error.WriteLine($"engine: failed: {e.Message}");
                Console.Error.WriteLine(e.InnerException ?? e);
                return 1;
            }
        });
        return command;
    }

    private static Command MicroCommand()
    {
        var command = new Command("micro", "Run BenchmarkDotNet micro-benchmarks; arguments after `micro` go to BenchmarkDotNet (e.g. --filter '*SkipList*')")
        {
            // BenchmarkDotNet owns its own options (--filter, --job, --list ...): pass every token through.
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(parseResult =>
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(parseResult.UnmatchedTokens.ToArray());
            return 0;
        });
        return command;
    }

    private static int? ParseInt(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : null;

    private static int Usage(string message)
    {
        Console.Error.WriteLine($"engine: {message}");
        return 2;
    }
}
