using System.Collections.Generic;
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
    /// <summary>
    /// Turns <c>[TaskImplementation]</c> classes and static methods into the contract tasks they implement. What
    /// generated code could not call (a mismatch with the contract, a contract whose stub is missing) is skipped: the
    /// analyzers report it.
    /// </summary>
    internal static class ContractParser
    {
        public static EquatableArray<ImplementationSpec> ParseImplementations(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            Compilation compilation = context.SemanticModel.Compilation;
            var specs = new List<ImplementationSpec>();
            switch (context.TargetSymbol)
            {
                case INamedTypeSymbol { TypeKind: TypeKind.Class, IsAbstract: false, IsStatic: false } type when !type.IsGenericType:
                    foreach (INamedTypeSymbol contract in ContractRules.ContractsOf(type))
                    {
                        string service = contract.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                        foreach (IMethodSymbol method in ContractRules.TaskMethods(contract))
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            if (ParseContract(method, compilation, cancellationToken) is ({ } spec, var queue, bool local))
                            {
                                specs.Add(new ImplementationSpec(spec, queue, local, service, null, spec.Parameters, spec.Returns));
                            }
                        }
                    }

                    break;
                case IMethodSymbol method when ContractRules.WhyNotCallable(method) is null:
                    if (ParseStatic(method, context.Attributes[0], compilation, cancellationToken) is { } implementation)
                    {
                        specs.Add(implementation);
                    }

                    break;
            }

            return specs.ToEquatableArray();
        }

        private static ImplementationSpec? ParseStatic(IMethodSymbol method, AttributeData attribute, Compilation compilation, CancellationToken cancellationToken)
        {
            if (ContractRules.Target(attribute) is not ({ } contract, { } name)
                || ContractRules.FindTask(contract, name) is not { } target
                || !ContractRules.SameParameters(target, method)
                || !ContractRules.SameType(ContractRules.ResultType(target), ContractRules.ResultType(method))
                || ParseContract(target, compilation, cancellationToken) is not ({ } spec, var queue, bool local))
            {
                return null;
            }

            var parameters = new List<ParameterSpec>(method.Parameters.Length);
            bool hasToken = false, hasContext = false;
            foreach (IParameterSymbol parameter in method.Parameters)
            {
                string identifier = SyntaxFacts.GetKeywordKind(parameter.Name) != SyntaxKind.None ? "@" + parameter.Name : parameter.Name;
                if (TaskNames.IsFromServices(parameter))
                {
                    if (TaskNames.WhyServiceCannotBeResolved(parameter) is not null || parameter.Type is not INamedTypeSymbol { TypeKind: not TypeKind.Error } service)
                    {
                        return null;
                    }

                    string serviceType = service.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                    parameters.Add(new ParameterSpec(parameter.Name, identifier, null, ParameterRole.Service, null) { ServiceType = serviceType });
                    continue;
                }

                // The data's types are the contract's, which its stub reads; the implementation needs only their places.
                ParameterRole role = TaskShape.InjectedRoleOf(parameter) switch
                {
                    InjectedRole.CancellationToken when !hasToken => ParameterRole.CancellationToken,
                    InjectedRole.Context when !hasContext => ParameterRole.Context,
                    InjectedRole.None => ParameterRole.Value,
                    _ => (ParameterRole)(-1),
                };
                if ((int)role < 0)
                {
                    return null;
                }

                hasToken |= role == ParameterRole.CancellationToken;
                hasContext |= role == ParameterRole.Context;
                parameters.Add(new ParameterSpec(parameter.Name, identifier, null, role, null));
            }

            string path = "global::" + method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted)) + "." + method.Name;
            return new ImplementationSpec(spec, queue, local, null, path, parameters.ToEquatableArray(), ReturnKindOf(method.ReturnType));
        }

        /// <summary>
        /// The contract task as its own assembly's generator saw it, the declaration of its queue there, and whether it
        /// is declared in this compilation. Null when the contract has no stub to read and write its data with.
        /// </summary>
        private static (TaskSpec, QueueSpec?, bool)? ParseContract(IMethodSymbol method, Compilation compilation, CancellationToken cancellationToken)
        {
            if (ContractRules.TaskAttributeOf(method) is not { } attribute || Parser.ParseContract(method, attribute, compilation, cancellationToken) is not { } spec)
            {
                return null;
            }

            IAssemblySymbol assembly = method.ContainingAssembly;
            bool local = SymbolEqualityComparer.Default.Equals(assembly, compilation.Assembly);

            // A referenced contract is called through the stub its assembly's generator wrote; one built without it (or
            // by a version without contract codecs) cannot be, so nothing is emitted that would not compile.
            if (!local)
            {
                INamedTypeSymbol? stub = compilation.GetTypeByMetadataName(ContractRules.StubMetadataName(method));
                if (stub is null || stub.GetMembers("ReadArguments").IsEmpty)
                {
                    return null;
                }
            }

            QueueSpec? queue = spec.Queue is { } name ? Parser.ParseQueues(assembly).FirstOrDefault(q => q.Name == name) : null;
            return (spec, queue, local);
        }

        private static ReturnKind ReturnKindOf(ITypeSymbol type)
        {
            if (type.SpecialType == SpecialType.System_Void)
            {
                return ReturnKind.Void;
            }

            if (type is INamedTypeSymbol named && WireTypes.IsNamed(named.OriginalDefinition, "System.Threading.Tasks", named.Name, named.Arity))
            {
                return (named.Name, named.Arity) switch
                {
                    ("Task", 0) => ReturnKind.Task,
                    ("ValueTask", 0) => ReturnKind.ValueTask,
                    ("Task", 1) => ReturnKind.TaskOfT,
                    ("ValueTask", 1) => ReturnKind.ValueTaskOfT,
                    _ => ReturnKind.Value,
                };
            }

            return ReturnKind.Value;
        }
    }
}
