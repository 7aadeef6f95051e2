using System;
using System.Collections.Generic;
using Microsoft.Extensions.Logging;

namespace TaskGen.Results;

/// <summary>
/// A result backend that a package of its own adds for its URL schemes (TaskGen.Redis for <c>redis</c>, <c>rediss</c>
/// and <c>sentinel</c>), registered on the app's builder, so that the core chooses it by <c>ResultBackend</c>'s scheme
/// without referencing its client library.
/// </summary>
internal interface IResultBackendProvider
{
    /// <summary>
    /// Adds, one line each, why <see cref="TaskAppOptions.ResultBackend"/> cannot be used by this backend, so that these
    /// are refused at startup with every other setting; messages never hold the URL's password.
    /// </summary>
    void Validate(TaskAppOptions options, List<string> errors);

    /// <summary>Prepares the backend that validated options name; nothing is dialled until first used.</summary>
    /// <exception cref="TaskAppConfigurationException">A file the backend's settings name cannot be used.</exception>
    IOpenResultBackend Open(TaskAppOptions options, ILoggerFactory loggerFactory);
}

/// <summary>One app's result backend from a provider: the client's half, each worker's store, and what the two share.</summary>
internal interface IOpenResultBackend : IAsyncDisposable
{
    /// <summary>What callers wait on for results.</summary>
    IResultBackend Client { get; }

    /// <summary>The store a worker named <paramref name="nodeName"/> answers into.</summary>
    IResultStore CreateStore(string nodeName);

    /// <summary>The group and chord keys, or null when the backend keeps no results by id (<c>rpc://</c>).</summary>
    IGroupStore? Groups => null;
}
