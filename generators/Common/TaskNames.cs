using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis;

namespace TaskGen.Common;

/// <summary>The names a <c>[Task]</c> method gets on the wire and in generated code, one rule for the generator and the analyzers.</summary>
internal static class TaskNames
{
    public const string TaskAttribute = "TaskGen.TaskAttribute";
    public const string TaskQueueAttribute = "TaskGen.TaskQueueAttribute";
    public const string JsonContextAttribute = "TaskGen.TaskJsonContextAttribute";

    // ASP.NET Core's attribute is accepted as well, so code moved from a controller keeps its meaning.
    public const string FromServicesAttribute = "TaskGen.FromServicesAttribute";
    public const string AspNetFromServicesAttribute = "Microsoft.AspNetCore.Mvc.FromServicesAttribute";

    /// <summary>The default name, <c>Namespace.Class.Method</c>.</summary>
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

    /// <summary>The string value of an attribute's named argument, or null when it is not set.</summary>
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

    /// <summary>Whether a parameter is marked to come from the host's services, by TaskGen's or ASP.NET Core's attribute.</summary>
    public static bool IsFromServices(IParameterSymbol parameter)
    {
        foreach (AttributeData attribute in parameter.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() is FromServicesAttribute or AspNetFromServicesAttribute)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Why a <c>[FromServices]</c> parameter cannot be resolved (the generator then skips the task), or null when it can.</summary>
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

    /// <summary>Turns any text into a PascalCase C# identifier (<c>broadcast_calc</c> → <c>BroadcastCalc</c>).</summary>
    public static string ToIdentifier(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool upper = true;
        foreach (char c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                builder.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            else
            {
                upper = true;
            }
        }

        if (builder.Length == 0 || char.IsDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }
}
