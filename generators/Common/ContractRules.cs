using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace TaskGen.Common;

/// <summary>
/// What a task contract is (a <c>[Task]</c> method on an interface) and what implements one, one rule for the
/// generator and the analyzers: the generator skips what breaks a rule, and the analyzers report it.
/// </summary>
internal static class ContractRules
{
    public const string TaskImplementationAttribute = "TaskGen.TaskImplementationAttribute";

    private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Whether a method is a contract task's declaration: an instance method of an interface (its <c>[Task]</c> is checked elsewhere).</summary>
    public static bool IsContractMethod(IMethodSymbol method) =>
        !method.IsStatic && method.MethodKind == MethodKind.Ordinary && method.ContainingType is { TypeKind: TypeKind.Interface };

    /// <summary>
    /// The stub class of a contract interface: its name without the leading <c>I</c> of the .NET convention
    /// (<c>IMail</c> → <c>Mail</c>); a name that does not follow it (<c>Mail</c>, <c>Inbox</c>) is kept.
    /// </summary>
    public static string StubClassName(INamedTypeSymbol contract) =>
        contract.Name.Length > 1 && contract.Name[0] == 'I' && char.IsUpper(contract.Name[1]) ? contract.Name.Substring(1) : contract.Name;

    /// <summary>True when generated code can send the contract task and call it through its interface.</summary>
    public static bool CanBeGenerated(IMethodSymbol method)
    {
        if (!IsContractMethod(method) || method.IsGenericMethod || method.ReturnsByRef || method.ReturnsByRefReadonly
            || TaskShape.GenericContainer(method) is not null || OuterNonClass(method) is not null || TaskShape.Unreachable(method) is not null)
        {
            return false;
        }

        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None || TaskNames.IsFromServices(parameter))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A type around the contract interface that is neither a class nor a struct, or null.</summary>
    public static INamedTypeSymbol? OuterNonClass(IMethodSymbol method)
    {
        for (INamedTypeSymbol? type = method.ContainingType.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
            {
                return type;
            }
        }

        return null;
    }

    /// <summary>Whether the method carries TaskGen's <c>[Task]</c>.</summary>
    public static bool HasTaskAttribute(ISymbol symbol) => TaskAttributeOf(symbol) is not null;

    /// <summary>The method's <c>[Task]</c> attribute, or null.</summary>
    public static AttributeData? TaskAttributeOf(ISymbol symbol)
    {
        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == TaskNames.TaskAttribute)
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>The symbol's <c>[TaskImplementation]</c> attribute, or null.</summary>
    public static AttributeData? ImplementationAttributeOf(ISymbol symbol)
    {
        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == TaskImplementationAttribute)
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>The contract's task methods: its own <c>[Task]</c> instance methods, in declaration order.</summary>
    public static IEnumerable<IMethodSymbol> TaskMethods(INamedTypeSymbol contract) =>
        contract.GetMembers().OfType<IMethodSymbol>().Where(m => IsContractMethod(m) && HasTaskAttribute(m));

    /// <summary>Whether the type is a contract: an interface with at least one <c>[Task]</c> method.</summary>
    public static bool IsContract(INamedTypeSymbol type) => type.TypeKind == TypeKind.Interface && TaskMethods(type).Any();

    /// <summary>The contract interfaces a class implements, in the order the compiler lists them.</summary>
    public static IEnumerable<INamedTypeSymbol> ContractsOf(INamedTypeSymbol type) => type.AllInterfaces.Where(IsContract);

    /// <summary>The contract type and task name a static method's <c>[TaskImplementation(typeof(X), "Y")]</c> names; nulls when it names none.</summary>
    public static (INamedTypeSymbol? Contract, string? Method) Target(AttributeData attribute) =>
        attribute.ConstructorArguments.Length == 2
            ? (attribute.ConstructorArguments[0].Value as INamedTypeSymbol, attribute.ConstructorArguments[1].Value as string)
            : (null, null);

    /// <summary>The contract's <c>[Task]</c> method of that name, or null.</summary>
    public static IMethodSymbol? FindTask(INamedTypeSymbol contract, string name) =>
        TaskMethods(contract).FirstOrDefault(m => m.Name == name);

