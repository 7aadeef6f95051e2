namespace TaskGen.Testing;

/// <summary>When a <see cref="TaskHarness"/> runs the tasks that the code under test sends.</summary>
public enum TaskHarnessMode
{
    /// <summary>
    /// An in-process worker runs each task as soon as it is sent, as Celery's <c>task_always_eager</c>; awaiting the
    /// call's <see cref="AsyncResult"/> (or <see cref="TaskHarness.RunPendingAsync"/>) gives its outcome.
    /// </summary>
    Eager,

    /// <summary>Tasks are only recorded when sent, and run when the test calls <see cref="TaskHarness.RunPendingAsync"/>.</summary>
    OnDemand,
}
