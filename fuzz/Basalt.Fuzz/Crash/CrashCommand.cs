using System.CommandLine;

namespace Basalt.Fuzz.Crash;

// `crash`: the crash-recovery fuzzer (docs/crash-fuzzing.md). Ends with
// `crash-fuzz: iterations=N acked=M lost=L corrupt=C seed=S` (also when cancelled, with the iterations that finished);
// exit 0 when nothing was found, 1 on any loss, corruption, an iteration that could not run or a cancelled run, 2 on
// bad arguments (nothing runs, no summary line).
public static class CrashCommand
{
    public static Command Create()
    {
        var iterations = new Option<int>("--iterations") { Description = "Iterations (each: start, workload, kill, restart, check)", DefaultValueFactory = _ => 50 };
        var seed = new Option<int>("--seed") { Description = "Seed of the run: every iteration's workload and kill follow from it", DefaultValueFactory = _ => 1 };
        var durability = new Option<string>("--durability") { Description = "sync | group | async", DefaultValueFactory = _ => "sync" };
        var seconds = new Option<double>("--seconds-per-iteration") { Description = "The random kill falls within this many seconds of the workload's start", DefaultValueFactory = _ => 2 };
        var workers = new Option<int>("--workers") { Description = "Concurrent clients, each owning its keys", DefaultValueFactory = _ => 6 };
        var shards = new Option<int?>("--shards") { Description = "Server shards (default 2; 1 in async mode)" };
        var memtable = new Option<int>("--memtable-mb") { Description = "Server memtable size in MiB (small: flushes and compactions within an iteration)", DefaultValueFactory = _ => 1 };
        var iterationSeed = new Option<int?>("--iteration-seed") { Description = "Replay one iteration (the seed a failure printed)" };
        var maxOps = new Option<int>("--max-ops") { Description = "Requests per worker at most", DefaultValueFactory = _ => 100_000 };
        var crashPoint = new Option<string?>("--crash-point") { Description = $"Every iteration dies at this crash point ({string.Join(", ", Basalt.Server.Testing.CrashPoint.Names)}) instead of the usual mix" };
        var noShrink = new Option<bool>("--no-shrink") { Description = "On a failure, do not search for a shorter reproducing history" };
        var verbose = new Option<bool>("--verbose") { Description = "Print refusals and server output of every iteration" };
        var serverDll = new Option<string?>("--server-dll") { Description = "The server build to run (default: server/Basalt.Server/bin/<Configuration>/net10.0/Basalt.Server.dll)" };
        var command = new Command("crash", "Kill the server during a seeded workload, restart it and check the recovered state")
        {
            iterations, seed, durability, seconds, workers, shards, memtable, iterationSeed, maxOps, crashPoint, noShrink, verbose, serverDll,
        };
        command.SetAction((parse, cancel) =>
        {
            string mode = parse.GetValue(durability)!.ToLowerInvariant();
            string? error = mode is not ("sync" or "group" or "async") ? "--durability must be sync, group or async"
                : parse.GetValue(iterations) < 1 ? "--iterations must be at least 1"
                : parse.GetValue(seconds) is < 0.1 or > 600 ? "--seconds-per-iteration must be within 0.1..600"
                : parse.GetValue(workers) is < 1 or > 64 ? "--workers must be within 1..64"
                : parse.GetValue(shards) is < 1 or > 64 ? "--shards must be within 1..64"
                // Async's promise after a power loss is per log, and the workload does not know which shard a key is on.
                : mode == "async" && parse.GetValue(shards) is > 1 ? "--durability async runs with one shard (its promise is per shard's log)"
                : parse.GetValue(memtable) is < 1 or > 1024 ? "--memtable-mb must be within 1..1024"
                : parse.GetValue(maxOps) < 1 ? "--max-ops must be at least 1"
                : parse.GetValue(crashPoint) is { } cp && !Basalt.Server.Testing.CrashPoint.Names.Contains(cp) ? $"--crash-point must be one of {string.Join(", ", Basalt.Server.Testing.CrashPoint.Names)}"
                : parse.GetValue(serverDll) is { } dll && !File.Exists(dll) ? $"--server-dll: {dll} does not exist"
                : null;
            if (error is not null)
            {
                Console.Error.WriteLine($"crash: {error}");
                return Task.FromResult(2);
            }
            var options = new CrashFuzzOptions
            {
                Iterations = parse.GetValue(iterations),
                Seed = parse.GetValue(seed),
                Durability = mode,
                SecondsPerIteration = parse.GetValue(seconds),
                Workers = parse.GetValue(workers),
                Shards = parse.GetValue(shards),
                MemtableMb = parse.GetValue(memtable),
                IterationSeed = parse.GetValue(iterationSeed),
                OpsPerWorkerMax = parse.GetValue(maxOps),
                CrashPoint = parse.GetValue(crashPoint),
                Shrink = !parse.GetValue(noShrink),
                Verbose = parse.GetValue(verbose),
                ServerDll = parse.GetValue(serverDll),
            };
            return RunAsync(options, cancel);
        });
        return command;
    }

    private static async Task<int> RunAsync(CrashFuzzOptions options, CancellationToken cancel)
    {
        // Ctrl-C cancels the token (System.CommandLine) and the server processes still running are killed.
        using var killOnCancel = cancel.Register(ServerProcess.KillAll);
        CrashFuzzResult result;
        try
        {
            result = await CrashFuzzer.RunAsync(options, Console.Out, cancel);
        }
        catch (FileNotFoundException e)
        {
            Console.Error.WriteLine($"crash: {e.Message}");
            return 2;
        }
        finally
        {
            ServerProcess.KillAll();
        }
        if (result.Errors > 0) Console.WriteLine($"crash-fuzz: {result.Errors} iteration(s) could not run to their check");
        if (result.Cancelled) Console.WriteLine("crash-fuzz: cancelled; the counts are those of the iterations that finished");
        Console.WriteLine(result.SummaryLine);
        return result.Passed ? 0 : 1;
    }
}
