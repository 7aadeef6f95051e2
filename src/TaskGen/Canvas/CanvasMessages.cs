using System;
using System.Collections.Generic;
using System.Text.Json;

namespace TaskGen;

/// <summary>
/// The wording of every refusal of a canvas (chain, chord, callback), in one place: the run-time checks throw the sentences
/// the analyzers (TG0401, TG0402, TG0404, TG0405, TG0406) report at compile time, so a user meets one message for one
/// mistake whether the canvas is built in code the analyzers see or at run time. The analyzers name a task by its class
/// and method; at run time only the task's name is known, so that names it.
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

    /// <summary>A chain step (<paramref name="kind"/> "next step") or a success callback ("callback") whose first parameter cannot take the previous result (TG0402).</summary>
    public static string StepDoesNotFit(string kind, string stepTask, Type inputType, Type resultType) =>
        $"The {kind} '{stepTask}' takes {TypeName(inputType)} first, but the call before it returns {TypeName(resultType)}: "
        + $"give {ShortName(stepTask)} a first parameter of {TypeName(resultType)}, or put a step between them that turns {TypeName(resultType)} into {TypeName(inputType)}";

    /// <summary>A chord body whose first parameter is not a list that takes the header's results (TG0401).</summary>
    public static string BodyDoesNotFit(string bodyTask, Type inputType, Type memberResultType) =>
        $"The chord body '{bodyTask}' takes {TypeName(inputType)} first, but its header's tasks return {TypeName(memberResultType)}: "
        + $"give {ShortName(bodyTask)} a first parameter of List<{TypeName(memberResultType)}> (or IReadOnlyList<{TypeName(memberResultType)}>), or change the header";

    /// <summary>A chord header member that keeps no result, so the body would never run (TG0404).</summary>
    public static string HeaderMemberIgnoresResult(string task) =>
        $"The header member '{task}' is sent with IgnoreResult = true, so the chord never counts it and its body never runs: remove IgnoreResult from this call";

    /// <summary>A chord body routed to a broadcast queue, which every worker would run (TG0405).</summary>
    public static string BroadcastBody(string bodyTask, string queue) =>
        $"The chord body '{bodyTask}' goes to the broadcast queue '{queue}', where every worker would run it and answer for the one chord: "
        + "route the body to a direct queue with new TaskOptions { Queue = ... }, or use a task of a direct queue";

    /// <summary>An error callback whose first parameter cannot take the failed task's id (TG0406).</summary>
    public static string ErrbackDoesNotFit(string errbackTask, Type inputType) =>
        $"The error callback '{errbackTask}' takes {TypeName(inputType)} first, but an error callback receives the failed task's id, a string: give {ShortName(errbackTask)} a first parameter of string";

    /// <summary>A chord on a result backend that keeps no results by id. Never holds the backend's URL, which may hold a password.</summary>
    public const string ChordNeedsResultsById =
        "A chord needs a result backend that keeps results by id, as Celery's does: set ResultBackend to redis://host:port/db on the workers and on this app, "
        + "with the TaskGen.Redis package and AddRedisResults(). rpc:// sends each result only to the app that sent the task, so no worker can tell when the header is done.";

    /// <summary>A group saved or restored on a result backend that keeps no results by id.</summary>
    public const string GroupNeedsResultsById =
        "A group is saved and restored on a result backend that keeps results by id: set ResultBackend to redis://host:port/db on the workers and on this app, "
        + "with the TaskGen.Redis package and AddRedisResults(). rpc:// keeps each result only for the app that sent the task.";

    /// <summary>A group whose publishing stopped at a failure after some members had gone out.</summary>
    public static string GroupSentInPart(string groupId, int sent, int total, Exception failure) =>
        $"Only {sent} of the {total} members of group {groupId} were sent: a publish failed ({failure.Message}) and no further member was sent. "
        + "The members sent still run: wait for them through GroupSendException.SentResults, and send the others again once the broker accepts them.";

    /// <summary>A chord whose header was sent in part, which no worker can ever complete.</summary>
    public static string ChordSentInPart(string groupId, int sent, int total, Exception failure) =>
        $"Only {sent} of the {total} header members of chord {groupId} were sent: a publish failed ({failure.Message}) and no further member was sent, "
        + "so the chord can never complete and its body will not run. The members sent still run; send the chord again once the broker accepts its messages.";

    /// <summary>
    /// Whether a first parameter of <paramref name="inputType"/> takes a value of <paramref name="valueType"/>:
    /// object and <see cref="JsonElement"/> take anything, since the value arrives as JSON.
    /// </summary>
    public static bool Accepts(Type inputType, Type valueType) =>
        inputType == typeof(object)
        || inputType == typeof(JsonElement)
        || inputType.IsAssignableFrom(valueType)
        || Nullable.GetUnderlyingType(inputType) == valueType;

    /// <summary>The last part of a task name, the method's name for a task named after it.</summary>
    private static string ShortName(string task) => task[(task.LastIndexOf('.') + 1)..];

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
