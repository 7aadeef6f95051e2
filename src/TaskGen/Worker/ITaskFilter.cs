using System.Threading.Tasks;

namespace TaskGen.Worker;

/// <summary>
/// Runs around every task a worker runs, as ASP.NET Core endpoint filters and MassTransit filters run around a
/// request: to open a logging scope, set a tenant context or time each run. Register one with
/// <c>services.AddTaskFilter&lt;T&gt;()</c> or <see cref="TaskAppBuilder.AddFilter"/>; the first registered runs outermost.
/// </summary>
/// <remarks>
/// A filter runs inside the task's time limits and its service scope (<see cref="TaskInvocation.GetRequiredService{T}"/>),
/// and sees what the task throws: an exception it lets through is the task's outcome (a <see cref="RetryException"/>
/// asks for a retry), one it swallows makes the run a success. A filter that does not call its <c>next</c>
/// skips the task. One instance serves every run of the worker, concurrently.
/// </remarks>
public interface ITaskFilter
{
    /// <summary>Runs the rest of the chain, and the task at its end, by calling <paramref name="next"/>.</summary>
    /// <param name="invocation">The run: its request, context, cancellation token and, once returned, its result.</param>
    /// <param name="next">The next filter, or the task itself.</param>
    ValueTask InvokeAsync(TaskInvocation invocation, TaskRunDelegate next);
}

/// <summary>The rest of a worker's filter chain for one run, ending with the task itself.</summary>
/// <param name="invocation">The run.</param>
public delegate ValueTask TaskRunDelegate(TaskInvocation invocation);
