using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Scheduling;
using TaskGen.Transport;
using Xunit.Abstractions;

namespace TaskGen.Integration.Tests.Faults;

/// <summary>
/// Issue 22's done-when: three scheduler processes run a one-second entry that catches up every missed run, while the
/// leader is killed with SIGKILL every ten seconds and a fresh process takes its place; every run in the window reaches
/// the entry's queue exactly once.
/// </summary>
public sealed class BeatFailoverFaultTests(RabbitMqFixture broker, ITestOutputHelper output) : IntegrationTest(broker)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan KillEvery = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Killing_the_leader_every_ten_seconds_loses_and_repeats_no_tick()
    {
        string schedule = "failover-" + Guid.NewGuid().ToString("N")[..8];
        string entry = "tick-" + Guid.NewGuid().ToString("N")[..8];
        var arrivals = new ConcurrentQueue<(string Id, DateTimeOffset Tick, DateTimeOffset Arrived)>();
        // Declared as the schedulers will declare it, so that on a fresh broker the count starts before the first tick.
        await App.Router.EnsureDeclaredAsync(App.Router.DeclarationOf("work"), CancellationToken.None);
        ITransportConsumer consumer = await App.Transport.ConsumeAsync("work", 100, autoAck: true, delivery =>
        {
            if (delivery.Message.Headers.TryGetValue(BeatTicks.Header, out object? header)
                && header is byte[] bytes
                && BeatTicks.TryParseHeader(Encoding.UTF8.GetString(bytes), out string name, out DateTimeOffset tick)
                && name == entry)
            {
                arrivals.Enqueue((delivery.Message.Properties.CorrelationId ?? string.Empty, tick, DateTimeOffset.UtcNow));
            }

            return ValueTask.CompletedTask;
        }, CancellationToken.None);

        var schedulers = new List<ProgramProcess>();
        var kills = new List<DateTimeOffset>();
        var bounded = Stopwatch.StartNew();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                schedulers.Add(await StartSchedulerAsync(schedule, entry));
            }

            await Poll.UntilAsync(() => Task.FromResult(arrivals.Count), count => count > 0, "the first tick");
            DateTimeOffset started = DateTimeOffset.UtcNow;
            for (DateTimeOffset next = started + KillEvery; next < started + Window; next += KillEvery)
            {
                await Task.Delay(Max(next - DateTimeOffset.UtcNow, TimeSpan.Zero));
                ProgramProcess leader = (await Poll.UntilAsync(() => Task.FromResult(schedulers.FirstOrDefault(Leads)), found => found is not null, "a leader to kill"))!;
                kills.Add(DateTimeOffset.UtcNow);
                leader.Kill();
                schedulers.Remove(leader);
                await leader.DisposeAsync();
                schedulers.Add(await StartSchedulerAsync(schedule, entry));
            }

            await Task.Delay(Max(started + Window - DateTimeOffset.UtcNow, TimeSpan.Zero));
        }
        finally
        {
            foreach (ProgramProcess scheduler in schedulers)
            {
                await scheduler.DisposeAsync();
            }

            // Whatever was confirmed before the stop is in the queue by now.
            await Task.Delay(TimeSpan.FromSeconds(1));
            await consumer.CancelAsync();
            await consumer.DisposeAsync();
        }

        var received = arrivals.ToArray();
        DateTimeOffset first = received.Min(r => r.Tick);
        DateTimeOffset last = received.Max(r => r.Tick);
        int expected = (int)Math.Round((last - first).TotalSeconds) + 1;
        var byTick = received.GroupBy(r => r.Tick).ToDictionary(g => g.Key, g => g.Count());
        DateTimeOffset[] missing = Enumerable.Range(0, expected).Select(i => first.AddSeconds(i)).Where(t => !byTick.ContainsKey(t)).ToArray();
        DateTimeOffset[] doubled = byTick.Where(pair => pair.Value > 1).Select(pair => pair.Key).ToArray();

        var inOrder = received.OrderBy(r => r.Arrived).ToArray();
        TimeSpan largestGap = inOrder.Zip(inOrder.Skip(1), (a, b) => b.Arrived - a.Arrived).DefaultIfEmpty().Max();
        output.WriteLine($"{received.Length} ticks from {first:O} to {last:O}; {kills.Count} leaders killed; largest gap between arrivals {largestGap.TotalMilliseconds:0} ms; test took {bounded.Elapsed.TotalSeconds:0} s");
        foreach (DateTimeOffset kill in kills)
        {
            // Only a tick due after the kill is surely the next leader's: the killed one may have sent one due just before.
            DateTimeOffset? after = inOrder.Where(r => r.Tick > kill).Select(r => (DateTimeOffset?)r.Arrived).FirstOrDefault();
            output.WriteLine($"failover gap: killed {kill:HH:mm:ss.fff}, next tick arrived {(after is { } a ? $"{(a - kill).TotalMilliseconds:0} ms" : "never")} later");
        }

        Assert.True(kills.Count >= 5, $"the leader was killed {kills.Count} times");
        Assert.True(expected >= 55, $"the window held {expected} ticks");
        Assert.True(missing.Length == 0, "ticks lost: " + string.Join(", ", missing.Select(t => t.ToString("O"))));
        Assert.True(doubled.Length == 0, "ticks sent twice: " + string.Join(", ", doubled.Select(t => t.ToString("O"))));
        Assert.Equal(received.Length, received.Select(r => r.Id).Distinct().Count());
        Assert.All(received, r => Assert.Equal(BeatTicks.TaskId(entry, r.Tick), r.Id));
    }

    private static bool Leads(ProgramProcess scheduler) =>
        !scheduler.HasExited && scheduler.Lines.LastOrDefault(line => line.StartsWith("leading at ", StringComparison.Ordinal) || line.StartsWith("not leading at ", StringComparison.Ordinal)) is { } last
        && last.StartsWith("leading at ", StringComparison.Ordinal);

    private async Task<ProgramProcess> StartSchedulerAsync(string schedule, string entry)
    {
        ProgramProcess scheduler = ProgramProcess.Start(WorkerProgram, "beat", Broker.Url, schedule, entry, "1000", "work");
        await scheduler.WaitForLineAsync(line => line.StartsWith("beat started", StringComparison.Ordinal), "a scheduler to start");
        return scheduler;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
