using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;
using TaskGen.Redis;
using TaskGen.Results;

namespace TaskGen.Integration.Tests;

/// <summary>The Redis group store on a real Redis: Celery's keys, counted atomically, read in group_index order, deleted and expired as Celery does.</summary>
public sealed class RedisGroupStoreTests(RedisFixture redis) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private RedisResultConnection _connection = null!;
    private ConnectionMultiplexer _direct = null!;

    public async Task InitializeAsync()
    {
        _connection = new RedisResultConnection(RedisUrl.Parse(redis.Url), "group-store-tests");
        RedisUrl url = RedisUrl.Parse(redis.Url);
        _direct = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { { url.Host, url.Port } }, Password = url.Password, DefaultDatabase = url.Database });
    }

    public async Task DisposeAsync()
    {
        await _direct.DisposeAsync();
        await _connection.DisposeAsync();
    }

    [Fact]
    public async Task PartsReturningAtOnceCompleteTheChordExactlyOnceInGroupIndexOrder()
    {
        const int Parts = 40;
        var store = new RedisGroupStore(_connection, TimeSpan.FromMinutes(5));
        string gid = Guid.NewGuid().ToString();
        await store.SetChordSizeAsync(gid, Parts, CancellationToken.None);

        // Returned in reverse order and all at once: the order comes from group_index, and one part alone completes.
        ChordPartReturn[] returns = await Task.WhenAll(Enumerable.Range(0, Parts).Reverse().Select(i =>
            store.OnChordPartReturnAsync(gid, $"t{i}", i, TaskState.Success, Encoding.UTF8.GetBytes((i * 10).ToString(System.Globalization.CultureInfo.InvariantCulture)), CancellationToken.None).AsTask()));

        ChordPartReturn last = Assert.Single(returns, r => r.Parts is not null);
        Assert.Equal(Enumerable.Range(0, Parts).Select(i => $"t{i}"), last.Parts!.Select(p => p.TaskId));
        Assert.Equal(Enumerable.Range(0, Parts).Select(i => (i * 10).ToString(System.Globalization.CultureInfo.InvariantCulture)), last.Parts!.Select(p => Encoding.UTF8.GetString(p.ResultJson.Span)));
        Assert.False(await _direct.GetDatabase().KeyExistsAsync(RedisGroupStore.Key(gid) + ".j"));
        Assert.False(await _direct.GetDatabase().KeyExistsAsync(RedisGroupStore.Key(gid) + ".s"));
    }

    [Fact]
    public async Task APartBeforeTheSizeIsSetIsCountedAndTheChordKeysExpire()
    {
        var store = new RedisGroupStore(_connection, TimeSpan.FromSeconds(120));
        string gid = Guid.NewGuid().ToString();

        ChordPartReturn early = await store.OnChordPartReturnAsync(gid, "t0", 0, TaskState.Success, Encoding.UTF8.GetBytes("1"), CancellationToken.None);
        Assert.Equal(new ChordPartReturn(1, null, null), early);
        TimeSpan? ttl = await _direct.GetDatabase().KeyTimeToLiveAsync(RedisGroupStore.Key(gid) + ".j");
        Assert.InRange(ttl ?? TimeSpan.Zero, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120));

        await store.SetChordSizeAsync(gid, 2, CancellationToken.None);
        Assert.Equal("2", (string?)await _direct.GetDatabase().StringGetAsync(RedisGroupStore.Key(gid) + ".s"));
        ChordPartReturn completed = await store.OnChordPartReturnAsync(gid, "t1", 1, TaskState.Success, Encoding.UTF8.GetBytes("2"), CancellationToken.None);
        Assert.Equal(["t0", "t1"], completed.Parts!.Select(p => p.TaskId));
    }

    [Fact]
    public async Task APartAsCeleryWritesItJoinsTheSameChordAndTheTotalDiffCounts()
    {
        var store = new RedisGroupStore(_connection, TimeSpan.FromMinutes(5));
        string gid = Guid.NewGuid().ToString();
        IDatabase db = _direct.GetDatabase();
        await store.SetChordSizeAsync(gid, 2, CancellationToken.None);

        // Celery's add_to_chord raises the total by one (.t); a Python worker's part is its own encoding, scored by its index.
        await db.StringIncrementAsync(RedisGroupStore.Key(gid) + ".t");
        await db.SortedSetAddAsync(RedisGroupStore.Key(gid) + ".j", """[1, "py", "SUCCESS", "from python"]""", 1);
        ChordPartReturn second = await store.OnChordPartReturnAsync(gid, "tg0", 0, TaskState.Success, Encoding.UTF8.GetBytes("\"from dotnet\""), CancellationToken.None);
        Assert.Equal(new ChordPartReturn(2, 3, null), second);

        ChordPartReturn third = await store.OnChordPartReturnAsync(gid, "tg2", null, TaskState.Failure, Encoding.UTF8.GetBytes("""{"exc_type": "E", "exc_message": ["x"], "exc_module": "m"}"""), CancellationToken.None);
        Assert.Equal(["tg0", "py", "tg2"], third.Parts!.Select(p => p.TaskId));
        Assert.Equal(TaskState.Failure, third.Parts![2].State);
    }

    [Fact]
    public async Task ASavedGroupIsRestoredAndAMissingOneIsNull()
    {
        var store = new RedisGroupStore(_connection, TimeSpan.FromMinutes(5));
        string gid = Guid.NewGuid().ToString();

        await store.SaveGroupAsync(gid, ["a", "b", "c"], CancellationToken.None);

        Assert.Equal(["a", "b", "c"], await store.RestoreGroupAsync(gid, CancellationToken.None));
        Assert.Null(await store.RestoreGroupAsync(Guid.NewGuid().ToString(), CancellationToken.None));
        Assert.True(await _direct.GetDatabase().KeyTimeToLiveAsync(RedisGroupStore.Key(gid)) > TimeSpan.Zero);
    }
}
