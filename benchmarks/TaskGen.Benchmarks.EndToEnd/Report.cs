using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>Everything one harness run measured, as written to the JSON file.</summary>
/// <param name="Date">When the run ended.</param>
/// <param name="Cores">The machine's processor count.</param>
/// <param name="Concurrency">The worker concurrency every contender used.</param>
/// <param name="Results">The throughput and latency figures.</param>
/// <param name="Footprint">The worker footprint, when measured.</param>
/// <param name="Startup">Ready time and idle memory of the JIT, native AOT and Celery workers, when measured.</param>
/// <param name="Scale">The scale curves and the native AOT worker under load, when measured.</param>
/// <param name="Soak">Runs, losses and duplicates under repeated connection drops, when the soak ran.</param>
/// <param name="Beat">The scheduler's tick lateness and failover gaps, when the beat workload ran.</param>
internal sealed record Report(DateTimeOffset Date, int Cores, int Concurrency, IReadOnlyList<Measurement> Results, Footprint.Figures? Footprint, IReadOnlyList<Startup.StartupFigures>? Startup = null, ScaleWorkloads.ScaleFigures? Scale = null, Soak.SoakFigures? Soak = null, IReadOnlyList<ChordBench.ChordFigures>? Chords = null, BeatBench.BeatFigures? Beat = null);

/// <summary>Source-generated JSON contracts for the report.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Report))]
internal sealed partial class ReportJson : JsonSerializerContext
{
}
