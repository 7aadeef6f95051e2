using System.Collections.Generic;
using System.ComponentModel;

namespace TaskGen.Worker;

/// <summary>
/// A task's call shape as the compiler saw it, so that tools (the monitor's apply form) can offer one typed field per
/// argument instead of raw JSON. It exists for generated code.
/// </summary>
/// <param name="Name">The task name.</param>
/// <param name="Queue">The queue the task is routed to by default; empty for the app's default queue.</param>
/// <param name="Arguments">The wire arguments, in order.</param>
/// <param name="ResultType">The result type's display name, or null for a task without a result.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record TaskSignatureInfo(string Name, string Queue, IReadOnlyList<TaskArgumentInfo> Arguments, string? ResultType);

/// <summary>One wire argument of a task: its name, C# type, JSON kind and whether it may be left out or null. It exists for generated code.</summary>
/// <param name="Name">The parameter name, as keyword arguments carry it.</param>
/// <param name="Type">The C# type as the source names it, such as <c>int</c> or <c>List&lt;string&gt;</c>.</param>
/// <param name="JsonKind">What JSON the argument is: <c>integer</c>, <c>number</c>, <c>string</c>, <c>boolean</c>, <c>array</c> or <c>object</c>.</param>
/// <param name="Nullable">Whether JSON <c>null</c> is accepted.</param>
/// <param name="DefaultValue">The default value's C# text when the parameter is optional, or null when it must be given.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record TaskArgumentInfo(string Name, string Type, string JsonKind, bool Nullable, string? DefaultValue);
