namespace TaskGen.Generators.Model;

/// <summary>What a task parameter is for.</summary>
internal enum ParameterRole
{
    /// <summary>An argument sent on the wire.</summary>
    Value,

    /// <summary>A <c>CancellationToken</c> the worker supplies.</summary>
    CancellationToken,

    /// <summary>A <c>TaskContext</c> the worker supplies.</summary>
    Context,

    /// <summary>A <c>[FromServices]</c> parameter the worker resolves from the task's service scope.</summary>
    Service,
}

/// <summary>One parameter of a task method.</summary>
/// <remarks>Holds strings and equatable values only, never symbols, so that specs cache across edits.</remarks>
/// <param name="Name">The name on the wire (the keyword-argument name).</param>
/// <param name="Identifier">The C# identifier, escaped with <c>@</c> where it is a keyword.</param>
/// <param name="Type">The parameter type; null for injected parameters.</param>
/// <param name="Role">Whether the parameter is sent or supplied by the worker.</param>
/// <param name="DefaultValue">The C# literal of the default value, or null when the parameter is required.</param>
internal sealed record ParameterSpec(string Name, string Identifier, TypeRef? Type, ParameterRole Role, string? DefaultValue)
{
    /// <summary>The <c>global::</c>-qualified service type of a <see cref="ParameterRole.Service"/> parameter; null for the others.</summary>
    public string? ServiceType { get; init; }
}
