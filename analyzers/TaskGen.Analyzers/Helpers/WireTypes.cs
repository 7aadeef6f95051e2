using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TaskGen.Analyzers.Helpers;

/// <summary>Why a type cannot go on the wire; each kind has its own diagnostic.</summary>
internal enum WireProblemKind
{
    None,
    Delegate,
    Native,
    Disposable,
    AsyncPrimitive,
    Untyped,
    Polymorphic,
    OpenGeneric,
    NeedsJsonContext,
    NonStringKey,
    Unsupported,
}

/// <summary>The first problem found in a type, and the (possibly nested) type that has it.</summary>
internal readonly struct WireProblem
{
    public WireProblem(WireProblemKind kind, ITypeSymbol type, ITypeSymbol? detail, string? reason, IReadOnlyList<int> path)
    {
        Kind = kind;
        Type = type;
        Detail = detail;
        Reason = reason;
        Path = path;
    }

    public WireProblemKind Kind { get; }

    /// <summary>The offending type: the parameter's type itself or an element, value or nullable argument inside it.</summary>
    public ITypeSymbol Type { get; }

    /// <summary>The dictionary key type, for <see cref="WireProblemKind.NonStringKey"/>.</summary>
    public ITypeSymbol? Detail { get; }

    /// <summary>A few words on what the type is, for messages that need them.</summary>
    public string? Reason { get; }

    /// <summary>Which type argument (or array element, as 0) to follow from the outer type to <see cref="Type"/>.</summary>
    public IReadOnlyList<int> Path { get; }
}

/// <summary>
/// Classifies task parameter and result types exactly as the generator's <c>ParseType</c> does, naming
/// the reason wherever the generator would silently skip the task.
/// </summary>
internal static class WireTypes
{
    private static readonly HashSet<string> s_primitives = new(StringComparer.Ordinal)
    {
        "global::System.Guid", "global::System.DateTimeOffset", "global::System.DateOnly", "global::System.TimeOnly", "global::System.TimeSpan",
    };

    private static readonly HashSet<string> s_sequences = new(StringComparer.Ordinal)
    {
        "System.Collections.Generic.List<T>", "System.Collections.Generic.IEnumerable<T>", "System.Collections.Generic.IReadOnlyList<T>",
        "System.Collections.Generic.IList<T>", "System.Collections.Generic.ICollection<T>", "System.Collections.Generic.IReadOnlyCollection<T>",
    };

    private static readonly HashSet<string> s_dictionaries = new(StringComparer.Ordinal)
    {
        "System.Collections.Generic.Dictionary<TKey, TValue>", "System.Collections.Generic.IDictionary<TKey, TValue>",
        "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>",
    };

    /// <summary>Finds the first problem in <paramref name="type"/>; a record or class reports NeedsJsonContext for the caller to check.</summary>
    /// <param name="type">The parameter or result type.</param>
    /// <param name="known">The compilation's known symbols.</param>
    /// <param name="isCovered">Whether the app's JSON context covers a record or class; null when no context is declared.</param>
    public static WireProblem Classify(ITypeSymbol type, KnownSymbols known, Func<ITypeSymbol, bool>? isCovered) =>
        Classify(type, known, isCovered, new List<int>());

    private static WireProblem Classify(ITypeSymbol type, KnownSymbols known, Func<ITypeSymbol, bool>? isCovered, List<int> path)
    {
        WireProblem Problem(WireProblemKind kind, string? reason = null, ITypeSymbol? detail = null) => new(kind, type, detail, reason, path.ToArray());

        if (IsPrimitive(type))
        {
            return default;
        }

        switch (type)
        {
            case IArrayTypeSymbol array:
                if (array.Rank != 1)
                {
                    return Problem(WireProblemKind.Unsupported);
                }

                path.Add(0);
                return Classify(array.ElementType, known, isCovered, path);
            case IPointerTypeSymbol:
                return Problem(WireProblemKind.Native, "a pointer");
            case IFunctionPointerTypeSymbol:
                return Problem(WireProblemKind.Native, "a function pointer");
            case IDynamicTypeSymbol:
                return Problem(WireProblemKind.Untyped);
            case ITypeParameterSymbol:
                return Problem(WireProblemKind.OpenGeneric);
            case IErrorTypeSymbol:
                return default; // The compiler reports it.
            case not INamedTypeSymbol:
                return Problem(WireProblemKind.Unsupported);
        }

        var named = (INamedTypeSymbol)type;
        if (named.TypeKind == TypeKind.Error)
        {
            return default;
        }

        if (named.TypeKind == TypeKind.Delegate)
        {
            return Problem(WireProblemKind.Delegate);
        }

        if (named.IsRefLikeType)
        {
            return Problem(WireProblemKind.Native, "a ref struct that lives only on the stack");
        }

        if (named.TypeKind == TypeKind.Enum)
        {
            return default;
        }

        if (named.IsGenericType && !named.IsUnboundGenericType)
        {
            string definition = named.OriginalDefinition.ToDisplayString();
            if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T || s_sequences.Contains(definition))
            {
                path.Add(0);
                return Classify(named.TypeArguments[0], known, isCovered, path);
            }

            if (s_dictionaries.Contains(definition))
            {
                if (named.TypeArguments[0].SpecialType != SpecialType.System_String)
                {
                    return Problem(WireProblemKind.NonStringKey, detail: named.TypeArguments[0]);
                }

                path.Add(1);
                return Classify(named.TypeArguments[1], known, isCovered, path);
            }
        }

