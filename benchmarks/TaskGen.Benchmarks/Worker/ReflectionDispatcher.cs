using System;
using System.Collections.Generic;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace TaskGen.Benchmarks.Worker;

/// <summary>
/// The dispatch other .NET task libraries do: a name-to-<see cref="MethodInfo"/> table, each argument
/// read by <see cref="JsonSerializer"/> with runtime (reflection) metadata, <see cref="MethodBase.Invoke(object, object[])"/>,
/// and the result written by <see cref="JsonSerializer"/>. Parameter lists are cached, as a careful
/// library would; everything else is what reflection costs.
/// </summary>
public sealed class ReflectionDispatcher
{
    private readonly Dictionary<string, Entry> _methods = new(StringComparer.Ordinal);

    private readonly JsonSerializerOptions _options = new() { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    /// <summary>Registers every public static method of <paramref name="type"/> under <c>Namespace.Type.Method</c>.</summary>
    /// <param name="type">The class that declares the tasks.</param>
    public ReflectionDispatcher Register(Type type)
    {
        foreach (MethodInfo method in type.GetMethods(BindingFlags.Public | BindingFlags.Static))
        {
            ParameterInfo[] parameters = method.GetParameters();
            var types = new Type[parameters.Length];
            for (int i = 0; i < parameters.Length; i++)
            {
                types[i] = parameters[i].ParameterType;
            }

            _methods[type.FullName + "." + method.Name] = new Entry(method, types);
        }

        return this;
    }

    /// <summary>Runs a task by name on its positional arguments and returns the result's JSON.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="args">The positional arguments as a JSON array.</param>
    public byte[] Invoke(string name, ReadOnlySpan<byte> args)
    {
        if (!_methods.TryGetValue(name, out Entry? entry))
        {
            throw new InvalidOperationException($"Task '{name}' is not registered.");
        }

        var values = new object?[entry.ParameterTypes.Length];
        var reader = new Utf8JsonReader(args);
        reader.Read();
        for (int i = 0; i < values.Length && reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
        {
            values[i] = JsonSerializer.Deserialize(ref reader, entry.ParameterTypes[i], _options);
        }

        object? result = entry.Method.Invoke(null, values);
        return JsonSerializer.SerializeToUtf8Bytes(result, entry.Method.ReturnType, _options);
    }

    private sealed record Entry(MethodInfo Method, Type[] ParameterTypes);
}
