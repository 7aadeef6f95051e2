using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using TaskGen.Common;
using TaskGen.Generators.Helpers;
using TaskGen.Generators.Model;

namespace TaskGen.Generators;

/// <summary>
/// Turns every <c>[Task]</c> method into a typed remote stub, its argument codec, a registry entry and
/// a case in the worker's dispatch switch. Invalid tasks are skipped silently; analyzers report them.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class TaskGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<TaskSpec> tasks = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                TaskNames.TaskAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (syntax, cancellationToken) => Parser.ParseTask(syntax, cancellationToken))
            .WithTrackingName(TrackingNames.Tasks)
            .Where(static spec => spec is not null)
            .Select(static (spec, _) => spec!);

        // Contract tasks this assembly implements, by a [TaskImplementation] class (resolved from services) or static method.
        IncrementalValuesProvider<ImplementationSpec> implementations = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                ContractRules.TaskImplementationAttribute,
                static (node, _) => node is ClassDeclarationSyntax or MethodDeclarationSyntax,
                static (syntax, cancellationToken) => ContractParser.ParseImplementations(syntax, cancellationToken))
            .WithTrackingName(TrackingNames.Implementations)
            .SelectMany(static (specs, _) => specs);

        IncrementalValueProvider<AssemblySpec> assembly = context.CompilationProvider
            .Select(static (compilation, cancellationToken) => Parser.ParseAssembly(compilation, cancellationToken))
            .WithTrackingName(TrackingNames.Assembly);

        IncrementalValueProvider<EmitContext> emitContext = assembly
            .Select(static (spec, _) => spec.Emit)
            .WithTrackingName(TrackingNames.EmitContext);

        IncrementalValuesProvider<(string HintName, string Source)> taskSources = tasks
            .Combine(emitContext)
            .Select(static (pair, _) => Emitter.EmitTask(pair.Left, pair.Right) ?? default)
            .Where(static source => source.HintName is not null)
            .WithTrackingName(TrackingNames.TaskSources);

        // Hint names are added once each: two tasks in one file position (an overload, a duplicate) would
        // otherwise abort the whole generator; the analyzers report the duplicate itself.
        context.RegisterSourceOutput(taskSources.Collect(), static (output, sources) =>
        {
            var added = new HashSet<string>();
            foreach ((string hintName, string source) in sources)
            {
                if (added.Add(hintName))
                {
                    output.AddSource(hintName, SourceText.From(source, Encoding.UTF8));
                }
            }
        });

        IncrementalValuesProvider<(string HintName, string Source)> implementationSources = implementations
            .Combine(emitContext)
            .Select(static (pair, _) => Emitter.EmitImplementation(pair.Left, pair.Right) ?? default)
            .Where(static source => source.HintName is not null)
            .WithTrackingName(TrackingNames.ImplementationSources);

        // Two classes implementing one contract give one file; the analyzers report the second implementation.
        context.RegisterSourceOutput(implementationSources.Collect(), static (output, sources) =>
        {
            var added = new HashSet<string>();
            foreach ((string hintName, string source) in sources)
            {
                if (added.Add(hintName))
                {
                    output.AddSource(hintName, SourceText.From(source, Encoding.UTF8));
                }
            }
        });

        IncrementalValueProvider<(string? Registry, string? Queues)> aggregate = tasks
            .Collect()
            .Combine(implementations.Collect())
            .Combine(assembly)
            .Select(static (pair, _) =>
            {
                EquatableArray<TaskSpec> all = pair.Left.Left.ToEquatableArray();
                EquatableArray<ImplementationSpec> implemented = pair.Left.Right.ToEquatableArray();
                return (Emitter.EmitRegistry(all, implemented, pair.Right), Emitter.EmitQueues(pair.Right, all.Length > 0));
            })
            .WithTrackingName(TrackingNames.Registry);

        RegisterStubAliases(context, tasks);

        context.RegisterSourceOutput(aggregate, static (output, sources) =>
        {
            if (sources.Registry is not null)
            {
                output.AddSource("TaskRegistry.g.cs", SourceText.From(sources.Registry, Encoding.UTF8));
            }

            if (sources.Queues is not null)
            {
                output.AddSource("Queues.g.cs", SourceText.From(sources.Queues, Encoding.UTF8));
            }
        });
    }

    /// <summary>
    /// A file that imports both a task namespace <c>N</c> and <c>N.Remote</c> finds each task class twice (CS0104). A
    /// <c>global using</c> alias per stub container binds before either import, so <c>Geometry.RectArea.Delay(2, 2)</c>
    /// means the stub there; code in <c>N</c> itself still finds its own class, which binds before any alias.
    /// </summary>
    private static void RegisterStubAliases(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<TaskSpec> tasks)
    {
        // Syntax only: a file's usings are read without its semantic model, so an edit to a body costs one equal spec.
        IncrementalValueProvider<EquatableArray<ImportSpec>> imports = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is CompilationUnitSyntax { Usings.Count: > 0 },
                static (syntax, cancellationToken) => Parser.ParseImports((CompilationUnitSyntax)syntax.Node, cancellationToken))
            .WithTrackingName(TrackingNames.Imports)
            .Where(static spec => !spec.IsEmpty)
            .Collect()
            .Select(static (all, _) => all.ToEquatableArray());

        IncrementalValueProvider<EquatableArray<StubContainerSpec>> containers = tasks
            .Select(static (task, _) => new StubContainerSpec(task.Namespace, task.Containers.Length > 0 ? task.Containers[0].Name : task.MethodName))
            .Collect()
            .Select(static (all, _) => all.Distinct().OrderBy(c => c.Namespace, StringComparer.Ordinal).ThenBy(c => c.Name, StringComparer.Ordinal).ToEquatableArray());

        // Only the few clashing names leave this step, so an edit that changes none of them stops here.
        IncrementalValueProvider<EquatableArray<string>> globalNames = imports
            .Combine(containers)
            .Combine(context.CompilationProvider)
            .Select(static (pair, cancellationToken) => Parser.ParseAliasClashes(pair.Right, pair.Left.Left, pair.Left.Right, cancellationToken));

        IncrementalValueProvider<bool> enabled = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => !(options.GlobalOptions.TryGetValue("build_property.TaskGenStubAliases", out string? value)
                && string.Equals(value.Trim(), "false", StringComparison.OrdinalIgnoreCase)));

        IncrementalValueProvider<StubAliasSpec> aliases = enabled
            .Combine(imports)
            .Combine(containers)
            .Combine(globalNames)
            .Select(static (pair, _) => new StubAliasSpec(pair.Left.Left.Left, pair.Left.Left.Right, pair.Left.Right, pair.Right))
            .WithTrackingName(TrackingNames.StubAliases);

        context.RegisterSourceOutput(aliases, static (output, spec) =>
        {
            if (Emitter.EmitStubAliases(spec) is { } source)
            {
                output.AddSource("StubAliases.g.cs", SourceText.From(source, Encoding.UTF8));
            }
        });
    }
}
