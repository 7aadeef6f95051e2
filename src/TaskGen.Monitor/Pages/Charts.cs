using System;
using System.Globalization;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Pages;

/// <summary>
/// The front page's two charts as inline SVG, drawn here so they show without script: throughput (succeeded and failed
/// per 10 seconds over 10 minutes, which the live view redraws) and the runtime histogram from Flower's runtime metric.
/// </summary>
internal static class Charts
{
    private const int Width = 600;
    private const int Height = 160;
    private const int Bottom = 140;

    public static void Throughput(Html body, LiveSummary summary)
    {
        int most = 1;
        for (int i = 0; i < LiveSummary.Buckets; i++)
        {
            most = Math.Max(most, summary.Succeeded[i] + summary.Failed[i]);
        }

        body.Raw("<section class=\"chart\"><h2>Throughput <small>succeeded and failed per 10 s, last 10 minutes</small></h2>")
            .Raw("<svg id=\"throughput\" class=\"chart\" role=\"img\" aria-label=\"Throughput\" viewBox=\"0 0 ").Raw(Num(Width)).Raw(" ").Raw(Num(Height)).Raw("\">");
        Axis(body, most);
        double step = (Width - 40) / (double)LiveSummary.Buckets;
        for (int i = 0; i < LiveSummary.Buckets; i++)
        {
            double x = 40 + (i * step);
            double ok = Scale(summary.Succeeded[i], most);
            double bad = Scale(summary.Failed[i], most);
            Bar(body, x, step - 1, Bottom - ok, ok, "bar-ok", $"{summary.Succeeded[i]} succeeded");
            Bar(body, x, step - 1, Bottom - ok - bad, bad, "bar-fail", $"{summary.Failed[i]} failed");
        }

        body.Raw("<text x=\"40\" y=\"156\" class=\"tick\">-10 min</text><text x=\"").Raw(Num(Width - 4)).Raw("\" y=\"156\" class=\"tick end\">now</text>");
        body.Raw("</svg><p class=\"legend\"><span class=\"key bar-ok\"></span>succeeded <span class=\"key bar-fail\"></span>failed</p></section>");
    }

    public static void Runtime(Html body, MonitorMetrics metrics)
    {
        double[] bounds = MonitorMetrics.RuntimeBuckets;
        long[] counts = new long[bounds.Length + 1];
        long total = 0;
        foreach (RuntimeHistogram histogram in metrics.Runtime.Values)
        {
            for (int i = 0; i < counts.Length; i++)
            {
                counts[i] += histogram.Buckets[i];
            }

            total += histogram.Count;
        }

        long most = 1;
        foreach (long count in counts)
        {
            most = Math.Max(most, count);
        }

        body.Raw("<section class=\"chart\"><h2>Runtime <small>tasks by run time, all workers (").Text(total.ToString("N0", CultureInfo.InvariantCulture)).Raw(" observed)</small></h2>")
            .Raw("<svg id=\"runtime\" class=\"chart\" role=\"img\" aria-label=\"Runtime histogram\" viewBox=\"0 0 ").Raw(Num(Width)).Raw(" ").Raw(Num(Height)).Raw("\">");
        Axis(body, most);
        double step = (Width - 40) / (double)counts.Length;
        for (int i = 0; i < counts.Length; i++)
        {
            double x = 40 + (i * step);
            double h = Scale(counts[i], most);
            string label = i < bounds.Length ? "≤ " + Html.Duration(bounds[i]) : "> " + Html.Duration(bounds[^1]);
            Bar(body, x + 2, step - 4, Bottom - h, h, "bar-run", $"{label}: {counts[i]}");
            body.Raw("<text class=\"tick mid\"").Attr("x", Num(x + (step / 2))).Raw(" y=\"154\">").Text(i < bounds.Length ? bounds[i].ToString("0.###", CultureInfo.InvariantCulture) : "+∞").Raw("</text>");
        }

        body.Raw("</svg><p class=\"legend\">upper bound of each bucket, seconds</p></section>");
    }

    private static void Axis(Html body, long most)
    {
        body.Raw("<line class=\"axis\" x1=\"38\" y1=\"").Raw(Num(Bottom)).Raw("\" x2=\"").Raw(Num(Width)).Raw("\" y2=\"").Raw(Num(Bottom)).Raw("\"/>")
            .Raw("<text class=\"tick end\" x=\"34\" y=\"14\">").Text(most.ToString(CultureInfo.InvariantCulture)).Raw("</text>")
            .Raw("<text class=\"tick end\" x=\"34\" y=\"").Raw(Num(Bottom)).Raw("\">0</text>");
    }

    private static void Bar(Html body, double x, double width, double y, double height, string cssClass, string title)
    {
        if (height <= 0)
        {
            return;
        }

        body.Raw("<rect").Attr("class", cssClass).Attr("x", Num(x)).Attr("y", Num(y)).Attr("width", Num(Math.Max(1, width))).Attr("height", Num(height))
            .Raw("><title>").Text(title).Raw("</title></rect>");
    }

    private static double Scale(long value, long most) => value <= 0 ? 0 : Math.Max(1, (Bottom - 10) * (double)value / most);

    private static string Num(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
