using System;
using System.Collections.Generic;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Tests.Transport;

/// <summary>Two send observers on the one outgoing path: each hears only the sends it watched, with its own scope.</summary>
public sealed class SendObserverPairTests
{
    [Fact]
    public void EachObserverGetsBackItsOwnScopeAndOneDisabledAtTheStartOfASendHearsNothingOfIt()
    {
        var first = new Recorder("first") { Enabled = true };
        var second = new Recorder("second") { Enabled = false };
        ISendObserver pair = SendObserverPair.Of(first, second);
        TransportMessage message = new(string.Empty, "celery", new MessageProperties(), new Dictionary<string, object?>(), ReadOnlyMemory<byte>.Empty);

        IDisposable? scope = pair.Sending(message, "id-1", "tasks.add", "celery", SendKind.Call);
        second.Enabled = true;
        pair.Sent(scope, "tasks.add", "celery", SendKind.Call, null);
        scope?.Dispose();

        Assert.Equal(["sending id-1", "sent first", "disposed first"], first.Heard);
        Assert.Empty(second.Heard);
        Assert.True(pair.Enabled);
    }

    [Fact]
    public void WithoutASecondObserverTheFirstIsUsedAlone()
    {
        var only = new Recorder("only") { Enabled = true };

        Assert.Same(only, SendObserverPair.Of(only, null));
    }

    private sealed class Recorder(string name) : ISendObserver
    {
        public List<string> Heard { get; } = [];

        public bool Enabled { get; set; }

        public IDisposable? Sending(TransportMessage message, string taskId, string taskName, string queue, SendKind kind)
        {
            Heard.Add("sending " + taskId);
            return new Scope(this);
        }

        public void Sent(IDisposable? scope, string taskName, string queue, SendKind kind, Exception? failure) =>
            Heard.Add("sent " + (scope as Scope)?.Owner.Name);

        private string Name => name;

        private sealed record Scope(Recorder Owner) : IDisposable
        {
            public void Dispose() => Owner.Heard.Add("disposed " + Owner.Name);
        }
    }
}
