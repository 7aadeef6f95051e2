using System;
using System.Collections.Concurrent;

namespace TaskGen.Tests.Hosting;

/// <summary>A service registered as scoped: each task run should get its own, disposed when the run ends.</summary>
public sealed class RunScope : IDisposable
{
    /// <summary>Tells this instance apart from the others.</summary>
    public Guid Id { get; } = Guid.NewGuid();

    /// <summary>Whether the container has disposed it.</summary>
    public bool IsDisposed { get; private set; }

    /// <inheritdoc />
    public void Dispose() => IsDisposed = true;
}

/// <summary>A singleton that keeps every <see cref="RunScope"/> a task received, keyed by the run's label.</summary>
public sealed class RunLog
{
    /// <summary>The scopes seen, by label.</summary>
    public ConcurrentDictionary<string, RunScope> Scopes { get; } = new();
}

/// <summary>Tasks that take services from the host.</summary>
public static class ServiceTasks
{
    /// <summary>Records its scoped service under <paramref name="label"/> and says whether both parameters got the same instance.</summary>
    [Task]
    public static bool UseScope(string label, [FromServices] RunScope first, [FromServices] RunLog log, [FromServices] RunScope second)
    {
        log.Scopes[label] = first;
        return ReferenceEquals(first, second) && !first.IsDisposed;
    }
}
