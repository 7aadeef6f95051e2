using System.Threading;
using System.Threading.Tasks;
using TaskGen.Tests.Contracts;

namespace TaskGen.Tests.Hosting;

/// <summary>Implements <see cref="IGreeter"/> for the worker, which resolves it from the host's services per run.</summary>
/// <param name="scope">A scoped service, to show each run gets its own scope.</param>
/// <param name="log">Where each run records its scope.</param>
[TaskImplementation]
public sealed class Greeter(RunScope scope, RunLog log) : IGreeter
{
    /// <inheritdoc />
    public async Task<string> GreetAsync(Greeting greeting, CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return string.Join(" ", System.Linq.Enumerable.Repeat("Hello, " + greeting.Name + "!", greeting.Times));
    }

    /// <inheritdoc />
    public string ScopeOf(string label)
    {
        log.Scopes[label] = scope;
        return scope.Id.ToString("N");
    }
}

/// <summary>Implements <see cref="IShouter"/> with a static method that takes a service of its own.</summary>
public static class ShouterCode
{
    /// <summary>Capitalizes the text, and records that it ran.</summary>
    /// <param name="text">The contract's one argument.</param>
    /// <param name="log">The run log, from the host's services.</param>
    [TaskImplementation(typeof(IShouter), nameof(IShouter.Shout))]
    public static string Shout(string text, [FromServices] RunLog log)
    {
        log.Scopes.TryAdd("shout:" + text, new RunScope());
        return text.ToUpperInvariant() + "!";
    }
}
