using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TaskGen.Generators.Helpers;
using TaskGen.Generators.Model;

namespace TaskGen.Generators;

public sealed partial class TaskGenerator
{
    internal const string TaskAttributeName = "TaskGen.TaskAttribute";
    internal const string TaskQueueAttributeName = "TaskGen.TaskQueueAttribute";
    internal const string JsonContextAttributeName = "TaskGen.TaskJsonContextAttribute";
    internal const string DefaultQueue = "celery";

    // ASP.NET Core's attribute is accepted as well, so code moved from a controller keeps its meaning.
    internal const string FromServicesAttributeName = "TaskGen.FromServicesAttribute";
    internal const string AspNetFromServicesAttributeName = "Microsoft.AspNetCore.Mvc.FromServicesAttribute";

    private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Turns symbols into specs. Anything a task cannot be is skipped silently: analyzers report it.</summary>
    internal static class Parser
    {
        public static TaskSpec? ParseTask(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not IMethodSymbol method || !method.IsStatic || method.IsGenericMethod || method.ReturnsByRef || method.ReturnsByRefReadonly)
            {
                return null;
            }

            var containers = new List<ContainerSpec>();
            for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
            {
                if (type.IsGenericType || !IsReachable(type.DeclaredAccessibility) || type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
                {
                    return null;
                }

                containers.Insert(0, new ContainerSpec(type.Name, IsEffectivelyPublic(type)));
            }

            if (!IsReachable(method.DeclaredAccessibility))
            {
                return null;
            }

            AttributeData attribute = context.Attributes[0];
            string? name = NamedString(attribute, "Name");
            string? queue = NamedString(attribute, "Queue");
            if ((name is not null && string.IsNullOrWhiteSpace(name)) || (queue is not null && string.IsNullOrWhiteSpace(queue)))
            {
                return null;
            }

            string ns = method.ContainingNamespace.IsGlobalNamespace ? string.Empty : method.ContainingNamespace.ToDisplayString();
            string taskName = name ?? string.Join(".", new[] { ns }.Where(n => n.Length > 0).Concat(containers.Select(c => c.Name)).Concat(new[] { method.Name }));

            var parameters = new List<ParameterSpec>(method.Parameters.Length);
            bool hasToken = false, hasContext = false;
            foreach (IParameterSymbol parameter in method.Parameters)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (parameter.RefKind != RefKind.None)
                {
                    return null;
                }

                string identifier = SyntaxFacts.GetKeywordKind(parameter.Name) != SyntaxKind.None ? "@" + parameter.Name : parameter.Name;
                if (IsFromServices(parameter))
                {
                    string? service = ParseService(parameter);
                    if (service is null)
                    {
                        return null;
                    }

                    parameters.Add(new ParameterSpec(parameter.Name, identifier, null, ParameterRole.Service, null) { ServiceType = service });
                    continue;
                }

                if (IsType(parameter.Type, "System.Threading.CancellationToken"))
                {
                    if (hasToken)
                    {
                        return null;
                    }

                    hasToken = true;
                    parameters.Add(new ParameterSpec(parameter.Name, identifier, null, ParameterRole.CancellationToken, null));
                    continue;
                }

                if (IsType(parameter.Type, "TaskGen.TaskContext"))
                {
                    if (hasContext)
                    {
                        return null;
                    }

                    hasContext = true;
                    parameters.Add(new ParameterSpec(parameter.Name, identifier, null, ParameterRole.Context, null));
                    continue;
                }

                TypeRef? type = ParseType(parameter.Type, context.SemanticModel.Compilation);
                if (type is null)
                {
                    return null;
                }

                string? defaultValue = parameter.HasExplicitDefaultValue ? FormatDefault(parameter.ExplicitDefaultValue, parameter.Type) : null;
                parameters.Add(new ParameterSpec(parameter.Name, identifier, type, ParameterRole.Value, defaultValue));
            }

            if (!ParseReturn(method.ReturnType, context.SemanticModel.Compilation, out ReturnKind returns, out TypeRef? result))
            {
                return null;
            }

            if (!ParsePolicy(attribute, out PolicySpec? policy))
            {
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
                policy);
        }

