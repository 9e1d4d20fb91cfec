namespace Basalt.Fuzz;

// The crash fuzzer and the SharpFuzz targets arrive with their issue; this entry point lists what exists.
public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("basalt-fuzz: no fuzz commands yet (crash fuzzing arrives with its issue)");
        return args.Length == 0 ? 0 : 2;
    }
}
