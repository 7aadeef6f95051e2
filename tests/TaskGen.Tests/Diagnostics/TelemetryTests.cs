using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TaskGen.Diagnostics;
using TaskGen.Protocol;
using TaskGen.Serialization;
using TaskGen.Tests.EndToEnd;
using TaskGen.Tests.Transport;
using TaskGen.Transport;
using Remote = TaskGen.Tests.EndToEnd.Remote;

namespace TaskGen.Tests.Diagnostics;

/// <summary>
/// Spans and metrics through the OpenTelemetry SDK and its in-memory exporter, on <c>memory://</c>: one trace
/// from the caller through the worker to the steps it sends on, the context on the wire, and exact counts.
/// </summary>
[Collection(Name)]
public sealed partial class TelemetryTests
{
    /// <summary>
    /// Run alone: activity listeners and meter listeners are process-wide, so another test's tasks would be
    /// recorded here, and a provider here would put headers on other tests' messages.
    /// </summary>
    public const string Name = "Telemetry";

    private static readonly TimeSpan Guard = MemoryEnvironment.Guard;

    [Fact]
    public async Task ASendAndItsRunAreAProducerSpanAndItsConsumerChildInOneTrace()
    {
        var spans = new SpanList();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(TaskGenDiagnostics.SourceName).AddInMemoryExporter(spans).Build();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        AsyncResult<int> result = await env.App.SendAsync(Remote.TestTasks.Add.Signature(2, 3));
        Assert.Equal(5, await result.GetAsync(Guard));
        Activity consumer = await spans.WaitForAsync(result.Id, ActivityKind.Consumer);
        Activity producer = spans.Single(result.Id, ActivityKind.Producer);

        Assert.Equal("send " + Remote.TestTasks.Add.Name, producer.DisplayName);
        Assert.Equal(default, producer.ParentSpanId);
        Assert.Equal("celery", producer.GetTagItem("messaging.destination.name"));
        Assert.Equal("rabbitmq", producer.GetTagItem("messaging.system"));
        Assert.Equal("send", producer.GetTagItem("messaging.operation.type"));
        Assert.Equal(Remote.TestTasks.Add.Name, producer.GetTagItem("taskgen.task.name"));

        Assert.Equal("process " + Remote.TestTasks.Add.Name, consumer.DisplayName);
        Assert.Equal(producer.TraceId, consumer.TraceId);
        Assert.Equal(producer.SpanId, consumer.ParentSpanId);
        Assert.True(consumer.HasRemoteParent);
        Assert.Equal("process", consumer.GetTagItem("messaging.operation.type"));
        Assert.Equal("SUCCESS", consumer.GetTagItem("taskgen.task.state"));
        Assert.Equal(ActivityStatusCode.Unset, consumer.Status);
    }

    [Fact]
    public async Task AFailingTaskMarksItsConsumerSpanAsAnErrorWithTheExceptionType()
    {
        var spans = new SpanList();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(TaskGenDiagnostics.SourceName).AddInMemoryExporter(spans).Build();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        AsyncResult<double> result = await env.App.SendAsync(Remote.TestTasks.Divide.Signature(1, 0));
        await Assert.ThrowsAsync<TaskFailedException>(() => result.GetAsync(Guard));
        Activity consumer = await spans.WaitForAsync(result.Id, ActivityKind.Consumer);

        Assert.Equal(ActivityStatusCode.Error, consumer.Status);
        Assert.Equal("cannot divide by zero", consumer.StatusDescription);
        Assert.Equal("DivideByZeroException", consumer.GetTagItem("error.type"));
        Assert.Equal("FAILURE", consumer.GetTagItem("taskgen.task.state"));
    }

