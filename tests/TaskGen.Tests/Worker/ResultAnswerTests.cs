using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using TaskGen.Protocol;
using TaskGen.Results;
using TaskGen.Transport;
using TaskGen.Worker;

namespace TaskGen.Tests.Worker;

/// <summary>
/// What a worker tells a caller when its result cannot be stored: a result refused for itself becomes a small
/// failure at once, while a backend that is away is tried again later rather than handed a false failure.
/// </summary>
public sealed class ResultAnswerTests
{
    [Fact]
    public async Task AResultRefusedForItselfIsReplacedByAFailureThatSaysSo()
    {
        var store = new ScriptedStore(new BrokerException("too large") { MessageRefused = true });
        var answers = new TaskAnswers("w@h", store, NullLogger.Instance);

        bool answered = await answers.AnswerAsync("id-1", "reply", TaskState.Success, "42"u8.ToArray(), null);

        Assert.True(answered);
        Assert.Equal([TaskState.Success, TaskState.Failure], store.Tried);
        Assert.Contains("ResultNotSent", store.Stored, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a connection lost")]
    [InlineData("a broker that refused without blaming the message")]
    public async Task ABackendThatIsAwayIsTriedAgainLaterInsteadOfToldTheTaskFailed(string why)
    {
        // The second store would succeed (a failover that just finished): it must not carry a false failure.
        Exception failure = why.StartsWith("a connection", StringComparison.Ordinal) ? new TimeoutException(why) : new BrokerException(why);
        var store = new ScriptedStore(failure);
        var answers = new TaskAnswers("w@h", store, NullLogger.Instance);

        bool answered = await answers.AnswerAsync("id-2", "reply", TaskState.Success, "42"u8.ToArray(), null);

        Assert.False(answered);
        Assert.Equal([TaskState.Success], store.Tried);
        Assert.Null(store.Stored);
    }

    /// <summary>Fails the first store with a given exception and takes every later one.</summary>
    private sealed class ScriptedStore(Exception first) : IResultStore
    {
        public List<TaskState> Tried { get; } = [];

        public string? Stored { get; private set; }

        public bool StoresById => false;

        public ValueTask StoreAsync(string taskId, string replyTo, TaskState state, ResultBody resultJson, string? traceback, string? broadcastNode, CancellationToken cancellationToken)
        {
            Tried.Add(state);
            if (Tried.Count == 1)
            {
                return ValueTask.FromException(first);
            }

            Stored = System.Text.Encoding.UTF8.GetString(resultJson.Value.Span);
            return ValueTask.CompletedTask;
        }
    }
}
