using System.Text.Json;

namespace TaskGen.Serialization;

/// <summary>
/// The argument values of one call, able to write themselves as the body's positional <c>args</c>
/// array. Generated stubs hand each task's own writer to <see cref="TaskArgumentValues{TValues}"/>, so
/// encoding needs no reflection.
/// </summary>
public abstract class TaskArguments
{
    /// <summary>The arguments of a task that takes none, shared because they hold nothing.</summary>
    public static TaskArguments None { get; } = new NoArguments();

    /// <summary>Writes the positional arguments as one JSON array.</summary>
    /// <param name="writer">The writer.</param>
    public abstract void WriteArgs(Utf8JsonWriter writer);

    /// <summary>Writes the keyword arguments as one JSON object; generated stubs pass everything by position.</summary>
    /// <param name="writer">The writer.</param>
    public virtual void WriteKwargs(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteEndObject();
    }

    private sealed class NoArguments : TaskArguments
    {
        public override void WriteArgs(Utf8JsonWriter writer)
        {
            writer.WriteStartArray();
            writer.WriteEndArray();
        }
    }
}
