using System.Globalization;
using HdrHistogram;

namespace Basalt.Bench.Report;

// The three files the load generator writes per measured phase, next to each other under one base name
// (perf-results/load-<target>-<workload>.*):
//   .hlog  the latency histogram in HdrHistogram's log format (HistogramLogWriter: a header with the start time, then
//          one compressed interval histogram covering the measured window, tagged with the base name), readable by
//          HdrHistogram's HistogramLogProcessor and plotters; values in microseconds
//   .csv   its percentile distribution in HdrHistogram's CSV form (Value,Percentile,TotalCount,1/(1-Percentile)),
//          values in microseconds, five steps per halving of the remaining tail
//   .png   a percentile plot (ScottPlot): latency over the percentile on HdrHistogram's 1/(1-p) axis, so that
//          p50, p90, p99, p99.9 and p99.99 are evenly spaced
public static class LatencyFiles
{
    public static IReadOnlyList<string> Write(string directory, string baseName, HistogramBase latencyUs, DateTime startUtc, DateTime endUtc, string title)
    {
        Directory.CreateDirectory(directory);
        string stem = Path.Combine(directory, baseName);
        var histogram = latencyUs.Copy();
        histogram.StartTimeStamp = new DateTimeOffset(startUtc).ToUnixTimeMilliseconds();
        histogram.EndTimeStamp = new DateTimeOffset(endUtc).ToUnixTimeMilliseconds();
        histogram.Tag = baseName;
        // HdrHistogram.NET's writer emits UTF-16 with a byte-order mark; the log format (and the Java and Python
        // readers) are ASCII, so the text is re-encoded.
        using (var utf16 = new MemoryStream())
        {
            HistogramLogWriter.Write(utf16, startUtc, histogram);
            File.WriteAllText(stem + ".hlog", System.Text.Encoding.Unicode.GetString(utf16.ToArray()).TrimStart('\uFEFF'), System.Text.Encoding.ASCII);
        }
        using (var csv = new StreamWriter(stem + ".csv"))
            histogram.OutputPercentileDistribution(csv, percentileTicksPerHalfDistance: 5, outputValueUnitScalingRatio: 1, useCsvFormat: true);
        Plot(histogram, title, stem + ".png");
        return [stem + ".hlog", stem + ".csv", stem + ".png"];
    }

    // Percentile plot: x = log10(1 / (1 - p)), labelled as percentiles; y = latency in microseconds.
    private static void Plot(HistogramBase histogram, string title, string path)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        if (histogram.TotalCount > 0)
        {
            foreach (var v in histogram.Percentiles(5))
            {
                double p = v.PercentileLevelIteratedTo / 100;
                if (p >= 1) break;
                xs.Add(Math.Log10(1 / (1 - p)));
                ys.Add(v.ValueIteratedTo);
            }
            xs.Add(xs.Count == 0 ? 0 : Math.Max(xs[^1], Math.Log10(Math.Max(10, histogram.TotalCount))));
            ys.Add(histogram.GetMaxValue());
        }
        var plot = new ScottPlot.Plot();
        if (xs.Count > 0)
        {
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
            line.MarkerSize = 0;
            line.LineWidth = 2;
        }
        double[] ticks = [0, 1, 2, 3, 4, 5, 6];
        string[] labels = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"];
        int shown = Math.Clamp((int)Math.Ceiling(xs.Count > 0 ? xs[^1] : 3), 3, 6) + 1;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks[..shown], labels[..shown]);
        plot.Axes.SetLimitsX(0, shown - 1);
        plot.Axes.SetLimitsY(0, Math.Max(1, ys.Count > 0 ? ys.Max() * 1.05 : 1));
        plot.Title(title);
        plot.XLabel("percentile");
        plot.YLabel("latency (µs)");
        plot.SavePng(path, 900, 500);
    }

    // A name fragment: lower case letters, digits and '-' only.
    public static string Slug(string text) =>
        string.Concat(text.ToLower(CultureInfo.InvariantCulture).Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-'));
}
