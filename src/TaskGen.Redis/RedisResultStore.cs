using System;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;
using TaskGen.Protocol;
using TaskGen.Results;
using TaskGen.Transport;

namespace TaskGen.Redis;

/// <summary>
/// The <c>redis://</c> backend, worker side, on Celery's layout: each state is the JSON Celery stores, set at key
/// <c>celery-task-meta-&lt;id&gt;</c> for <c>ResultExpires</c> and published on the channel of the same name, so
/// that Python Celery reads what a TaskGen worker stored. Results go by task id; <c>reply_to</c> is not used.
/// Schedule ticks are claimed here too, at <c>taskgen-beat-tick-&lt;id&gt;</c>, so that a tick sent twice runs once.
/// </summary>
internal sealed class RedisResultStore : IResultStore, ITickClaims
{
    /// <summary>TaskGen's key prefix for the claim of a schedule tick's run: <c>taskgen-beat-tick-&lt;task id&gt;</c>.</summary>
    public const string TickKeyPrefix = "taskgen-beat-tick-";

    // A day: far longer than any failover's overlap or a message's stay in a queue, and the keys of a 1-second entry
    // stay bounded (86,400 of them).
    private static readonly TimeSpan TickClaimLifetime = TimeSpan.FromDays(1);

    // Celery refuses to overwrite a SUCCESS (a redelivered task that ran twice must not turn it into a failure).
    // Celery reads and then writes; one script makes the check and the write a single step.
    private const string StoreScript = """
        local current = redis.call('GET', KEYS[1])
        if current then
          local ok, meta = pcall(cjson.decode, current)
          if ok and type(meta) == 'table' and meta['status'] == 'SUCCESS' then
            return 0
          end
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('PUBLISH', KEYS[1], ARGV[1])
        return 1
        """;

    // A broadcast's reply goes to the worker's field of the broadcast hash, under the same rule per worker, and then
    // to the task's key as any result, where Celery (and GetResult) read one worker's answer as Python Celery stores it.
    private const string BroadcastScript = """
        local held = redis.call('HGET', KEYS[2], ARGV[3])
        local decoded, previous = false, nil
        if held then
          decoded, previous = pcall(cjson.decode, held)
        end
        if not (decoded and type(previous) == 'table' and previous['status'] == 'SUCCESS') then
          redis.call('HSET', KEYS[2], ARGV[3], ARGV[1])
          redis.call('PEXPIRE', KEYS[2], ARGV[2])
          redis.call('PUBLISH', KEYS[2], ARGV[3])
        end

        """ + StoreScript;

    private readonly RedisResultConnection _connection;
    private readonly int _maxSize;
    private readonly long _expiresMilliseconds;

    public RedisResultStore(RedisResultConnection connection, int maxSize, TimeSpan expires)
    {
        _connection = connection;
        _maxSize = maxSize;
        _expiresMilliseconds = Math.Max(1, (long)expires.TotalMilliseconds);
    }

    public bool StoresById => true;

    public async ValueTask StoreAsync(string taskId, string replyTo, TaskState state, ResultBody resultJson, string? traceback, string? broadcastNode, CancellationToken cancellationToken)
    {
        byte[] body = resultJson.Encode(taskId, state, traceback);
        if (body.Length > _maxSize)
        {
            throw new BrokerException($"The result of task {taskId} is {body.Length} bytes, more than the {_maxSize} bytes WorkerMaxResultSize allows.") { MessageRefused = true };
        }

        ConnectionMultiplexer redis = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        IDatabase database = redis.GetDatabase();
        if (broadcastNode is null)
        {
            await database.ScriptEvaluateAsync(StoreScript, [RedisResultConnection.Key(taskId)], [body, _expiresMilliseconds]).ConfigureAwait(false);
        }
        else
        {
            await database.ScriptEvaluateAsync(BroadcastScript, [RedisResultConnection.Key(taskId), RedisResultConnection.BroadcastKey(taskId)], [body, _expiresMilliseconds, broadcastNode]).ConfigureAwait(false);
        }
    }

    public async ValueTask<bool> ClaimAsync(string taskId, string tick, CancellationToken cancellationToken)
    {
        ConnectionMultiplexer redis = await _connection.GetAsync(cancellationToken).ConfigureAwait(false);
        return await redis.GetDatabase().StringSetAsync(TickKeyPrefix + taskId, tick, TickClaimLifetime, When.NotExists).ConfigureAwait(false);
    }
}
