using TaskGen.Generators.Helpers;

namespace TaskGen.Generators.Model;

/// <summary>How a task method returns.</summary>
internal enum ReturnKind
{
    /// <summary><c>void</c>.</summary>
    Void,

    /// <summary>A plain value.</summary>
    Value,

    /// <summary><c>Task</c>.</summary>
    Task,

    /// <summary><c>Task&lt;T&gt;</c>.</summary>
    TaskOfT,

    /// <summary><c>ValueTask</c>.</summary>
    ValueTask,

    /// <summary><c>ValueTask&lt;T&gt;</c>.</summary>
    ValueTaskOfT,
}

/// <summary>A type that contains a task method, for the matching stub class.</summary>
/// <param name="Name">The type's name.</param>
/// <param name="IsPublic">Whether the type is visible outside its assembly.</param>
internal sealed record ContainerSpec(string Name, bool IsPublic);

/// <summary>Everything the emitter needs to know about one <c>[Task]</c> method.</summary>
/// <remarks>
/// Holds strings, enums and equatable arrays only, never <c>ISymbol</c>, <c>SyntaxNode</c>,
/// <c>Location</c> or <c>Compilation</c>: one careless member would silently defeat caching.
/// </remarks>
/// <param name="TaskName">The name on the wire.</param>
/// <param name="Queue">The declared queue, or null for the default queue.</param>
/// <param name="Namespace">The containing namespace, empty for the global namespace.</param>
/// <param name="Containers">The containing types, outermost first.</param>
/// <param name="MethodName">The method name.</param>
/// <param name="IsPublic">Whether the method is visible outside its assembly.</param>
/// <param name="Parameters">The parameters in declaration order.</param>
/// <param name="Returns">How the method returns.</param>
/// <param name="Result">The result type, or null when the task has none.</param>
/// <param name="Policy">The failure policy the task declares, or null when it declares none.</param>
/// <param name="Periodic">The task's <c>[Periodic]</c> entries that can be registered, in declaration order.</param>
internal sealed record TaskSpec(
    string TaskName,
    string? Queue,
    string Namespace,
    EquatableArray<ContainerSpec> Containers,
    string MethodName,
    bool IsPublic,
    EquatableArray<ParameterSpec> Parameters,
    ReturnKind Returns,
    TypeRef? Result,
    PolicySpec? Policy = null,
    EquatableArray<PeriodicSpec> Periodic = default)
{
    /// <summary>
    /// The ID of the diagnostic that keeps generated code from sending or running the task (<c>TG0001</c>), or null
    /// for a task it supports. A blocked task gets a stub of its shape whose members throw, and no dispatch case.
    /// </summary>
    public string? BlockedBy { get; init; }

    /// <summary>
    /// The task's place among overloaded <c>[Task]</c> methods of one name (TG0011), which share one blocked stub
    /// class: the first writes its name, descriptor and thrower, each writes its own methods.
    /// </summary>
    public int Overload { get; init; }

    /// <summary>
    /// True for a contract task, declared on an interface: it gets a stub and its codecs but no dispatch case here,
    /// since an assembly that implements it runs it.
    /// </summary>
    public bool IsContract { get; init; }

    /// <summary>True when an argument or the result needs the app's JSON context.</summary>
    public bool NeedsJsonContext
    {
        get
        {
            if (Result?.NeedsJsonContext == true)
            {
                return true;
            }

            foreach (ParameterSpec parameter in Parameters)
            {
                if (parameter.Type?.NeedsJsonContext == true)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
