using System;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace TaskGen.Redis;

/// <summary>
/// The commands of a schedule's leader lease, apart from the election's timing so that the timing can be tested
/// without a server. The lease's value is the JSON <c>{node, epoch, since}</c> of the term that holds it; every
/// change to the key is made only by whoever holds exactly that value.
/// </summary>
internal interface IBeatLease : IAsyncDisposable
{
    /// <summary>Where the lease is kept, for logs; never contains a password.</summary>
    string Description { get; }

    /// <summary>Takes the lease when nobody holds it, with a new epoch; the value it now holds, or null when another holds it.</summary>
    ValueTask<string?> TryTakeAsync(string node, DateTimeOffset since, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Extends the lease to <paramref name="duration"/> from now if it still holds <paramref name="value"/>; false when it does not.</summary>
    ValueTask<bool> RenewAsync(string value, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Deletes the lease if it still holds <paramref name="value"/>, so that another process may take it at once.</summary>
    ValueTask ReleaseAsync(string value, CancellationToken cancellationToken);

    /// <summary>The lease's value now, or null when nobody holds it.</summary>
    ValueTask<string?> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A schedule's leader lease in Redis: the key <c>taskgen-beat-&lt;name&gt;-leader</c>, set only when absent and with a
/// time to live of the lease's duration, and the counter <c>taskgen-beat-&lt;name&gt;-epoch</c>, incremented by each
/// taking, so that every term has an epoch above all before it.
/// </summary>
internal sealed class RedisBeatLease : IBeatLease
{
    // The epoch is counted only when the key is free: a contender that polls does not use up epochs. The value is built
    // here, in the same step, so that it names the epoch it was given.
    private const string TakeScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          return false
        end
        local epoch = redis.call('INCR', KEYS[2])
        local value = cjson.encode({node = ARGV[1], epoch = epoch, since = ARGV[2]})
        redis.call('SET', KEYS[1], value, 'NX', 'PX', ARGV[3])
        return value
        """;

    private const string RenewScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 0
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    private readonly RedisResultConnection _connection;
    private readonly bool _ownsConnection;
    private readonly RedisKey _leader;
    private readonly RedisKey _epoch;

    /// <summary>Keeps the lease of schedule <paramref name="name"/> through <paramref name="connection"/>.</summary>
    /// <param name="connection">The connection; disposed with the lease when <paramref name="ownsConnection"/>.</param>
    /// <param name="name">The schedule's name (<c>SchedulerOptions.Name</c>).</param>
    /// <param name="ownsConnection">Whether the lease closes the connection when it is disposed.</param>
    public RedisBeatLease(RedisResultConnection connection, string name, bool ownsConnection)
    {
        _connection = connection;
        _ownsConnection = ownsConnection;
        _leader = LeaderKey(name);
        _epoch = EpochKey(name);
    }

    public static string LeaderKey(string name) => $"taskgen-beat-{name}-leader";

    public static string EpochKey(string name) => $"taskgen-beat-{name}-epoch";

    public string Description => $"the Redis lease {_leader} on {_connection.Url.Redacted}";

    public async ValueTask<string?> TryTakeAsync(string node, DateTimeOffset since, TimeSpan duration, CancellationToken cancellationToken)
    {
        IDatabase database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        RedisResult taken = await database.ScriptEvaluateAsync(TakeScript, [_leader, _epoch], [node, since.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture), Milliseconds(duration)]).ConfigureAwait(false);
        return taken.IsNull ? null : (string?)taken;
    }

    public async ValueTask<bool> RenewAsync(string value, TimeSpan duration, CancellationToken cancellationToken)
    {
        IDatabase database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        RedisResult renewed = await database.ScriptEvaluateAsync(RenewScript, [_leader], [value, Milliseconds(duration)]).ConfigureAwait(false);
        return (long)renewed == 1;
    }

    public async ValueTask ReleaseAsync(string value, CancellationToken cancellationToken)
    {
        IDatabase database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        await database.ScriptEvaluateAsync(ReleaseScript, [_leader], [value]).ConfigureAwait(false);
    }

    public async ValueTask<string?> ReadAsync(CancellationToken cancellationToken)
    {
        IDatabase database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await database.StringGetAsync(_leader).ConfigureAwait(false);
    }

    private async ValueTask<IDatabase> DatabaseAsync(CancellationToken cancellationToken) =>
        (await _connection.GetAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();

    private static long Milliseconds(TimeSpan duration) => Math.Max(1, (long)Math.Ceiling(duration.TotalMilliseconds));

    public ValueTask DisposeAsync() => _ownsConnection ? _connection.DisposeAsync() : ValueTask.CompletedTask;
}
