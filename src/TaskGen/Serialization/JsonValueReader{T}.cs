using System.Text.Json;

namespace TaskGen.Serialization;

/// <summary>
/// Reads one JSON value of type <typeparamref name="T"/>. The reader is positioned on the value's first
/// token and is left on its last token, as System.Text.Json converters do.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="reader">The reader, positioned on the value.</param>
public delegate T JsonValueReader<T>(ref Utf8JsonReader reader);

/// <summary>Writes one value of type <typeparamref name="T"/> as JSON.</summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="writer">The writer.</param>
/// <param name="value">The value.</param>
public delegate void JsonValueWriter<T>(Utf8JsonWriter writer, T value);
