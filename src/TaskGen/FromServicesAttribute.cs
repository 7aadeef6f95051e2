using System;

namespace TaskGen;

/// <summary>
/// Marks a task parameter that the worker resolves from the host's services, in a scope created for each task run,
/// instead of receiving it from the caller: it is left out of the stub and never serialized.
/// </summary>
/// <remarks>ASP.NET Core's <c>Microsoft.AspNetCore.Mvc.FromServicesAttribute</c> is accepted too.</remarks>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class FromServicesAttribute : Attribute
{
}
