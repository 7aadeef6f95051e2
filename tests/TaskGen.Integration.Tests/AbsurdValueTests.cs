using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using TaskGen.IntegrationWorker.Remote;
using TaskGen.Tests.Transport;
using TaskGen.Transport;
using TaskGen.Protocol;

namespace TaskGen.Integration.Tests;

/// <summary>
/// Values at or past what RabbitMQ and .NET timers take (issue 9, fault 9): each call still gets its result
/// or a clear answer, and the shared publishing channel survives.
/// </summary>
public sealed class AbsurdValueTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    // Long enough for a worker to answer, short enough that a lost message fails the test promptly.
    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ATaskExpiringIn60DaysRunsAndThePublishChannelSurvives()
    {
        // 60 days is beyond RabbitMQ's largest per-message TTL (2^32 - 1 ms). Sent before a worker consumes, so
        // the queue holds it and computes its expiry rather than handing it straight to a waiting consumer.
        AsyncResult<int> far = App.Send(Jobs.Add.Signature(40, 2, new TaskOptions { ExpiresIn = TimeSpan.FromDays(60) }));
        AsyncResult<int> after = App.Send(Jobs.Add.Signature(2, 2));
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "absurd@%h");

        Assert.Equal(42, await far.GetAsync(AnswerWithin));
        Assert.Equal(4, await after.GetAsync(AnswerWithin));

        AsyncResult<int> next = App.Send(Jobs.Add.Signature(1, 2));
        Assert.Equal(3, await next.GetAsync(AnswerWithin));
    }

    [Fact]
    public async Task ATaskAlreadyExpiredWhenSentIsReportedRevoked()
    {
        // Sent before any worker consumes, so it waits in the queue as it would behind a backlog.
        AsyncResult<int> expired = await App.SendAsync(Jobs.Add.Signature(1, 1, new TaskOptions { ExpiresIn = TimeSpan.FromSeconds(-1) }));
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "absurd@%h");

        await Assert.ThrowsAsync<TaskRevokedException>(() => expired.GetAsync(AnswerWithin));
        Assert.Equal(5, await App.Send(Jobs.Add.Signature(2, 3)).GetAsync(AnswerWithin));
    }

    [Fact]
    public async Task ARawTimeLimitOf1e300StillGivesTheResult()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "absurd@%h");
        var transport = new TimeLimitRewritingTransport(TransportFactory.Create(Broker.Url, NullLoggerFactory.Instance), [1e300, 1e300]);
        await using TaskApp producer = TaskApp.Create(b =>
        {
            b.Options.BrokerUrl = Broker.Url;
            b.Transport = transport;
            b.AddTaskGenIntegrationWorkerTasks();
        });

        AsyncResult<int> result = producer.Send(Jobs.Add.Signature(20, 22));

        Assert.Equal(42, await result.GetAsync(AnswerWithin));
        Assert.Equal(1, transport.Rewritten);
    }

    /// <summary>
    /// Publishes task messages with the <c>timelimit</c> header replaced, as a producer in another language
    /// may send it; results and everything else pass through.
    /// </summary>
    private sealed class TimeLimitRewritingTransport(ITransport inner, List<object?> timeLimit) : ForwardingTransport(inner)
    {
        private int _rewritten;

        public int Rewritten => Volatile.Read(ref _rewritten);

        public override ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken)
        {
            if (message.Headers.ContainsKey("task"))
            {
                Interlocked.Increment(ref _rewritten);
                var headers = new Dictionary<string, object?>(message.Headers, StringComparer.Ordinal) { ["timelimit"] = timeLimit };
                message = new TransportMessage(message.Exchange, message.RoutingKey, message.Properties, headers, message.Body);
            }

            return Inner.PublishAsync(message, cancellationToken);
        }
    }
}
