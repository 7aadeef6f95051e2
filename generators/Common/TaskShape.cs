using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace TaskGen.Common;

/// <summary>Which parameters the worker supplies instead of the message: one rule for the generator and the analyzers.</summary>
internal enum InjectedRole
{
    /// <summary>A value read from the message (or a service, which <see cref="TaskNames.IsFromServices"/> tells).</summary>
    None,

    /// <summary>The run's <c>CancellationToken</c>.</summary>
    CancellationToken,

    /// <summary>The run's <c>TaskContext</c>.</summary>
    Context,
}

/// <summary>
/// What a <c>[Task]</c> method must be for generated code to call it, one rule for both sides: the generator
/// skips a method that breaks it (emitting nothing that would not compile), and the analyzer reports each break
/// with its own diagnostic.
/// </summary>
internal static class TaskShape
{
    /// <summary>True when generated code can call the method; otherwise the analyzer has a diagnostic for it.</summary>
    public static bool CanBeGenerated(IMethodSymbol method)
    {
        if (!method.IsStatic || method.IsGenericMethod || method.ReturnsByRef || method.ReturnsByRefReadonly
            || GenericContainer(method) is not null || NonClassContainer(method) is not null || Unreachable(method) is not null)
        {
            return false;
        }

        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>What a stub that cannot be generated names when the compiler's own error is the cause (a type that does not bind).</summary>
    public const string CompilerError = "a compiler error";

    /// <summary>
    /// The ID of the task-shape rule that keeps generated code from calling the method, checked in the order
    /// <see cref="CanBeGenerated"/> checks them, or null when it can be called.
    /// </summary>
    public static string? WhyNotGenerated(IMethodSymbol method)
    {
        if (!method.IsStatic)
        {
            return "TG0001";
        }

        if (method.IsGenericMethod || GenericContainer(method) is not null)
        {
            return "TG0002";
        }

        if (method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            return "TG0004";
        }

        if (NonClassContainer(method) is not null)
        {
            return "TG0006";
        }

        if (Unreachable(method) is not null)
        {
            return "TG0005";
        }

        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None)
            {
                return "TG0003";
            }
        }

        return null;
    }

    /// <summary>The types that hold the method, innermost first.</summary>
    public static IEnumerable<INamedTypeSymbol> Containers(IMethodSymbol method)
    {
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            yield return type;
        }
    }

    /// <summary>The first generic type that holds the method, whose type arguments a stub could not know.</summary>
    public static INamedTypeSymbol? GenericContainer(IMethodSymbol method)
    {
        foreach (INamedTypeSymbol type in Containers(method))
        {
            if (type.IsGenericType)
            {
                return type;
            }
        }

        return null;
    }

    /// <summary>The first holder that is neither a class nor a struct (an interface, say), or null.</summary>
    public static INamedTypeSymbol? NonClassContainer(IMethodSymbol method)
    {
        foreach (INamedTypeSymbol type in Containers(method))
        {
            if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
            {
                return type;
            }
        }

        return null;
    }

    /// <summary>
    /// Why generated code in another file of the assembly cannot name the method, or null when it can: it or a
    /// holder is private or protected, or a holder is <c>file</c>-local.
    /// </summary>
    public static string? Unreachable(IMethodSymbol method)
    {
        if (!IsReachable(method.DeclaredAccessibility))
        {
            return $"it is {Describe(method.DeclaredAccessibility)}";
        }

        foreach (INamedTypeSymbol type in Containers(method))
        {
            if (!IsReachable(type.DeclaredAccessibility))
            {
                return $"its containing type '{type.ToDisplayString()}' is {Describe(type.DeclaredAccessibility)}";
            }

            if (type.IsFileLocal)
            {
                return $"its containing type '{type.ToDisplayString()}' is file-local";
            }
        }

        return null;
    }

    /// <summary>
    /// Whether the worker supplies a parameter: a <c>CancellationToken</c>, or a <c>TaskContext</c> that is not
    /// annotated nullable (a <c>TaskContext?</c> is data, as generated code reads it).
    /// </summary>
    public static InjectedRole InjectedRoleOf(IParameterSymbol parameter)
    {
        if (parameter.Type is not INamedTypeSymbol type)
        {
            return InjectedRole.None;
        }

        if (WireTypes.IsNamed(type, "System.Threading", "CancellationToken", 0))
        {
            return InjectedRole.CancellationToken;
        }

        return WireTypes.IsNamed(type, "TaskGen", "TaskContext", 0) && parameter.Type.NullableAnnotation != NullableAnnotation.Annotated
            ? InjectedRole.Context
            : InjectedRole.None;
    }

    private static bool IsReachable(Accessibility accessibility) =>
        accessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal;

    private static string Describe(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => accessibility.ToString().ToLowerInvariant(),
    };
}
