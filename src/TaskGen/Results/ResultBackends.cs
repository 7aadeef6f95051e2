using System;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Transport;

namespace TaskGen.Results;

/// <summary>
/// The two halves of the result backend a <c>ResultBackend</c> URL names, chosen in this one place beside
/// <see cref="TransportFactory"/>: what callers wait on, and what each worker stores into. The app and its workers
/// take these parts and never switch on the URL's scheme themselves.
/// </summary>
internal sealed class ResultBackends : IAsyncDisposable
{
    private readonly RedisResultConnection? _redis;
    private readonly ITransport _transport;
    private readonly TaskAppOptions _options;

    private ResultBackends(TaskAppOptions options, ITransport transport, IResultBackend? client, RedisResultConnection? redis)
    {
        _options = options;
        _transport = transport;
        Client = client;
        _redis = redis;
    }

    /// <summary>What callers wait on for results, or null when the app keeps none (<c>none</c>).</summary>
    public IResultBackend? Client { get; }

    /// <summary>Chooses the backend for <see cref="TaskAppOptions.ResultBackend"/>; a Redis backend dials nothing until first used.</summary>
    /// <exception cref="TaskAppConfigurationException">The Redis backend's TLS CA file cannot be read or holds no certificate.</exception>
    public static ResultBackends Create(TaskAppOptions options, ITransport transport, ILoggerFactory loggerFactory)
    {
        ILogger logger = loggerFactory.CreateLogger("TaskGen.Results");
        if (options.ResultBackend == "rpc://")
        {
            return new ResultBackends(options, transport, new RpcResultBackend(transport, options.ResultExpires, options.TaskDefaultQueueType, logger), null);
        }

        if (RedisUrl.IsRedis(options.ResultBackend))
        {
            var redis = new RedisResultConnection(
                RedisUrl.Parse(options.ResultBackend),
                $"taskgen-{Environment.ProcessId}",
                options.ResultBackendMasterName,
                options.ResultBackendUseTls,
                options.ResultBackendTlsCaCertificate);
            return new ResultBackends(options, transport, new RedisResultBackend(redis, options.ResultExpires, logger), redis);
        }

        return new ResultBackends(options, transport, null, null);
    }

    /// <summary>
    /// The store a worker named <paramref name="nodeName"/> answers into: Redis by task id when the app's backend is
    /// Redis, else each caller's reply queue (a worker of an app without a backend still answers callers that ask).
    /// </summary>
    public IResultStore CreateStore(string nodeName) =>
        _redis is not null
            ? new RedisResultStore(_redis, _options.WorkerMaxResultSize, _options.ResultExpires)
            : new RpcResultStore(_transport, nodeName, _options.WorkerMaxResultSize, _options.WorkerConfirmResults);

    /// <summary>Stops the callers' waits, then closes the Redis connection the halves share; results stored stay stored.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Client is not null)
        {
            await Client.DisposeAsync().ConfigureAwait(false);
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }
}
