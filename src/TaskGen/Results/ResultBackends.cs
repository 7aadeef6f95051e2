using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Transport;

namespace TaskGen.Results;

/// <summary>
/// The two halves of the result backend a <c>ResultBackend</c> URL names, chosen in this one place beside
/// <see cref="TransportFactory"/>: what callers wait on, and what each worker stores into. The app and its workers
/// take these parts and never switch on the URL's scheme themselves. <c>rpc://</c> and <c>none</c> are built in;
/// every other scheme comes from the <see cref="IResultBackendProvider"/> its package registered.
/// </summary>
internal sealed class ResultBackends : IAsyncDisposable
{
    private readonly IOpenResultBackend? _opened;
    private readonly ITransport _transport;
    private readonly TaskAppOptions _options;

    private ResultBackends(TaskAppOptions options, ITransport transport, IResultBackend? client, IOpenResultBackend? opened)
    {
        _options = options;
        _transport = transport;
        Client = client;
        _opened = opened;
    }

    /// <summary>What callers wait on for results, or null when the app keeps none (<c>none</c>).</summary>
    public IResultBackend? Client { get; }

    /// <summary>The backend's group and chord keys, or null when it keeps none (<c>rpc://</c>, <c>none</c>), where chords are refused.</summary>
    public IGroupStore? Groups => _opened?.Groups;

    /// <summary>Chooses the backend for <see cref="TaskAppOptions.ResultBackend"/> among the built-in ones and <paramref name="providers"/>.</summary>
    /// <param name="options">The validated options.</param>
    /// <param name="transport">The app's transport, which <c>rpc://</c> results travel on.</param>
    /// <param name="loggerFactory">The app's logging.</param>
    /// <param name="providers">The backends the app's packages registered, by URL scheme.</param>
    /// <exception cref="TaskAppConfigurationException">The provider refuses a file its settings name (a TLS CA, say).</exception>
    public static ResultBackends Create(TaskAppOptions options, ITransport transport, ILoggerFactory loggerFactory, IReadOnlyDictionary<string, IResultBackendProvider> providers)
    {
        if (options.ResultBackend == "rpc://")
        {
            ILogger logger = loggerFactory.CreateLogger("TaskGen.Results");
            return new ResultBackends(options, transport, new RpcResultBackend(transport, options.ResultExpires, options.TaskDefaultQueueType, logger), null);
        }

        if (Scheme(options.ResultBackend) is { } scheme && providers.TryGetValue(scheme, out IResultBackendProvider? provider))
        {
            IOpenResultBackend opened = provider.Open(options, loggerFactory);
            return new ResultBackends(options, transport, opened.Client, opened);
        }

        return new ResultBackends(options, transport, null, null);
    }

    /// <summary>The scheme of a <c>ResultBackend</c> URL (<c>redis</c> for <c>redis://...</c>), or null when it has none.</summary>
    public static string? Scheme(string? url)
    {
        int end = url?.IndexOf("://", StringComparison.Ordinal) ?? -1;
        return end > 0 ? url![..end] : null;
    }

    /// <summary>
    /// Whether a <c>ResultBackend</c> names Redis (a server or its sentinels), which the TaskGen.Redis package provides:
    /// the Redis settings of <see cref="TaskAppOptions"/> (Celery's app-level names) are checked against it.
    /// </summary>
    public static bool IsRedis(string? url) => Scheme(url) is { } scheme && RedisSchemes.Contains(scheme);

    /// <summary>The schemes the TaskGen.Redis package registers, which the core names in its refusals without knowing the package.</summary>
    public static IReadOnlySet<string> RedisSchemes { get; } = new HashSet<string>(["redis", "rediss", "sentinel"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The store a worker named <paramref name="nodeName"/> answers into: the registered backend's when the app has one,
    /// else each caller's reply queue (a worker of an app without a backend still answers callers that ask).
    /// </summary>
    public IResultStore CreateStore(string nodeName) =>
        _opened is not null
            ? _opened.CreateStore(nodeName)
            : new RpcResultStore(_transport, nodeName, _options.WorkerMaxResultSize, _options.WorkerConfirmResults);

    /// <summary>Stops the callers' waits, then closes what the halves share; results stored stay stored.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_opened is not null)
        {
            await _opened.DisposeAsync().ConfigureAwait(false);
        }
        else if (Client is not null)
        {
            await Client.DisposeAsync().ConfigureAwait(false);
        }
    }
}
