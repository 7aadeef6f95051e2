using TaskGen.Common;
using TaskGen.Generators.Helpers;

namespace TaskGen.Generators.Model;

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
