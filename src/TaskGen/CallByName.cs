using System.Text.Json;
using TaskGen.Serialization;

namespace TaskGen;

/// <summary>
/// A call to a task known only by name, with JSON arguments and a JSON result: what the <c>call</c> command sends,
/// and what a schedule entry from configuration sends, since neither can name the task's CLR types.
/// </summary>
internal static class CallByName
{
    /// <summary>Creates the call.</summary>
    /// <param name="task">The task's registered name.</param>
    /// <param name="queue">The task's own queue; empty for the app's default queue.</param>
    /// <param name="arguments">The arguments as JSON.</param>
    /// <param name="options">The call's options, or null for the defaults.</param>
    public static Signature<JsonElement> Create(string task, string queue, RawJsonArguments arguments, TaskOptions? options)
    {
        var descriptor = new TaskDescriptor<JsonElement>(task, queue, null, static (ref Utf8JsonReader reader) => JsonElement.ParseValue(ref reader));
        return new Signature<JsonElement>(descriptor, arguments, options);
    }
}
