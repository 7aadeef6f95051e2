using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

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
    public const string DefaultQueue = "celery";
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

        if (!catalog._queues.ContainsKey(DefaultQueue))
        {
            catalog._queues[DefaultQueue] = new QueueDeclarations { DirectWhere = "by default" };
        }

        return catalog;
    }

    /// <summary>The value of <c>QueueType.Classic</c>.</summary>
    public const int ClassicType = 1;

    /// <summary>The value of <c>QueueType.Quorum</c>.</summary>
    public const int QuorumType = 2;

    /// <summary>The <c>Type</c> a <c>[TaskQueue]</c> attribute sets, as the enum's value (0, the default, when unset).</summary>
    public static int QueueTypeOf(AttributeData attribute) =>
        attribute.NamedArguments.FirstOrDefault(a => a.Key == "Type").Value.Value is int type ? type : 0;

    public QueueDeclarations? Find(string name) => _queues.TryGetValue(name, out QueueDeclarations? queue) ? queue : null;

    /// <summary>The fully qualified generated constant for the queue (<c>global::CeleryApp.Queues.Calc</c>), or null when none exists.</summary>
    public string? Constant(string name) => _constants.TryGetValue(name, out string? constant) ? constant : null;

    /// <summary>Says why a queue name cannot be used on the broker, or returns null when it can.</summary>
    public static string? Invalid(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "a queue needs a name, so give one (or leave Queue unset for the default queue 'celery')";
        }

        if (name.StartsWith("amq.", StringComparison.Ordinal))
        {
            return "names starting with 'amq.' are reserved by the broker, so choose another name";
        }

        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > 255)
        {
            return $"it is {bytes} bytes long in UTF-8 and the broker allows at most 255, so shorten it";
        }

        return null;
    }

    /// <summary>The namespace of an assembly's generated <c>Queues</c> class, computed as the generator does.</summary>
    public static string QueuesNamespace(string? assemblyName)
    {
        string ns = string.Join(".", (assemblyName ?? "Tasks").Split('.').Where(p => p.Length > 0).Select(ToIdentifier));
        return ns.Length == 0 ? "Tasks" : ns;
    }

    private void Add(IAssemblySymbol assembly, KnownSymbols known, string where)
    {
        foreach (AttributeData attribute in assembly.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, known.TaskQueueAttribute)
                || attribute.ConstructorArguments.Length != 1
                || attribute.ConstructorArguments[0].Value is not string name
                || Invalid(name) is not null)
            {
                continue;
            }

            bool broadcast = attribute.NamedArguments.Any(a => a.Key == "Broadcast" && a.Value.Value is true);
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
                switch (QueueTypeOf(attribute))
                {
                    case ClassicType:
                        queue.ClassicWhere ??= where;
                        break;
                    case QuorumType:
                        queue.QuorumWhere ??= where;
                        break;
                }
            }
        }
    }

    private void AddConstants(IAssemblySymbol assembly, KnownSymbols known)
    {
        string ns = QueuesNamespace(assembly.Name);
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

    /// <summary>Turns any text into a PascalCase identifier, as the generator names things.</summary>
    private static string ToIdentifier(string text)
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
