using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Results;

namespace TaskGen.Redis;

/// <summary>
/// The Redis result backend as the core chooses it for a <c>redis://</c>, <c>rediss://</c> or <c>sentinel://</c>
/// <c>ResultBackend</c>: the URL is parsed at startup with the other settings, and the client and every worker of the
/// app share one connection, dialled on first use.
/// </summary>
internal sealed class RedisResultBackendProvider : IResultBackendProvider
{
    private RedisResultBackendProvider()
    {
    }

    /// <summary>The one provider; it holds nothing of an app's.</summary>
    public static RedisResultBackendProvider Instance { get; } = new();

    public void Validate(TaskAppOptions options, List<string> errors)
    {
        try
        {
            RedisUrl.Parse(options.ResultBackend);
        }
        catch (TaskAppConfigurationException ex)
        {
            errors.Add(ex.Message);
        }
    }

    public IOpenResultBackend Open(TaskAppOptions options, ILoggerFactory loggerFactory)
    {
        var connection = new RedisResultConnection(
            RedisUrl.Parse(options.ResultBackend),
            $"taskgen-{Environment.ProcessId}",
            options.ResultBackendMasterName,
            options.ResultBackendUseTls,
            options.ResultBackendTlsCaCertificate);
        var client = new RedisResultBackend(connection, options.ResultExpires, loggerFactory.CreateLogger("TaskGen.Results"));
        return new OpenBackend(connection, client, new RedisGroupStore(connection, options.ResultExpires), options);
    }

    private sealed class OpenBackend(RedisResultConnection connection, RedisResultBackend client, RedisGroupStore groups, TaskAppOptions options) : IOpenResultBackend
    {
        public IResultBackend Client => client;

        public IGroupStore Groups => groups;

        // Stored by task id, so a worker's node name plays no part.
        public IResultStore CreateStore(string nodeName) => new RedisResultStore(connection, options.WorkerMaxResultSize, options.ResultExpires);

        // The callers' waits stop first, so that none of them sees the shared connection close under it.
        public async ValueTask DisposeAsync()
        {
            await client.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
