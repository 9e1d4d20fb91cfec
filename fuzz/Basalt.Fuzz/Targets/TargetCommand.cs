using System.CommandLine;

namespace Basalt.Fuzz.Targets;

public static class TargetCommand
{
    public static Command Create()
    {
        var command = new Command("target", "Run one SharpFuzz harness");
        command.SetAction(_ => { Console.Error.WriteLine("target: not built yet"); return 2; });
        return command;
    }
}