    /// <summary>
    /// Why a static method cannot be called as a contract task's implementation by generated code, or null when it can;
    /// the reason completes "cannot implement a contract task because ...".
    /// </summary>
    public static string? WhyNotCallable(IMethodSymbol method)
    {
        if (!method.IsStatic)
        {
            return "it is an instance method; make it static, or put [TaskImplementation] on a class that implements the interface";
        }

        if (HasTaskAttribute(method))
        {
            return "it is a [Task] of its own; remove [Task], since the contract names the task";
        }

        if (method.IsGenericMethod || TaskShape.GenericContainer(method) is not null)
        {
            return "it is generic; a message names no type arguments";
        }

        if (TaskShape.NonClassContainer(method) is { } container)
        {
            return $"it is declared in '{container.ToDisplayString()}'; move it to a class";
        }

        if (TaskShape.Unreachable(method) is { } unreachable)
        {
            return unreachable + "; make it public or internal";
        }

        if (method.ReturnsByRef || method.ReturnsByRefReadonly || method.Parameters.Any(p => p.RefKind != RefKind.None))
        {
            return "it passes a value by reference; pass and return values";
        }

        // The generator calls only what it can supply: each [FromServices] parameter resolvable, and one token and one
        // context at most. Anything else would build and then fail every run as an unknown task.
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            if (TaskNames.IsFromServices(parameter)
                && (TaskNames.WhyServiceCannotBeResolved(parameter) ?? (parameter.Type is INamedTypeSymbol { TypeKind: not TypeKind.Error } ? null : "its type is unknown")) is { } why)
            {
                return $"its [FromServices] parameter '{parameter.Name}' cannot be resolved: {why}";
            }
        }

        foreach (InjectedRole role in new[] { InjectedRole.CancellationToken, InjectedRole.Context })
        {
            if (method.Parameters.Count(p => !TaskNames.IsFromServices(p) && TaskShape.InjectedRoleOf(p) == role) > 1)
            {
                return $"it takes more than one {(role == InjectedRole.Context ? "TaskContext" : "CancellationToken")}; take one";
            }
        }

        return null;
    }

    /// <summary>The parameters sent on the wire: neither worker-supplied (<c>CancellationToken</c>, <c>TaskContext</c>) nor services.</summary>
    public static List<IParameterSymbol> DataParameters(IMethodSymbol method) =>
        method.Parameters.Where(p => !TaskNames.IsFromServices(p) && TaskShape.InjectedRoleOf(p) == InjectedRole.None).ToList();

    /// <summary>The result a method returns after <c>Task&lt;T&gt;</c> or <c>ValueTask&lt;T&gt;</c> is unwrapped; null for none.</summary>
    public static ITypeSymbol? ResultType(IMethodSymbol method)
    {
        ITypeSymbol type = method.ReturnType;
        if (type.SpecialType == SpecialType.System_Void)
        {
            return null;
        }

        if (type is INamedTypeSymbol named && named.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks" && named.Name is "Task" or "ValueTask")
        {
            return named.TypeArguments.Length == 1 ? named.TypeArguments[0] : null;
        }

        return type;
    }

    /// <summary>Two types are the same on both sides when they are written the same, nullability included.</summary>
    public static bool SameType(ITypeSymbol? left, ITypeSymbol? right) =>
        left is null ? right is null : right is not null && left.ToDisplayString(s_typeFormat) == right.ToDisplayString(s_typeFormat);

    /// <summary>Whether an implementation's data parameters are the contract's, type for type, in order.</summary>
    public static bool SameParameters(IMethodSymbol contract, IMethodSymbol implementation)
    {
        List<IParameterSymbol> expected = DataParameters(contract);
        List<IParameterSymbol> actual = DataParameters(implementation);
        return expected.Count == actual.Count && expected.Zip(actual, (e, a) => SameType(e.Type, a.Type)).All(same => same);
    }

    /// <summary>The data parameters' types as a list for messages: <c>(string, int)</c>.</summary>
    public static string DescribeParameters(IMethodSymbol method) =>
        "(" + string.Join(", ", DataParameters(method).Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier)))) + ")";

    /// <summary>The result type for messages, <c>no result</c> when there is none.</summary>
    public static string DescribeResult(IMethodSymbol method) =>
        ResultType(method)?.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier)) ?? "no result";

    /// <summary>The metadata name of a contract task's generated stub class (<c>Shop.Remote.Mail+Send</c>), to find it in a referenced assembly.</summary>
    public static string StubMetadataName(IMethodSymbol method)
    {
        var types = new List<string> { StubClassName(method.ContainingType) };
        for (INamedTypeSymbol? type = method.ContainingType.ContainingType; type is not null; type = type.ContainingType)
        {
            types.Insert(0, type.Name);
        }

        string ns = method.ContainingNamespace.IsGlobalNamespace ? "Remote" : method.ContainingNamespace.ToDisplayString() + ".Remote";
        return ns + "." + string.Join("+", types) + "+" + method.Name;
    }
}
