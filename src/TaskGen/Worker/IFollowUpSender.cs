using System.Threading.Tasks;
using TaskGen.Protocol;

namespace TaskGen.Worker;

/// <summary>The seam through which a worker sends the next steps of a workflow, without knowing the app that routes them.</summary>
internal interface IFollowUpSender
{
    /// <summary>Routes and publishes one follow-up; completes once the broker has confirmed it.</summary>
    /// <param name="envelope">The follow-up task.</param>
    /// <param name="queue">The queue its signature named, if any.</param>
    Task SendFollowUpAsync(TaskEnvelope envelope, string? queue);
}
