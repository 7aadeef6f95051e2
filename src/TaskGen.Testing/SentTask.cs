using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace TaskGen.Testing;

/// <summary>One task message the harness saw published: a call from the code under test, a worker's follow-up or a retry.</summary>
public sealed class SentTask
{
    private readonly IReadOnlyList<string> _parameters;

    internal SentTask(string id, string name, string queue, int retries, bool isRetry, string argsJson, string kwargsJson, IReadOnlyList<string> parameters)
    {
        Id = id;
        Name = name;
        Queue = queue;
        Retries = retries;
        IsRetry = isRetry;
        ArgsJson = argsJson;
        KwargsJson = kwargsJson;
        Args = HarnessJson.Element(argsJson, "[]");
        Kwargs = HarnessJson.Element(kwargsJson, "{}");
        _parameters = parameters;
    }

    /// <summary>The task id, which the call's <see cref="AsyncResult.Id"/> also carries.</summary>
    public string Id { get; }

    /// <summary>The task's name on the wire, such as <c>WebShop.Contracts.IMail.SendEmail</c>.</summary>
    public string Name { get; }

    /// <summary>The queue the message went to.</summary>
    public string Queue { get; }

    /// <summary>How many times the task had been retried when this message was sent; 0 for a first call.</summary>
    public int Retries { get; }

    /// <summary>Whether a worker sent this message to run the task again (a retry), rather than a new call.</summary>
    public bool IsRetry { get; }

    /// <summary>The positional arguments as sent on the wire, a compact JSON array.</summary>
    public string ArgsJson { get; }

    /// <summary>The keyword arguments as sent on the wire, a compact JSON object (<c>{}</c> for generated stubs).</summary>
    public string KwargsJson { get; }

    /// <summary>The positional arguments as a JSON array, for reads <see cref="Arg{T}(int)"/> does not cover.</summary>
    public JsonElement Args { get; }

    /// <summary>The keyword arguments as a JSON object.</summary>
    public JsonElement Kwargs { get; }

    /// <summary>How many positional arguments were sent.</summary>
    public int ArgCount => Args.ValueKind == JsonValueKind.Array ? Args.GetArrayLength() : 0;

    /// <summary>Reads positional argument <paramref name="index"/> as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The parameter's type.</typeparam>
    /// <param name="index">The argument's position, from 0.</param>
    /// <exception cref="TaskHarnessAssertionException">There is no argument at <paramref name="index"/>, or it is not a <typeparamref name="T"/>.</exception>
    public T Arg<T>(int index)
    {
        if (index < 0 || index >= ArgCount)
        {
            throw new TaskHarnessAssertionException($"{Name} was sent with {ArgCount} positional argument(s) {ArgsJson}; there is no argument {index}.");
        }

        return Read<T>(Args[index], $"argument {index}");
    }

    /// <summary>Reads the argument for parameter <paramref name="name"/>: a keyword argument, or the positional one at the parameter's place.</summary>
    /// <typeparam name="T">The parameter's type.</typeparam>
    /// <param name="name">The parameter's name in the task method.</param>
    /// <exception cref="TaskHarnessAssertionException">No argument was sent for <paramref name="name"/>, or it is not a <typeparamref name="T"/>.</exception>
    public T Arg<T>(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Kwargs.ValueKind == JsonValueKind.Object && Kwargs.TryGetProperty(name, out JsonElement named))
        {
            return Read<T>(named, $"argument '{name}'");
        }

        int index = _parameters.ToList().IndexOf(name);
        if (index < 0)
        {
            string known = _parameters.Count > 0 ? string.Join(", ", _parameters) : "none known to this harness (add the task's module to it)";
            throw new TaskHarnessAssertionException($"{Name} has no parameter '{name}'; its parameters are: {known}.");
        }

        if (index >= ArgCount)
        {
            throw new TaskHarnessAssertionException($"{Name} was sent without '{name}' (argument {index}): args {ArgsJson}, kwargs {KwargsJson}.");
        }

        return Read<T>(Args[index], $"argument '{name}'");
    }

    /// <summary>The call as a test failure lists it: name, arguments, queue and id.</summary>
    public override string ToString() =>
        $"{Name}(args {ArgsJson}, kwargs {KwargsJson}) to queue '{Queue}', id {Id}{(IsRetry ? $", retry {Retries}" : string.Empty)}";

    private T Read<T>(JsonElement value, string what)
    {
        try
        {
            return value.Deserialize<T>(HarnessJson.Options)!;
        }
        catch (JsonException ex)
        {
            throw new TaskHarnessAssertionException($"{Name}'s {what} is {HarnessJson.Compact(value)}, which does not read as {typeof(T).Name}: {ex.Message}");
        }
    }
}
