using System;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Protocol;
using TaskGen.Serialization;

namespace TaskGen.Tests.EndToEnd;

/// <summary>What a worker does with the canvas parts of a message on a broker without Redis: errbacks, chord parts, chord_unlock.</summary>
public sealed class CanvasWorkerTests
{
    private static readonly TimeSpan Guard = MemoryEnvironment.Guard;

    private static TaskEnvelope Envelope(string name, string args, string? embed = null, string? group = null, int? groupIndex = null) => new()
    {
        Id = Guid.NewGuid().ToString(),
        Name = name,
        Arguments = new RawJsonArguments(args),
        RoutingKey = "celery",
        Group = group,
        GroupIndex = groupIndex,
        Embed = embed is null ? default : Encoding.UTF8.GetBytes(embed),
    };

    private static string RecordSignature(string options = "{}") =>
        $$"""{"task": "{{Remote.TestTasks.Record.Name}}", "args": [], "kwargs": {}, "options": {{options}}, "subtask_type": null, "immutable": false}""";

    [Fact]
    public async Task AnErrbackOfAFailedTaskIsSentWithTheFailedTaskIdAsItsFirstArgument()
    {
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync();
        TaskEnvelope failing = Envelope(Remote.TestTasks.Divide.Name, "[1, 0]", $$"""{"callbacks": null, "errbacks": [{{RecordSignature()}}], "chain": null, "chord": null}""");
        TaskCompletionSource recorded = TestTasks.Recorded.GetOrAdd(failing.Id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        await env.App.Router.SendFollowUpAsync(failing, "celery");

        await recorded.Task.WaitAsync(Guard);
    }

    [Fact]
    public async Task AChordPartOnABackendWithoutChordCountersSaysChordsNeedRedis()
    {
        var log = new CapturedLog();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b.LoggerFactory = log);
        string bodyId = Guid.NewGuid().ToString();
        TaskEnvelope part = Envelope(Remote.TestTasks.Add.Name, "[1, 2]", $$"""{"callbacks": null, "errbacks": null, "chain": null, "chord": {{RecordSignature($$"""{"task_id": "{{bodyId}}"}""")}}}""", "g-rpc", 0);

        await env.App.Router.SendFollowUpAsync(part, "celery");

        await Eventually.WaitFor(() => log.Messages("TaskGen.Worker", LogLevel.Error).Any(m => m.Contains("redis://", StringComparison.Ordinal)), "the worker to say chords need redis://");
        string line = log.Messages("TaskGen.Worker", LogLevel.Error).First(m => m.Contains("redis://", StringComparison.Ordinal));
        Assert.Contains(bodyId, line, StringComparison.Ordinal);
        Assert.Contains("g-rpc", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChordUnlockIsDeadLetteredWithTheReasonAndTheRemedy()
    {
        var log = new CapturedLog();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b.LoggerFactory = log);

        await env.App.Router.SendFollowUpAsync(Envelope("celery.chord_unlock", "[\"g1\"]"), "celery");

        await Eventually.WaitFor(() => env.Broker.DeadLetters.Count == 1, "chord_unlock to be dead-lettered");
        Assert.Contains(log.Messages("TaskGen.Worker", LogLevel.Error), m => m.Contains("celery.chord_unlock", StringComparison.Ordinal) && m.Contains("redis://", StringComparison.Ordinal));
    }
}
