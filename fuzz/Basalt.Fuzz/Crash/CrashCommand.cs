using System.CommandLine;

namespace Basalt.Fuzz.Crash;

public static class CrashCommand
{
    public static Command Create()
    {
        var command = new Command("crash", "Kill the server during a seeded workload, restart it and check the recovered state");
        command.SetAction(_ => { Console.Error.WriteLine("crash: not built yet"); return 2; });
        return command;
    }
}