        /// <summary>
        /// Reads the retry and rate-limit settings written on the attribute. False for what generated code could not
        /// hold (a <c>RetryFor</c> type that is not an exception, a delay that is not a finite number): the analyzers report those.
        /// </summary>
        private static bool ParsePolicy(AttributeData attribute, out PolicySpec? policy)
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
                                return false;
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
                return false;
            }

            policy = any ? new PolicySpec(maxRetries, retryFor.ToEquatableArray(), backoff, backoffMax, jitter, defaultDelay, rateLimit) : null;
            return true;
        }

        private static bool IsFinite(double? value) => value is not { } number || !(double.IsNaN(number) || double.IsInfinity(number));

        private static bool IsException(INamedTypeSymbol type)
        {
            for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
            {
                if (current.ToDisplayString() == "System.Exception")
                {
                    return true;
                }
            }

            return false;
        }

        public static AssemblySpec ParseAssembly(Compilation compilation, CancellationToken cancellationToken)
        {
            var queues = new List<QueueSpec>();
            string? jsonContext = null;
            foreach (AttributeData attribute in compilation.Assembly.GetAttributes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                string? attributeName = attribute.AttributeClass?.ToDisplayString();
                if (attributeName == TaskQueueAttributeName && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string queue && !string.IsNullOrWhiteSpace(queue))
                {
                    bool broadcast = attribute.NamedArguments.Any(a => a.Key == "Broadcast" && a.Value.Value is true);
                    string? type = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Type").Value.Value switch
                    {
                        1 => "Classic",
                        2 => "Quorum",
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
                else if (attributeName == JsonContextAttributeName && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is INamedTypeSymbol context)
                {
                    jsonContext = context.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                }
            }

            string assemblyName = compilation.AssemblyName ?? "Tasks";
            string identifier = ToIdentifier(assemblyName.Replace(".", string.Empty));
            string queuesNamespace = string.Join(".", assemblyName.Split('.').Where(p => p.Length > 0).Select(ToIdentifier));
            return new AssemblySpec(
                new EmitContext(identifier + "TaskModule", jsonContext, queues.Where(q => q.Broadcast).Select(q => q.Name).ToEquatableArray()),
                queuesNamespace.Length == 0 ? "Tasks" : queuesNamespace,
                "Add" + identifier + "Tasks",
                queues.ToEquatableArray());
        }

        private static bool ParseReturn(ITypeSymbol type, Compilation compilation, out ReturnKind kind, out TypeRef? result)
        {
            result = null;
            if (type.SpecialType == SpecialType.System_Void)
            {
                kind = ReturnKind.Void;
                return true;
            }

            if (type is INamedTypeSymbol named)
            {
                string definition = named.OriginalDefinition.ToDisplayString();
                switch (definition)
                {
                    case "System.Threading.Tasks.Task":
                        kind = ReturnKind.Task;
                        return true;
                    case "System.Threading.Tasks.ValueTask":
                        kind = ReturnKind.ValueTask;
                        return true;
                    case "System.Threading.Tasks.Task<TResult>":
                        kind = ReturnKind.TaskOfT;
                        result = ParseType(named.TypeArguments[0], compilation);
                        return result is not null;
                    case "System.Threading.Tasks.ValueTask<TResult>":
                        kind = ReturnKind.ValueTaskOfT;
                        result = ParseType(named.TypeArguments[0], compilation);
                        return result is not null;
                }
            }

            kind = ReturnKind.Value;
            result = ParseType(type, compilation);
            return result is not null;
        }

        /// <summary>Classifies a type for the wire, or returns null when it cannot be serialized.</summary>
        internal static TypeRef? ParseType(ITypeSymbol type, Compilation compilation)
        {
            string fullName = type.ToDisplayString(s_typeFormat);
            string display = type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
            string? primitive = PrimitiveHelper(type);
            if (primitive is not null)
            {
                return new TypeRef(fullName, WireKind.Primitive, primitive, EquatableArray<TypeRef>.Empty, display);
            }

            if (type is IArrayTypeSymbol array)
            {
                TypeRef? element = array.Rank == 1 ? ParseType(array.ElementType, compilation) : null;
                return element is null ? null : new TypeRef(fullName, WireKind.Array, null, new[] { element }.ToEquatableArray(), display);
            }

            if (type is not INamedTypeSymbol named || type.IsRefLikeType || type.TypeKind is TypeKind.Delegate or TypeKind.Pointer or TypeKind.FunctionPointer or TypeKind.Dynamic or TypeKind.Error or TypeKind.TypeParameter)
            {
                return null;
            }

            if (named.TypeKind == TypeKind.Enum)
            {
                return new TypeRef(fullName, WireKind.Enum, null, EquatableArray<TypeRef>.Empty, display);
            }

            if (named.IsGenericType)
            {
                string definition = named.OriginalDefinition.ToDisplayString();
                WireKind? kind = definition switch
                {
                    "T?" or "System.Nullable<T>" => WireKind.Nullable,
                    "System.Collections.Generic.List<T>" => WireKind.List,
                    "System.Collections.Generic.IEnumerable<T>" or "System.Collections.Generic.IReadOnlyList<T>" or "System.Collections.Generic.IList<T>"
                        or "System.Collections.Generic.ICollection<T>" or "System.Collections.Generic.IReadOnlyCollection<T>" => WireKind.Sequence,
                    "System.Collections.Generic.Dictionary<TKey, TValue>" or "System.Collections.Generic.IDictionary<TKey, TValue>"
                        or "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>" => WireKind.Dictionary,
                    _ => null,
                };
                if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
                {
                    kind = WireKind.Nullable;
                }

                if (kind is { } containerKind)
                {
                    if (containerKind == WireKind.Dictionary && named.TypeArguments[0].SpecialType != SpecialType.System_String)
                    {
                        return null;
                    }

                    TypeRef? element = ParseType(named.TypeArguments[named.TypeArguments.Length - 1], compilation);
                    return element is null ? null : new TypeRef(fullName, containerKind, null, new[] { element }.ToEquatableArray(), display);
                }
            }

            // What remains must be a concrete record, class or struct that a JSON context can describe.
            if (named.IsAbstract || named.TypeKind is not (TypeKind.Class or TypeKind.Struct) || named.SpecialType == SpecialType.System_Object
                || named.IsUnboundGenericType || IsDisposable(named) || IsFrameworkType(named))
            {
                return null;
            }

            return new TypeRef(fullName, WireKind.JsonObject, null, EquatableArray<TypeRef>.Empty, display);
        }

        private static bool IsFrameworkType(INamedTypeSymbol type)
        {
            string ns = type.ContainingNamespace?.ToDisplayString() ?? string.Empty;
            return ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal);
        }

        private static bool IsDisposable(INamedTypeSymbol type) =>
            type.AllInterfaces.Any(i => i.ToDisplayString() is "System.IDisposable" or "System.IAsyncDisposable");

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

            return type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) switch
            {
                "global::System.Guid" => "Guid",
                "global::System.DateTimeOffset" => "DateTimeOffset",
                "global::System.DateOnly" => "DateOnly",
                "global::System.TimeOnly" => "TimeOnly",
                "global::System.TimeSpan" => "TimeSpan",
                _ => null,
            };
        }

        private static bool IsType(ITypeSymbol type, string fullName) => type.ToDisplayString() == fullName;

        private static bool IsFromServices(IParameterSymbol parameter)
        {
            foreach (AttributeData attribute in parameter.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() is FromServicesAttributeName or AspNetFromServicesAttributeName)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The service type as generated code names it, or null when the analyzers report the parameter (TG0012).</summary>
        private static string? ParseService(IParameterSymbol parameter)
        {
            if (parameter.HasExplicitDefaultValue || parameter.Type is not INamedTypeSymbol { IsReferenceType: true, IsRefLikeType: false } type
                || type.TypeKind is TypeKind.Error or TypeKind.Dynamic || IsType(type, "TaskGen.TaskContext"))
            {
                return null;
            }

            return type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        }

        private static bool IsReachable(Accessibility accessibility) =>
            accessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal;

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

        private static string? NamedString(AttributeData attribute, string name)
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

        /// <summary>Turns any text into a PascalCase C# identifier (<c>broadcast_calc</c> → <c>BroadcastCalc</c>).</summary>
        internal static string ToIdentifier(string text)
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
}
