using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace TaskGen.Analyzers.Helpers;

/// <summary>
/// A call to a generated stub's <c>Signature(...)</c> or <c>Partial(...)</c>, and what it says about the task behind it.
/// The stub <c>N.Remote.C.M</c> stands for the task <c>N.C.M</c> of the same assembly, so a stub from a referenced
/// assembly leads to its task as well as one generated into this compilation.
/// </summary>
internal sealed class StubCall
{
    private StubCall(IInvocationOperation invocation, INamedTypeSymbol stub)
    {
        Invocation = invocation;
        Stub = stub;
    }

    public IInvocationOperation Invocation { get; }

    /// <summary>The generated class named after the task method.</summary>
    public INamedTypeSymbol Stub { get; }

    /// <summary>True for <c>Partial(...)</c>, whose first argument the previous result fills.</summary>
    public bool IsPartial => Invocation.TargetMethod.Name == "Partial";

    /// <summary>The task method's name, as a message tells the user to change it.</summary>
    public string MethodName => Stub.Name;

    /// <summary>The task as the caller names it: the stub's classes below the <c>Remote</c> namespace (<c>Reports.Sum</c>).</summary>
    public string DisplayName
    {
        get
        {
            string name = Stub.Name;
            for (INamedTypeSymbol? container = Stub.ContainingType; container is not null; container = container.ContainingType)
            {
                name = container.Name + "." + name;
            }

            return name;
        }
    }

    /// <summary>True when the stub has a <c>Partial(...)</c>, which the generator emits for a task with at least one argument.</summary>
    public bool HasPartial => !Stub.GetMembers("Partial").IsEmpty;

    /// <summary>
    /// The type of the task's first argument, the one <c>Partial(...)</c> leaves out; read from the stub's
    /// <c>Signature(...)</c>, which lists the same arguments the generator chose, after the worker-supplied ones are gone.
    /// </summary>
    public ITypeSymbol? FirstArgumentType
    {
        get
        {
            if (!HasPartial)
            {
                return null;
            }

            foreach (ISymbol member in Stub.GetMembers("Signature"))
            {
                if (member is IMethodSymbol { Parameters.Length: > 1 } signature)
                {
                    return signature.Parameters[0].Type;
                }
            }

            return null;
        }
    }

    /// <summary>The call under conversions and parentheses when it is a stub's <c>Signature(...)</c> or <c>Partial(...)</c>; null otherwise.</summary>
    public static StubCall? Find(IOperation operation, KnownSymbols known)
    {
        operation = Skip(operation);
        if (operation is IInvocationOperation { TargetMethod: { IsStatic: true, Name: "Signature" or "Partial", ContainingType: { } stub } } invocation
            && !stub.GetMembers("Descriptor").IsEmpty
            && known.IsGeneratedByTaskGen(stub))
        {
            return new StubCall(invocation, stub);
        }

        return null;
    }

    /// <summary>The <c>[Task]</c> method the stub calls, looked up by the generator's naming rule; null when it is not visible.</summary>
    public IMethodSymbol? FindTaskMethod(KnownSymbols known)
    {
        string? ns = Stub.ContainingNamespace is { IsGlobalNamespace: false } stubNamespace ? stubNamespace.ToDisplayString() : null;
        if (ns is null || (ns != "Remote" && !ns.EndsWith(".Remote", System.StringComparison.Ordinal)))
        {
            return null;
        }

        string metadataName = ns.Length == "Remote".Length ? string.Empty : ns.Substring(0, ns.Length - ".Remote".Length) + ".";
        string containers = string.Empty;
        for (INamedTypeSymbol? container = Stub.ContainingType; container is not null; container = container.ContainingType)
        {
            containers = containers.Length == 0 ? container.MetadataName : container.MetadataName + "+" + containers;
        }

        if (containers.Length == 0 || Stub.ContainingAssembly.GetTypeByMetadataName(metadataName + containers) is not { } type)
        {
            return null;
        }

        foreach (ISymbol member in type.GetMembers(Stub.Name))
        {
            if (member is IMethodSymbol method && known.GetTaskAttribute(method) is not null)
            {
                return method;
            }
        }

        return null;
    }

    /// <summary>The value the call's <c>new TaskOptions { ... }</c> sets for <paramref name="property"/>; null when the options are not written out or do not set it.</summary>
    public IOperation? OptionValue(string property, KnownSymbols known, out bool optionsUnknown)
    {
        optionsUnknown = false;
        foreach (IArgumentOperation argument in Invocation.Arguments)
        {
            if (!SymbolEqualityComparer.Default.Equals(argument.Parameter?.Type, known.TaskOptions) || argument.ArgumentKind != ArgumentKind.Explicit)
            {
                continue;
            }

            IOperation value = Skip(argument.Value);
            if (value.ConstantValue is { HasValue: true, Value: null })
            {
                return null;
            }

            if (value is not IObjectCreationOperation creation)
            {
                optionsUnknown = true;
                return null;
            }

            if (creation.Initializer is null)
            {
                return null;
            }

            foreach (IOperation initializer in creation.Initializer.Initializers)
            {
                if (initializer is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: { } name } } assignment && name == property)
                {
                    return assignment.Value;
                }
            }
        }

        return null;
    }

    public static IOperation Skip(IOperation operation)
    {
        while (operation is IConversionOperation or IParenthesizedOperation)
        {
            operation = operation is IConversionOperation conversion ? conversion.Operand : ((IParenthesizedOperation)operation).Operand;
        }

        return operation;
    }
}
