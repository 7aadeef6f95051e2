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
            store.OnChordPartReturnAsync(gid, $"t{i}", i, null, TaskState.Success, Encoding.UTF8.GetBytes((i * 10).ToString(System.Globalization.CultureInfo.InvariantCulture)), CancellationToken.None).AsTask()));

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

        ChordPartReturn early = await store.OnChordPartReturnAsync(gid, "t0", 0, null, TaskState.Success, Encoding.UTF8.GetBytes("1"), CancellationToken.None);
        Assert.Equal(new ChordPartReturn(ChordPartOutcome.WaitingForSize, 1, null, null), early);
        TimeSpan? ttl = await _direct.GetDatabase().KeyTimeToLiveAsync(RedisGroupStore.Key(gid) + ".j");
        Assert.InRange(ttl ?? TimeSpan.Zero, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120));

        await store.SetChordSizeAsync(gid, 2, CancellationToken.None);
        Assert.Equal("2", (string?)await _direct.GetDatabase().StringGetAsync(RedisGroupStore.Key(gid) + ".s"));
        ChordPartReturn completed = await store.OnChordPartReturnAsync(gid, "t1", 1, null, TaskState.Success, Encoding.UTF8.GetBytes("2"), CancellationToken.None);
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
        ChordPartReturn second = await store.OnChordPartReturnAsync(gid, "tg0", 0, null, TaskState.Success, Encoding.UTF8.GetBytes("\"from dotnet\""), CancellationToken.None);
        Assert.Equal(new ChordPartReturn(ChordPartOutcome.Counted, 2, 3, null), second);

        ChordPartReturn third = await store.OnChordPartReturnAsync(gid, "tg2", null, null, TaskState.Failure, Encoding.UTF8.GetBytes("""{"exc_type": "E", "exc_message": ["x"], "exc_module": "m"}"""), CancellationToken.None);
        Assert.Equal(["tg0", "py", "tg2"], third.Parts!.Select(p => p.TaskId));
        Assert.Equal(TaskState.Failure, third.Parts![2].State);
    }

    [Fact]
    public async Task ASizeKeyDeletedMidChordLetsTheCarriedSizeCompleteTheChordExactlyOnce()
    {
        const int Parts = 12;
        var store = new RedisGroupStore(_connection, TimeSpan.FromMinutes(5));
        string gid = Guid.NewGuid().ToString();
        await store.SetChordSizeAsync(gid, Parts, CancellationToken.None);
        ChordPartReturn first = await PartAsync(store, gid, 0, Parts);
        Assert.Equal(new ChordPartReturn(ChordPartOutcome.Counted, 1, Parts, null), first);

        await _direct.GetDatabase().KeyDeleteAsync(RedisGroupStore.Key(gid) + ".s");
        ChordPartReturn[] rest = await Task.WhenAll(Enumerable.Range(1, Parts - 1).Reverse().Select(i => PartAsync(store, gid, i, Parts).AsTask()));

        ChordPartReturn joined = Assert.Single(rest, r => r.Outcome == ChordPartOutcome.Joined);
        Assert.True(joined.SizeFromMessage);
        Assert.Equal(Enumerable.Range(0, Parts).Select(i => $"t{i}"), joined.Parts!.Select(p => p.TaskId));
        Assert.All(rest.Where(r => r.Parts is null), r => Assert.Equal(ChordPartOutcome.Counted, r.Outcome));
        Assert.False(await _direct.GetDatabase().KeyExistsAsync(RedisGroupStore.Key(gid) + ".j"));
    }

    [Fact]
    public async Task ASizeKeyDeletedMidChordWithNoCarriedSizeLeavesTheChordWaitingAsCelerysDoes()
    {
        var store = new RedisGroupStore(_connection, TimeSpan.FromMinutes(5));
        string gid = Guid.NewGuid().ToString();
        await store.SetChordSizeAsync(gid, 2, CancellationToken.None);
        await PartAsync(store, gid, 0, null);

        await _direct.GetDatabase().KeyDeleteAsync(RedisGroupStore.Key(gid) + ".s");
        ChordPartReturn last = await PartAsync(store, gid, 1, null);

        Assert.Equal(new ChordPartReturn(ChordPartOutcome.WaitingForSize, 2, null, null), last);
        Assert.Equal(2, await _direct.GetDatabase().SortedSetLengthAsync(RedisGroupStore.Key(gid) + ".j"));
    }

    [Fact]
    public async Task MorePartsThanTheCarriedSizeEndTheChordSoNoLaterPartJoinsIt()
    {
        var store = new RedisGroupStore(_connection, TimeSpan.FromMinutes(5));
        string gid = Guid.NewGuid().ToString();

        // Two parts that carry no size wait; a third that carries a size of 2 finds more parts than that.
        await PartAsync(store, gid, 0, null);
        await PartAsync(store, gid, 1, null);
        ChordPartReturn over = await PartAsync(store, gid, null, 2);
        ChordPartReturn later = await PartAsync(store, gid, 1, 2);

        Assert.Equal(new ChordPartReturn(ChordPartOutcome.SizeExceeded, 3, 2, null, SizeFromMessage: true), over);
        Assert.Equal(ChordPartOutcome.AlreadyEnded, later.Outcome);
        Assert.Equal("-1", (string?)await _direct.GetDatabase().StringGetAsync(RedisGroupStore.Key(gid) + ".s"));
    }

    [Fact]
    public async Task AnIndexOutOfRangeEndsTheChordSoLaterPartsNeitherJoinNorWait()
    {
        var store = new RedisGroupStore(_connection, TimeSpan.FromMinutes(5));
        string gid = Guid.NewGuid().ToString();
        IDatabase db = _direct.GetDatabase();
        await store.SetChordSizeAsync(gid, 3, CancellationToken.None);

        ChordPartReturn outside = await PartAsync(store, gid, 5, 3);
        ChordPartReturn[] later = [await PartAsync(store, gid, 0, 3), await PartAsync(store, gid, 1, 3), await PartAsync(store, gid, 2, null)];

        Assert.Equal(new ChordPartReturn(ChordPartOutcome.IndexOutOfRange, 0, 3, null), outside);
        Assert.All(later, r => Assert.Equal(ChordPartOutcome.AlreadyEnded, r.Outcome));
        Assert.False(await db.KeyExistsAsync(RedisGroupStore.Key(gid) + ".j"));
        TimeSpan? ttl = await db.KeyTimeToLiveAsync(RedisGroupStore.Key(gid) + ".s");
        Assert.InRange(ttl ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task AnIndexOutOfRangeCountedBeforeTheSizeWasSetEndsTheChordWhenTheCountCompletes()
    {
        var store = new RedisGroupStore(_connection, TimeSpan.FromMinutes(5));
        string gid = Guid.NewGuid().ToString();

        Assert.Equal(ChordPartOutcome.WaitingForSize, (await PartAsync(store, gid, 7, null)).Outcome);
        await store.SetChordSizeAsync(gid, 2, CancellationToken.None);
        ChordPartReturn second = await PartAsync(store, gid, 0, null);

        Assert.Equal(new ChordPartReturn(ChordPartOutcome.IndexOutOfRange, 2, 2, null), second);
        Assert.Equal(ChordPartOutcome.AlreadyEnded, (await PartAsync(store, gid, 1, null)).Outcome);
    }

    [Fact]
    public async Task ACarriedSizeThatContradictsTheSizeKeyEndsTheChord()
    {
        var store = new RedisGroupStore(_connection, TimeSpan.FromMinutes(5));
        string gid = Guid.NewGuid().ToString();
        await store.SetChordSizeAsync(gid, 3, CancellationToken.None);

        ChordPartReturn conflict = await PartAsync(store, gid, 0, 2);

        Assert.Equal(new ChordPartReturn(ChordPartOutcome.SizeConflict, 0, 3, null), conflict);
        Assert.Equal(ChordPartOutcome.AlreadyEnded, (await PartAsync(store, gid, 1, 3)).Outcome);
    }

    private static ValueTask<ChordPartReturn> PartAsync(RedisGroupStore store, string gid, int? index, int? carriedSize) =>
        store.OnChordPartReturnAsync(gid, $"t{index?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "x"}", index, carriedSize, TaskState.Success, Encoding.UTF8.GetBytes("1"), CancellationToken.None);

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
