using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace TaskGen.Common;

/// <summary>How a value of a type is read and written on the wire.</summary>
internal enum WireKind
{
    /// <summary>A type with its own <c>TaskJson.ReadX</c>/<c>WriteX</c> pair; <see cref="WireShape.Helper"/> names X.</summary>
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

/// <summary>Why a type cannot go on the wire; each kind but <see cref="Erroneous"/> has its own diagnostic.</summary>
/// <remarks><see cref="NeedsJsonContext"/> comes only from <see cref="WireTypes.FindProblem"/>, which knows the JSON context.</remarks>
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

    /// <summary>A type the compiler could not bind: the compiler reports it, the generator skips the task.</summary>
    Erroneous,
}

/// <summary>One level of a type as the wire sees it: its kind and the type inside it, or the problem that keeps it off the wire.</summary>
/// <remarks>Holds symbols, so it lives only inside one transform or analyzer callback and never reaches a generator step's output.</remarks>
internal readonly struct WireShape
{
    private WireShape(WireProblemKind problem, WireKind kind, string? helper, ITypeSymbol? element, int elementIndex, string? reason, ITypeSymbol? detail)
    {
        Problem = problem;
        Kind = kind;
        Helper = helper;
        Element = element;
        ElementIndex = elementIndex;
        Reason = reason;
        Detail = detail;
    }

    /// <summary>The problem, or <see cref="WireProblemKind.None"/> when the type has a wire form.</summary>
    public WireProblemKind Problem { get; }

    /// <summary>The wire form, when there is no problem.</summary>
    public WireKind Kind { get; }

    /// <summary>For primitives, the suffix of the <c>TaskJson</c> helper pair (<c>Int32</c>, <c>String</c>).</summary>
    public string? Helper { get; }

    /// <summary>For containers and nullables, the element or value type, which must have a wire form of its own.</summary>
    public ITypeSymbol? Element { get; }

    /// <summary>Which type argument <see cref="Element"/> is (0 for an array's element), to follow the type's syntax to it.</summary>
    public int ElementIndex { get; }

    /// <summary>A few words on what the type is, for messages that need them.</summary>
    public string? Reason { get; }

    /// <summary>The dictionary key type, for <see cref="WireProblemKind.NonStringKey"/>.</summary>
    public ITypeSymbol? Detail { get; }

    public static WireShape Of(WireKind kind, string? helper = null, ITypeSymbol? element = null, int elementIndex = 0) =>
        new(WireProblemKind.None, kind, helper, element, elementIndex, null, null);

    public static WireShape Rejected(WireProblemKind problem, string? reason = null, ITypeSymbol? detail = null) =>
        new(problem, default, null, null, 0, reason, detail);
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
/// The one rule for what a task parameter or result may be on the wire. The generator builds its type
/// model from it and skips a task whose type has a problem; the analyzers report that same problem.
/// </summary>
internal static class WireTypes
{
    /// <summary>Classifies one level of <paramref name="type"/>; a record, class or struct comes back as <see cref="WireKind.JsonObject"/> for the caller to check against the JSON context.</summary>
    public static WireShape Shape(ITypeSymbol type)
    {
        if (PrimitiveHelper(type) is { } helper)
        {
            return WireShape.Of(WireKind.Primitive, helper);
        }

        switch (type)
        {
            case IArrayTypeSymbol array:
                return array.Rank == 1 ? WireShape.Of(WireKind.Array, element: array.ElementType) : WireShape.Rejected(WireProblemKind.Unsupported);
            case IPointerTypeSymbol:
                return WireShape.Rejected(WireProblemKind.Native, "a pointer");
            case IFunctionPointerTypeSymbol:
                return WireShape.Rejected(WireProblemKind.Native, "a function pointer");
            case IDynamicTypeSymbol:
                return WireShape.Rejected(WireProblemKind.Untyped);
            case ITypeParameterSymbol:
                return WireShape.Rejected(WireProblemKind.OpenGeneric);
            case IErrorTypeSymbol:
                return WireShape.Rejected(WireProblemKind.Erroneous);
            case not INamedTypeSymbol:
                return WireShape.Rejected(WireProblemKind.Unsupported);
        }

        var named = (INamedTypeSymbol)type;
        switch (named.TypeKind)
        {
            case TypeKind.Error:
                return WireShape.Rejected(WireProblemKind.Erroneous);
            case TypeKind.Delegate:
                return WireShape.Rejected(WireProblemKind.Delegate);
        }

        if (named.IsRefLikeType)
        {
            return WireShape.Rejected(WireProblemKind.Native, "a ref struct that lives only on the stack");
        }

        if (named.TypeKind == TypeKind.Enum)
        {
            return WireShape.Of(WireKind.Enum);
        }

        if (named.IsGenericType && !named.IsUnboundGenericType)
        {
            if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
            {
                return WireShape.Of(WireKind.Nullable, element: named.TypeArguments[0]);
            }

            switch (named.OriginalDefinition.ToDisplayString())
            {
                case "System.Collections.Generic.List<T>":
                    return WireShape.Of(WireKind.List, element: named.TypeArguments[0]);
                case "System.Collections.Generic.IEnumerable<T>" or "System.Collections.Generic.IReadOnlyList<T>" or "System.Collections.Generic.IList<T>"
                    or "System.Collections.Generic.ICollection<T>" or "System.Collections.Generic.IReadOnlyCollection<T>":
                    return WireShape.Of(WireKind.Sequence, element: named.TypeArguments[0]);
                case "System.Collections.Generic.Dictionary<TKey, TValue>" or "System.Collections.Generic.IDictionary<TKey, TValue>"
                    or "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>":
                    return named.TypeArguments[0].SpecialType == SpecialType.System_String
                        ? WireShape.Of(WireKind.Dictionary, element: named.TypeArguments[1], elementIndex: 1)
                        : WireShape.Rejected(WireProblemKind.NonStringKey, detail: named.TypeArguments[0]);
            }
        }

        for (INamedTypeSymbol? current = named; current is not null; current = current.BaseType)
        {
            if (IsNamed(current, "System.Linq.Expressions", "Expression", 0))
            {
                return WireShape.Rejected(WireProblemKind.Delegate);
            }
        }

        if (IsNamed(named, "System.Threading.Tasks", "Task", 0) || IsNamed(named, "System.Threading.Tasks", "Task", 1)
            || IsNamed(named, "System.Threading.Tasks", "ValueTask", 0) || IsNamed(named, "System.Threading.Tasks", "ValueTask", 1))
        {
            return WireShape.Rejected(WireProblemKind.AsyncPrimitive, "a running operation exists only in this process; send its inputs, or await it and send the result");
        }

        if (IsNamed(named, "System.Threading", "CancellationToken", 0))
        {
            return WireShape.Rejected(WireProblemKind.AsyncPrimitive, "the worker supplies a CancellationToken, so declare one CancellationToken parameter directly instead of sending one");
        }

        if (IsNamed(named, "TaskGen", "TaskContext", 0))
        {
            return WireShape.Rejected(WireProblemKind.AsyncPrimitive, "the worker supplies the TaskContext, so declare one parameter of type TaskContext (not nullable) instead of sending one");
        }

        if (named.SpecialType == SpecialType.System_Object)
        {
            return WireShape.Rejected(WireProblemKind.Untyped);
        }

        if (named.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            return WireShape.Rejected(WireProblemKind.Native, "a native handle");
        }

        if (IsDisposable(named))
        {
            return WireShape.Rejected(WireProblemKind.Disposable);
        }

        if (named.TypeKind == TypeKind.Interface)
        {
            return WireShape.Rejected(WireProblemKind.Polymorphic, "an interface");
        }

        if (named.IsAbstract)
        {
            return WireShape.Rejected(WireProblemKind.Polymorphic, "an abstract class");
        }

        if (named.IsUnboundGenericType)
        {
            return WireShape.Rejected(WireProblemKind.OpenGeneric);
        }

        if (named.TypeKind is not (TypeKind.Class or TypeKind.Struct) || IsFrameworkType(named))
        {
            return WireShape.Rejected(WireProblemKind.Unsupported);
        }

        return WireShape.Of(WireKind.JsonObject);
    }

    /// <summary>Finds the first problem in <paramref name="type"/> or in a type inside it, following elements as the generator does.</summary>
    /// <param name="type">The parameter or result type.</param>
    /// <param name="isCovered">Whether the app's JSON context covers a record or class; null when no context is declared.</param>
    public static WireProblem FindProblem(ITypeSymbol type, Func<ITypeSymbol, bool>? isCovered)
    {
        var path = new List<int>();
        while (true)
        {
            WireShape shape = Shape(type);
            switch (shape.Problem)
            {
                case WireProblemKind.None:
                    break;
                case WireProblemKind.Erroneous:
                    return default;
                default:
                    return new WireProblem(shape.Problem, type, shape.Detail, shape.Reason, path.ToArray());
            }

            if (shape.Element is { } element)
            {
                path.Add(shape.ElementIndex);
                type = element;
                continue;
            }

            return shape.Kind == WireKind.JsonObject && (isCovered is null || !isCovered(type))
                ? new WireProblem(WireProblemKind.NeedsJsonContext, type, null, null, path.ToArray())
                : default;
        }
    }

    /// <summary>The suffix of the <c>TaskJson</c> helper pair for the types the runtime writes itself, or null for any other.</summary>
    private static string? PrimitiveHelper(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: return "Boolean";
            case SpecialType.System_Byte: return "Byte";
            case SpecialType.System_SByte: return "SByte";
            case SpecialType.System_Int16: return "Int16";
            case SpecialType.System_UInt16: return "UInt16";
            case SpecialType.System_Int32: return "Int32";
            case SpecialType.System_UInt32: return "UInt32";
            case SpecialType.System_Int64: return "Int64";
            case SpecialType.System_UInt64: return "UInt64";
            case SpecialType.System_Single: return "Single";
            case SpecialType.System_Double: return "Double";
            case SpecialType.System_Decimal: return "Decimal";
            case SpecialType.System_String: return "String";
            case SpecialType.System_Char: return "Char";
            case SpecialType.System_DateTime: return "DateTime";
        }

        if (type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte })
        {
            return "Bytes";
        }

        if (type is not INamedTypeSymbol { Arity: 0, ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } named
            || named.ContainingType is not null)
        {
            return null;
        }

        return named.Name switch
        {
            "Guid" => "Guid",
            "DateTimeOffset" => "DateTimeOffset",
            "DateOnly" => "DateOnly",
            "TimeOnly" => "TimeOnly",
            "TimeSpan" => "TimeSpan",
            _ => null,
        };
    }

    /// <summary>Whether a type (or its generic definition) is <paramref name="ns"/>.<paramref name="name"/> with <paramref name="arity"/> type parameters, compared by name so that no compilation lookup is needed.</summary>
    internal static bool IsNamed(INamedTypeSymbol type, string ns, string name, int arity) =>
        type.Arity == arity && type.Name == name && type.ContainingType is null && NamespaceIs(type.ContainingNamespace, ns);

    private static bool NamespaceIs(INamespaceSymbol? symbol, string ns)
    {
        int end = ns.Length;
        for (INamespaceSymbol? current = symbol; current is not null && !current.IsGlobalNamespace; current = current.ContainingNamespace)
        {
            int start = ns.LastIndexOf('.', end - 1) + 1;
            if (end - start != current.Name.Length || string.CompareOrdinal(ns, start, current.Name, 0, end - start) != 0)
            {
                return false;
            }

            end = start - 1;
            if (end < 0)
            {
                return current.ContainingNamespace is null || current.ContainingNamespace.IsGlobalNamespace;
            }
        }

        return false;
    }

    private static bool IsDisposable(INamedTypeSymbol type)
    {
        if (IsNamed(type, "System", "IDisposable", 0) || IsNamed(type, "System", "IAsyncDisposable", 0))
        {
            return true;
        }

        foreach (INamedTypeSymbol candidate in type.AllInterfaces)
        {
            if (IsNamed(candidate, "System", "IDisposable", 0) || IsNamed(candidate, "System", "IAsyncDisposable", 0))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsFrameworkType(INamedTypeSymbol type)
    {
        INamespaceSymbol? outermost = null;
        for (INamespaceSymbol? current = type.ContainingNamespace; current is not null && !current.IsGlobalNamespace; current = current.ContainingNamespace)
        {
            outermost = current;
        }

        return outermost?.Name == "System";
    }
}
