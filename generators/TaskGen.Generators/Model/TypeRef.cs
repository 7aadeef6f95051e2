using TaskGen.Generators.Helpers;

namespace TaskGen.Generators.Model;

/// <summary>How a value of a type is read and written on the wire.</summary>
internal enum WireKind
{
    /// <summary>A type with its own <c>TaskJson.ReadX</c>/<c>WriteX</c> pair; <see cref="TypeRef.Helper"/> names X.</summary>
    Primitive,

    /// <summary>An enum, read by number or name and written by number.</summary>
    Enum,

    /// <summary><c>Nullable&lt;T&gt;</c> of the single type argument.</summary>
    Nullable,

    /// <summary>A one-dimensional array.</summary>
    Array,

    /// <summary><c>List&lt;T&gt;</c>.</summary>
    List,

    /// <summary>A read-only or interface sequence, read as a <c>List&lt;T&gt;</c>.</summary>
    Sequence,

    /// <summary>A string-keyed dictionary (or its interfaces), read as a <c>Dictionary&lt;string, T&gt;</c>.</summary>
    Dictionary,

    /// <summary>A record, class or struct serialized through the app's <c>JsonSerializerContext</c>.</summary>
    JsonObject,
}

/// <summary>A type as the emitter needs it.</summary>
/// <remarks>Holds strings and equatable arrays only, never symbols, so that specs cache across edits.</remarks>
/// <param name="FullName">The <c>global::</c>-qualified name, with nullable annotations.</param>
/// <param name="Kind">How the type goes on the wire.</param>
/// <param name="Helper">For primitives, the suffix of the TaskJson helper pair (<c>Int32</c>, <c>String</c>).</param>
/// <param name="Arguments">Element or value types for containers and nullables.</param>
/// <param name="DisplayName">A short name for registry listings.</param>
internal sealed record TypeRef(string FullName, WireKind Kind, string? Helper, EquatableArray<TypeRef> Arguments, string DisplayName)
{
    /// <summary>True when the type or a type inside it needs the app's JSON context.</summary>
    public bool NeedsJsonContext
    {
        get
        {
            if (Kind == WireKind.JsonObject)
            {
                return true;
            }

            foreach (TypeRef argument in Arguments)
            {
                if (argument.NeedsJsonContext)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The full name without a trailing nullable annotation, for generic arguments and <c>typeof</c>.</summary>
    public string NonNullableName => FullName.EndsWith("?") && Kind != WireKind.Nullable ? FullName.Substring(0, FullName.Length - 1) : FullName;
}
