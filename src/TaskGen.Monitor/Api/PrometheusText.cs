using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor.Api;

/// <summary>
/// Flower's six metric families in the Prometheus text format 0.0.4, written as Flower's <c>prometheus_client</c> writes
/// them: the same HELP and TYPE lines, labels sorted by name, values and <c>le</c> bounds formatted as Go does
/// (<c>4.0</c>, <c>+Inf</c>, <c>1.7e+09</c>), so Flower's Grafana dashboard and alerts read them unchanged.
/// </summary>
internal static class PrometheusText
{
    /// <summary>The exposition format's content type.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Renders the families.</summary>
    public static string Render(MonitorMetrics metrics)
    {
        var text = new StringBuilder(4096);
        Family(text, "flower_events_total", "Number of events", "counter");
        foreach (KeyValuePair<(string Worker, string Type, string Task), double> pair in metrics.Events)
        {
            Sample(text, "flower_events_total", [("task", pair.Key.Task), ("type", pair.Key.Type), ("worker", pair.Key.Worker)], pair.Value);
        }

        // prometheus_client writes each counter's and histogram's creation time as a gauge family of its own.
        Family(text, "flower_events_created", "Number of events", "gauge");
        foreach (KeyValuePair<(string Worker, string Type, string Task), double> pair in metrics.EventsCreated)
        {
            Sample(text, "flower_events_created", [("task", pair.Key.Task), ("type", pair.Key.Type), ("worker", pair.Key.Worker)], pair.Value);
        }

        Family(text, "flower_task_runtime_seconds", "Task runtime", "histogram");
        foreach (KeyValuePair<(string Worker, string Task), RuntimeHistogram> pair in metrics.Runtime)
        {
            long cumulative = 0;
            for (int i = 0; i < pair.Value.Buckets.Length; i++)
            {
                cumulative += pair.Value.Buckets[i];
                double bound = i < MonitorMetrics.RuntimeBuckets.Length ? MonitorMetrics.RuntimeBuckets[i] : double.PositiveInfinity;
                Sample(text, "flower_task_runtime_seconds_bucket", [("le", GoFloat(bound)), ("task", pair.Key.Task), ("worker", pair.Key.Worker)], cumulative);
            }

            Sample(text, "flower_task_runtime_seconds_count", [("task", pair.Key.Task), ("worker", pair.Key.Worker)], pair.Value.Count);
            Sample(text, "flower_task_runtime_seconds_sum", [("task", pair.Key.Task), ("worker", pair.Key.Worker)], pair.Value.Sum);
        }

        Family(text, "flower_task_runtime_seconds_created", "Task runtime", "gauge");
        foreach (KeyValuePair<(string Worker, string Task), RuntimeHistogram> pair in metrics.Runtime)
        {
            Sample(text, "flower_task_runtime_seconds_created", [("task", pair.Key.Task), ("worker", pair.Key.Worker)], pair.Value.Created);
        }

        Family(text, "flower_task_prefetch_time_seconds", "The time the task spent waiting at the celery worker to be executed.", "gauge");
        foreach (KeyValuePair<(string Worker, string Task), double> pair in metrics.PrefetchTime)
        {
            Sample(text, "flower_task_prefetch_time_seconds", [("task", pair.Key.Task), ("worker", pair.Key.Worker)], pair.Value);
        }

        Family(text, "flower_worker_prefetched_tasks", "Number of tasks of given type prefetched at a worker", "gauge");
        foreach (KeyValuePair<(string Worker, string Task), double> pair in metrics.PrefetchedTasks)
        {
            Sample(text, "flower_worker_prefetched_tasks", [("task", pair.Key.Task), ("worker", pair.Key.Worker)], pair.Value);
        }

        Family(text, "flower_worker_online", "Worker online status", "gauge");
        foreach (KeyValuePair<string, double> pair in metrics.WorkerOnline)
        {
            Sample(text, "flower_worker_online", [("worker", pair.Key)], pair.Value);
        }

        Family(text, "flower_worker_number_of_currently_executing_tasks", "Number of tasks currently executing at a worker", "gauge");
        foreach (KeyValuePair<string, double> pair in metrics.Executing)
        {
            Sample(text, "flower_worker_number_of_currently_executing_tasks", [("worker", pair.Key)], pair.Value);
        }

        return text.ToString();
    }

    /// <summary>
    /// A number as <c>prometheus_client</c>'s <c>floatToGoString</c> writes it: Python's <c>repr</c>, except that a
    /// positive number with more than six digits before the point switches to an exponent, as Go does.
    /// </summary>
    public static string GoFloat(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        if (double.IsNaN(value))
        {
            return "NaN";
        }

        string repr = PythonRepr(value);
        int dot = repr.IndexOf('.', StringComparison.Ordinal);
        if (value > 0 && dot > 6)
        {
            string mantissa = (repr[0] + "." + repr[1..dot] + repr[(dot + 1)..]).TrimEnd('0', '.');
            return mantissa + "e+0" + (dot - 1).ToString(CultureInfo.InvariantCulture);
        }

        return repr;
    }

    /// <summary>Python's <c>repr(float)</c>: the shortest digits that read back, fixed between 1e-4 and 1e16, with <c>.0</c> on whole numbers.</summary>
    public static string PythonRepr(double value)
    {
        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }

        // "E16" is not the shortest; "R" is, in either notation, so take its digits and exponent apart.
        string r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        int exponentAt = r.IndexOfAny(['E', 'e']);
        int exponent = exponentAt >= 0 ? int.Parse(r.AsSpan(exponentAt + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        string mantissa = exponentAt >= 0 ? r[..exponentAt] : r;
        int point = mantissa.IndexOf('.', StringComparison.Ordinal);
        string digits = point >= 0 ? mantissa.Remove(point, 1) : mantissa;
        int pointAt = (point >= 0 ? point : mantissa.Length) + exponent;
        int leading = 0;
        while (leading < digits.Length - 1 && digits[leading] == '0')
        {
            leading++;
        }

        digits = digits[leading..].TrimEnd('0');
        pointAt -= leading;
        if (digits.Length == 0)
        {
            digits = "0";
        }

        int decimalExponent = pointAt - 1;
        string sign = value < 0 ? "-" : string.Empty;
        if (decimalExponent is < -4 or >= 16)
        {
            string fraction = digits.Length > 1 ? "." + digits[1..] : string.Empty;
            string e = (decimalExponent < 0 ? "-" : "+") + Math.Abs(decimalExponent).ToString("00", CultureInfo.InvariantCulture);
            return sign + digits[0] + fraction + "e" + e;
        }

        if (pointAt <= 0)
        {
            return sign + "0." + new string('0', -pointAt) + digits;
        }

        if (pointAt >= digits.Length)
        {
            return sign + digits + new string('0', pointAt - digits.Length) + ".0";
        }

        return sign + digits[..pointAt] + "." + digits[pointAt..];
    }

    private static void Family(StringBuilder text, string name, string help, string type) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, (string Name, string Value)[] labels, double value)
    {
        text.Append(name).Append('{');
        for (int i = 0; i < labels.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(labels[i].Name).Append("=\"");
            foreach (char c in labels[i].Value)
            {
                _ = c switch
                {
                    '\\' => text.Append("\\\\"),
                    '"' => text.Append("\\\""),
                    '\n' => text.Append("\\n"),
                    _ => text.Append(c),
                };
            }

            text.Append('"');
        }

        text.Append("} ").Append(GoFloat(value)).Append('\n');
    }
}
