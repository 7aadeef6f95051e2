using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using TaskGen.Common;

namespace TaskGen.Analyzers.Helpers;

/// <summary>
/// The referenced assemblies that were built against TaskGen, the only ones that can declare queues or
/// tasks; filtering by their references keeps the framework's hundreds of assemblies out of every scan.
/// </summary>
internal static class TaskAssemblies
{
    public static IEnumerable<IAssemblySymbol> Referenced(Compilation compilation, INamedTypeSymbol taskAttribute)
    {
        IAssemblySymbol runtime = taskAttribute.ContainingAssembly;
        foreach (IAssemblySymbol assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            if (SymbolEqualityComparer.Default.Equals(assembly, runtime))
            {
                continue;
            }

            if (assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == runtime.Name)))
            {
                yield return assembly;
            }
        }
    }

    /// <summary>The visible <c>[Task]</c> methods of a referenced assembly, by wire name.</summary>
    public static void CollectTasks(IAssemblySymbol assembly, KnownSymbols known, Dictionary<string, string> into, CancellationToken cancellationToken)
    {
        var pending = new Stack<INamespaceOrTypeSymbol>();
        pending.Push(assembly.GlobalNamespace);
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            INamespaceOrTypeSymbol current = pending.Pop();
            foreach (ISymbol member in current.GetMembers())
            {
                switch (member)
                {
                    case INamespaceOrTypeSymbol container:
                        pending.Push(container);
                        break;
                    case IMethodSymbol method when known.GetTaskAttribute(method) is { } attribute:
                        string name = TaskNames.WireName(method, attribute);
                        if (!into.ContainsKey(name))
                        {
                            into[name] = $"'{TaskNames.DefaultName(method)}' in assembly '{assembly.Name}'";
                        }

                        break;
                }
            }
        }
    }
}