    [Fact]
    public async Task AChainIsOneTraceWhereEachStepIsSentFromInsideThePreviousStepsRun()
    {
        var spans = new SpanList();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(TaskGenDiagnostics.SourceName).AddInMemoryExporter(spans).Build();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        string first = Guid.NewGuid().ToString();
        string second = Guid.NewGuid().ToString();
        string third = Guid.NewGuid().ToString();

        // add(1, 2) | add(10) | add(100): the next step is the chain's last element, as Celery writes it.
        string embed = $$"""
            {"callbacks": null, "errbacks": null, "chord": null, "chain": [
              {"task": "{{Remote.TestTasks.Add.Name}}", "args": [100], "kwargs": {}, "options": {"task_id": "{{third}}", "queue": "celery"}, "subtask_type": null, "immutable": false},
              {"task": "{{Remote.TestTasks.Add.Name}}", "args": [10], "kwargs": {}, "options": {"task_id": "{{second}}", "queue": "celery"}, "subtask_type": null, "immutable": false}]}
            """;
        await env.App.Router.SendFollowUpAsync(
            new TaskEnvelope
            {
                Id = first,
                Name = Remote.TestTasks.Add.Name,
                Arguments = new RawJsonArguments("[1, 2]"),
                RoutingKey = "celery",
                Embed = Encoding.UTF8.GetBytes(embed),
            },
            "celery");

        // A step's run can end before the run that sent it has settled its own message, so each is waited for.
        Activity thirdRun = await spans.WaitForAsync(third, ActivityKind.Consumer);
        Activity secondRun = await spans.WaitForAsync(second, ActivityKind.Consumer);
        Activity firstRun = await spans.WaitForAsync(first, ActivityKind.Consumer);
        Activity firstSend = spans.Single(first, ActivityKind.Producer);
        Activity secondSend = spans.Single(second, ActivityKind.Producer);
        Activity thirdSend = spans.Single(third, ActivityKind.Producer);

        Activity[] trace = [firstSend, firstRun, secondSend, secondRun, thirdSend, thirdRun];
        Assert.All(trace, span => Assert.Equal(firstSend.TraceId, span.TraceId));
        Assert.Equal(default, firstSend.ParentSpanId);
        for (int i = 1; i < trace.Length; i++)
        {
            Assert.Equal(trace[i - 1].SpanId, trace[i].ParentSpanId);
        }

        Assert.All(new[] { firstRun, secondRun, thirdRun }, run => Assert.Equal("SUCCESS", run.GetTagItem("taskgen.task.state")));
    }

    [Fact]
    public async Task AMessageFromAnotherProducerJoinsTheTraceInItsHeadersEvenAsAnAmqpLongString()
    {
        var spans = new SpanList();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(TaskGenDiagnostics.SourceName).AddInMemoryExporter(spans).Build();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        var traceId = ActivityTraceId.CreateRandom();
        var parentId = ActivitySpanId.CreateRandom();

        // As Python sends it: the header is a long string, which RabbitMQ.Client hands over as UTF-8 bytes.
        string id = await PublishRawAsync(env, new Dictionary<string, object?>
        {
            ["traceparent"] = Encoding.UTF8.GetBytes($"00-{traceId}-{parentId}-01"),
            ["tracestate"] = Encoding.UTF8.GetBytes("vendor=python"),
        });
        Activity run = await spans.WaitForAsync(id, ActivityKind.Consumer);

        Assert.Equal(traceId, run.TraceId);
        Assert.Equal(parentId, run.ParentSpanId);
        Assert.Equal("vendor=python", run.TraceStateString);
    }

    [Theory]
    [InlineData("not a trace context")]
    [InlineData("00-00000000000000000000000000000000-0000000000000000-01")]
    [InlineData("")]
    [InlineData(null)]
    public async Task AMissingOrMalformedTraceParentStartsANewTrace(string? traceParent)
    {
        var spans = new SpanList();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(TaskGenDiagnostics.SourceName).AddInMemoryExporter(spans).Build();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        string id = await PublishRawAsync(env, traceParent is null ? new() : new Dictionary<string, object?> { ["traceparent"] = traceParent });
        Activity run = await spans.WaitForAsync(id, ActivityKind.Consumer);

        Assert.Equal(default, run.ParentSpanId);
        Assert.False(run.HasRemoteParent);
        Assert.Equal("SUCCESS", run.GetTagItem("taskgen.task.state"));
    }

    [Fact]
    public async Task TheMessageCarriesTheProducerSpansTraceParentWhenTracedAndNoneOtherwise()
    {
        var published = new ConcurrentQueue<TransportMessage>();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b =>
            b.Transport = new RecordingTransport(new InMemoryTransport(InMemoryBroker.Named(b.Options.BrokerUrl["memory://".Length..])), published));

