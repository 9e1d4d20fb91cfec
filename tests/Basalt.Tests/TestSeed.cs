using Xunit.Abstractions;

namespace Basalt.Tests;

// The one seed helper of the test project. Seeds for randomized tests: BASALT_SEED when set (to reproduce a failure), else a fresh one. The seed is
// written to the test output and put into the failure message, so any failure can be replayed.
public static class TestSeed
{
    public static int Get(ITestOutputHelper? output = null)
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("BASALT_SEED"), out int s) ? s : Random.Shared.Next();
        output?.WriteLine($"BASALT_SEED={seed}");
        return seed;
    }

    public static void Run(Action<int> test) => Run(null, test);

    public static void Run(ITestOutputHelper? output, Action<int> test)
    {
        int seed = Get(output);
        try
        {
            test(seed);
        }
        catch (Exception e)
        {
            throw new Exception($"failed with BASALT_SEED={seed}: {e.Message}", e);
        }
    }

    public static async Task RunAsync(ITestOutputHelper output, Func<int, Task> test)
    {
        int seed = Get(output);
        try
        {
            await test(seed);
        }
        catch (Exception e)
        {
            throw new Exception($"failed with BASALT_SEED={seed}: {e.Message}", e);
        }
    }
}
