namespace TaskGen.Diagnostics;

/// <summary>
/// The names TaskGen publishes its traces and metrics under, for an OpenTelemetry setup such as
/// <c>.AddSource(TaskGenDiagnostics.SourceName)</c> and <c>.AddMeter(TaskGenDiagnostics.MeterName)</c>.
/// </summary>
public static class TaskGenDiagnostics
{
    /// <summary>
    /// The name of the <see cref="System.Diagnostics.ActivitySource"/> that records a producer span per task
    /// sent and a consumer span per task run, linked by the message's <c>traceparent</c> header.
    /// </summary>
    public const string SourceName = "TaskGen";

    /// <summary>
    /// The name of the <see cref="System.Diagnostics.Metrics.Meter"/> that counts tasks sent, received,
    /// succeeded and failed, times their runs and waits, and gauges the tasks active and prefetched.
    /// </summary>
    public const string MeterName = "TaskGen";
}
