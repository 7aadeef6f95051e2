using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using TaskGen.Protocol;

namespace TaskGen.Transport;

/// <summary>
/// A broker that lives in one process, with RabbitMQ's routing rules (the default exchange, direct,
/// fanout and topic exchanges, competing consumers, reject without requeue). It exists for the quick
/// start and unit tests; integration tests always use a real RabbitMQ.
/// </summary>
internal sealed class InMemoryBroker
{
    private static readonly ConcurrentDictionary<string, InMemoryBroker> s_named = new(StringComparer.Ordinal);

    private readonly object _gate = new();
    private readonly Dictionary<string, MemoryQueue> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MemoryExchange> _exchanges = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<TransportMessage> _deadLetters = new();

    /// <summary>Returns the broker that <c>memory://name</c> URLs with this name share in this process.</summary>
    /// <param name="name">The broker name; empty for <c>memory://</c>.</param>
    public static InMemoryBroker Named(string name) => s_named.GetOrAdd(name, static _ => new InMemoryBroker());

    /// <summary>Messages rejected without requeue, in the order they were rejected, as a dead-letter queue would hold them.</summary>
    public IReadOnlyCollection<TransportMessage> DeadLetters => _deadLetters;

    /// <summary>Returns how many messages are ready in <paramref name="queue"/>, or null when it does not exist.</summary>
    /// <param name="queue">The queue.</param>
    public int? CountReady(string queue)
    {
        lock (_gate)
        {
            return _queues.TryGetValue(queue, out MemoryQueue? q) ? q.Messages.Reader.Count : null;
        }
    }

    internal MemoryQueue DeclareQueue(string name)
    {
        lock (_gate)
        {
            if (!_queues.TryGetValue(name, out MemoryQueue? queue))
            {
                queue = new MemoryQueue(name);
                _queues.Add(name, queue);
            }

            return queue;
        }
    }

    internal MemoryQueue? FindQueue(string name)
    {
        lock (_gate)
        {
            return _queues.GetValueOrDefault(name);
        }
    }

    internal void DeclareExchange(string name, ExchangeKind kind)
    {
        lock (_gate)
        {
            if (_exchanges.TryGetValue(name, out MemoryExchange? existing))
            {
                if (existing.Kind != kind)
                {
                    throw new InvalidOperationException($"PRECONDITION_FAILED - exchange '{name}' is declared as {existing.Kind}, not {kind}.");
                }

                return;
            }

            _exchanges.Add(name, new MemoryExchange(kind));
        }
    }

    internal void Bind(string exchange, string queue, string routingKey)
    {
        lock (_gate)
        {
            if (!_exchanges.TryGetValue(exchange, out MemoryExchange? target))
            {
                throw new InvalidOperationException($"NOT_FOUND - no exchange '{exchange}'.");
            }

            if (!_queues.ContainsKey(queue))
            {
                throw new InvalidOperationException($"NOT_FOUND - no queue '{queue}'.");
            }

            if (!target.Bindings.Contains((queue, routingKey)))
            {
                target.Bindings.Add((queue, routingKey));
            }
        }
    }

    internal bool Route(TransportMessage message)
    {
        var targets = new List<MemoryQueue>(1);
        lock (_gate)
        {
            if (message.Exchange.Length == 0)
            {
                if (_queues.TryGetValue(message.RoutingKey, out MemoryQueue? direct))
                {
                    targets.Add(direct);
                }
            }
            else if (_exchanges.TryGetValue(message.Exchange, out MemoryExchange? exchange))
            {
                foreach ((string queue, string key) in exchange.Bindings)
                {
                    if (exchange.Matches(key, message.RoutingKey) && _queues.TryGetValue(queue, out MemoryQueue? bound) && !targets.Contains(bound))
                    {
                        targets.Add(bound);
                    }
                }
            }
        }

        foreach (MemoryQueue target in targets)
        {
            target.Messages.Writer.TryWrite(new MemoryEnvelope(message, Redelivered: false));
        }

        return targets.Count > 0;
    }

    internal void DeadLetter(TransportMessage message) => _deadLetters.Enqueue(message);

    internal sealed class MemoryQueue(string name)
    {
        private int _consumers;

        public string Name { get; } = name;

        public Channel<MemoryEnvelope> Messages { get; } = Channel.CreateUnbounded<MemoryEnvelope>();

        public int Consumers => Volatile.Read(ref _consumers);

        public void AddConsumer() => Interlocked.Increment(ref _consumers);

        public void RemoveConsumer() => Interlocked.Decrement(ref _consumers);
    }

    internal sealed record MemoryEnvelope(TransportMessage Message, bool Redelivered);

    private sealed class MemoryExchange(ExchangeKind kind)
    {
        public ExchangeKind Kind { get; } = kind;

        public List<(string Queue, string Key)> Bindings { get; } = [];

        public bool Matches(string bindingKey, string routingKey) => Kind switch
        {
            ExchangeKind.Fanout => true,
            ExchangeKind.Topic => TopicMatches(bindingKey.Split('.'), 0, routingKey.Split('.'), 0),
            _ => bindingKey == routingKey,
        };

        private static bool TopicMatches(string[] pattern, int p, string[] words, int w)
        {
            if (p == pattern.Length)
            {
                return w == words.Length;
            }

            if (pattern[p] == "#")
            {
                for (int skip = w; skip <= words.Length; skip++)
                {
                    if (TopicMatches(pattern, p + 1, words, skip))
                    {
                        return true;
                    }
                }

                return false;
            }

            return w < words.Length && (pattern[p] == "*" || pattern[p] == words[w]) && TopicMatches(pattern, p + 1, words, w + 1);
        }
    }
}
