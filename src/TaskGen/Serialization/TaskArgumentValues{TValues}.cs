using System;
using System.ComponentModel;
using System.Text.Json;

namespace TaskGen.Serialization;

/// <summary>
/// The argument values of one generated call and the task's own writer for them: generated stubs pass a
/// tuple and a static lambda instead of declaring one subclass per task.
/// </summary>
/// <typeparam name="TValues">The task's sent parameters: one value, or a tuple of them in declaration order.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
internal sealed class TaskArgumentValues<TValues> : TaskArguments
{
    private readonly TValues _values;
    private readonly Action<Utf8JsonWriter, TValues> _write;

    /// <summary>Holds the values until the message is encoded.</summary>
    /// <param name="values">The argument values.</param>
    /// <param name="write">Writes each value as one element of the <c>args</c> array, without the brackets.</param>
    public TaskArgumentValues(TValues values, Action<Utf8JsonWriter, TValues> write)
    {
        _values = values;
        _write = write;
    }

    /// <inheritdoc />
    public override void WriteArgs(Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        _write(writer, _values);
        writer.WriteEndArray();
    }
}
