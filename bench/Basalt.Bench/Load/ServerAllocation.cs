using System.Globalization;

namespace Basalt.Bench.Load;

// What a Basalt server allocated on its managed heap per request answered, from its GET /metrics
// (basalt_gc_allocated_bytes_total over the sum of basalt_requests_total), read before and after a measured phase.
// Both counters are the server's own, so the figure is per request whatever the client did (the phase's warm-up
// requests included; the GET /metrics themselves are not requests but their few KB are in the bytes); null for a
// server without those metrics (dynalite).
public static class ServerAllocation
{
    public readonly record struct Reading(long AllocatedBytes, long Requests);

    public static async Task<Reading?> ReadAsync(Uri endpoint)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            string text = await http.GetStringAsync(new Uri(endpoint, "/metrics"));
            long? allocated = null;
            long requests = 0;
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith("basalt_gc_allocated_bytes_total ", StringComparison.Ordinal))
                    allocated = (long)double.Parse(line.AsSpan(line.LastIndexOf(' ') + 1), CultureInfo.InvariantCulture);
                else if (line.StartsWith("basalt_requests_total{", StringComparison.Ordinal))
                    requests += (long)double.Parse(line.AsSpan(line.LastIndexOf(' ') + 1), CultureInfo.InvariantCulture);
            }
            return allocated is { } a ? new Reading(a, requests) : null;
        }
        catch (HttpRequestException) { return null; }
        catch (TaskCanceledException) { return null; }
        catch (FormatException) { return null; }
    }
}
