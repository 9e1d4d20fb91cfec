namespace Basalt.Tests.Shards;

// Seeds for the randomized shard tests: BASALT_SEED when set, else a fresh one; a failure names the seed to replay.
internal static class TestSeed
{
    public static void Run(Action<int> body)
    {
        int seed = Environment.GetEnvironmentVariable("BASALT_SEED") is { Length: > 0 } text
            ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        try
        {
            body(seed);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"Failed with BASALT_SEED={seed}: {e.Message}\n{e}");
        }
    }
}
