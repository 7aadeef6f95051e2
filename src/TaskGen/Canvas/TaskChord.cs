using System;
using System.Threading;
using System.Threading.Tasks;

namespace TaskGen;

/// <summary>
/// A group (the header) whose results, as one list in header order, are the first argument of a task run once every
/// header member has finished (the body); Celery's <c>chord</c>, on its wire and its Redis result layout, so Python and
/// TaskGen workers can run either part. Needs a result backend that keeps results by id (<c>redis://</c>).
/// </summary>
public class TaskChord
{
    private protected TaskChord(TaskGroup header, object body)
    {
        Header = header;
        Body = body;
    }

    /// <summary>The tasks run in parallel.</summary>
    public TaskGroup Header { get; }

    /// <summary>The task run after the header: a <see cref="PartialSignature"/> that receives the header's results, or a <see cref="Signature"/> that does not.</summary>
    public object Body { get; }

    /// <summary>Creates a chord whose body receives the header's results as its first argument.</summary>
    /// <typeparam name="TResult">The body's result type.</typeparam>
    /// <param name="header">The tasks run in parallel.</param>
    /// <param name="body">The task run after them, without its first argument.</param>
    /// <exception cref="ArgumentException">The body's first parameter is not a list that takes the header's results, or the body is a broadcast task.</exception>
    public static TaskChord<TResult> Of<TResult>(TaskGroup header, PartialSignature<TResult> body)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(body);
        if (body.InputElementType is not { } element || !CanvasMessages.Accepts(element, header.MemberResultType))
        {
            throw new ArgumentException(CanvasMessages.BodyDoesNotFit(body.Task.Name, body.InputType, header.MemberResultType), nameof(body));
        }

        Check(header, body.Task, body.Options);
        return new TaskChord<TResult>(header, body);
    }

    /// <summary>Creates a chord whose body runs after the header without its results (an immutable body).</summary>
    /// <typeparam name="TResult">The body's result type.</typeparam>
    /// <param name="header">The tasks run in parallel.</param>
    /// <param name="body">The task run after them, with all its arguments.</param>
    /// <exception cref="ArgumentException">The body is a broadcast task.</exception>
    public static TaskChord<TResult> Of<TResult>(TaskGroup header, Signature<TResult> body)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(body);
        Check(header, body.Task, body.Options);
        return new TaskChord<TResult>(header, body);
    }

    /// <summary>Refuses a header member whose result would never reach the body, and a body its own assembly routes to a broadcast queue.</summary>
    private static void Check(TaskGroup header, TaskDescriptor body, TaskOptions? bodyOptions)
    {
        for (int i = 0; i < header.Members.Count; i++)
        {
            if (header.Members[i].Options?.IgnoreResult == true)
            {
                throw new ArgumentException(CanvasMessages.HeaderMemberIgnoresResult(header.Members[i].Task.Name), nameof(header));
            }
        }

        // The app's routes are checked again when the chord is sent; here only what the task's own assembly declares.
        string queue = bodyOptions?.Queue ?? body.Queue;
        foreach (Transport.QueueDeclaration declared in body.DeclaredQueues)
        {
            if (declared.Broadcast && declared.Name == queue)
            {
                throw new ArgumentException(CanvasMessages.BroadcastBody(body.Name, queue), nameof(body));
            }
        }
    }
}

/// <summary>A chord whose body returns a <typeparamref name="TResult"/>.</summary>
/// <typeparam name="TResult">The body's result type.</typeparam>
public sealed class TaskChord<TResult> : TaskChord
{
    internal TaskChord(TaskGroup header, object body)
        : base(header, body)
    {
    }

    /// <summary>Sends the chord through <see cref="TaskApp.Default"/>; completes once the broker confirms every header member.</summary>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    /// <returns>The body's result.</returns>
    /// <exception cref="NotSupportedException">The app's result backend cannot join a chord (<c>rpc://</c>); use <c>redis://</c>.</exception>
    public Task<AsyncResult<TResult>> ApplyAsync(CancellationToken cancellationToken = default) => TaskApp.Default.SendAsync(this, cancellationToken);
}
