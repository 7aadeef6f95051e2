using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using TaskGen.Common;

namespace TaskGen.Analyzers.Helpers;

/// <summary>What is known of one queue name: the kinds it is declared with and where.</summary>
internal sealed class QueueDeclarations
{
    public bool Direct => DirectWhere is not null;

    public bool Broadcast => BroadcastWhere is not null;

    /// <summary>Where the queue is first declared as a direct queue ("in this assembly", "in assembly 'X'").</summary>
    public string? DirectWhere { get; set; }

    /// <summary>Where the queue is first declared as a broadcast queue.</summary>
    public string? BroadcastWhere { get; set; }

    /// <summary>Where the queue is first declared as a direct queue with <c>Type = QueueType.Classic</c>.</summary>
    public string? ClassicWhere { get; set; }

    /// <summary>Where the queue is first declared as a direct queue with <c>Type = QueueType.Quorum</c>.</summary>
    public string? QuorumWhere { get; set; }
}

/// <summary>
/// Every queue the compilation can route to: its own <c>[assembly: TaskQueue]</c> declarations, those
/// of referenced task assemblies, and the default <c>celery</c>; plus the generated <c>Queues</c>
/// constants that name them. Built once per compilation.
/// </summary>
internal sealed class QueueCatalog
{
    public const string ThisAssembly = "in this assembly";

    private readonly Dictionary<string, QueueDeclarations> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);

    private QueueCatalog()
    {
    }

    public static QueueCatalog Create(KnownSymbols known)
    {
        var catalog = new QueueCatalog();
        Compilation compilation = known.Compilation;
        catalog.Add(compilation.Assembly, known, ThisAssembly);
        catalog.AddConstants(compilation.Assembly, known);
        foreach (IAssemblySymbol assembly in TaskAssemblies.Referenced(compilation, known.TaskAttribute))
        {
            catalog.Add(assembly, known, $"in assembly '{assembly.Name}'");
            catalog.AddConstants(assembly, known);
        }

        if (!catalog._queues.ContainsKey(QueueNames.DefaultQueue))
        {
            catalog._queues[QueueNames.DefaultQueue] = new QueueDeclarations { DirectWhere = "by default" };
        }

        return catalog;
    }

    public QueueDeclarations? Find(string name) => _queues.TryGetValue(name, out QueueDeclarations? queue) ? queue : null;

    /// <summary>The fully qualified generated constant for the queue (<c>global::CeleryApp.Queues.Calc</c>), or null when none exists.</summary>
    public string? Constant(string name) => _constants.TryGetValue(name, out string? constant) ? constant : null;

    private void Add(IAssemblySymbol assembly, KnownSymbols known, string where)
    {
        foreach (AttributeData attribute in assembly.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, known.TaskQueueAttribute)
                || attribute.ConstructorArguments.Length != 1
                || attribute.ConstructorArguments[0].Value is not string name
                || QueueNames.Invalid(name) is not null)
            {
                continue;
            }

            bool broadcast = QueueNames.IsBroadcast(attribute);
            if (!_queues.TryGetValue(name, out QueueDeclarations? queue))
            {
                _queues[name] = queue = new QueueDeclarations();
            }

            if (broadcast)
            {
                queue.BroadcastWhere ??= where;
            }
            else
            {
                queue.DirectWhere ??= where;

                // Only types written out can clash: QueueType.Default takes whatever the app is configured with.
                switch (QueueNames.QueueTypeOf(attribute))
                {
                    case QueueNames.ClassicType:
                        queue.ClassicWhere ??= where;
                        break;
                    case QueueNames.QuorumType:
                        queue.QuorumWhere ??= where;
                        break;
                }
            }
        }
    }

    private void AddConstants(IAssemblySymbol assembly, KnownSymbols known)
    {
        string ns = QueueNames.QueuesNamespace(assembly.Name);
        INamedTypeSymbol? queues = assembly.GetTypeByMetadataName(ns + ".Queues");
        if (queues is null || !known.IsGeneratedByTaskGen(queues))
        {
            return;
        }

        foreach (ISymbol member in queues.GetMembers())
        {
            if (member is IFieldSymbol { IsConst: true, ConstantValue: string value } field && !_constants.ContainsKey(value))
            {
                _constants[value] = $"global::{ns}.Queues.{field.Name}";
            }
        }
    }
}
