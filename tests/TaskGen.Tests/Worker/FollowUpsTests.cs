using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using TaskGen.Protocol;
using TaskGen.Results;
using TaskGen.Transport;
using TaskGen.Worker;

namespace TaskGen.Tests.Worker;

/// <summary>What a worker does about a chord when a part never runs or the result backend fails the chord's keys.</summary>
public sealed class FollowUpsTests
{
    private const string Body = """{"task": "body", "args": [], "kwargs": {}, "options": {"task_id": "body-1"}, "subtask_type": null, "immutable": false}""";

    [Fact]
    public async Task AChainStepThatCountsForAChordIsCountedAsAFailedPartWhenAnEarlierStepFails()
    {
        var groups = new ScriptedGroups { Total = 1 };
        var store = new RecordingStore();
        FollowUps followUps = Create(groups, store);

        // chord([chain(a, b), c], body): a failed, so b, the step that counts, never runs.
        string stepB = $$"""{"task": "b", "args": [], "kwargs": {}, "options": {"task_id": "b-1", "group_id": "g-1", "group_index": 0, "chord": {{Body}}}, "subtask_type": null, "immutable": false}""";
        byte[] embed = Encoding.UTF8.GetBytes($$"""{"callbacks": null, "errbacks": null, "chain": [{{stepB}}], "chord": null}""");
        await followUps.FailChainAsync("a-1", "a", embed, new RemoteException("ValueError", "boom", "builtins"), null);

        Assert.Equal(["g-1 b-1 0 FAILURE"], groups.Returns);
        Assert.Contains(store.Stored, s => s.StartsWith("body-1 FAILURE", StringComparison.Ordinal) && s.Contains("ChordError", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AChordPartThatCannotBeSentIsCountedAsAFailedPart()
    {
        var groups = new ScriptedGroups { Total = 1 };
        var store = new RecordingStore();
        FollowUps followUps = Create(groups, store);

        // A queue nobody declared: the in-memory broker refuses the message, as RabbitMQ returns an unroutable one.
        string part = $$"""{"task": "b", "args": [], "kwargs": {}, "options": {"task_id": "b-1", "queue": "nowhere", "group_id": "g-1", "group_index": 0, "chord": {{Body}}}, "subtask_type": null, "immutable": false}""";
        var request = new TaskRequest
        {
            Id = "a-1",
            Name = "a",
            Embed = Encoding.UTF8.GetBytes($$"""{"callbacks": [{{part}}], "errbacks": null, "chain": [], "chord": null}"""),
        };

        await followUps.SendAsync(request, "1"u8.ToArray());

        Assert.Equal(["g-1 b-1 0 FAILURE"], groups.Returns);
        Assert.Contains(store.Stored, s => s.StartsWith("body-1 FAILURE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AChordPartTheBackendCannotCountIsTriedAgainAndThenFailsTheBodyWithAJoinError()
    {
        var groups = new ScriptedGroups { Failures = int.MaxValue, Error = "Connection to redis://:secret@cache:6379/0 refused" };
        var store = new RecordingStore();
        FollowUps followUps = Create(groups, store);
        var request = new TaskRequest
        {
            Id = "a-1",
            Name = "a",
            Group = "g-1",
            GroupIndex = 0,
            Embed = Encoding.UTF8.GetBytes($$"""{"callbacks": null, "errbacks": null, "chain": [], "chord": {{Body}}}"""),
        };

        await followUps.SendAsync(request, "1"u8.ToArray());

        Assert.Equal(4, groups.Returns.Count);
        string failure = Assert.Single(store.Stored, s => s.StartsWith("body-1 FAILURE", StringComparison.Ordinal));
        Assert.Contains("Join error: ", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AChordPartTheBackendCountsOnASecondTryIsCountedOnceAndTheBodyIsNotFailed()
    {
        var groups = new ScriptedGroups { Failures = 1, Total = 2 };
        var store = new RecordingStore();
        FollowUps followUps = Create(groups, store);
        var request = new TaskRequest
        {
            Id = "a-1",
            Name = "a",
            Group = "g-1",
            GroupIndex = 0,
            Embed = Encoding.UTF8.GetBytes($$"""{"callbacks": null, "errbacks": null, "chain": [], "chord": {{Body}}}"""),
        };

        await followUps.SendAsync(request, "1"u8.ToArray());

        Assert.Equal(["g-1 a-1 0 SUCCESS"], groups.Counted);
        Assert.DoesNotContain(store.Stored, s => s.StartsWith("body-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AChordWhoseSizeCannotBeSetSendsNoHeaderAndFailsItsBodyWithAJoinError()
    {
        var groups = new ScriptedGroups { SizeFailures = int.MaxValue, Error = "timeout" };
        var store = new RecordingStore();
        string broker = "followups-" + Guid.NewGuid().ToString("N");
        FollowUps followUps = Create(groups, store, broker);
        string header = """{"task": "part", "args": [], "kwargs": {}, "options": {"task_id": "p-1"}, "subtask_type": null, "immutable": false}""";
        string chord = $$"""{"task": "celery.chord", "args": [], "kwargs": {"kwargs": {}, "header": [{{header}}], "body": {{Body}}}, "options": {}, "subtask_type": "chord", "immutable": false}""";
        var request = new TaskRequest
        {
            Id = "a-1",
            Name = "a",
            Embed = Encoding.UTF8.GetBytes($$"""{"callbacks": [{{chord}}], "errbacks": null, "chain": [], "chord": null}"""),
        };

        await followUps.SendAsync(request, "1"u8.ToArray());

        Assert.True(InMemoryBroker.Named(broker).CountReady("celery") is null or 0);
        string failure = Assert.Single(store.Stored, s => s.StartsWith("body-1 FAILURE", StringComparison.Ordinal));
        Assert.Contains("Join error: timeout", failure, StringComparison.Ordinal);
    }

    private static FollowUps Create(ScriptedGroups groups, RecordingStore store, string? broker = null)
    {
        var options = new TaskAppOptions();
        var transport = new InMemoryTransport(InMemoryBroker.Named(broker ?? "followups-" + Guid.NewGuid().ToString("N")));
        var router = new TaskRouter(options, new TaskRegistry(), new TaskPublisher(transport, null));
        var answers = new TaskAnswers("w@h", store, NullLogger.Instance);
        return new FollowUps(answers, router, groups, "w@h", NullLogger.Instance, TimeSpan.Zero);
    }

    private sealed class RecordingStore : IResultStore
    {
        public ConcurrentQueue<string> Stored { get; } = new();

        public bool StoresById => true;

        public ValueTask StoreAsync(string taskId, string replyTo, TaskState state, ResultBody resultJson, string? traceback, string? broadcastNode, CancellationToken cancellationToken)
        {
            Stored.Enqueue($"{taskId} {state.ToString().ToUpperInvariant()} {Encoding.UTF8.GetString(resultJson.Value.Span)}");
            return ValueTask.CompletedTask;
        }
    }

    // Fails the first calls it is told to, then counts each part; the chord is complete once Total parts are in.
    private sealed class ScriptedGroups : IGroupStore
    {
        private readonly List<ChordPart> _parts = [];

        private int _sizeCalls;

        public int Failures { get; init; }

        public int SizeFailures { get; init; }

        public string Error { get; init; } = "down";

        public int Total { get; init; } = 1;

        public List<string> Returns { get; } = [];

        public List<string> Counted { get; } = [];

        public ValueTask SaveGroupAsync(string groupId, IReadOnlyList<string> taskIds, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<IReadOnlyList<string>?> RestoreGroupAsync(string groupId, CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyList<string>?>(null);

        public ValueTask SetChordSizeAsync(string groupId, int size, CancellationToken cancellationToken) =>
            ++_sizeCalls <= SizeFailures ? throw new InvalidOperationException(Error) : ValueTask.CompletedTask;

        public ValueTask<ChordPartReturn> OnChordPartReturnAsync(string groupId, string taskId, int? groupIndex, int? carriedSize, TaskState state, ResultBody result, CancellationToken cancellationToken)
        {
            string call = $"{groupId} {taskId} {groupIndex} {state.ToString().ToUpperInvariant()}";
            Returns.Add(call);
            if (Returns.Count <= Failures)
            {
                throw new InvalidOperationException(Error);
            }

            Counted.Add(call);
            _parts.Add(new ChordPart(taskId, state, result.Value));
            bool joined = _parts.Count == Total;
            return ValueTask.FromResult(new ChordPartReturn(joined ? ChordPartOutcome.Joined : ChordPartOutcome.Counted, _parts.Count, Total, joined ? [.. _parts] : null));
        }
    }
}
