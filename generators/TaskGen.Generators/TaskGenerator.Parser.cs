using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TaskGen.Common;
using TaskGen.Generators.Helpers;
using TaskGen.Generators.Model;

namespace TaskGen.Generators;

public sealed partial class TaskGenerator
{
    private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Turns symbols into specs. Anything a task cannot be is skipped silently: analyzers report it.</summary>
    internal static class Parser
    {
        /// <summary>
        /// The task's spec; for a static task that generated code cannot send or run, a spec of its shape only, with
        /// <see cref="TaskSpec.BlockedBy"/> naming the diagnostic the analyzers report, so that its callers still compile.
        /// </summary>
        public static TaskSpec? ParseTask(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not IMethodSymbol method)
            {
                return null;
            }

            AttributeData attribute = context.Attributes[0];
            Compilation compilation = context.SemanticModel.Compilation;

            // A contract has rules of its own (TG06xx), checked against its implementations; a broken one still gets its
            // stub's shape, named as its stub would be, so that its callers compile and the build shows the TG error alone.
            if (ContractRules.IsContractMethod(method))
            {
                return ParseMethod(method, attribute, compilation, cancellationToken, out string? contractBlockedBy)
                    ?? ParseShape(method, attribute, contractBlockedBy ?? ContractBlockedBy(method), 0, cancellationToken);
            }

            int overload = OverloadIndex(method, out bool overloaded);
            string? blockedBy = overloaded ? "TG0011" : TaskShape.WhyNotGenerated(method);
            return blockedBy is null && ParseMethod(method, attribute, compilation, cancellationToken, out blockedBy) is { } spec
                ? spec
                : ParseShape(method, attribute, blockedBy ?? TaskShape.CompilerError, overload, cancellationToken);
        }

        /// <summary>
        /// The method's place among the <c>[Task]</c> methods of its type that share its name, in declaration order;
        /// overloads (TG0011) share one stub class, written in one part per overload.
        /// </summary>
        private static int OverloadIndex(IMethodSymbol method, out bool overloaded)
        {
            int index = 0, count = 0;
            foreach (ISymbol sibling in method.ContainingType?.GetMembers(method.Name) ?? ImmutableArray<ISymbol>.Empty)
            {
                if (sibling is not IMethodSymbol other || !other.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == TaskNames.TaskAttribute))
                {
                    continue;
                }

                if (SymbolEqualityComparer.Default.Equals(other, method))
                {
                    index = count;
                }

                count++;
            }

