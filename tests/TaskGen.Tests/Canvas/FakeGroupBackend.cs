using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Protocol;
using TaskGen.Results;

namespace TaskGen.Tests.Canvas;

/// <summary>
/// A result backend that keeps group keys in memory and records what the producer asked of them, in order beside the
/// broker's messages, so what a chord sends and when can be checked without Redis. Results never arrive by themselves:
/// a test hands them to the sinks it registered.
/// </summary>
internal sealed class FakeGroupBackend : IResultBackendProvider, IOpenResultBackend, IResultBackend, IGroupStore
{
    private readonly ConcurrentDictionary<string, IResultSink> _sinks = new();
    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> _groups = new();

    /// <summary>What the producer did, in order: <c>size &lt;gid&gt; &lt;n&gt;</c>, <c>save &lt;gid&gt;</c>.</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>Run when the chord size is set, so a test can see how many messages were out by then.</summary>
    public Action? OnChordSize { get; set; }

    public IResultBackend Client => this;

    public IGroupStore? Groups => this;

    public string? ReplyQueue => null;

    public bool ReadsById => true;

    public int PendingCount => _sinks.Count;

    public IReadOnlyCollection<string> Watched => (IReadOnlyCollection<string>)_sinks.Keys;

    public static TaskApp CreateApp(FakeGroupBackend backend, string brokerName) =>
        TaskApp.Create(builder =>
        {
            builder.Options.BrokerUrl = "memory://" + brokerName;
            builder.Options.ResultBackend = "redis://fake:6379/0";
            builder.AddTaskGenTestsTasks();
            builder.AddResultBackend("redis", backend);
        });

    public void Validate(TaskAppOptions options, List<string> errors)
    {
    }

    public IOpenResultBackend Open(TaskAppOptions options, ILoggerFactory loggerFactory) => this;

    public IResultStore CreateStore(string nodeName) => throw new NotSupportedException("The fake backend runs no workers.");

    public void Register(IResultSink sink) => _sinks[sink.Id] = sink;

    public void Join(IResultSink sink) => _sinks[sink.Id] = sink;

    public void Unregister(string taskId) => _sinks.TryRemove(taskId, out _);

    public void Release(IResultSink sink) => _sinks.TryRemove(sink.Id, out _);

    public ValueTask EnsureStartedAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask SaveGroupAsync(string groupId, IReadOnlyList<string> taskIds, CancellationToken cancellationToken)
    {
        Calls.Enqueue("save " + groupId);
        _groups[groupId] = taskIds;
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<string>?> RestoreGroupAsync(string groupId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_groups.TryGetValue(groupId, out IReadOnlyList<string>? ids) ? ids : null);

    public ValueTask SetChordSizeAsync(string groupId, int size, CancellationToken cancellationToken)
    {
        OnChordSize?.Invoke();
        Calls.Enqueue($"size {groupId} {size}");
        return ValueTask.CompletedTask;
    }

    public ValueTask<ChordPartReturn> OnChordPartReturnAsync(string groupId, string taskId, int? groupIndex, int? carriedSize, TaskState state, ResultBody result, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The fake backend runs no workers.");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
