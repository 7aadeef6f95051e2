using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using TaskGen;

[assembly: TaskQueue("greetings")]
[assembly: TaskJsonContext(typeof(TaskGen.Tests.Contracts.ContractsJson))]

namespace TaskGen.Tests.Contracts;

/// <summary>Whom to greet and how often: a record, so the contract's own JSON context carries it.</summary>
/// <param name="Name">The name to greet.</param>
/// <param name="Times">How many times.</param>
public sealed record Greeting(string Name, int Times);

/// <summary>A contract implemented by a class that the worker resolves from its services.</summary>
public interface IGreeter
{
    /// <summary>Greets as <paramref name="greeting"/> says and returns the text.</summary>
    /// <param name="greeting">Whom and how often.</param>
    /// <param name="cancellationToken">The run's token.</param>
    [Task(Queue = "greetings")]
    Task<string> GreetAsync(Greeting greeting, CancellationToken cancellationToken);

    /// <summary>Returns the scope id the implementation got, to tell runs apart.</summary>
    /// <param name="label">Names the run in the test's log.</param>
    [Task(Queue = "greetings")]
    string ScopeOf(string label);
}

/// <summary>A contract implemented by a static method.</summary>
public interface IShouter
{
    /// <summary>Returns <paramref name="text"/> in capitals.</summary>
    /// <param name="text">The text.</param>
    [Task(Name = "contracts.shout", Queue = "greetings")]
    string Shout(string text);
}

/// <summary>The contracts' JSON context: the records their tasks send.</summary>
[JsonSerializable(typeof(Greeting))]
internal sealed partial class ContractsJson : JsonSerializerContext;
