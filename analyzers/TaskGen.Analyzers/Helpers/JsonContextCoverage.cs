using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace TaskGen.Analyzers.Helpers;

/// <summary>
/// The types the assembly's <c>[assembly: TaskJsonContext]</c> context can serialize: its
/// <c>[JsonSerializable]</c> roots and everything reachable from them through type arguments, array
/// elements and public members, as System.Text.Json's generator includes them.
/// </summary>
internal sealed class JsonContextCoverage
{
    private readonly HashSet<ITypeSymbol> _covered = new(SymbolEqualityComparer.Default);

    private JsonContextCoverage(INamedTypeSymbol context) => Context = context;

    /// <summary>The context type named by <c>[assembly: TaskJsonContext]</c>.</summary>
    public INamedTypeSymbol Context { get; }

    /// <summary>Reads the context of this compilation's assembly, or returns null when none is named (the generator looks nowhere else).</summary>
    public static JsonContextCoverage? Create(KnownSymbols known)
    {
        INamedTypeSymbol? context = null;
        foreach (AttributeData attribute in known.Compilation.Assembly.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, known.TaskJsonContextAttribute)
                && attribute.ConstructorArguments.Length == 1
                && attribute.ConstructorArguments[0].Value is INamedTypeSymbol type)
            {
                context = type;
            }
        }

        if (context is null)
        {
            return null;
        }

        var coverage = new JsonContextCoverage(context);
        var pending = new Stack<ITypeSymbol>();
        foreach (AttributeData attribute in context.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, known.JsonSerializableAttribute)
                && attribute.ConstructorArguments.Length >= 1
                && attribute.ConstructorArguments[0].Value is ITypeSymbol root)
            {
                pending.Push(root);
            }
        }

        while (pending.Count > 0)
        {
            ITypeSymbol type = pending.Pop();
            if (!coverage._covered.Add(type))
            {
                continue;
            }

            switch (type)
            {
                case IArrayTypeSymbol array:
                    pending.Push(array.ElementType);
                    break;
                case INamedTypeSymbol named:
                    foreach (ITypeSymbol argument in named.TypeArguments)
                    {
                        pending.Push(argument);
                    }

                    if (!IsFramework(named))
                    {
                        PushMembers(named, pending);
                    }

                    break;
            }
        }

        return coverage;
    }

    public bool Covers(ITypeSymbol type) => _covered.Contains(type);

    private static void PushMembers(INamedTypeSymbol type, Stack<ITypeSymbol> pending)
    {
        for (INamedTypeSymbol? current = type; current is not null && !IsFramework(current); current = current.BaseType)
        {
            foreach (ISymbol member in current.GetMembers())
            {
                if (member.IsStatic || member.DeclaredAccessibility != Accessibility.Public)
                {
                    continue;
                }

                if (member is IPropertySymbol property)
                {
                    pending.Push(property.Type);
                }
                else if (member is IFieldSymbol field)
                {
                    pending.Push(field.Type);
                }
            }
        }
    }

    private static bool IsFramework(INamedTypeSymbol type)
    {
        string ns = type.ContainingNamespace?.ToDisplayString() ?? string.Empty;
        return ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal);
    }
}