        // Nobody listens yet: nothing is added to the message.
        Assert.False(TaskGenTelemetry.Source.HasListeners(), "Another test left a listener on the TaskGen source.");
        AsyncResult<int> untraced = await env.App.SendAsync(Remote.TestTasks.Add.Signature(1, 1));
        Assert.Equal(2, await untraced.GetAsync(Guard));
        IDictionary<string, object?> untracedHeaders = TaskMessage(published, untraced.Id).Headers;
        Assert.False(untracedHeaders.ContainsKey("traceparent"));
        Assert.False(untracedHeaders.ContainsKey("tracestate"));

        var spans = new SpanList();
        using (TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(TaskGenDiagnostics.SourceName).AddInMemoryExporter(spans).Build())
        {
            AsyncResult<int> traced = await env.App.SendAsync(Remote.TestTasks.Add.Signature(2, 2));
            Assert.Equal(4, await traced.GetAsync(Guard));
            Activity producer = spans.Single(traced.Id, ActivityKind.Producer);

            object? header = TaskMessage(published, traced.Id).Headers["traceparent"];
            string traceParent = Assert.IsType<string>(header);
            Assert.Matches(TraceParentFormat(), traceParent);
            Assert.Equal($"00-{producer.TraceId}-{producer.SpanId}-01", traceParent);
        }
    }

    [Fact]
    public async Task EachRetriedRunIsCountedAsRetriedAndOnlyTheLastAsSucceeded()
    {
        var metrics = new List<MetricSnapshot>();
        using MeterProvider meters = Sdk.CreateMeterProviderBuilder().AddMeter(TaskGenDiagnostics.MeterName).AddInMemoryExporter(metrics).Build();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        AsyncResult<int> result = await env.App.SendAsync(Remote.RetryTasks.FailThenSucceed.Signature(Guid.NewGuid().ToString(), 2, 3));
        Assert.Equal(3, await result.GetAsync(Guard));

        Assert.True(meters.ForceFlush());
        string name = Remote.RetryTasks.FailThenSucceed.Name;
        Assert.Equal(2, Sum(metrics, "taskgen.tasks.retried", name));
        Assert.Equal(1, Sum(metrics, "taskgen.tasks.succeeded", name));
        Assert.Equal(0, Sum(metrics, "taskgen.tasks.failed", name));
        Assert.Equal(3, Sum(metrics, "taskgen.tasks.received", name));
        Assert.Equal(3, Count(metrics, "taskgen.task.runtime", name));
    }

    [Fact]
    public async Task ARetryTakesTheSameRoadOutAsASendButIsNotCountedAsANewTask()
    {
        var spans = new SpanList();
        var metrics = new List<MetricSnapshot>();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(TaskGenDiagnostics.SourceName).AddInMemoryExporter(spans).Build();
        using MeterProvider meters = Sdk.CreateMeterProviderBuilder().AddMeter(TaskGenDiagnostics.MeterName).AddInMemoryExporter(metrics).Build();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        AsyncResult<int> result = await env.App.SendAsync(Remote.RetryTasks.FailThenSucceed.Signature(Guid.NewGuid().ToString(), 2, 3));
        Assert.Equal(3, await result.GetAsync(Guard));
        await Eventually.WaitFor(() => spans.Find(result.Id, ActivityKind.Consumer).Length == 3, "the three runs' spans to end");

        // The call and its two retries each leave as a producer span, and each run is the child of the send that carried it.
        Activity[] sends = spans.Find(result.Id, ActivityKind.Producer);
        Activity[] runs = spans.Find(result.Id, ActivityKind.Consumer);
        Assert.Equal(3, sends.Length);
        Assert.All(sends.Concat(runs), span => Assert.Equal(sends[0].TraceId, span.TraceId));
        Assert.All(runs, run => Assert.Contains(sends, send => send.SpanId == run.ParentSpanId));

        Assert.True(meters.ForceFlush());
        Assert.Equal(1, Sum(metrics, "taskgen.tasks.sent", Remote.RetryTasks.FailThenSucceed.Name));
    }

    [Fact]
    public async Task MetricsCountSuccessesAndFailuresExactly()
    {
        const int Successes = 5;
        const int Failures = 3;
        var metrics = new List<MetricSnapshot>();
        using MeterProvider meters = Sdk.CreateMeterProviderBuilder().AddMeter(TaskGenDiagnostics.MeterName).AddInMemoryExporter(metrics).Build();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();

        var added = new List<AsyncResult<int>>();
        var divided = new List<AsyncResult<double>>();
        for (int i = 0; i < Successes; i++)
        {
            added.Add(await env.App.SendAsync(Remote.TestTasks.Add.Signature(i, 1)));
        }

        for (int i = 0; i < Failures; i++)
        {
            divided.Add(await env.App.SendAsync(Remote.TestTasks.Divide.Signature(i, 0)));
        }

        Assert.Equal(Enumerable.Range(1, Successes), await Task.WhenAll(added.Select(r => r.GetAsync(Guard))));
        foreach (AsyncResult<double> failing in divided)
        {
            await Assert.ThrowsAsync<TaskFailedException>(() => failing.GetAsync(Guard));
        }

        Assert.True(meters.ForceFlush());
        string add = Remote.TestTasks.Add.Name;
        string divide = Remote.TestTasks.Divide.Name;

        Assert.Equal(Successes, Sum(metrics, "taskgen.tasks.sent", add));
        Assert.Equal(Failures, Sum(metrics, "taskgen.tasks.sent", divide));
        Assert.Equal(Successes, Sum(metrics, "taskgen.tasks.received", add));
        Assert.Equal(Failures, Sum(metrics, "taskgen.tasks.received", divide));
        Assert.Equal(Successes, Sum(metrics, "taskgen.tasks.succeeded", add));
        Assert.Equal(0, Sum(metrics, "taskgen.tasks.succeeded", divide));
        Assert.Equal(Failures, Sum(metrics, "taskgen.tasks.failed", divide));
        Assert.Equal(0, Sum(metrics, "taskgen.tasks.failed", add));
        Assert.Equal(Successes + Failures, Count(metrics, "taskgen.task.runtime", add) + Count(metrics, "taskgen.task.runtime", divide));
        Assert.Equal(Successes + Failures, Count(metrics, "taskgen.task.queue_wait", add) + Count(metrics, "taskgen.task.queue_wait", divide));
        Assert.Equal(0, Sum(metrics, "taskgen.tasks.active", add));
        Assert.Equal(0, Sum(metrics, "taskgen.tasks.prefetched", divide));

        MetricSnapshot runtime = Last(metrics, "taskgen.task.runtime");
        Assert.Equal("s", runtime.Unit);
        Assert.All(Points(runtime, add), point => Assert.Equal("celery", Tag(point, "messaging.destination.name")));
    }

    [Fact]
    public async Task GaugesShowTheTaskRunningAndTheOneWaitingForItsSlotThenNeither()
    {
        var metrics = new List<MetricSnapshot>();
        using MeterProvider meters = Sdk.CreateMeterProviderBuilder().AddMeter(TaskGenDiagnostics.MeterName).AddInMemoryExporter(metrics).Build();
        MemoryEnvironment env = await MemoryEnvironment.StartAsync(concurrency: 1, configure: b => b.Options.WorkerShutdownTimeout = TimeSpan.Zero);
        string name = Remote.TestTasks.WaitForCancellation.Name;
        string running = Guid.NewGuid().ToString();
        try
        {
            await env.App.SendAsync(Remote.TestTasks.WaitForCancellation.Signature(running));
            await TestTasks.Recorded.GetOrAdd(running, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(Guard);
            await env.App.SendAsync(Remote.TestTasks.WaitForCancellation.Signature(Guid.NewGuid().ToString()));

            await Eventually.WaitFor(() => meters.ForceFlush() && Sum(metrics, "taskgen.tasks.prefetched", name) == 1, "the second task to wait for the only slot");
            Assert.Equal(1, Sum(metrics, "taskgen.tasks.active", name));
        }
        finally
        {
            // Stopping cancels the running task and returns the waiting one to the queue.
            await env.DisposeAsync();
        }

        Assert.True(meters.ForceFlush());
        Assert.Equal(0, Sum(metrics, "taskgen.tasks.active", name));
        Assert.Equal(0, Sum(metrics, "taskgen.tasks.prefetched", name));
    }

    private static async Task<string> PublishRawAsync(MemoryEnvironment env, Dictionary<string, object?> extraHeaders)
    {
        string id = Guid.NewGuid().ToString();
        var headers = new Dictionary<string, object?>(extraHeaders) { ["id"] = id, ["task"] = Remote.TestTasks.Add.Name, ["lang"] = "py", ["root_id"] = id };
        var properties = new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", CorrelationId = id };
        await env.App.Transport.PublishAsync(new TransportMessage(string.Empty, "celery", properties, headers, Encoding.UTF8.GetBytes("[[1, 2], {}, null]")), CancellationToken.None);
        return id;
    }

    private static TransportMessage TaskMessage(IEnumerable<TransportMessage> published, string id) =>
        Assert.Single(published, m => TaskMessageCodec.HeaderString(m.Headers, "task") is not null && TaskMessageCodec.HeaderString(m.Headers, "id") == id);

    private static MetricSnapshot Last(List<MetricSnapshot> metrics, string name) => metrics.Last(m => m.Name == name);

    private static IEnumerable<MetricPoint> Points(MetricSnapshot metric, string task) =>
        metric.MetricPoints.Where(point => Tag(point, "taskgen.task.name") as string == task);

    private static object? Tag(MetricPoint point, string key)
    {
        foreach (KeyValuePair<string, object?> tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }

        return null;
    }

    /// <summary>The task's total in the latest export; zero when the instrument has not recorded it.</summary>
    private static long Sum(List<MetricSnapshot> metrics, string name, string task) =>
        metrics.Any(m => m.Name == name) ? Points(Last(metrics, name), task).Sum(point => point.GetSumLong()) : 0;

    private static long Count(List<MetricSnapshot> metrics, string name, string task) =>
        metrics.Any(m => m.Name == name) ? Points(Last(metrics, name), task).Sum(point => point.GetHistogramCount()) : 0;

    [GeneratedRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-9a-f]$")]
    private static partial Regex TraceParentFormat();

    /// <summary>The exporter's target: spans end on worker threads while the test reads, so access is locked.</summary>
    private sealed class SpanList : ICollection<Activity>
    {
        private readonly List<Activity> _spans = [];

        public int Count
        {
            get
            {
                lock (_spans)
                {
                    return _spans.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public async Task<Activity> WaitForAsync(string taskId, ActivityKind kind)
        {
            await Eventually.WaitFor(() => Find(taskId, kind).Length > 0, $"the {kind} span of task {taskId}");
            return Single(taskId, kind);
        }

        public Activity Single(string taskId, ActivityKind kind) => Assert.Single(Find(taskId, kind));

        public void Add(Activity item)
        {
            lock (_spans)
            {
                _spans.Add(item);
            }
        }

        public void Clear()
        {
            lock (_spans)
            {
                _spans.Clear();
            }
        }

        public bool Contains(Activity item)
        {
            lock (_spans)
            {
                return _spans.Contains(item);
            }
        }

        public void CopyTo(Activity[] array, int arrayIndex)
        {
            lock (_spans)
            {
                _spans.CopyTo(array, arrayIndex);
            }
        }

        public bool Remove(Activity item)
        {
            lock (_spans)
            {
                return _spans.Remove(item);
            }
        }

        public IEnumerator<Activity> GetEnumerator()
        {
            lock (_spans)
            {
                return _spans.ToList().GetEnumerator();
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public Activity[] Find(string taskId, ActivityKind kind)
        {
            lock (_spans)
            {
                return _spans.Where(s => s.Kind == kind && s.GetTagItem("messaging.message.id") as string == taskId).ToArray();
            }
        }
    }
}

/// <summary>Keeps the telemetry tests from running beside others, whose tasks the process-wide listeners would see.</summary>
[CollectionDefinition(TelemetryTests.Name, DisableParallelization = true)]
public sealed class TelemetryCollection;
