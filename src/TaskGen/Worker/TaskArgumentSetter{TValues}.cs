using System.ComponentModel;
using System.Text.Json;

namespace TaskGen.Worker;

/// <summary>A generated task's reader of one argument: reads the value at the reader into the parameter at <paramref name="index"/>.</summary>
/// <typeparam name="TValues">The sent parameters' types: one type, or a tuple of them in declaration order.</typeparam>
/// <param name="json">The reader, on the argument's value.</param>
/// <param name="index">The parameter's index among the sent parameters.</param>
/// <param name="values">The parameters read so far, to set the one at <paramref name="index"/> in.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void TaskArgumentSetter<TValues>(ref Utf8JsonReader json, int index, ref TValues values);
