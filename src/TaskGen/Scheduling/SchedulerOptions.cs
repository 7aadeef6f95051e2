using System;

namespace TaskGen.Scheduling;

/// <summary>
/// How scheduler processes elect their one sender and keep their state; bound from <c>TaskGen:Scheduler</c>. Every
/// process of one schedule must use the same <see cref="Name"/>.
/// </summary>
public sealed class SchedulerOptions
{
    /// <summary>The schedule's name: processes with the same name elect one sender among them and share its state.</summary>
    public string Name { get; set; } = "celery";

    /// <summary>
    /// How long a leader may send after it last proved it leads; a new leader waits this long (plus
    /// <see cref="FenceMargin"/>) before its first send, so a deposed leader has stopped first.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>What a new leader waits beyond the lease for a deposed leader's last message to arrive.</summary>
    public TimeSpan FenceMargin { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Where the leader is elected: <c>broker</c> (a single-active-consumer queue on the app's RabbitMQ, the default)
    /// or <c>redis</c> (a lease in the Redis result backend, when that is the backend).
    /// </summary>
    public string Election { get; set; } = "broker";
}