        if (known.Expression is not null && DerivesFrom(named, known.Expression))
        {
            return Problem(WireProblemKind.Delegate);
        }

        if (KnownSymbols.Is(named, known.Task) || KnownSymbols.Is(named, known.TaskOfT) || KnownSymbols.Is(named, known.ValueTask) || KnownSymbols.Is(named, known.ValueTaskOfT))
        {
            return Problem(WireProblemKind.AsyncPrimitive, "a running operation exists only in this process; send its inputs, or await it and send the result");
        }

        if (KnownSymbols.Is(named, known.CancellationToken))
        {
            return Problem(WireProblemKind.AsyncPrimitive, "the worker supplies a CancellationToken, so declare one CancellationToken parameter directly instead of sending one");
        }

        if (KnownSymbols.Is(named, known.TaskContext))
        {
            return Problem(WireProblemKind.AsyncPrimitive, "the worker supplies the TaskContext, so declare one parameter of type TaskContext (not nullable) instead of sending one");
        }

        if (named.SpecialType == SpecialType.System_Object)
        {
            return Problem(WireProblemKind.Untyped);
        }

        if (named.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            return Problem(WireProblemKind.Native, "a native handle");
        }

        if (IsDisposable(named, known))
        {
            return Problem(WireProblemKind.Disposable);
        }

        if (named.TypeKind == TypeKind.Interface)
        {
            return Problem(WireProblemKind.Polymorphic, "an interface");
        }

        if (named.IsAbstract)
        {
            return Problem(WireProblemKind.Polymorphic, "an abstract class");
        }

        if (named.IsUnboundGenericType)
        {
            return Problem(WireProblemKind.OpenGeneric);
        }

        if (named.TypeKind is not (TypeKind.Class or TypeKind.Struct) || IsFrameworkType(named))
        {
            return Problem(WireProblemKind.Unsupported);
        }

        if (isCovered is null || !isCovered(named))
        {
            return Problem(WireProblemKind.NeedsJsonContext);
        }

        return default;
    }

    /// <summary>The types the generator writes with its own helpers.</summary>
    public static bool IsPrimitive(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean:
            case SpecialType.System_Byte:
            case SpecialType.System_SByte:
            case SpecialType.System_Int16:
            case SpecialType.System_UInt16:
            case SpecialType.System_Int32:
            case SpecialType.System_UInt32:
            case SpecialType.System_Int64:
            case SpecialType.System_UInt64:
            case SpecialType.System_Single:
            case SpecialType.System_Double:
            case SpecialType.System_Decimal:
            case SpecialType.System_String:
            case SpecialType.System_Char:
            case SpecialType.System_DateTime:
                return true;
        }

        return type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte }
            || (type is INamedTypeSymbol && s_primitives.Contains(type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)));
    }

    private static bool DerivesFrom(INamedTypeSymbol type, INamedTypeSymbol baseType)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, baseType))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsDisposable(INamedTypeSymbol type, KnownSymbols known) =>
        KnownSymbols.Is(type, known.IDisposable) || KnownSymbols.Is(type, known.IAsyncDisposable)
        || type.AllInterfaces.Any(i => KnownSymbols.Is(i, known.IDisposable) || KnownSymbols.Is(i, known.IAsyncDisposable));

    private static bool IsFrameworkType(INamedTypeSymbol type)
    {
        string ns = type.ContainingNamespace?.ToDisplayString() ?? string.Empty;
        return ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal);
    }
}
