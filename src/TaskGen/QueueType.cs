namespace TaskGen;

/// <summary>
/// The RabbitMQ queue type of a task queue, as Celery's <c>task_default_queue_type</c> names it, so that a
/// queue replicated across a cluster (quorum) can be chosen per queue or for the whole app.
/// </summary>
public enum QueueType
{
    /// <summary>
    /// The app's <see cref="TaskAppOptions.TaskDefaultQueueType"/>: meaningful on one queue only, so that setting refuses it.
    /// </summary>
    Default,

    /// <summary>A classic queue, declared with no arguments, as kombu declares it by default.</summary>
    Classic,

    /// <summary>
    /// A quorum queue (<c>x-queue-type: quorum</c>): durable and replicated, never exclusive or auto-deleted;
    /// it has no message priorities on RabbitMQ 3.x.
    /// </summary>
    Quorum,
}
