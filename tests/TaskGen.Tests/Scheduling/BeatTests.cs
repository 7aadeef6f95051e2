using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using TaskGen.Protocol;
using TaskGen.Scheduling;
using TaskGen.Tests.Canvas;
using TaskGen.Tests.EndToEnd;
using TaskGen.Tests.Transport;
using TaskGen.Transport;
using Calc = TaskGen.Tests.EndToEnd.Remote.TestTasks;

namespace TaskGen.Tests.Scheduling;

/// <summary>A scheduler on a <c>memory://</c> app driven by a fake clock: what it sends, counted by task id.</summary>
public sealed class BeatTests
{
    private static readonly DateTimeOffset Noon = new(2026, 6, 1, 12, 0, 30, TimeSpan.Zero);

    public static TheoryData<string, int, int, int> ChangeDays => ScheduleTests.ChangeDays;

    [Theory]
    [MemberData(nameof(ChangeDays))]
    public async Task Across_a_change_day_a_daily_0230_runs_once_and_hourly_runs_neither_skip_nor_double(string zone, int year, int month, int day)
    {
        TimeZoneInfo tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        (DateTimeOffset start, DateTimeOffset end) = ScheduleTests.LocalDay(tz, year, month, day);
        await using var harness = Harness.Create(start.AddHours(-2), s => s
            .Add("daily", Calc.Add.Signature(1, 2), Schedule.Cron("30 2 * * *", zone))
            .Add("hourly", Calc.Add.Signature(3, 4), Schedule.Cron("0 * * * *", zone)));
        Runner beat = harness.Start();

        await harness.StepUntilAsync(end.AddHours(2), beat);

        List<(string Entry, DateTimeOffset Tick)> ticks = harness.Ticks();
        Assert.Equal(ticks.Count, harness.Sent.Select(r => r.Id).Distinct().Count());
        Assert.Equal(ticks.Count, ticks.Distinct().Count());
        DateTimeOffset daily = Assert.Single(ticks, t => t.Entry == "daily" && t.Tick >= start && t.Tick < end).Tick;
        Assert.Equal(new DateOnly(year, month, day), DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(daily, tz).DateTime));
        List<DateTimeOffset> hourly = ticks.Where(t => t.Entry == "hourly" && t.Tick >= start && t.Tick < end).Select(t => t.Tick).ToList();
        Assert.Equal(month < 6 ? 23 : 25, hourly.Count);
        Assert.All(hourly.Zip(hourly.Skip(1)), pair => Assert.Equal(TimeSpan.FromHours(1), pair.Second - pair.First));
        Assert.All(harness.Sent, r => Assert.Equal(BeatTicks.TaskId((string)Published.Header(r, BeatTicks.Header)!.ToString()!.Split('|')[0], Tick(r)), r.Id));
        await beat.StopAsync();
    }

    [Fact]
    public async Task The_first_start_sends_nothing_due_in_the_past_and_then_each_tick_on_time()
    {
        await using var harness = Harness.Create(Noon, s => s.Add("minutely", Calc.Add.Signature(1, 2), Schedule.Every(TimeSpan.FromMinutes(1)), new ScheduleEntryOptions { Expires = TimeSpan.FromSeconds(30), Priority = 3 }));
        Runner beat = harness.Start();

        SteppedClock clock = await harness.IdleLeaderAsync(beat);
        Assert.Empty(harness.Take());
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 12, 1, 0, TimeSpan.Zero), clock.WaitingUntil);
        Assert.True(beat.Beat.IsLeader);

        await harness.StepUntilAsync(new DateTimeOffset(2026, 6, 1, 12, 3, 0, TimeSpan.Zero), beat);

        List<TaskRequest> sent = harness.Sent;
        Assert.Equal(3, sent.Count);
        TaskRequest first = sent[0];
        var tick = new DateTimeOffset(2026, 6, 1, 12, 1, 0, TimeSpan.Zero);
        Assert.Equal(BeatTicks.TaskId("minutely", tick), first.Id);
        Assert.Equal(BeatTicks.HeaderValue("minutely", tick), Published.Header(first, BeatTicks.Header));
        Assert.Equal(tick.AddSeconds(30), first.Expires);
        Assert.Null(first.ReplyTo);
        Assert.Contains(harness.Log.Messages("TaskGen.Beat", LogLevel.Information), m => m.StartsWith("Scheduler: Sending due task minutely (", StringComparison.Ordinal) && m.Contains(first.Id, StringComparison.Ordinal));
        Assert.Contains(harness.Log.Messages("TaskGen.Beat", LogLevel.Information), m => m.Contains("leads schedule celery (epoch 1) after waiting the fence", StringComparison.Ordinal));
        await beat.StopAsync();
        Assert.False(beat.Beat.IsLeader);
    }

    [Fact]
    public async Task A_term_that_stops_leading_sends_nothing_more_and_goes_back_to_the_election()
    {
        var election = new ScriptedElection();
        await using var harness = Harness.Create(Noon, s => s.Add("minutely", Calc.Add.Signature(1, 2), Schedule.Every(TimeSpan.FromMinutes(1))));
        Runner beat = harness.Start(election);
        await harness.StepUntilAsync(new DateTimeOffset(2026, 6, 1, 12, 1, 0, TimeSpan.Zero), beat);
        Assert.Single(harness.Sent);
        SteppedClock clock = await harness.IdleLeaderAsync(beat);

        election.Leads = false;
        harness.Fake.Advance(clock.WaitingUntil!.Value - harness.Fake.GetUtcNow());
        await Eventually.WaitFor(() => election.Acquired == 2, "the scheduler to go back to the election");

        Assert.Single(harness.Ticks());
        Assert.False(beat.Beat.IsLeader);
        Assert.Contains(harness.Log.Messages("TaskGen.Beat", LogLevel.Information), m => m.Contains("no longer leads", StringComparison.Ordinal));
        await beat.StopAsync();
    }

    [Fact]
    public async Task A_failed_publish_keeps_the_tick_pending_and_sends_it_once_when_the_broker_is_back()
    {
        var failing = new FailingTransport(new InMemoryTransport(InMemoryBroker.Named(Guid.NewGuid().ToString("N"))));
        await using var harness = Harness.Create(Noon, s => s.Add("minutely", Calc.Add.Signature(1, 2), Schedule.Every(TimeSpan.FromMinutes(1))), failing);
        Runner beat = harness.Start(new InMemoryBeatElection());
        SteppedClock clock = await harness.IdleLeaderAsync(beat);
        var tick = new DateTimeOffset(2026, 6, 1, 12, 1, 0, TimeSpan.Zero);

        failing.Fail = true;
        harness.Fake.Advance(tick - harness.Fake.GetUtcNow());
        await harness.IdleLeaderAsync(beat);
        Assert.Equal(tick.AddSeconds(1), clock.WaitingUntil);
        harness.Fake.Advance(TimeSpan.FromSeconds(1));
        await harness.IdleLeaderAsync(beat);
        Assert.Equal(tick.AddSeconds(3), clock.WaitingUntil);
        Assert.Equal(2, failing.Failures);
        Assert.Empty(harness.Take());

        failing.Fail = false;
        await harness.StepUntilAsync(tick.AddMinutes(1), beat);

        Assert.Equal([BeatTicks.TaskId("minutely", tick), BeatTicks.TaskId("minutely", tick.AddMinutes(1))], harness.Sent.Select(r => r.Id));
        Assert.Contains(harness.Log.Messages("TaskGen.Beat"), m => m.Contains("stays pending", StringComparison.Ordinal));
        await beat.StopAsync();
    }

    [Fact]
    public async Task Two_schedulers_on_one_app_send_each_tick_once_across_a_hand_over()
    {
        await using var harness = Harness.Create(Noon, s => s.Add("minutely", Calc.Add.Signature(1, 2), Schedule.Every(TimeSpan.FromMinutes(1))));
        Runner first = harness.Start();
        Runner second = harness.Start();
        SteppedClock leading = await harness.IdleLeaderAsync(first, second);
        Runner leader = leading == first.Clock ? first : second;
        Runner other = leader == first ? second : first;

        await harness.StepUntilAsync(new DateTimeOffset(2026, 6, 1, 12, 5, 0, TimeSpan.Zero), first, second);
        Assert.False(other.Beat.IsLeader);
        await leader.StopAsync();
        Assert.Same(other.Clock, await harness.IdleLeaderAsync(other));
        await harness.StepUntilAsync(new DateTimeOffset(2026, 6, 1, 12, 10, 0, TimeSpan.Zero), other);

        List<TaskRequest> sent = harness.Sent;
        Assert.Equal(10, sent.Count);
        Assert.Equal(Enumerable.Range(1, 10).Select(m => BeatTicks.TaskId("minutely", new DateTimeOffset(2026, 6, 1, 12, m, 0, TimeSpan.Zero))), sent.Select(r => r.Id));
        await other.StopAsync();
    }

    [Fact]
    public async Task A_run_due_while_the_role_changes_hands_is_sent_though_the_entry_never_ran_before()
    {
        // The first leader starts at noon and stops before the entry's first run; the next leads only after it.
        await using var harness = Harness.Create(Noon, s => s.Add("minutely", Calc.Add.Signature(1, 2), Schedule.Every(TimeSpan.FromMinutes(1))));
        Runner first = harness.Start();
        await harness.IdleLeaderAsync(first);
        await first.StopAsync();
        harness.Fake.Advance(TimeSpan.FromSeconds(90));

        Runner second = harness.Start();
        await harness.StepUntilAsync(new DateTimeOffset(2026, 6, 1, 12, 2, 0, TimeSpan.Zero), second);

        // 12:01 was owed from the first leader's start, which it recorded; the second leader sends it late, then 12:02.
        Assert.Equal(
            [BeatTicks.TaskId("minutely", new DateTimeOffset(2026, 6, 1, 12, 1, 0, TimeSpan.Zero)), BeatTicks.TaskId("minutely", new DateTimeOffset(2026, 6, 1, 12, 2, 0, TimeSpan.Zero))],
            harness.Sent.Select(r => r.Id));
        await second.StopAsync();
    }

    [Fact]
    public async Task A_restart_after_missed_ticks_sends_them_under_the_misfire_policy()
    {
        await using var harness = Harness.Create(Noon, s => s
            .Add("once", Calc.Add.Signature(1, 2), Schedule.Every(TimeSpan.FromMinutes(1)))
            .Add("all", Calc.Add.Signature(1, 2), Schedule.Every(TimeSpan.FromMinutes(1)), new ScheduleEntryOptions { Misfire = MisfirePolicy.RunAll })
            .Add("skip", Calc.Add.Signature(1, 2), Schedule.Every(TimeSpan.FromMinutes(1)), new ScheduleEntryOptions { Misfire = MisfirePolicy.Skip }));
        Runner beat = harness.Start();
        await harness.StepUntilAsync(new DateTimeOffset(2026, 6, 1, 12, 1, 0, TimeSpan.Zero), beat);
        Assert.Equal(3, harness.Sent.Count);
        await beat.StopAsync();

        // Down from 12:01:00 to 12:05:30: 12:02 to 12:04 are missed, 12:05 is on time.
        harness.Fake.Advance(new DateTimeOffset(2026, 6, 1, 12, 5, 30, TimeSpan.Zero) - harness.Fake.GetUtcNow());
        Runner again = harness.Start();
        await harness.IdleLeaderAsync(again);

        ILookup<string, DateTimeOffset> ticks = harness.Ticks().ToLookup(t => t.Entry, t => t.Tick);
        DateTimeOffset At(int minute) => new(2026, 6, 1, 12, minute, 0, TimeSpan.Zero);
        Assert.Equal([At(1), At(4), At(5)], ticks["once"]);
        Assert.Equal([At(1), At(2), At(3), At(4), At(5)], ticks["all"]);
        Assert.Equal([At(1), At(5)], ticks["skip"]);
        Assert.Contains(harness.Log.Messages("TaskGen.Beat"), m => m.Contains("entry skip missed 3 run(s)", StringComparison.Ordinal));
        await again.StopAsync();
    }

    [Fact]
    public async Task A_worker_runs_a_tick_that_names_no_reply_queue()
    {
        string note = Guid.NewGuid().ToString("N");
        await using var harness = Harness.Create(Noon, s => s.Add("note", Calc.Record.Signature(note), Schedule.Every(TimeSpan.FromMinutes(1))));
        await using TaskGen.Worker.TaskWorker worker = harness.App.CreateWorker(new TaskGen.Worker.WorkerOptions { Queues = ["celery"], Concurrency = 1, NodeName = "beat-test@unit" });
        await worker.StartAsync();
        Runner beat = harness.Start();
        SteppedClock clock = await harness.IdleLeaderAsync(beat);

        harness.Fake.Advance(clock.WaitingUntil!.Value - harness.Fake.GetUtcNow());

        await TestTasks.Recorded.GetOrAdd(note, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(MemoryEnvironment.Guard);
        await beat.StopAsync();
    }

    [Fact]
    public async Task A_broadcast_task_is_refused_as_an_entry_naming_it()
    {
        await using var harness = Harness.Create(Noon, s => s.Add("everyone", Calc.Hello.Signature("hi"), Schedule.Every(TimeSpan.FromMinutes(1))));
        await using Beat beat = harness.App.CreateBeat(null, new SteppedClock(harness.Fake));

        TaskAppConfigurationException refused = await Assert.ThrowsAsync<TaskAppConfigurationException>(() => beat.RunAsync(CancellationToken.None));

        Assert.Contains("'everyone'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("broadcast", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entries_due_at_one_instant_are_sent_together_not_one_confirm_after_another()
    {
        // The broker confirms nothing until 50 runs are in flight: one publish at a time would never get there.
        var gated = new GatedTransport(new InMemoryTransport(InMemoryBroker.Named(Guid.NewGuid().ToString("N"))), releaseAt: 50);
        await using var harness = Harness.Create(Noon, s =>
        {
            for (int i = 0; i < 200; i++)
            {
                s.Add("hourly" + i, Calc.Add.Signature(i, 1), Schedule.Cron("0 * * * *"));
            }
        }, gated);
        Runner beat = harness.Start(new InMemoryBeatElection());
        await harness.StepUntilAsync(Noon.AddHours(1), beat);

        Assert.Equal(200, harness.Sent.Count);
        Assert.Equal(200, harness.Sent.Select(r => r.Id).Distinct().Count());
        Assert.InRange(gated.MostInFlight, 50, 128);
        await beat.StopAsync();
    }

    [Fact]
    public async Task A_run_the_broker_took_although_its_publish_failed_is_not_sent_again()
    {
        // The broker state is written by the publish itself, so a run whose confirmation was lost is already recorded.
        var lossy = new LostConfirmTransport(new InMemoryTransport(InMemoryBroker.Named(Guid.NewGuid().ToString("N"))));
        await using var harness = Harness.Create(Noon, s => s.Add("minutely", Calc.Add.Signature(1, 2), Schedule.Every(TimeSpan.FromMinutes(1))), lossy);
        var clock = new SteppedClock(harness.Fake);
        var beat = new Beat(harness.App, harness.App.ScheduleEntries, new SchedulerOptions(), new InMemoryBeatElection(), lossy, clock, "beat@test");
        using var stop = new CancellationTokenSource();
        Task run = Task.Run(() => beat.RunAsync(stop.Token));
        var runner = new Runner(beat, clock, run, stop);
        var tick = new DateTimeOffset(2026, 6, 1, 12, 1, 0, TimeSpan.Zero);

        lossy.LoseNext = true;
        await harness.StepUntilAsync(tick.AddMinutes(1), runner);

        Assert.Equal([BeatTicks.TaskId("minutely", tick), BeatTicks.TaskId("minutely", tick.AddMinutes(1))], harness.Sent.Select(r => r.Id));
        Assert.Contains(harness.Log.Messages("TaskGen.Beat", LogLevel.Information), m => m.Contains("reached the broker although its publish failed", StringComparison.Ordinal));
        await runner.StopAsync();
    }

    [Fact]
    public async Task A_thousand_idle_entries_wait_on_one_timer()
    {
        await using var harness = Harness.Create(Noon, s =>
        {
            for (int i = 0; i < 1_000; i++)
            {
                s.Add("entry" + i, Calc.Add.Signature(i, 1), Schedule.Cron($"{i % 60} {i / 60 % 24} * * *"));
            }
        });
        var counting = new CountingClock(harness.Fake);
        var cancel = new CancellationTokenSource();
        await using Beat beat = harness.App.CreateBeat(null, counting);
        Task run = beat.RunAsync(cancel.Token);
        await Eventually.WaitFor(() => counting.Timers > 0, "the scheduler to wait");

        // An idle second: no timer fires and the scheduler makes none, whatever the number of entries.
        int timers = counting.Timers;
        harness.Fake.Advance(TimeSpan.FromSeconds(1));
        await Task.Yield();
        Assert.Equal(timers, counting.Timers);
        Assert.Equal(1, timers);
        await cancel.CancelAsync();
        await run;
    }

    private static DateTimeOffset Tick(TaskRequest request) =>
        BeatTicks.TryParseHeader(Published.Header(request, BeatTicks.Header)?.ToString(), out _, out DateTimeOffset tick) ? tick : throw new InvalidOperationException("no tick header");

    /// <summary>A scheduler running on the test's fake clock.</summary>
    private sealed class Runner(Beat beat, SteppedClock clock, Task run, CancellationTokenSource stop)
    {
        public Beat Beat { get; } = beat;

        public SteppedClock Clock { get; } = clock;

        public async Task StopAsync()
        {
            await stop.CancelAsync();
            await run.WaitAsync(MemoryEnvironment.Guard);
            await Beat.DisposeAsync();
        }
    }

    private sealed class Harness : IAsyncDisposable
    {
        private readonly List<Runner> _runners = [];

        private Harness(FakeTimeProvider fake, TaskApp app, InMemoryBroker broker, CapturedLog log)
        {
            Fake = fake;
            App = app;
            Broker = broker;
            Log = log;
        }

        public FakeTimeProvider Fake { get; }

        public TaskApp App { get; }

        public InMemoryBroker Broker { get; }

        public CapturedLog Log { get; }

        /// <summary>Every tick message sent so far, in order.</summary>
        public List<TaskRequest> Sent { get; } = [];

        public static Harness Create(DateTimeOffset start, Action<ScheduleBuilder> schedule, ForwardingTransport? transport = null)
        {
            var log = new CapturedLog();
            string name = Guid.NewGuid().ToString("N");
            InMemoryBroker broker = transport?.Inner is InMemoryTransport memory ? memory.Broker : InMemoryBroker.Named(name);
            TaskApp app = TaskApp.Create(b =>
            {
                b.Options.BrokerUrl = "memory://" + name;
                b.LoggerFactory = log;
                b.Transport = (ITransport?)transport ?? new InMemoryTransport(broker);
                b.AddTaskGenTestsTasks();
                b.AddSchedule(schedule);
            });
            return new Harness(new FakeTimeProvider(start), app, broker, log);
        }

        public Runner Start(IBeatElection? election = null)
        {
            var clock = new SteppedClock(Fake);
            Beat beat = election is null
                ? App.CreateBeat(null, clock)
                : new Beat(App, App.ScheduleEntries, new SchedulerOptions(), election, new InMemoryBeatState(), clock, "beat@test");
            var stop = new CancellationTokenSource();
            var runner = new Runner(beat, clock, Task.Run(() => beat.RunAsync(stop.Token)), stop);
            _runners.Add(runner);
            return runner;
        }

        /// <summary>The messages sent since the last call.</summary>
        public List<TaskRequest> Take()
        {
            List<TaskRequest> taken = Published.Take(Broker);
            Sent.AddRange(taken);
            return taken;
        }

        public List<(string Entry, DateTimeOffset Tick)> Ticks()
        {
            Take();
            return Sent.Select(r => BeatTicks.TryParseHeader(Published.Header(r, BeatTicks.Header)?.ToString(), out string entry, out DateTimeOffset tick) ? (entry, tick) : throw new InvalidOperationException("no tick header")).ToList();
        }

        /// <summary>Waits (in real time, bounded) until one of <paramref name="runners"/> leads and waits for its next timer.</summary>
        public async Task<SteppedClock> IdleLeaderAsync(params Runner[] runners)
        {
            var guard = Stopwatch.StartNew();
            while (true)
            {
                foreach (Runner runner in runners)
                {
                    if (runner.Beat.IsLeader && runner.Clock.WaitingUntil is not null)
                    {
                        return runner.Clock;
                    }
                }

                if (guard.Elapsed > MemoryEnvironment.Guard)
                {
                    throw new TimeoutException("No scheduler came to lead and wait.");
                }

                await Task.Delay(1);
            }
        }

        /// <summary>Moves the fake clock from one wait of the leader to the next until <paramref name="end"/>, collecting what it sends.</summary>
        public async Task StepUntilAsync(DateTimeOffset end, params Runner[] runners)
        {
            while (true)
            {
                SteppedClock clock = await IdleLeaderAsync(runners);
                Take();
                DateTimeOffset due = clock.WaitingUntil ?? throw new InvalidOperationException("The leader stopped waiting.");
                if (due > end)
                {
                    return;
                }

                Fake.Advance(due - Fake.GetUtcNow());
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (Runner runner in _runners)
            {
                try
                {
                    await runner.StopAsync();
                }
                catch (ObjectDisposedException)
                {
                }
            }

            await App.DisposeAsync();
        }
    }

    /// <summary>An election that hands out one term whose lease a test ends, then never another.</summary>
    private sealed class ScriptedElection : IBeatElection
    {
        private volatile bool _leads = true;
        private int _acquired;

        public bool Leads
        {
            get => _leads;
            set => _leads = value;
        }

        public int Acquired => Volatile.Read(ref _acquired);

        public string Description => "scripted";

        public async ValueTask<BeatTerm> AcquireAsync(string node, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _acquired) > 1)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return new BeatTerm(7, cancellationToken, () => Leads);
        }

        public ValueTask<BeatLeaderInfo?> ReadLeaderAsync(CancellationToken cancellationToken) => ValueTask.FromResult<BeatLeaderInfo?>(null);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>A memory transport whose publishes fail, as a broker that is down, while <see cref="Fail"/> is set.</summary>
    private sealed class FailingTransport(InMemoryTransport inner) : ForwardingTransport(inner)
    {
        private volatile bool _fail;
        private int _failures;

        public bool Fail
        {
            get => _fail;
            set => _fail = value;
        }

        public int Failures => Volatile.Read(ref _failures);

        public override ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                Interlocked.Increment(ref _failures);
                return ValueTask.FromException(new BrokerException("the broker is down"));
            }

            return Inner.PublishAsync(message, cancellationToken);
        }
    }

    /// <summary>A memory transport that holds every publish until <c>releaseAt</c> are in flight at once, then lets them all through.</summary>
    private sealed class GatedTransport(InMemoryTransport inner, int releaseAt) : ForwardingTransport(inner)
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;
        private int _most;

        public int MostInFlight => Volatile.Read(ref _most);

        public override async ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken)
        {
            int now = Interlocked.Increment(ref _inFlight);
            InterlockedMax(ref _most, now);
            if (now >= releaseAt)
            {
                _open.TrySetResult();
            }

            try
            {
                await _open.Task.WaitAsync(cancellationToken);
                await Inner.PublishAsync(message, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }

    /// <summary>
    /// A memory transport whose next publish reaches the broker but reports a failure, as a confirmation lost with its
    /// connection; it is also the state, read from what reached the broker, as the broker's BCC-recorded state is.
    /// </summary>
    private sealed class LostConfirmTransport(InMemoryTransport inner) : ForwardingTransport(inner), IBeatState
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _recorded = new(StringComparer.Ordinal);
        private volatile bool _loseNext;

        public bool LoseNext
        {
            get => _loseNext;
            set => _loseNext = value;
        }

        public override async ValueTask PublishAsync(TransportMessage message, CancellationToken cancellationToken)
        {
            await Inner.PublishAsync(message, cancellationToken);
            if (message.Headers.TryGetValue(BeatTicks.Header, out object? header) && BeatTicks.TryParseHeader(header?.ToString(), out string entry, out DateTimeOffset tick))
            {
                _recorded[entry] = tick;
            }

            if (_loseNext)
            {
                _loseNext = false;
                throw new BrokerException("the connection closed before the broker confirmed the message");
            }
        }

        public ValueTask<IReadOnlyDictionary<string, DateTimeOffset>> ReadLastTicksAsync(IReadOnlyList<ScheduleEntry> entries, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyDictionary<string, DateTimeOffset>>(entries.Where(e => _recorded.ContainsKey(e.Name)).ToDictionary(e => e.Name, e => _recorded[e.Name], StringComparer.Ordinal));

        public void PrepareTick(ScheduleEntry entry, DateTimeOffset tick, IDictionary<string, object?> headers)
        {
        }

        public ValueTask RecordBaselineAsync(ScheduleEntry entry, DateTimeOffset since, CancellationToken cancellationToken)
        {
            _recorded.TryAdd(entry.Name, since);
            return ValueTask.CompletedTask;
        }

        public ValueTask TickSentAsync(ScheduleEntry entry, DateTimeOffset tick, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        ValueTask IAsyncDisposable.DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>A fake clock that counts the timers made through it.</summary>
    private sealed class CountingClock(FakeTimeProvider fake) : TimeProvider
    {
        private int _timers;

        public int Timers => Volatile.Read(ref _timers);

        public override DateTimeOffset GetUtcNow() => fake.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            return fake.CreateTimer(callback, state, dueTime, period);
        }
    }
}
