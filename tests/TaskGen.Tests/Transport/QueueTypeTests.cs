using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using TaskGen;
using TaskGen.Control;
using TaskGen.Hosting;
using TaskGen.Transport;
using TaskGen.Worker;

[assembly: TaskQueue("ledger", Type = QueueType.Quorum)]
[assembly: TaskQueue("audit", Type = QueueType.Classic)]

namespace TaskGen.Tests.Transport;

/// <summary>Tasks on queues whose type the declaration fixes, whatever the app's default.</summary>
public static class TypedQueueTasks
{
    /// <summary>Runs on the quorum queue <c>ledger</c>.</summary>
    /// <param name="amount">Any number.</param>
    [Task(Queue = "ledger")]
    public static int Post(int amount) => amount;

    /// <summary>Runs on the classic queue <c>audit</c>.</summary>
    /// <param name="amount">Any number.</param>
    [Task(Queue = "audit")]
    public static int Check(int amount) => amount;
}

/// <summary>
/// <see cref="TaskAppOptions.TaskDefaultQueueType"/> and <c>[TaskQueue(Type = ...)]</c>: what is accepted, and the
/// queue specifications producers and workers ask the transport for, which must be what kombu declares and
/// never a transient queue that is not exclusive (RabbitMQ 4 refuses those).
/// </summary>
public sealed class QueueTypeTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public void TaskDefaultQueueTypeIsClassicByDefault()
    {
        var options = new TaskAppOptions();

        Assert.Equal(QueueType.Classic, options.TaskDefaultQueueType);
        Assert.Null(Record.Exception(options.Validate));
    }

    [Theory]
    [InlineData(QueueType.Classic)]
    [InlineData(QueueType.Quorum)]
    public void TaskDefaultQueueTypeClassicOrQuorumIsAccepted(QueueType value) =>
        Assert.Null(Record.Exception(new TaskAppOptions { TaskDefaultQueueType = value }.Validate));

    [Theory]
    [InlineData(QueueType.Default)]
    [InlineData((QueueType)7)]
    public void TaskDefaultQueueTypeAnythingElseIsRefusedNamingTheSettingAndTheChoices(QueueType value)
    {
        var ex = Assert.Throws<TaskAppConfigurationException>(new TaskAppOptions { TaskDefaultQueueType = value }.Validate);

        Assert.Contains("TaskDefaultQueueType", ex.Message, StringComparison.Ordinal);
        Assert.Contains("QueueType.Classic or QueueType.Quorum", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("quorum", QueueType.Quorum)]
    [InlineData("Quorum", QueueType.Quorum)]
    [InlineData("CLASSIC", QueueType.Classic)]
    [InlineData(" classic ", QueueType.Classic)]
    public void TaskDefaultQueueTypeBindsFromConfigurationByCelerysName(string value, QueueType expected)
    {
        var options = new TaskAppOptions { TaskDefaultQueueType = expected == QueueType.Classic ? QueueType.Quorum : QueueType.Classic };

        TaskAppConfiguration.Bind(Configuration(value), options);

        Assert.Equal(expected, options.TaskDefaultQueueType);
        Assert.Null(Record.Exception(options.Validate));
    }

    [Theory]
    [InlineData("stream")]
    [InlineData("")]
    [InlineData("default")]
    [InlineData("2")]
    public void TaskDefaultQueueTypeAnythingElseInConfigurationIsRefusedNamingTheSettingAndTheChoices(string value)
    {
        var ex = Assert.Throws<TaskAppConfigurationException>(() => TaskAppConfiguration.Bind(Configuration(value), new TaskAppOptions()));

        Assert.Contains("TaskGen:TaskDefaultQueueType", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'classic' or 'quorum'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AQuorumDefaultDeclaresTaskQueuesAsKombuDoesAndLeavesTypedQueuesAlone()
    {
        var declared = new ConcurrentQueue<QueueSpecification>();
        await using TaskApp app = CreateApp(declared, QueueType.Quorum);
        await using TaskWorker worker = app.CreateWorker(new WorkerOptions { Queues = ["celery", "ledger", "audit"], Concurrency = 1, NodeName = "quorum@unit" });
        await worker.StartAsync();

        QueueSpecification celery = Single(declared, "celery");
        Assert.Equal(new QueueSpecification("celery", Durable: true, Exclusive: false, AutoDelete: false, Type: QueueType.Quorum), celery);
        Assert.Equal(QueueType.Quorum, Single(declared, "ledger").Type);
        Assert.Equal(QueueType.Classic, Single(declared, "audit").Type);

        // The dead-letter queue is TaskGen's own and always quorum, so no node of a cluster takes it down with it.
        Assert.Equal(new QueueSpecification("taskgen.dead", Type: QueueType.Quorum), Single(declared, "taskgen.dead"));
    }

    [Fact]
    public async Task AClassicDefaultDeclaresNoTypeButAQuorumDeclarationStillDeclaresAQuorumQueue()
    {
        var declared = new ConcurrentQueue<QueueSpecification>();
        await using TaskApp app = CreateApp(declared, QueueType.Classic);
        await using TaskWorker worker = app.CreateWorker(new WorkerOptions { Queues = ["celery", "ledger"], Concurrency = 1, NodeName = "classic@unit" });
        await worker.StartAsync();

        Assert.Equal(new QueueSpecification("celery", Type: QueueType.Classic), Single(declared, "celery"));
        Assert.Equal(QueueType.Quorum, Single(declared, "ledger").Type);
        Assert.Equal(42, await app.Send(Remote.TypedQueueTasks.Post.Signature(42)).GetAsync(Guard));
    }

    [Fact]
    public async Task AProducerDeclaresTheQueueItSendsToWithTheAppsDefaultType()
    {
        var declared = new ConcurrentQueue<QueueSpecification>();
        await using TaskApp app = CreateApp(declared, QueueType.Quorum);

        await app.SendAsync(EndToEnd.Remote.TestTasks.Add.Signature(1, 2));

        Assert.Equal(QueueType.Quorum, Single(declared, "celery").Type);
    }

    [Fact]
    public async Task EveryQueueAWorkerAndAClientDeclareIsExclusiveOrDurable()
    {
        var declared = new ConcurrentQueue<QueueSpecification>();
        await using TaskApp app = CreateApp(declared, QueueType.Quorum);
        await using TaskWorker worker = app.CreateWorker(new WorkerOptions { Queues = ["celery", "fleet"], Concurrency = 1, NodeName = "ready@unit" });
        await worker.StartAsync();

        Assert.Equal(3, await app.Send(EndToEnd.Remote.TestTasks.Add.Signature(1, 2)).GetAsync(Guard));
        Assert.Single(await new RemoteControlClient(app.Transport).PingAsync(TimeSpan.FromSeconds(2), ["ready@unit"]));

        Assert.Contains(declared, q => q.Name == "ready@unit.celery.pidbox");
        Assert.Contains(declared, q => q.Name!.StartsWith("bcast.", StringComparison.Ordinal));
        Assert.Contains(declared, q => q.Name!.EndsWith(".reply.celery.pidbox", StringComparison.Ordinal));
        Assert.All(declared, q => Assert.True(q.Exclusive || q.Durable, $"{q} is transient and not exclusive, which RabbitMQ 4 refuses."));

        // The reply queue is the app's own, never declared by Python: quorum on a cluster, with an idle expiry so that a
        // crashed app's queue goes. Every queue Python may share is declared as kombu declares a quorum queue.
        string replyQueue = declared.Select(q => q.Name!).Where(name => Guid.TryParse(name, out _)).Distinct().Single();
        Assert.True(Single(declared, replyQueue) is { Type: QueueType.Quorum, Durable: true, Exclusive: false, AutoDelete: false, Expires: not null }, replyQueue);
        Assert.All(declared.Where(q => q.Type == QueueType.Quorum && q.Name != replyQueue), q => Assert.True(q is { Durable: true, Exclusive: false, AutoDelete: false, Expires: null, MessageTtl: null }, $"{q} is not declared as kombu declares a quorum queue."));
    }

    private static TaskApp CreateApp(ConcurrentQueue<QueueSpecification> declared, QueueType defaultType) => TaskApp.Create(builder =>
    {
        builder.Options.BrokerUrl = "memory://" + Guid.NewGuid().ToString("N");
        builder.Options.TaskDefaultQueueType = defaultType;
        builder.AddTaskGenTestsTasks();
        builder.Transport = new DeclarationRecordingTransport(new InMemoryTransport(InMemoryBroker.Named(builder.Options.BrokerUrl["memory://".Length..])), declared);
    });

    private static IConfiguration Configuration(string queueType) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["TaskGen:TaskDefaultQueueType"] = queueType })
        .Build();

    private static QueueSpecification Single(IEnumerable<QueueSpecification> declared, string name) =>
        declared.Where(q => q.Name == name).Distinct().Single();

    private sealed class DeclarationRecordingTransport(ITransport inner, ConcurrentQueue<QueueSpecification> declared) : ForwardingTransport(inner)
    {
        public override ValueTask<string> DeclareQueueAsync(QueueSpecification queue, CancellationToken cancellationToken)
        {
            declared.Enqueue(queue);
            return Inner.DeclareQueueAsync(queue, cancellationToken);
        }
    }
}
