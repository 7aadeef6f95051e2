using System.Linq;
using System.Net;
using System.Threading.Tasks;
using TaskGen.Monitor.Api;

namespace TaskGen.Monitor.Tests.Api;

/// <summary>/metrics as Flower's prometheus_client writes it: names, HELP and TYPE lines, labels, histogram lines, numbers.</summary>
public sealed class MetricsTests
{
    private const double T = 1_796_671_900;

    [Fact]
    public async Task TheSixFamiliesHaveFlowersHelpTypeLabelsAndHistogramLines()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();
        host.Event(CeleryEvents.WorkerOnline("py56@lab", T, active: 1));
        host.Event(CeleryEvents.Sent("t1", "mon.add", T));
        host.Event(CeleryEvents.Received("t1", "mon.add", "py56@lab", T + 1));
        host.Event(CeleryEvents.Started("t1", "py56@lab", T + 1.5));
        host.Event(CeleryEvents.Succeeded("t1", "py56@lab", T + 2, runtime: 0.02));

        (HttpStatusCode status, string text) = await host.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, status);
        string[] lines = text.Split('\n');
        Assert.Equal(
            [
                "# HELP flower_events_total Number of events", "# TYPE flower_events_total counter",
                "# HELP flower_events_created Number of events", "# TYPE flower_events_created gauge",
                "# HELP flower_task_runtime_seconds Task runtime", "# TYPE flower_task_runtime_seconds histogram",
                "# HELP flower_task_runtime_seconds_created Task runtime", "# TYPE flower_task_runtime_seconds_created gauge",
                "# HELP flower_task_prefetch_time_seconds The time the task spent waiting at the celery worker to be executed.", "# TYPE flower_task_prefetch_time_seconds gauge",
                "# HELP flower_worker_prefetched_tasks Number of tasks of given type prefetched at a worker", "# TYPE flower_worker_prefetched_tasks gauge",
                "# HELP flower_worker_online Worker online status", "# TYPE flower_worker_online gauge",
                "# HELP flower_worker_number_of_currently_executing_tasks Number of tasks currently executing at a worker", "# TYPE flower_worker_number_of_currently_executing_tasks gauge",
            ],
            lines.Where(l => l.StartsWith('#')));
        Assert.Contains("flower_events_total{task=\"mon.add\",type=\"task-sent\",worker=\"gen1@vm\"} 1.0", lines);
        Assert.Single(lines, l => l.StartsWith("flower_events_created{task=\"mon.add\",type=\"task-sent\",worker=\"gen1@vm\"} 1.", System.StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("flower_task_runtime_seconds_created{task=\"mon.add\",worker=\"py56@lab\"} 1.", System.StringComparison.Ordinal));
        Assert.Contains("flower_events_total{task=\"mon.add\",type=\"task-succeeded\",worker=\"py56@lab\"} 1.0", lines);
        Assert.Contains("flower_task_runtime_seconds_bucket{le=\"0.01\",task=\"mon.add\",worker=\"py56@lab\"} 0.0", lines);
        Assert.Contains("flower_task_runtime_seconds_bucket{le=\"0.025\",task=\"mon.add\",worker=\"py56@lab\"} 1.0", lines);
        Assert.Contains("flower_task_runtime_seconds_bucket{le=\"1.0\",task=\"mon.add\",worker=\"py56@lab\"} 1.0", lines);
        Assert.Contains("flower_task_runtime_seconds_bucket{le=\"+Inf\",task=\"mon.add\",worker=\"py56@lab\"} 1.0", lines);
        Assert.Equal(15, lines.Count(l => l.StartsWith("flower_task_runtime_seconds_bucket{", System.StringComparison.Ordinal)));
        Assert.Contains("flower_task_runtime_seconds_count{task=\"mon.add\",worker=\"py56@lab\"} 1.0", lines);
        Assert.Contains("flower_task_runtime_seconds_sum{task=\"mon.add\",worker=\"py56@lab\"} 0.02", lines);
        Assert.Contains("flower_task_prefetch_time_seconds{task=\"mon.add\",worker=\"py56@lab\"} 0.0", lines);
        Assert.Contains("flower_worker_prefetched_tasks{task=\"mon.add\",worker=\"py56@lab\"} 0.0", lines);
        Assert.Contains("flower_worker_online{worker=\"py56@lab\"} 1.0", lines);
        Assert.Contains("flower_worker_number_of_currently_executing_tasks{worker=\"py56@lab\"} 1.0", lines);
    }

    [Fact]
    public async Task LabelValuesAreEscaped()
    {
        await using MonitorTestHost host = await MonitorTestHost.StartAsync();
        host.Event("""{"type":"task-received","hostname":"w@a","timestamp":1.0,"uuid":"t1","name":"odd\"name\\with\nnewline"}""");

        string text = (await host.GetAsync("/metrics")).Body;

        Assert.Contains("flower_events_total{task=\"odd\\\"name\\\\with\\nnewline\",type=\"task-received\",worker=\"w@a\"} 1.0\n", text);
    }

    [Theory]
    [InlineData(4.0, "4.0")]
    [InlineData(0.0, "0.0")]
    [InlineData(0.005, "0.005")]
    [InlineData(0.22060433100017462, "0.22060433100017462")]
    [InlineData(0.0018680095672607422, "0.0018680095672607422")]
    [InlineData(1796671858.3954697, "1.7966718583954697e+09")]
    [InlineData(1000000000.0, "1e+09")]
    [InlineData(123456.0, "123456.0")]
    [InlineData(1234567.0, "1.234567e+06")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1e16, "1e+16")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    public void NumbersAreWrittenAsPrometheusClientWritesThem(double value, string expected)
    {
        Assert.Equal(expected, PrometheusText.GoFloat(value));
    }
}
