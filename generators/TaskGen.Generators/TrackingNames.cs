namespace TaskGen.Generators;

/// <summary>Names of the pipeline steps, public to tests that assert what an edit re-runs.</summary>
public static class TrackingNames
{
    /// <summary>The task specs parsed from <c>[Task]</c> methods.</summary>
    public const string Tasks = nameof(Tasks);

    /// <summary>The compilation-wide facts.</summary>
    public const string Assembly = nameof(Assembly);

    /// <summary>The small part of the compilation facts that per-task files depend on.</summary>
    public const string EmitContext = nameof(EmitContext);

    /// <summary>The text of each task's file.</summary>
    public const string TaskSources = nameof(TaskSources);

    /// <summary>The contract tasks that <c>[TaskImplementation]</c> classes and methods implement.</summary>
    public const string Implementations = nameof(Implementations);

    /// <summary>The text of each implemented contract task's file.</summary>
    public const string ImplementationSources = nameof(ImplementationSources);

    /// <summary>The registry and dispatch table.</summary>
    public const string Registry = nameof(Registry);

    /// <summary>The namespaces and aliases each file's <c>using</c> directives import.</summary>
    public const string Imports = nameof(Imports);

    /// <summary>The inputs of the <c>global using</c> aliases that settle <c>N</c> against <c>N.Remote</c>.</summary>
    public const string StubAliases = nameof(StubAliases);
}
