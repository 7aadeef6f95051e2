using System;
using System.Collections.Generic;
using System.Text.Json;

namespace TaskGen;

/// <summary>
/// The wording of every refusal of a canvas (chain, chord, callback), in one place: the run-time checks throw it and the
/// analyzers (TG0401, TG0402) report the same sentences at compile time, so a user meets one message for one mistake.
/// </summary>
internal static class CanvasMessages
{
    private static readonly Dictionary<Type, string> s_keywords = new()
    {
        [typeof(bool)] = "bool",
        [typeof(byte)] = "byte",
        [typeof(sbyte)] = "sbyte",
        [typeof(char)] = "char",
        [typeof(short)] = "short",
        [typeof(ushort)] = "ushort",
        [typeof(int)] = "int",
        [typeof(uint)] = "uint",
        [typeof(long)] = "long",
        [typeof(ulong)] = "ulong",
        [typeof(float)] = "float",
        [typeof(double)] = "double",
        [typeof(decimal)] = "decimal",
        [typeof(string)] = "string",
        [typeof(object)] = "object",
    };

    /// <summary>A chain step, or a success callback, whose first parameter cannot take the previous result (TG0402).</summary>
    public static string StepDoesNotFit(string stepTask, Type inputType, string previousTask, Type resultType) =>
        $"{stepTask}'s first parameter takes {TypeName(inputType)}, but {previousTask} returns {TypeName(resultType)}: "
        + $"give the step a first parameter that takes {TypeName(resultType)}, or pass a full Signature so that the step runs without the previous result.";

    /// <summary>A chord body whose first parameter is not a list that takes the header's results (TG0401).</summary>
    public static string BodyDoesNotFit(string bodyTask, Type inputType, Type memberResultType) =>
        $"{bodyTask}'s first parameter takes {TypeName(inputType)}, but the chord's header returns a list of {TypeName(memberResultType)}: "
        + $"give the body a first parameter that is a list or an array of {TypeName(memberResultType)}, or pass a full Signature as the body so that it runs without the header's results.";

    /// <summary>An error callback whose first parameter cannot take the failed task's id.</summary>
    public static string ErrbackDoesNotFit(string errbackTask, Type inputType) =>
        $"{errbackTask}'s first parameter takes {TypeName(inputType)}, but an error callback receives the failed task's id, a string: give it a first parameter of type string.";

    /// <summary>A chord body routed to a broadcast queue, which every worker would run.</summary>
    public static string BroadcastBody(string bodyTask, string queue) =>
        $"{bodyTask} goes to broadcast queue '{queue}', so every worker would run the chord's body: route the body to an ordinary queue.";

    /// <summary>A chord header member that keeps no result, so the body would never run.</summary>
    public static string HeaderMemberIgnoresResult(int index, string task) =>
        $"Header member {index} ({task}) is sent with IgnoreResult, so its result would never reach the chord's body: send it without IgnoreResult.";

    /// <summary>A chord on a result backend that keeps no results by id. Never holds the backend's URL, which may hold a password.</summary>
    public const string ChordNeedsResultsById =
        "A chord needs a result backend that keeps results by id, as Celery's does: set ResultBackend to redis://host:port/db on the workers and on this app, "
        + "with the TaskGen.Redis package and AddRedisResults(). rpc:// sends each result only to the app that sent the task, so no worker can tell when the header is done.";

    /// <summary>A group saved or restored on a result backend that keeps no results by id.</summary>
    public const string GroupNeedsResultsById =
        "A group is saved and restored on a result backend that keeps results by id: set ResultBackend to redis://host:port/db on the workers and on this app, "
        + "with the TaskGen.Redis package and AddRedisResults(). rpc:// keeps each result only for the app that sent the task.";

    /// <summary>
    /// Whether a first parameter of <paramref name="inputType"/> takes a value of <paramref name="valueType"/>:
    /// object and <see cref="JsonElement"/> take anything, since the value arrives as JSON.
    /// </summary>
    public static bool Accepts(Type inputType, Type valueType) =>
        inputType == typeof(object)
        || inputType == typeof(JsonElement)
        || inputType.IsAssignableFrom(valueType)
        || Nullable.GetUnderlyingType(inputType) == valueType;

    /// <summary>A type as C# source spells it (<c>List&lt;double&gt;</c>, <c>int?</c>), as the analyzers print it.</summary>
    public static string TypeName(Type type)
    {
        if (s_keywords.TryGetValue(type, out string? keyword))
        {
            return keyword;
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return TypeName(underlying) + "?";
        }

        if (type.IsArray)
        {
            return TypeName(type.GetElementType()!) + "[]";
        }

        if (type.IsGenericType)
        {
            string name = type.Name;
            int tick = name.IndexOf('`', StringComparison.Ordinal);
            return (tick < 0 ? name : name[..tick]) + "<" + string.Join(", ", Array.ConvertAll(type.GetGenericArguments(), TypeName)) + ">";
        }

        return type.Name;
    }
}
