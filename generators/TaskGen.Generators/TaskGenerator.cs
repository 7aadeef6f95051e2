using System.Collections.Generic;
using System.Collections.Immutable;
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
}
