using System;
using System.ComponentModel;
using System.Text.Json;

namespace TaskGen.Serialization;

/// <summary>
/// The argument values of one call, able to write themselves as the body's positional <c>args</c>
/// array. Generated stubs hand each task's own writer to <see cref="TaskArgumentValues{TValues}"/>, so
/// encoding needs no reflection.
/// </summary>
public abstract class TaskArguments
{
    /// <summary>The arguments of a task that takes none, shared because they hold nothing; it exists for generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static TaskArguments None { get; } = new NoArguments();

    /// <summary>Wraps a generated call's values and writer; the type argument is inferred, so stubs need not spell out the tuple.</summary>
    /// <typeparam name="TValues">The task's sent parameters: one value, or a tuple of them in declaration order.</typeparam>
    /// <param name="values">The argument values.</param>
    /// <param name="write">Writes each value as one element of the <c>args</c> array, without the brackets.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static TaskArguments Of<TValues>(TValues values, Action<Utf8JsonWriter, TValues> write) => new TaskArgumentValues<TValues>(values, write);

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
