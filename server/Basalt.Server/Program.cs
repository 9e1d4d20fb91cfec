namespace Basalt.Server;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("basalt-server: host under construction");
        return 0;
    }
}
