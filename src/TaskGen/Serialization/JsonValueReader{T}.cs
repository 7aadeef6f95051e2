using System.ComponentModel;
using System.Text.Json;

namespace TaskGen.Serialization;

/// <summary>
/// Reads one JSON value of type <typeparamref name="T"/>. The reader is positioned on the value's first
/// token and is left on its last token, as System.Text.Json converters do.
///  It exists for generated code.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="reader">The reader, positioned on the value.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate T JsonValueReader<T>(ref Utf8JsonReader reader);

/// <summary>Writes one value of type <typeparamref name="T"/> as JSON. It exists for generated code.</summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="writer">The writer.</param>
/// <param name="value">The value.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void JsonValueWriter<T>(Utf8JsonWriter writer, T value);
