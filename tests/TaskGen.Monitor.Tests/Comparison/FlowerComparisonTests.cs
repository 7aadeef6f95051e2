using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using TaskGen.Integration.Tests;
using TaskGen.Interop.Tests;
using Xunit.Abstractions;

namespace TaskGen.Monitor.Tests.Comparison;

/// <summary>
/// TaskGen's monitor and Flower 2.1 side by side on one broker and one event stream, with a Python Celery 5.6 worker
/// and a TaskGen worker: their <c>/api/workers</c>, <c>/api/tasks</c> and <c>/api/task/info</c> answers agree field by
/// field, and their <c>/metrics</c> carry the same families, label names and event counts, so Flower's scripts and
/// Grafana dashboard read either.
/// </summary>
public sealed partial class FlowerComparisonTests(RabbitMqFixture broker, ITestOutputHelper output) : IntegrationTest(broker)
{
    /// <summary>Fields that are the receiving process's own, not the events': none so far; each entry says why.</summary>
    private static readonly HashSet<string> s_processLocal = new(StringComparer.Ordinal);

    [Fact]
    public async Task TheMonitorAndFlowerAnswerTheSameForTheSameEvents()
    {
        await using FlowerProcess flower = await FlowerProcess.StartAsync(Broker.Url);
        await using LoopbackServer monitor = await StartMonitorAsync(Broker.Url);
        string pythonNode = PythonCeleryWorker.UniqueNodeName("py56");
        await using PythonCeleryWorker python = await PythonCeleryWorker.StartAsync(Python.Celery56, Broker.Url, "monitor-" + Guid.NewGuid().ToString("N")[..8], pythonNode);
        string dotnetNode = PythonCeleryWorker.UniqueNodeName("dotnet");
        await using ProgramProcess dotnet = await ProgramProcess.StartWorkerAsync(CeleryAppProgram, Broker.Url, "calc", dotnetNode, 2, "-E");

        // Both watch from before the work starts, so each sees every event.
        await flower.WaitForWorkerAsync(pythonNode);
        await flower.WaitForWorkerAsync(dotnetNode);
        JsonElement mix = await python.SendMixAsync();
        AsyncResult<double> call = App.Send(CeleryApp.Tasks.Remote.Geometry.RectArea.Signature(6, 7));
        Assert.Equal(42, await call.GetAsync(Guard));
        var finals = new Dictionary<string, string>
        {
            [mix.GetProperty("add").GetString()!] = "SUCCESS",
            [mix.GetProperty("fail").GetString()!] = "FAILURE",
            [mix.GetProperty("retry").GetString()!] = "SUCCESS",
            [call.Id] = "SUCCESS",
        };
        foreach (JsonElement member in mix.GetProperty("group").EnumerateArray())
        {
            finals[member.GetString()!] = "SUCCESS";
        }

        foreach ((string id, string state) in finals)
        {
            await flower.WaitForTaskAsync(id, state);
            await WaitForAsync(monitor.Http, $"api/task/info/{id}", e => e.GetProperty("state").GetString() == state, $"the monitor to see {id} {state}");
        }

        // /api/task/info: every field Flower gives, with the same value.
        foreach (string id in finals.Keys)
        {
            JsonElement theirs = await flower.GetJsonAsync($"api/task/info/{id}");
            JsonElement ours = await GetJsonAsync(monitor.Http, $"api/task/info/{id}");
            AssertSameFields($"task/info/{id}", theirs, ours);
        }

        // /api/tasks: the same tasks, each with the same fields.
        JsonElement theirTasks = await flower.GetJsonAsync("api/tasks");
        JsonElement ourTasks = await GetJsonAsync(monitor.Http, "api/tasks");
        foreach (string id in finals.Keys)
        {
            AssertSameFields($"tasks[{id}]", theirTasks.GetProperty(id), ourTasks.GetProperty(id));
        }

        JsonElement theirFailures = await flower.GetJsonAsync("api/tasks?state=FAILURE&limit=10");
        JsonElement ourFailures = await GetJsonAsync(monitor.Http, "api/tasks?state=FAILURE&limit=10");
        Assert.Equal(Ids(theirFailures).Where(finals.ContainsKey).Order(), Ids(ourFailures).Where(finals.ContainsKey).Order());

        // /api/workers?refresh=1: both workers, each with the same sections, and the same replies inside them.
        JsonElement theirWorkers = await flower.GetJsonAsync("api/workers?refresh=1");
        JsonElement ourWorkers = await GetJsonAsync(monitor.Http, "api/workers?refresh=1");
        foreach (string node in new[] { pythonNode, dotnetNode })
        {
            JsonElement theirs = theirWorkers.GetProperty(node);
            JsonElement ours = ourWorkers.GetProperty(node);
            Assert.Equal(Keys(theirs), Keys(ours));
            Assert.Equal(Keys(theirs.GetProperty("stats")), Keys(ours.GetProperty("stats")));
            Assert.True(JsonEquals(theirs.GetProperty("registered"), ours.GetProperty("registered")), $"registered of {node}: {ours.GetProperty("registered")} against Flower's {theirs.GetProperty("registered")}");
            Assert.True(JsonEquals(theirs.GetProperty("active_queues"), ours.GetProperty("active_queues")), $"active_queues of {node}: {ours.GetProperty("active_queues")} against Flower's {theirs.GetProperty("active_queues")}");
        }

        JsonElement theirStatus = await flower.GetJsonAsync("api/workers?status=1");
        JsonElement ourStatus = await GetJsonAsync(monitor.Http, "api/workers?status=1");
        Assert.True(theirStatus.GetProperty(pythonNode).GetBoolean() && ourStatus.GetProperty(pythonNode).GetBoolean());
        Assert.True(theirStatus.GetProperty(dotnetNode).GetBoolean() && ourStatus.GetProperty(dotnetNode).GetBoolean());

        // /metrics: the six families with the same types and label names, and the same event counts for these workers.
        (Dictionary<string, string> theirTypes, Dictionary<string, double> theirSeries) = Metrics(await flower.Http.GetStringAsync("metrics"));
        (Dictionary<string, string> ourTypes, Dictionary<string, double> ourSeries) = Metrics(await monitor.Http.GetStringAsync("metrics"));
        foreach (string family in new[] { "flower_events_total", "flower_task_runtime_seconds", "flower_task_prefetch_time_seconds", "flower_worker_prefetched_tasks", "flower_worker_online", "flower_worker_number_of_currently_executing_tasks" })
        {
            Assert.True(theirTypes.ContainsKey(family), $"Flower has no {family}");
            Assert.Equal(theirTypes[family], ourTypes.GetValueOrDefault(family));
        }

        Assert.Equal(LabelNames(theirSeries.Keys), LabelNames(ourSeries.Keys));
        string[] ourEvents = [.. ourSeries.Keys.Where(k => k.StartsWith("flower_events_total{", StringComparison.Ordinal) && (k.Contains(pythonNode, StringComparison.Ordinal) || k.Contains(dotnetNode, StringComparison.Ordinal))).Order()];
        string[] theirEvents = [.. theirSeries.Keys.Where(k => k.StartsWith("flower_events_total{", StringComparison.Ordinal) && (k.Contains(pythonNode, StringComparison.Ordinal) || k.Contains(dotnetNode, StringComparison.Ordinal))).Order()];
        Assert.Equal(theirEvents, ourEvents);
        Assert.All(theirEvents, key => Assert.Equal(theirSeries[key], ourSeries[key]));
        foreach (string node in new[] { pythonNode, dotnetNode })
        {
            string online = $"flower_worker_online{{worker=\"{node}\"}}";
            Assert.Equal(theirSeries[online], ourSeries[online]);
        }
    }

