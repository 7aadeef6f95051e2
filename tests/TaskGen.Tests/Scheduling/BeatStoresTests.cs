using System;
using System.Threading.Tasks;
using TaskGen.Scheduling;
using Calc = TaskGen.Tests.EndToEnd.Remote.TestTasks;

namespace TaskGen.Tests.Scheduling;

/// <summary>Which election and state a scheduler gets, and the errors for an election the app cannot hold.</summary>
public sealed class BeatStoresTests
{
    [Fact]
    public async Task Redis_without_TaskGen_Redis_names_the_package_and_the_call_that_enable_it()
    {
        await using TaskApp app = TaskApp.Create(b => b.Options.BrokerUrl = "memory://stores-redis");
        var error = Assert.Throws<TaskAppConfigurationException>(() => app.CreateBeat(new SchedulerOptions { Election = "redis" }));
        Assert.Contains("TaskGen.Redis", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddRedisResults()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_election_is_refused_with_the_names_that_work()
    {
        await using TaskApp app = TaskApp.Create(b => b.Options.BrokerUrl = "memory://stores-unknown");
        var error = Assert.Throws<TaskAppConfigurationException>(() => app.CreateBeat(new SchedulerOptions { Election = "zookeeper" }));
        Assert.Contains("'zookeeper'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'broker'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rabbitmq_app_gets_the_broker_election_and_state()
    {
        // Nothing connects until the scheduler runs, so no broker is needed to choose.
        await using TaskApp app = TaskApp.Create(b => b.Options.BrokerUrl = "amqp://guest:guest@127.0.0.1:1/");
        (IBeatElection election, IBeatState state) = BeatStores.Create(app, new SchedulerOptions { Name = "reports" }, TimeProvider.System);
        await using (election)
        await using (state)
        {
            Assert.Equal("taskgen.beat.reports.leader", Assert.IsType<RabbitMqBeatElection>(election).LeaderQueue);
            Assert.Equal("taskgen.beat.reports.last.daily", Assert.IsType<RabbitMqBeatState>(state).QueueOf("daily"));

            // RabbitMQ honours BCC only as an AMQP array of strings, which a list of strings is written as.
            var entry = new ScheduleEntry("daily", Calc.Add.Signature(1, 2), Schedule.Every(TimeSpan.FromSeconds(1)));
            var headers = new System.Collections.Generic.Dictionary<string, object?>();
            state.PrepareTick(entry, DateTimeOffset.UnixEpoch, headers);
            Assert.Equal(new object?[] { "taskgen.beat.reports.last.daily" }, Assert.IsAssignableFrom<System.Collections.IList>(headers["BCC"]));
        }
    }
}
