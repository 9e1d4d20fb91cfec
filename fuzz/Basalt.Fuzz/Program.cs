using System.CommandLine;

namespace Basalt.Fuzz;

// `basalt-fuzz`: attacks on Basalt's durability and on its parsers.
//   crash    a supervisor drives a seeded workload through the server as a separate process, kills it (SIGKILL or an
//            injected crash point inside the engine), restarts it on the same folder and checks the recovered state
//            against a model; ends with `crash-fuzz: iterations=N acked=M lost=0 corrupt=0 seed=S`
//   target   SharpFuzz harnesses: one per parser of untrusted bytes, run under AFL++ (fuzz/afl.sh) or replayed
// Exit codes: 0 nothing found, 1 loss, corruption or a crash found, 2 bad arguments.
public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("basalt-fuzz: crash-recovery and input fuzzing");
        // Under afl-fuzz, Basalt.Engine and Basalt.Server are instrumented, and instrumented code that runs before the
        // harness starts the fork server writes to a coverage map that does not exist yet: an access violation before
        // the first input (the crash command's option text names the server's crash points). So a `target` run builds
        // only its own command.
        if (args is not ["target", ..]) root.Subcommands.Add(Crash.CrashCommand.Create());
        root.Subcommands.Add(Targets.TargetCommand.Create());
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // Bad arguments exit 2 (System.CommandLine's own exit code for a parse error is 1, which means "found").
            foreach (var error in parse.Errors) Console.Error.WriteLine(error.Message);
            return 2;
        }
        // Ctrl-C cancels the action's token; it gets 30 s (not the default 2) to kill its servers and print its summary.
        return parse.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
    }
}
