namespace Basalt.Bench;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("basalt-bench");
        return 0;
    }
}
