using System.Globalization;
using HdrHistogram;

namespace Basalt.Bench.Report;

// The three files the load generator writes per measured phase, next to each other under one base name
// (perf-results/load-<target>-<workload>.*):
//   .hlog  the latency histogram in HdrHistogram's log format (HistogramLogWriter: a header with the start time, then
//          one compressed histogram per second of the measured window, or one covering it when the figures are
//          merged from rounds, tagged with the base name), readable by HdrHistogram's HistogramLogProcessor and
//          plotters; values in microseconds
//   .csv   its percentile distribution in HdrHistogram's CSV form (Value,Percentile,TotalCount,1/(1-Percentile)),
//          values in microseconds, five steps per halving of the remaining tail
//   .png   a percentile plot (ScottPlot): latency (log scale) over the percentile on HdrHistogram's 1/(1-p) axis,
//          so that p90, p99, p99.9 and p99.99 are evenly spaced and servers whose tails differ a hundredfold fit
public static class LatencyFiles
{
    // intervals: the window second by second (LoadFigures.Intervals, stamped), written to the .hlog instead of the sum.
    public static IReadOnlyList<string> Write(string directory, string baseName, HistogramBase latencyUs, DateTime startUtc, DateTime endUtc, string title,
        IReadOnlyList<HistogramBase>? intervals = null) =>
        WriteSeries(directory, baseName, [(baseName, latencyUs)], startUtc, endUtc, title, intervals);

    // Several servers' histograms of one workload in one set of files: the .hlog holds one histogram per server, each
    // tagged with its name; the .csv has each server's distribution under a line naming it (one series: no such
    // line, HdrHistogram's CSV as is); the .png one curve per server.
    public static IReadOnlyList<string> WriteSeries(string directory, string baseName, IReadOnlyList<(string Tag, HistogramBase LatencyUs)> series,
        DateTime startUtc, DateTime endUtc, string title, IReadOnlyList<HistogramBase>? intervals = null)
    {
        Directory.CreateDirectory(directory);
        string stem = Path.Combine(directory, baseName);
        var histograms = series.Select(x =>
        {
            var h = x.LatencyUs.Copy();
            h.StartTimeStamp = new DateTimeOffset(startUtc).ToUnixTimeMilliseconds();
            h.EndTimeStamp = new DateTimeOffset(endUtc).ToUnixTimeMilliseconds();
            h.Tag = x.Tag;
            return h;
        }).ToArray();
        // HdrHistogram.NET's writer emits UTF-16 with a byte-order mark; the log format (and the Java and Python
        // readers) are ASCII, so the text is re-encoded.
        using (var utf16 = new MemoryStream())
        {
            var logged = intervals is { Count: > 0 } && histograms.Length == 1
                ? intervals.Select(i => { var c = i.Copy(); c.StartTimeStamp = i.StartTimeStamp; c.EndTimeStamp = i.EndTimeStamp; c.Tag = histograms[0].Tag; return c; }).ToArray()
                : histograms;
            HistogramLogWriter.Write(utf16, startUtc, logged);
            File.WriteAllText(stem + ".hlog", System.Text.Encoding.Unicode.GetString(utf16.ToArray()).TrimStart('\uFEFF'), System.Text.Encoding.ASCII);
        }
        using (var csv = new StreamWriter(stem + ".csv"))
        {
            foreach (var h in histograms)
            {
                if (histograms.Length > 1) csv.WriteLine($"# {h.Tag}");
                h.OutputPercentileDistribution(csv, percentileTicksPerHalfDistance: 5, outputValueUnitScalingRatio: 1, useCsvFormat: true);
            }
        }
        Plot(histograms, title, stem + ".png");
        return [stem + ".hlog", stem + ".csv", stem + ".png"];
    }

    // Percentile plot: x = log10(1 / (1 - p)), labelled as percentiles; y = log10 of the latency in microseconds,
    // labelled in microseconds at the powers of ten.
    private static void Plot(HistogramBase[] histograms, string title, string path)
    {
        var plot = new ScottPlot.Plot();
        double xMax = 3, yMax = 0;
        foreach (var histogram in histograms)
        {
            if (histogram.TotalCount == 0) continue;
            var xs = new List<double>();
            var ys = new List<double>();
            foreach (var v in histogram.Percentiles(5))
            {
                double p = v.PercentileLevelIteratedTo / 100;
                if (p >= 1) break;
                xs.Add(Math.Log10(1 / (1 - p)));
                ys.Add(Math.Log10(Math.Max(1, v.ValueIteratedTo)));
            }
            xs.Add(xs.Count == 0 ? 0 : Math.Max(xs[^1], Math.Log10(Math.Max(10, histogram.TotalCount))));
            ys.Add(Math.Log10(Math.Max(1, histogram.GetMaxValue())));
            var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
            line.MarkerSize = 0;
            line.LineWidth = 2;
            if (histograms.Length > 1) line.LegendText = histogram.Tag;
            xMax = Math.Max(xMax, xs[^1]);
            yMax = Math.Max(yMax, ys.Max());
        }
        double[] ticks = [0, 1, 2, 3, 4, 5, 6];
        string[] labels = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"];
        int shown = Math.Clamp((int)Math.Ceiling(xMax), 3, 6) + 1;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks[..shown], labels[..shown]);
        plot.Axes.SetLimitsX(0, shown - 1);
        int decades = Math.Max(1, (int)Math.Ceiling(yMax));
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, decades + 1).Select(d => (double)d).ToArray(),
            Enumerable.Range(0, decades + 1).Select(d => Math.Pow(10, d).ToString("N0", CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimitsY(0, decades);
        if (histograms.Length > 1) plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        plot.Title(title);
        plot.XLabel("percentile");
        plot.YLabel("latency (µs, log scale)");
        plot.SavePng(path, 900, 500);
    }

    // A name fragment: lower case letters, digits and '-' only.
    public static string Slug(string text) =>
        string.Concat(text.ToLower(CultureInfo.InvariantCulture).Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-'));
}
