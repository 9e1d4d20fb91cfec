using System.CommandLine;
using SharpFuzz;

namespace Basalt.Fuzz.Targets;

// `target`: the input-fuzzing harnesses.
//   target --list                        the targets, one a line
//   target NAME                          the harness for AFL++ (SharpFuzz's out-of-process fork server; fuzz/afl.sh
//                                        instruments and starts it); without afl-fuzz it runs stdin once
//   target NAME --replay PATH...         files or directories run in this process, one line per failure; exit 1 if any
//   target --write-corpus DIR            regenerates the seed corpora (DIR/<target>/...), e.g. fuzz/corpus
// Exit codes: 0 nothing found, 1 a failing input, 2 bad arguments.
public static class TargetCommand
{
    public static Command Create()
    {
        var command = new Command("target", "Run, replay or list the input-fuzzing targets (SharpFuzz harnesses)");
        var name = new Argument<string?>("name") { Description = "The target", Arity = ArgumentArity.ZeroOrOne };
        var list = new Option<bool>("--list") { Description = "List the targets" };
        var replay = new Option<string[]>("--replay")
        {
            Description = "Run these files or directories through the target in-process",
            AllowMultipleArgumentsPerToken = true,
        };
        var writeCorpus = new Option<string?>("--write-corpus") { Description = "Write the seed corpora into this directory" };
        command.Arguments.Add(name);
        command.Options.Add(list);
        command.Options.Add(replay);
        command.Options.Add(writeCorpus);
        command.SetAction(parse =>
        {
            if (parse.GetValue(list))
            {
                foreach (var t in TargetRegistry.All) Console.WriteLine($"{t.Name,-26} {t.Description}");
                return 0;
            }
            if (parse.GetValue(writeCorpus) is { } directory)
            {
                foreach (var (written, count) in SeedCorpus.Write(directory)) Console.WriteLine($"corpus: target={written} files={count}");
                return 0;
            }
            string? targetName = parse.GetValue(name);
            var target = targetName is null ? null : TargetRegistry.Find(targetName);
            if (target is null)
            {
                Console.Error.WriteLine($"target: unknown target '{targetName}'; one of: {string.Join(", ", TargetRegistry.All.Select(t => t.Name))}");
                return 2;
            }
            if (parse.GetValue(replay) is { Length: > 0 } paths)
            {
                int inputs = Replay.Inputs(paths).Count();
                var failures = Replay.Run(target, paths, Console.Out);
                Console.WriteLine($"replay: target={target.Name} inputs={inputs} failures={failures.Count}");
                return failures.Count == 0 ? 0 : 1;
            }
            // Under afl-fuzz: SharpFuzz's fork server, each input in a child process it restarts after a crash (so
            // stack overflows and out-of-memory count as crashes too). An exception escaping Run is a crash.
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                target.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            });
            return 0;
        });
        return command;
    }
}
