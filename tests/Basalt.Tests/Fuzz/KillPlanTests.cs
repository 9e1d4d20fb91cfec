using Basalt.Fuzz.Crash;

namespace Basalt.Tests.Fuzz;

// An iteration's kill follows from its seed alone (a printed seed replays the same kind of kill in another process),
// and the mix is about one crash point in three, every crash point drawn.
public class KillPlanTests
{
    [Fact]
    public void The_plan_is_a_function_of_the_seed_and_mixes_kills_and_every_crash_point()
    {
        var options = new CrashFuzzOptions { SecondsPerIteration = 2 };
        // Fixed values: Seeds.Mix must not depend on the process (HashCode.Combine would).
        Assert.Equal(Seeds.Mix(1, 2), Seeds.Mix(1, 2));
        Assert.Equal(633_578_304, Seeds.Mix(7, 1));
        var plans = Enumerable.Range(0, 600).Select(s => KillPlan.For(s, options)).ToList();
        Assert.Equal(plans, Enumerable.Range(0, 600).Select(s => KillPlan.For(s, options)));
        int points = plans.Count(p => p.CrashPoint is not null);
        Assert.InRange(points, 150, 250);
        foreach (var name in Basalt.Server.Testing.CrashPoint.Names)
            Assert.Contains(plans, p => p.CrashPoint?.StartsWith(name + ":", StringComparison.Ordinal) == true);
        Assert.All(plans.Where(p => p.CrashPoint is null), p => Assert.InRange(p.KillAtSeconds, 0.05, 2.0));
        for (int s = 0; s < 20; s++)
            Assert.StartsWith("manifest-rename:", KillPlan.For(s, options with { CrashPoint = "manifest-rename" }).CrashPoint);
    }
}
