using System;

namespace TaskGen.Hosting;

/// <summary>
/// One change to the app's builder, kept in the container so that every <c>AddTasks</c> call, wherever it is made,
/// applies when the app is built, in the order the calls were made.
/// </summary>
internal sealed class TaskAppSetup(Action<TaskAppBuilder> apply)
{
    public Action<TaskAppBuilder> Apply { get; } = apply;
}