            overloaded = count > 1;
            return index;
        }

        /// <summary>
        /// The spec of a <c>[Task]</c> method: a static task, or a contract task on an interface (whose stub class is the
        /// interface's name without its leading <c>I</c>). Null for what generated code could not call, with the rule it
        /// breaks in <paramref name="blockedBy"/>: the analyzers report it.
        /// </summary>
        private static TaskSpec? ParseMethod(IMethodSymbol method, AttributeData attribute, Compilation compilation, CancellationToken cancellationToken, out string? blockedBy)
        {
            blockedBy = null;
            bool contract = ContractRules.IsContractMethod(method);
            if (contract ? !ContractRules.CanBeGenerated(method) : !TaskShape.CanBeGenerated(method))
            {
                blockedBy = contract ? null : TaskShape.WhyNotGenerated(method);
                return null;
            }

            List<ContainerSpec> containers = StubContainers(method, contract);

            string? name = TaskNames.NamedString(attribute, "Name");
            string? queue = TaskNames.NamedString(attribute, "Queue");
            if (name is not null && string.IsNullOrWhiteSpace(name))
            {
                blockedBy = "TG0009";
                return null;
            }

            if (queue is not null && string.IsNullOrWhiteSpace(queue))
            {
                blockedBy = "TG0205";
                return null;
            }

            string ns = method.ContainingNamespace.IsGlobalNamespace ? string.Empty : method.ContainingNamespace.ToDisplayString();
            string taskName = name ?? TaskNames.DefaultName(method);

            var parameters = new List<ParameterSpec>(method.Parameters.Length);
            bool hasToken = false, hasContext = false;
            foreach (IParameterSymbol parameter in method.Parameters)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string identifier = SyntaxFacts.GetKeywordKind(parameter.Name) != SyntaxKind.None ? "@" + parameter.Name : parameter.Name;
                if (TaskNames.IsFromServices(parameter))
                {
                    string? service = ParseService(parameter);
                    if (service is null)
                    {
                        blockedBy = "TG0012";
                        return null;
                    }

                    parameters.Add(new ParameterSpec(parameter.Name, identifier, null, ParameterRole.Service, null) { ServiceType = service });
                    continue;
                }

                InjectedRole role = TaskShape.InjectedRoleOf(parameter);
                if (role == InjectedRole.CancellationToken)
                {
                    if (hasToken)
                    {
                        blockedBy = "TG0010";
                        return null;
                    }

                    hasToken = true;
                    parameters.Add(new ParameterSpec(parameter.Name, identifier, null, ParameterRole.CancellationToken, null));
                    continue;
                }

                if (role == InjectedRole.Context)
                {
                    if (hasContext)
                    {
                        blockedBy = "TG0010";
                        return null;
                    }

                    hasContext = true;
                    parameters.Add(new ParameterSpec(parameter.Name, identifier, null, ParameterRole.Context, null));
                    continue;
                }

                TypeRef? type = ParseType(parameter.Type, compilation);
                if (type is null)
                {
                    blockedBy = WireRule(parameter.Type);
                    return null;
                }

                string? defaultValue = parameter.HasExplicitDefaultValue ? FormatDefault(parameter.ExplicitDefaultValue, parameter.Type) : null;
                parameters.Add(new ParameterSpec(parameter.Name, identifier, type, ParameterRole.Value, defaultValue));
            }

            if (!ParseReturn(method.ReturnType, compilation, out ReturnKind returns, out TypeRef? result))
            {
                blockedBy = ResultOf(method.ReturnType) is { } resultType && !IsOtherAwaitable(resultType) ? WireRule(resultType) : "TG0007";
                return null;
            }

            if (ParsePolicy(attribute, out PolicySpec? policy) is { } policyRule)
            {
                blockedBy = policyRule;
                return null;
            }

            return new TaskSpec(
                taskName,
                queue,
                ns,
                containers.ToEquatableArray(),
                method.Name,
                IsEffectivelyPublic(method),
                parameters.ToEquatableArray(),
                returns,
                result,
                policy,
                ParsePeriodic(method, taskName, cancellationToken))
            {
                IsContract = contract,
            };
        }

        /// <summary>
        /// The shape of a task that generated code cannot send or run: its name, containers and the parameters and result
        /// its callers pass and read, written as the method declares them. The stub made of it only throws.
        /// </summary>
        /// <summary>The stub's classes, outermost first: the task's types, a contract interface named as its stub (without the leading I).</summary>
        private static List<ContainerSpec> StubContainers(IMethodSymbol method, bool contract)
        {
            var containers = new List<ContainerSpec>();
            foreach (INamedTypeSymbol type in TaskShape.Containers(method))
            {
                string stubName = contract && SymbolEqualityComparer.Default.Equals(type, method.ContainingType) ? ContractRules.StubClassName(type) : type.Name;
                containers.Insert(0, new ContainerSpec(stubName, IsEffectivelyPublic(type)));
            }

            return containers;
        }

        /// <summary>The rule a contract method breaks when its stub cannot be generated, as the analyzers report it on the method.</summary>
        private static string ContractBlockedBy(IMethodSymbol method) =>
            method.IsGenericMethod || TaskShape.GenericContainer(method) is not null ? "TG0002"
            : method.Parameters.Any(p => p.RefKind != RefKind.None) ? "TG0003"
            : method.ReturnsByRef || method.ReturnsByRefReadonly ? "TG0004"
            : TaskShape.Unreachable(method) is not null ? "TG0005"
            : method.Parameters.Any(TaskNames.IsFromServices) ? "TG0606"
            : TaskShape.CompilerError;

        private static TaskSpec ParseShape(IMethodSymbol method, AttributeData attribute, string blockedBy, int overload, CancellationToken cancellationToken)
        {
            List<ContainerSpec> containers = StubContainers(method, ContractRules.IsContractMethod(method));

            string? name = TaskNames.NamedString(attribute, "Name");
            string? queue = TaskNames.NamedString(attribute, "Queue");
            var parameters = new List<ParameterSpec>(method.Parameters.Length);
            foreach (IParameterSymbol parameter in method.Parameters)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (TaskNames.IsFromServices(parameter) || TaskShape.InjectedRoleOf(parameter) != InjectedRole.None)
                {
                    continue;
                }

                string identifier = SyntaxFacts.GetKeywordKind(parameter.Name) != SyntaxKind.None ? "@" + parameter.Name : parameter.Name;
                string? defaultValue = parameter.HasExplicitDefaultValue ? FormatDefault(parameter.ExplicitDefaultValue, parameter.Type) : null;
                parameters.Add(new ParameterSpec(parameter.Name, identifier, ShapeType(parameter.Type), ParameterRole.Value, defaultValue));
            }

            // A result no type argument can hold (a ref struct, a pointer) leaves the stub's result untyped.
            ITypeSymbol? result = ResultOf(method.ReturnType);
            TypeRef? resultType = result is null || result.IsRefLikeType || result.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer ? null : ShapeType(result);
            string ns = method.ContainingNamespace.IsGlobalNamespace ? string.Empty : method.ContainingNamespace.ToDisplayString();
            return new TaskSpec(
                name is not null && !string.IsNullOrWhiteSpace(name) ? name : TaskNames.DefaultName(method),
                queue is not null && !string.IsNullOrWhiteSpace(queue) ? queue : null,
                ns,
                containers.ToEquatableArray(),
                method.Name,
                IsEffectivelyPublic(method),
                parameters.ToEquatableArray(),
                resultType is null ? ReturnKind.Void : ReturnKind.Value,
                resultType)
            {
                BlockedBy = blockedBy,
                Overload = overload,
            };
        }

        /// <summary>
        /// A type as the task declares it. One the stub cannot name becomes <c>object?</c>: a type parameter of a generic
        /// task (the stub is not generic), or a type the compiler could not bind (whose error the compiler reports once).
        /// </summary>
        private static TypeRef ShapeType(ITypeSymbol type)
        {
            string name = Unnameable(type) ? "object?" : type.ToDisplayString(s_typeFormat);
            return new TypeRef(name, WireKind.Primitive, null, EquatableArray<TypeRef>.Empty, name);
        }

        private static bool Unnameable(ITypeSymbol type) => type switch
        {
            ITypeParameterSymbol => true,
            IErrorTypeSymbol => true,
            IArrayTypeSymbol array => Unnameable(array.ElementType),
            IPointerTypeSymbol pointer => Unnameable(pointer.PointedAtType),
            // A private or protected type (TG0005's own case) is out of the stub's reach in N.Remote.
            INamedTypeSymbol named => named.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal or Accessibility.ProtectedOrInternal
                || named.TypeArguments.Any(Unnameable) || (named.ContainingType is { } outer && Unnameable(outer)),
            _ => type.TypeKind == TypeKind.Error,
        };

        /// <summary>The value a method's return type carries: the <c>T</c> of <c>Task&lt;T&gt;</c>, nothing for <c>void</c> or <c>Task</c>.</summary>
        private static ITypeSymbol? ResultOf(ITypeSymbol type)
        {
            if (type.SpecialType == SpecialType.System_Void)
            {
                return null;
            }

            if (type is INamedTypeSymbol named && named.Name is "Task" or "ValueTask" && named.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks")
            {
                return named.Arity == 1 ? named.TypeArguments[0] : null;
            }

            return type;
        }

        /// <summary>An async stream or an awaitable other than <c>Task</c> and <c>ValueTask</c>, which TG0007 reports.</summary>
        private static bool IsOtherAwaitable(ITypeSymbol type) =>
            type is INamedTypeSymbol named
            && (named.OriginalDefinition.ToDisplayString() is "System.Collections.Generic.IAsyncEnumerable<T>" or "System.Collections.Generic.IAsyncEnumerator<T>"
                || named.GetMembers("GetAwaiter").Length > 0);

        /// <summary>The serialization rule a parameter or result type breaks, as the analyzers report it.</summary>
        private static string WireRule(ITypeSymbol type) => WireTypes.FindProblem(type, static _ => true).Kind switch
        {
            WireProblemKind.Delegate => "TG0101",
            WireProblemKind.Native => "TG0102",
            WireProblemKind.Disposable => "TG0103",
            WireProblemKind.AsyncPrimitive => "TG0104",
            WireProblemKind.Untyped => "TG0105",
            WireProblemKind.Polymorphic => "TG0106",
            WireProblemKind.OpenGeneric => "TG0107",
            WireProblemKind.NeedsJsonContext => "TG0109",
            WireProblemKind.NonStringKey => "TG0110",
            WireProblemKind.Unsupported => "TG0111",
            _ => TaskShape.CompilerError,
        };

        /// <summary>
        /// The task's <c>[Periodic]</c> entries that the module can register; one that could not be (no schedule, an
        /// interval that does not read or is under a second, a task that needs arguments) is skipped: the analyzers report it.
        /// </summary>
        private static EquatableArray<PeriodicSpec> ParsePeriodic(IMethodSymbol method, string taskName, CancellationToken cancellationToken)
        {
            List<PeriodicSpec>? entries = null;
            foreach (AttributeData attribute in method.GetAttributes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (attribute.AttributeClass?.ToDisplayString() != PeriodicRules.PeriodicAttribute || PeriodicRules.WhyNotRegistered(method, attribute, isTask: true) is not null)
                {
                    continue;
                }

                string? cron = TaskNames.NamedString(attribute, "Cron");
                long? interval = null;
                if (TaskNames.NamedString(attribute, "Every") is { } every)
                {
                    if (!PeriodicRules.TryParseInterval(every, out long ticks) || ticks < PeriodicRules.MinimumIntervalTicks)
                    {
                        continue;
                    }

                    interval = ticks;
                }

                int misfire = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Misfire").Value.Value is int value ? value : 0;
                string? zone = cron is null ? null : TaskNames.NamedString(attribute, "TimeZone");
                (entries ??= new List<PeriodicSpec>()).Add(new PeriodicSpec(PeriodicRules.EntryName(attribute, taskName), cron, interval, zone, misfire));
            }

            return entries is null ? EquatableArray<PeriodicSpec>.Empty : entries.ToEquatableArray();
        }

        /// <summary>
        /// Reads the retry and rate-limit settings written on the attribute. Returns the rule broken by what generated code
        /// could not hold (TG0305, a <c>RetryFor</c> type that is not an exception; TG0306, a delay that is not a finite
        /// number), which the analyzers report; null when the policy is fine.
        /// </summary>
        private static string? ParsePolicy(AttributeData attribute, out PolicySpec? policy)
        {
            policy = null;
            int? maxRetries = null;
            string[] retryFor = [];
            double? backoff = null, backoffMax = null, defaultDelay = null;
            bool? jitter = null;
            string? rateLimit = null;
            bool any = false;
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                TypedConstant value = argument.Value;
                switch (argument.Key)
                {
                    case "MaxRetries" when value.Value is int count:
                        maxRetries = count;
                        break;
                    case "RetryFor" when value.Kind == TypedConstantKind.Array:
                        if (value.IsNull)
                        {
                            break;
                        }

                        var types = new List<string>(value.Values.Length);
                        foreach (TypedConstant item in value.Values)
                        {
                            if (item.Value is not INamedTypeSymbol type || type.IsUnboundGenericType || !IsException(type))
                            {
                                return "TG0305";
                            }

                            types.Add(type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));
                        }

                        retryFor = types.ToArray();
                        break;
                    case "RetryBackoff" when value.Value is double seconds:
                        backoff = seconds;
                        break;
                    case "RetryBackoffMax" when value.Value is double seconds:
                        backoffMax = seconds;
                        break;
                    case "DefaultRetryDelay" when value.Value is double seconds:
                        defaultDelay = seconds;
                        break;
                    case "RetryJitter" when value.Value is bool on:
                        jitter = on;
                        break;
                    case "RateLimit":
                        rateLimit = value.Value as string;
                        break;
                    default:
                        continue;
                }

                any = true;
            }

            if (!IsFinite(backoff) || !IsFinite(backoffMax) || !IsFinite(defaultDelay))
            {
                return "TG0306";
            }

            policy = any ? new PolicySpec(maxRetries, retryFor.ToEquatableArray(), backoff, backoffMax, jitter, defaultDelay, rateLimit) : null;
            return null;
        }

        private static bool IsFinite(double? value) => value is not { } number || !(double.IsNaN(number) || double.IsInfinity(number));

        private static bool IsException(INamedTypeSymbol type)
        {
            for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
            {
                if (WireTypes.IsNamed(current, "System", "Exception", 0))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The namespaces and alias names a file's compilation-unit usings import, read from syntax alone.</summary>
        public static ImportSpec ParseImports(Microsoft.CodeAnalysis.CSharp.Syntax.CompilationUnitSyntax unit, CancellationToken cancellationToken)
        {
            var namespaces = new List<string>();
            var globals = new List<string>();
            var aliases = new List<string>();
            foreach (Microsoft.CodeAnalysis.CSharp.Syntax.UsingDirectiveSyntax directive in unit.Usings)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (directive.Alias is { } alias)
                {
                    aliases.Add(alias.Name.Identifier.ValueText);
                }
                else if (directive.StaticKeyword.IsKind(SyntaxKind.None) && directive.Name is { } name)
                {
                    string text = string.Concat(name.ToString().Where(c => !char.IsWhiteSpace(c)));
                    text = text.StartsWith("global::", StringComparison.Ordinal) ? text.Substring("global::".Length) : text;
                    (directive.GlobalKeyword.IsKind(SyntaxKind.None) ? namespaces : globals).Add(text);
                }
            }

            return new ImportSpec(Sorted(namespaces), Sorted(globals), Sorted(aliases));
        }

        private static EquatableArray<string> Sorted(List<string> items) =>
            items.Distinct().OrderBy(item => item, StringComparer.Ordinal).ToEquatableArray();

        /// <summary>
        /// The stub container names an alias would take from something else, sorted: a type or namespace of the global
        /// namespace (an alias may not share its name), or a type of a namespace some file imports, other than the
        /// container's own <c>N</c> and <c>N.Remote</c> (the alias would hide it, as <c>File</c> would hide
        /// <c>System.IO.File</c> in every file with the implicit usings).
        /// </summary>
        public static EquatableArray<string> ParseAliasClashes(
            Compilation compilation,
            EquatableArray<ImportSpec> imports,
            EquatableArray<StubContainerSpec> containers,
            CancellationToken cancellationToken)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            if (containers.Length == 0)
            {
                return EquatableArray<string>.Empty;
            }

            var candidates = new HashSet<string>(containers.Select(c => c.Name), StringComparer.Ordinal);
            foreach (INamespaceOrTypeSymbol member in compilation.GlobalNamespace.GetMembers())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (candidates.Contains(member.Name))
                {
                    names.Add(member.Name);
                }
            }

            var imported = new HashSet<string>(imports.SelectMany(i => i.Namespaces.Concat(i.GlobalNamespaces)), StringComparer.Ordinal);
            foreach (StubContainerSpec container in containers)
            {
                foreach (string ns in imported)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (ns != container.Namespace && ns != container.Namespace + ".Remote"
                        && compilation.GetTypesByMetadataName(ns + "." + container.Name).Length > 0)
                    {
                        names.Add(container.Name);
                    }
                }
            }

            return names.OrderBy(name => name, StringComparer.Ordinal).ToEquatableArray();
        }

        /// <summary>The spec of a contract task (a <c>[Task]</c> method on an interface), or null when it is not one generated code can call.</summary>
        internal static TaskSpec? ParseContract(IMethodSymbol method, AttributeData attribute, Compilation compilation, CancellationToken cancellationToken) =>
            ContractRules.IsContractMethod(method) ? ParseMethod(method, attribute, compilation, cancellationToken, out _) : null;

        public static AssemblySpec ParseAssembly(Compilation compilation, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            List<QueueSpec> queues = ParseQueues(compilation.Assembly);
            string? jsonContext = null;
            foreach (AttributeData attribute in compilation.Assembly.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == TaskNames.JsonContextAttribute && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is INamedTypeSymbol context)
                {
                    jsonContext = context.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                }
            }

            string assemblyName = compilation.AssemblyName ?? "Tasks";
            string identifier = TaskNames.ToIdentifier(assemblyName.Replace(".", string.Empty));
            return new AssemblySpec(
                new EmitContext(identifier + "TaskModule", jsonContext, queues.ToEquatableArray()),
                QueueNames.QueuesNamespace(assemblyName),
                "Add" + identifier + "Tasks",
                queues.ToEquatableArray());
        }

        /// <summary>The queues an assembly declares with <c>[assembly: TaskQueue]</c>, in declaration order; also read from a contract's assembly.</summary>
        internal static List<QueueSpec> ParseQueues(IAssemblySymbol assembly)
        {
            var queues = new List<QueueSpec>();
            foreach (AttributeData attribute in assembly.GetAttributes())
            {
                string? attributeName = attribute.AttributeClass?.ToDisplayString();
                if (attributeName == TaskNames.TaskQueueAttribute && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string queue && QueueNames.Invalid(queue) is null)
                {
                    bool broadcast = QueueNames.IsBroadcast(attribute);
                    string? type = QueueNames.QueueTypeOf(attribute) switch
                    {
                        QueueNames.ClassicType => "Classic",
                        QueueNames.QuorumType => "Quorum",
                        _ => null,
                    };

                    // A quorum broadcast queue cannot exist (each worker's queue on it is exclusive): TG0210 reports it.
                    if (broadcast && type == "Quorum")
                    {
                        continue;
                    }

                    if (!queues.Any(q => q.Name == queue))
                    {
                        queues.Add(new QueueSpec(queue, broadcast, type));
                    }
                }
            }

            return queues;
        }

        private static bool ParseReturn(ITypeSymbol type, Compilation compilation, out ReturnKind kind, out TypeRef? result)
        {
            result = null;
            if (type.SpecialType == SpecialType.System_Void)
            {
                kind = ReturnKind.Void;
                return true;
            }

            if (type is INamedTypeSymbol named && WireTypes.IsNamed(named.OriginalDefinition, "System.Threading.Tasks", named.Name, named.Arity))
            {
                switch ((named.Name, named.Arity))
                {
                    case ("Task", 0):
                        kind = ReturnKind.Task;
                        return true;
                    case ("ValueTask", 0):
                        kind = ReturnKind.ValueTask;
                        return true;
                    case ("Task", 1):
                        kind = ReturnKind.TaskOfT;
                        result = ParseType(named.TypeArguments[0], compilation);
                        return result is not null;
                    case ("ValueTask", 1):
                        kind = ReturnKind.ValueTaskOfT;
                        result = ParseType(named.TypeArguments[0], compilation);
                        return result is not null;
                }
            }

            kind = ReturnKind.Value;
            result = ParseType(type, compilation);
            return result is not null;
        }

        /// <summary>The type as the emitter needs it, or null when <see cref="WireTypes.Shape"/> finds a problem in it or in a type inside it.</summary>
        internal static TypeRef? ParseType(ITypeSymbol type, Compilation compilation)
        {
            WireShape shape = WireTypes.Shape(type);
            if (shape.Problem != WireProblemKind.None)
            {
                return null;
            }

            EquatableArray<TypeRef> arguments = EquatableArray<TypeRef>.Empty;
            if (shape.Element is { } elementType)
            {
                TypeRef? element = ParseType(elementType, compilation);
                if (element is null)
                {
                    return null;
                }

                arguments = new[] { element }.ToEquatableArray();
            }

            return new TypeRef(type.ToDisplayString(s_typeFormat), shape.Kind, shape.Helper, arguments, type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat));
        }

        /// <summary>The service type as generated code names it, or null when the analyzers report the parameter (TG0012).</summary>
        private static string? ParseService(IParameterSymbol parameter)
        {
            if (TaskNames.WhyServiceCannotBeResolved(parameter) is not null || parameter.Type is not INamedTypeSymbol type || type.TypeKind == TypeKind.Error)
            {
                return null;
            }

            return type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        }

        private static bool IsEffectivelyPublic(ISymbol symbol)
        {
            for (ISymbol? current = symbol; current is not null and not INamespaceSymbol; current = current.ContainingSymbol)
            {
                if (current.DeclaredAccessibility != Accessibility.Public)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Formats a parameter's default value as a C# constant expression of the parameter's type.</summary>
        internal static string FormatDefault(object? value, ITypeSymbol type)
        {
            ITypeSymbol underlying = type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable ? nullable.TypeArguments[0] : type;
            if (value is null)
            {
                return !type.IsReferenceType ? "default" : type.NullableAnnotation == NullableAnnotation.Annotated ? "null" : "null!";
            }

            if (underlying.TypeKind == TypeKind.Enum)
            {
                string number = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "0";
                return $"({underlying.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)})({number})";
            }

            switch (value)
            {
                case bool b: return b ? "true" : "false";
                case string s: return SymbolDisplay.FormatLiteral(s, quote: true);
                case char c: return SymbolDisplay.FormatLiteral(c, quote: true);
                case double d:
                    return double.IsNaN(d) ? "double.NaN" : double.IsPositiveInfinity(d) ? "double.PositiveInfinity" : double.IsNegativeInfinity(d) ? "double.NegativeInfinity" : d.ToString("R", CultureInfo.InvariantCulture) + "D";
                case float f:
                    return float.IsNaN(f) ? "float.NaN" : float.IsPositiveInfinity(f) ? "float.PositiveInfinity" : float.IsNegativeInfinity(f) ? "float.NegativeInfinity" : f.ToString("R", CultureInfo.InvariantCulture) + "F";
                case decimal m: return m.ToString(CultureInfo.InvariantCulture) + "M";
                case long l: return l.ToString(CultureInfo.InvariantCulture) + "L";
                case ulong ul: return ul.ToString(CultureInfo.InvariantCulture) + "UL";
                case uint ui: return ui.ToString(CultureInfo.InvariantCulture) + "U";
                case int i: return i.ToString(CultureInfo.InvariantCulture);
                case short or ushort or byte or sbyte:
                    return $"({underlying.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)})({Convert.ToString(value, CultureInfo.InvariantCulture)})";
                default: return "default";
            }
        }
    }
}
