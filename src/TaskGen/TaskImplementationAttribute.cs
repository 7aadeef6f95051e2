using System;

namespace TaskGen;

/// <summary>
/// Binds code in a worker's assembly to task contracts: <c>[Task]</c> methods declared on an interface, usually in a
/// contracts assembly that producers reference instead of the code. The generator adds each bound contract task to
/// this assembly's dispatch table, and the analyzers check that every task of a bound contract is implemented.
/// </summary>
/// <remarks>
/// On a class, <c>[TaskImplementation]</c> binds every contract interface the class implements; a worker resolves
/// the interface from the host's services, in a scope per run, so register it (<c>services.AddScoped&lt;IMail, SmtpMail&gt;()</c>).
/// On a static method, <c>[TaskImplementation(typeof(IMail), nameof(IMail.Send))]</c> implements one contract task; its
/// data parameters and result are the contract method's, and it may add <c>CancellationToken</c>, <c>TaskContext</c>
/// and <c>[FromServices]</c> parameters.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class TaskImplementationAttribute : Attribute
{
    /// <summary>Binds the contract interfaces the marked class implements.</summary>
    public TaskImplementationAttribute()
    {
    }

    /// <summary>Makes the marked static method the implementation of one contract task.</summary>
    /// <param name="contract">The contract interface.</param>
    /// <param name="method">The name of the interface's <c>[Task]</c> method, written with <c>nameof</c>.</param>
    public TaskImplementationAttribute(Type contract, string method)
    {
        Contract = contract;
        Method = method;
    }

    /// <summary>The contract interface a static method implements a task of; null on a class.</summary>
    public Type? Contract { get; }

    /// <summary>The name of the contract task a static method implements; null on a class.</summary>
    public string? Method { get; }
}
