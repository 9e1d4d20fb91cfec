namespace Basalt.Tests.Storage.Memtable;

// Runs a randomized test with a seed from BASALT_SEED (to replay a failure) or a fresh one, and names the
// seed in the failure message. Local to the memtable tests until the test project has a shared helper.
internal static class Seeded
{
    public static int Seed() =>
        int.TryParse(Environment.GetEnvironmentVariable("BASALT_SEED"), out int seed) ? seed : Random.Shared.Next();

    public static void Run(Action<int> test)
    {
        int seed = Seed();
        try
        {
            test(seed);
        }
        catch (Exception e)
        {
            throw new Exception($"failed with seed {seed} (replay: BASALT_SEED={seed}): {e.Message}", e);
        }
    }
}
