using System.Text.Json;

namespace TaskGen.Serialization;

/// <summary>
/// The argument values of one call, able to write themselves as the body's positional <c>args</c>
/// array. The generator emits one sealed subclass per task, so encoding needs no reflection.
/// </summary>
public abstract class TaskArguments
{
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
}
