using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Protocol;
using TaskGen.Transport;

namespace TaskGen.Worker;

/// <summary>
/// Where a task goes, decided once for the app that sends and the workers that send on: a call's own queue, else
/// the first of <see cref="TaskAppOptions.TaskRoutes"/> that matches its name, else its declared queue, else
/// <see cref="TaskAppOptions.TaskDefaultQueue"/>; each queue declared once before the first message to it.
/// </summary>
internal sealed class TaskRouter(TaskAppOptions options, TaskRegistry tasks, TaskPublisher publisher)
{
    private readonly ConcurrentDictionary<string, Task> _declared = new(StringComparer.Ordinal);

    /// <summary>The queue <see cref="TaskAppOptions.TaskRoutes"/> sends <paramref name="taskName"/> to, or null when no route matches.</summary>
    public string? Route(string taskName)
    {
        foreach (KeyValuePair<string, string> route in options.TaskRoutes)
        {
            if (Glob.IsMatch(route.Key, taskName))
            {
                return route.Value;
            }
        }

        return null;
    }

    /// <summary>The declaration of queue <paramref name="name"/>: as an assembly declared it, or a plain queue where one may be created.</summary>
    /// <exception cref="TaskRoutingException">No assembly declared the queue and <see cref="TaskAppOptions.TaskCreateMissingQueues"/> is off.</exception>
    public QueueDeclaration ResolveQueue(string name)
    {
        if (tasks.TryGetQueue(name, out QueueDeclaration declared))
        {
            return declared;
        }

        if (name == options.TaskDefaultQueue || name == "celery" || options.TaskCreateMissingQueues)
        {
            return new QueueDeclaration(name);
        }

        throw new TaskRoutingException(name);
    }

    /// <summary>
    /// The declaration queue <paramref name="name"/> has if it may be used at all: as an assembly declared it, else a
    /// plain queue. For what is known of a queue before <see cref="ResolveQueue"/> is asked whether it may be used.
    /// </summary>
    public QueueDeclaration DeclarationOf(string name) => tasks.TryGetQueue(name, out QueueDeclaration declared) ? declared : new QueueDeclaration(name);

    /// <summary>Declares a task queue once per app, so that publishing never races its declaration.</summary>
    public Task EnsureDeclaredAsync(QueueDeclaration queue, CancellationToken cancellationToken)
    {
        Task declared = _declared.GetOrAdd(queue.Name, _ => TaskQueueTopology.DeclareAsync(publisher.Transport, queue, options.TaskDefaultQueueType, CancellationToken.None).AsTask());
        return declared.IsCompletedSuccessfully ? Task.CompletedTask : AwaitDeclarationAsync(queue.Name, declared, cancellationToken);
    }

    /// <summary>
    /// Sends the next step of a workflow (a link or a chain step) that a worker found in a finished task's body. Its
    /// queue comes from the step's own options, else from routing; queues that only another language's workers
    /// declare are published to without being declared here. Completes once the broker has confirmed it.
    /// </summary>
    public async Task SendFollowUpAsync(TaskEnvelope envelope, string? queue)
    {
        string target = queue ?? Route(envelope.Name) ?? (tasks.TryGet(envelope.Name, out _, out TaskDefinition? known) ? known.Queue : options.TaskDefaultQueue);
        if (tasks.TryGetQueue(target, out QueueDeclaration declared) || target == options.TaskDefaultQueue)
        {
            declared ??= new QueueDeclaration(target);
            await EnsureDeclaredAsync(declared, CancellationToken.None).ConfigureAwait(false);
        }

        bool broadcast = declared?.Broadcast == true;

        // A step due later waits in the broker's delay levels, as a call does, unless it names its own exchange or a
        // routing key other than its queue's; only a queue declared here has its delay bindings in place.
        bool delays = declared is not null && TaskQueueTopology.DelaysInBroker(publisher.Transport, declared, options.TaskDefaultQueueType);
        TaskEnvelope routed;
        if (envelope.Exchange.Length == 0 && (envelope.RoutingKey.Length == 0 || (envelope.RoutingKey == target && envelope.Eta is not null && delays)))
        {
            (string exchange, string routingKey) = DelayedDelivery.Address(target, broadcast, delays, envelope.Eta, DateTimeOffset.UtcNow);
            routed = envelope with { Exchange = exchange, RoutingKey = routingKey };
        }
        else
        {
            routed = envelope;
        }

        await publisher.PublishAsync(routed, target, SendKind.FollowUp, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task AwaitDeclarationAsync(string name, Task declared, CancellationToken cancellationToken)
    {
        try
        {
            await declared.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (declared.IsFaulted)
        {
            // A failed declaration is forgotten, so the next send tries again instead of failing the same way.
            _declared.TryRemove(new KeyValuePair<string, Task>(name, declared));
            throw;
        }
    }
}