    private static async Task<LoopbackServer> StartMonitorAsync(string brokerUrl) =>
        await LoopbackServer.StartAsync(app => app.MapTaskGenMonitor("/"), builder =>
        {
            builder.Services.AddTaskGen(o => o.BrokerUrl = brokerUrl);
            builder.Services.AddTaskGenMonitor(o => o.InspectInterval = TimeSpan.FromSeconds(2));
        });

    /// <summary>Every field Flower gives is in ours with the same JSON value; fields Flower leaves out are not compared.</summary>
    private void AssertSameFields(string what, JsonElement theirs, JsonElement ours)
    {
        var differences = new List<string>();
        foreach (JsonProperty field in theirs.EnumerateObject())
        {
            if (s_processLocal.Contains(field.Name))
            {
                continue;
            }

            if (!ours.TryGetProperty(field.Name, out JsonElement mine))
            {
                differences.Add($"{field.Name}: missing (Flower: {field.Value})");
            }
            else if (!JsonEquals(field.Value, mine))
            {
                differences.Add($"{field.Name}: {mine} (Flower: {field.Value})");
            }
        }

        foreach (JsonProperty field in ours.EnumerateObject())
        {
            if (!theirs.TryGetProperty(field.Name, out _))
            {
                differences.Add($"{field.Name}: not in Flower's answer");
            }
        }

        output.WriteLine($"{what}: {theirs}");
        Assert.True(differences.Count == 0, $"{what} differs from Flower's:\n{string.Join('\n', differences)}");
    }

    private static bool JsonEquals(JsonElement a, JsonElement b) => (a.ValueKind, b.ValueKind) switch
    {
        (JsonValueKind.Number, JsonValueKind.Number) => Math.Abs(a.GetDouble() - b.GetDouble()) < 1e-6,
        (JsonValueKind.Array, JsonValueKind.Array) => a.GetArrayLength() == b.GetArrayLength() && a.EnumerateArray().Zip(b.EnumerateArray()).All(p => JsonEquals(p.First, p.Second)),
        (JsonValueKind.Object, JsonValueKind.Object) => Keys(a).SequenceEqual(Keys(b)) && a.EnumerateObject().All(p => JsonEquals(p.Value, b.GetProperty(p.Name))),
        _ => a.ValueKind == b.ValueKind && a.ToString() == b.ToString(),
    };

    private static string[] Keys(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    private static IEnumerable<string> Ids(JsonElement tasks) => tasks.ValueKind == JsonValueKind.Object ? tasks.EnumerateObject().Select(p => p.Name) : [];

    /// <summary>Each family's declared type, and each sample line's value by its name and labels.</summary>
    private static (Dictionary<string, string> Types, Dictionary<string, double> Series) Metrics(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ');
                types[parts[2]] = parts[3];
            }
            else if (!line.StartsWith('#'))
            {
                int space = line.LastIndexOf(' ');
                series[line[..space]] = double.Parse(line[(space + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return (types, series);
    }

    /// <summary>The distinct "name{label names}" shapes of the Flower families' samples.</summary>
    private static string[] LabelNames(IEnumerable<string> keys) =>
        [.. keys.Where(k => k.StartsWith("flower_", StringComparison.Ordinal))
            .Select(k => LabelValues().Replace(k, "=\"\""))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        string text = await http.GetStringAsync(path);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task WaitForAsync(HttpClient http, string path, Func<JsonElement, bool> ready, string what)
    {
        DateTimeOffset deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        string last = "(nothing)";
        while (DateTimeOffset.UtcNow < deadline)
        {
            using HttpResponseMessage response = await http.GetAsync(path);
            last = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode && ready(JsonDocument.Parse(last).RootElement))
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Waited 60 s for {what}; last answer: {last}");
    }

    [GeneratedRegex("=\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex LabelValues();
}
