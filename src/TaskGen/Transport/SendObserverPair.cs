using System;
using TaskGen.Protocol;

namespace TaskGen.Transport;

/// <summary>
/// Two send observers as one, so that <see cref="TaskPublisher"/> keeps its single watcher: each is asked only while it
/// is enabled, and each gets back its own scope.
/// </summary>
internal sealed class SendObserverPair(ISendObserver first, ISendObserver second) : ISendObserver
{
    public bool Enabled => first.Enabled || second.Enabled;

    /// <summary>Returns <paramref name="first"/> alone when there is no <paramref name="second"/>, else both as one.</summary>
    public static ISendObserver Of(ISendObserver first, ISendObserver? second) => second is null ? first : new SendObserverPair(first, second);

    public IDisposable? Sending(TransportMessage message, string taskId, string taskName, string queue, SendKind kind)
    {
        // Which of the two watched is kept: one enabled between the two calls must not get a Sent it never had a Sending for.
        bool firstWatches = first.Enabled;
        bool secondWatches = second.Enabled;
        IDisposable? firstScope = firstWatches ? first.Sending(message, taskId, taskName, queue, kind) : null;
        IDisposable? secondScope = secondWatches ? second.Sending(message, taskId, taskName, queue, kind) : null;
        return new Scopes(firstWatches, firstScope, secondWatches, secondScope);
    }

    public void Sent(IDisposable? scope, string taskName, string queue, SendKind kind, Exception? failure)
    {
        if (scope is not Scopes scopes)
        {
            return;
        }

        if (scopes.FirstWatches)
        {
            first.Sent(scopes.First, taskName, queue, kind, failure);
        }

        if (scopes.SecondWatches)
        {
            second.Sent(scopes.Second, taskName, queue, kind, failure);
        }
    }

    private sealed record Scopes(bool FirstWatches, IDisposable? First, bool SecondWatches, IDisposable? Second) : IDisposable
    {
        public void Dispose()
        {
            Second?.Dispose();
            First?.Dispose();
        }
    }
}
