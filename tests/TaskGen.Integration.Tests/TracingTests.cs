using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.Diagnostics;
using TaskGen.IntegrationWorker.Remote;
using TaskGen.Worker;

namespace TaskGen.Integration.Tests;

/// <summary>The trace context survives a real broker: the header goes out as an AMQP long string and comes back as bytes.</summary>
public sealed class TracingTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task AWorkersSpanIsTheChildOfTheSendThroughRabbitMq()
    {
        // A plain listener, as any OpenTelemetry SDK registers one: the runtime needs nothing more.
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == TaskGenDiagnostics.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using TaskWorker worker = App.CreateWorker(new WorkerOptions { Queues = ["work"], Concurrency = 2, NodeName = "traced@test" });
        await worker.StartAsync();

        AsyncResult<int> result = await App.SendAsync(Jobs.Add.Signature(20, 22));
        Assert.Equal(42, await result.GetAsync(Guard));

        Activity? Span(ActivityKind kind) => spans.SingleOrDefault(s => s.Kind == kind && s.GetTagItem("messaging.message.id") as string == result.Id);
        await Poll.UntilAsync(() => Task.FromResult(Span(ActivityKind.Consumer)), span => span is not null, "the worker's span to end", TimeSpan.FromMilliseconds(10));

        Activity producer = Assert.IsType<Activity>(Span(ActivityKind.Producer));
        Activity consumer = Assert.IsType<Activity>(Span(ActivityKind.Consumer));
        Assert.Equal(producer.TraceId, consumer.TraceId);
        Assert.Equal(producer.SpanId, consumer.ParentSpanId);
        Assert.Equal("work", consumer.GetTagItem("messaging.destination.name"));
        Assert.Equal("SUCCESS", consumer.GetTagItem("taskgen.task.state"));
    }
}
