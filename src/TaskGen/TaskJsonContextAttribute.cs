using System;

namespace TaskGen;

/// <summary>
/// Names the System.Text.Json source-generated context that serializes task arguments and results
/// that are records or classes; TaskGen looks their contracts up there instead of using reflection.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false, Inherited = false)]
public sealed class TaskJsonContextAttribute : Attribute
{
    /// <summary>Names the context type, a <c>JsonSerializerContext</c> with a static <c>Default</c> instance.</summary>
    /// <param name="contextType">The context type.</param>
    public TaskJsonContextAttribute(Type contextType) => ContextType = contextType;

    /// <summary>The context type.</summary>
    public Type ContextType { get; }
}
