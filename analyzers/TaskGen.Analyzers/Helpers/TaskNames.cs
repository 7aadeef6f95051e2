using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TaskGen.Analyzers.Helpers;

/// <summary>What the generator derives from a <c>[Task]</c> attribute, computed the same way it does.</summary>
internal static class TaskNames
{
    /// <summary>The default name, <c>Namespace.Class.Method</c>, as the generator builds it.</summary>
    public static string DefaultName(IMethodSymbol method)
    {
        var parts = new List<string>();
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            parts.Insert(0, type.Name);
        }

        if (method.ContainingNamespace is { IsGlobalNamespace: false } ns)
        {
            parts.Insert(0, ns.ToDisplayString());
        }

        parts.Add(method.Name);
        return string.Join(".", parts);
    }

    /// <summary>The name on the wire: the attribute's <c>Name</c> when set, the default name otherwise.</summary>
    public static string WireName(IMethodSymbol method, AttributeData attribute) =>
        NamedString(attribute, "Name") is { } name && !string.IsNullOrWhiteSpace(name) ? name : DefaultName(method);

    /// <summary>Whether a parameter is marked to come from the host's services, by TaskGen's or ASP.NET Core's attribute.</summary>
    public static bool IsFromServices(IParameterSymbol parameter)
    {
        foreach (AttributeData attribute in parameter.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() is "TaskGen.FromServicesAttribute" or "Microsoft.AspNetCore.Mvc.FromServicesAttribute")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Why the generator cannot resolve a <c>[FromServices]</c> parameter (it then skips the task), or null when it can.</summary>
    public static string? WhyServiceCannotBeResolved(IParameterSymbol parameter)
    {
        ITypeSymbol type = parameter.Type;
        if (type.ToDisplayString() is "System.Threading.CancellationToken" or "TaskGen.TaskContext" or "TaskGen.TaskContext?")
        {
            return $"the worker supplies the {type.Name} itself, so remove [FromServices]";
        }

        if (type.TypeKind is TypeKind.Dynamic || type.SpecialType == SpecialType.System_Object)
        {
            return "a service needs a concrete class or interface type to be looked up by; declare the type you registered";
        }

        if (type is not INamedTypeSymbol { IsReferenceType: true, IsRefLikeType: false })
        {
            return $"'{type.ToDisplayString()}' is not a class or interface, and the container resolves only those; register and take a class or interface that holds the value";
        }

        if (parameter.HasExplicitDefaultValue)
        {
            return "an optional service is not supported; remove the default value and register the service";
        }

        return null;
    }

    public static string? NamedString(AttributeData attribute, string name)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            if (argument.Key == name)
            {
                return argument.Value.Value as string;
            }
        }

        return null;
    }

    /// <summary>The expression given for the attribute's named argument, for a location on the exact value.</summary>
    public static ExpressionSyntax? NamedArgumentSyntax(AttributeData attribute, string name, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax { ArgumentList: { } arguments })
        {
            return null;
        }

        foreach (AttributeArgumentSyntax argument in arguments.Arguments)
        {
            if (argument.NameEquals?.Name.Identifier.ValueText == name)
            {
                return argument.Expression;
            }
        }

        return null;
    }

    /// <summary>The method's name token, where most task-shape diagnostics belong.</summary>
    public static Location IdentifierLocation(IMethodSymbol method, CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in method.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is MethodDeclarationSyntax declaration)
            {
                return declaration.Identifier.GetLocation();
            }
        }

        return method.Locations.Length > 0 ? method.Locations[0] : Location.None;
    }

    public static MethodDeclarationSyntax? Declaration(IMethodSymbol method, CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in method.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is MethodDeclarationSyntax declaration)
            {
                return declaration;
            }
        }

        return null;
    }
}
