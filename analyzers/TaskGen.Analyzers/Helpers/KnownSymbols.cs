using Microsoft.CodeAnalysis;

namespace TaskGen.Analyzers.Helpers;

/// <summary>
/// The TaskGen and framework types the analyzers compare against, resolved once per compilation so
/// that no per-symbol action looks a type up by name.
/// </summary>
internal sealed class KnownSymbols
{
    private KnownSymbols(Compilation compilation, INamedTypeSymbol taskAttribute)
    {
        Compilation = compilation;
        TaskAttribute = taskAttribute;
        TaskQueueAttribute = compilation.GetTypeByMetadataName("TaskGen.TaskQueueAttribute");
        TaskJsonContextAttribute = compilation.GetTypeByMetadataName("TaskGen.TaskJsonContextAttribute");
        TaskContext = compilation.GetTypeByMetadataName("TaskGen.TaskContext");
        TaskOptions = compilation.GetTypeByMetadataName("TaskGen.TaskOptions");
        ScheduleEntryOptions = compilation.GetTypeByMetadataName("TaskGen.Scheduling.ScheduleEntryOptions");
        WorkerOptions = compilation.GetTypeByMetadataName("TaskGen.Worker.WorkerOptions");
        AsyncResult = compilation.GetTypeByMetadataName("TaskGen.AsyncResult");
        AsyncResultOfT = compilation.GetTypeByMetadataName("TaskGen.AsyncResult`1");
        BroadcastResult = compilation.GetTypeByMetadataName("TaskGen.BroadcastResult");
        BroadcastResultOfT = compilation.GetTypeByMetadataName("TaskGen.BroadcastResult`1");
        Signature = compilation.GetTypeByMetadataName("TaskGen.Signature");
        SignatureOfT = compilation.GetTypeByMetadataName("TaskGen.Signature`1");
        PartialSignature = compilation.GetTypeByMetadataName("TaskGen.PartialSignature");
        PartialSignatureOfT = compilation.GetTypeByMetadataName("TaskGen.PartialSignature`1");
        TaskChainOfT = compilation.GetTypeByMetadataName("TaskGen.TaskChain`1");
        TaskGroup = compilation.GetTypeByMetadataName("TaskGen.TaskGroup");
        TaskGroupOfT = compilation.GetTypeByMetadataName("TaskGen.TaskGroup`1");
        TaskChord = compilation.GetTypeByMetadataName("TaskGen.TaskChord");
        JsonElement = compilation.GetTypeByMetadataName("System.Text.Json.JsonElement");
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        IAsyncEnumerable = compilation.GetTypeByMetadataName("System.Collections.Generic.IAsyncEnumerable`1");
        IAsyncEnumerator = compilation.GetTypeByMetadataName("System.Collections.Generic.IAsyncEnumerator`1");
        IDisposable = compilation.GetTypeByMetadataName("System.IDisposable");
        IAsyncDisposable = compilation.GetTypeByMetadataName("System.IAsyncDisposable");
        Expression = compilation.GetTypeByMetadataName("System.Linq.Expressions.Expression");
        JsonSerializableAttribute = compilation.GetTypeByMetadataName("System.Text.Json.Serialization.JsonSerializableAttribute");
        GeneratedCodeAttribute = compilation.GetTypeByMetadataName("System.CodeDom.Compiler.GeneratedCodeAttribute");
        Exception = compilation.GetTypeByMetadataName("System.Exception");
        TimeSpan = compilation.GetTypeByMetadataName("System.TimeSpan");
        DateTimeOffset = compilation.GetTypeByMetadataName("System.DateTimeOffset");
        DateTime = compilation.GetSpecialType(SpecialType.System_DateTime);
    }

    public Compilation Compilation { get; }

    public INamedTypeSymbol TaskAttribute { get; }

    public INamedTypeSymbol? TaskQueueAttribute { get; }

    public INamedTypeSymbol? TaskJsonContextAttribute { get; }

    public INamedTypeSymbol? TaskContext { get; }

    public INamedTypeSymbol? TaskOptions { get; }

    public INamedTypeSymbol? ScheduleEntryOptions { get; }

    public INamedTypeSymbol? WorkerOptions { get; }

    public INamedTypeSymbol? AsyncResult { get; }

    public INamedTypeSymbol? AsyncResultOfT { get; }

    public INamedTypeSymbol? BroadcastResult { get; }

    public INamedTypeSymbol? BroadcastResultOfT { get; }

    public INamedTypeSymbol? Signature { get; }

    public INamedTypeSymbol? SignatureOfT { get; }

    public INamedTypeSymbol? PartialSignature { get; }

    public INamedTypeSymbol? PartialSignatureOfT { get; }

    public INamedTypeSymbol? TaskChainOfT { get; }

    public INamedTypeSymbol? TaskGroup { get; }

    public INamedTypeSymbol? TaskGroupOfT { get; }

    public INamedTypeSymbol? TaskChord { get; }

    public INamedTypeSymbol? JsonElement { get; }

    public INamedTypeSymbol? CancellationToken { get; }

    public INamedTypeSymbol? Task { get; }

    public INamedTypeSymbol? TaskOfT { get; }

    public INamedTypeSymbol? ValueTask { get; }

    public INamedTypeSymbol? ValueTaskOfT { get; }

    public INamedTypeSymbol? IAsyncEnumerable { get; }

    public INamedTypeSymbol? IAsyncEnumerator { get; }

    public INamedTypeSymbol? IDisposable { get; }

    public INamedTypeSymbol? IAsyncDisposable { get; }

    public INamedTypeSymbol? Expression { get; }

    public INamedTypeSymbol? JsonSerializableAttribute { get; }

    public INamedTypeSymbol? GeneratedCodeAttribute { get; }

    public INamedTypeSymbol? Exception { get; }

    public INamedTypeSymbol? TimeSpan { get; }

    public INamedTypeSymbol? DateTimeOffset { get; }

    public INamedTypeSymbol DateTime { get; }

    /// <summary>Resolves the symbols, or returns null when the compilation does not use TaskGen at all.</summary>
    public static KnownSymbols? Create(Compilation compilation)
    {
        INamedTypeSymbol? taskAttribute = compilation.GetTypeByMetadataName("TaskGen.TaskAttribute");
        return taskAttribute is null ? null : new KnownSymbols(compilation, taskAttribute);
    }

    public static bool Is(ITypeSymbol? type, INamedTypeSymbol? known) =>
        known is not null && type is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, known);

    /// <summary>The method's <c>[Task]</c> attribute, or null when it is not a task.</summary>
    public AttributeData? GetTaskAttribute(ISymbol symbol)
    {
        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, TaskAttribute))
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>True for a type the generator emitted (its class carries TaskGen's <c>[GeneratedCode]</c>).</summary>
    public bool IsGeneratedByTaskGen(INamedTypeSymbol? type)
    {
        for (; type is not null; type = type.ContainingType)
        {
            foreach (AttributeData attribute in type.GetAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, GeneratedCodeAttribute)
                    && attribute.ConstructorArguments.Length > 0
                    && attribute.ConstructorArguments[0].Value is "TaskGen.Generators")
                {
                    return true;
                }
            }
        }

        return false;
    }
}
