using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.Cli;
using TaskGen.Protocol;
using TaskGen.Tests.Hosting;
using TaskGen.Transport;

namespace TaskGen.Tests.Cli;

/// <summary>
/// <c>call</c> with a task name and <c>purge</c> with a queue name the program does not know: each fails at once with
/// exit 64, naming close matches, instead of waiting and blaming the queue or reporting "Purged 0"; on a private
/// <c>memory://</c> broker per test.
/// </summary>
[Collection(DefaultAppCollection.Name)]
public sealed class UnknownNamesTests
{
    private const string Add = "TaskGen.Tests.EndToEnd.TestTasks.Add";

    private readonly string _broker = "memory://" + Guid.NewGuid().ToString("N");
    private readonly InMemoryTransport _transport;

    public UnknownNamesTests()
    {
        _transport = new InMemoryTransport(InMemoryBroker.Named(_broker["memory://".Length..]));
    }

    [Theory]
    [InlineData("add")]
    [InlineData("TestTasks.Add")]
    [InlineData("testtasks.add")]
    [InlineData("TestTasks.Ad")]
    [InlineData("TaskGen.Tests.EndToEnd.TestTask.Add")]
    public async Task CallWithAnUnknownNameFailsAtOnceNamingTheCloseMatch(string name)
    {
        (int code, string output, string error) = await RunAsync("call", name, "[2, 3]");

        Assert.Equal(64, code);
        Assert.Equal(string.Empty, output);
        string[] lines = error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"Unknown task '{name}'. Did you mean {Add}?", lines[0]);
        Assert.Equal("To send it as written to another program's worker (a Python one, say), pass --unregistered.", lines[1]);

        // Nothing was sent.
        Assert.Null(await _transport.InspectQueueAsync("celery", CancellationToken.None));
    }

    [Fact]
    public async Task CallWithANameFarFromEveryTaskSaysTheProgramHasNone()
    {
        (int code, _, string error) = await RunAsync("call", "frobnicate.the.widget");

        Assert.Equal(64, code);
        Assert.StartsWith("Unknown task 'frobnicate.the.widget': this program registers no task by that name." + Environment.NewLine, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallWithARegisteredNameStillRuns()
    {
        (int code, string output, string error) = await RunAsync("call", Add, "[2, 3]");

        Assert.True(code == 0, error);
        Assert.Equal("5", output.Trim());
    }

    [Fact]
    public async Task CallUnregisteredSendsTheNameAsWritten()
    {
        // As a Python worker's task would be: on memory:// the command's own worker consumes the queue and answers
        // that it does not know the task, which shows the name went out as written.
        (int code, _, string error) = await RunAsync("call", "pytasks.add", "[2, 3]", "--unregistered", "-Q", "slow", "-t", "10");

        Assert.Equal(1, code);
        Assert.Equal($"NotRegistered: pytasks.add{Environment.NewLine}", error);
    }

    [Fact]
    public async Task PurgeOfAQueueNeitherTheProgramNorTheBrokerHasFailsNamingTheCloseMatch()
    {
        (int code, string output, string error) = await RunAsync("purge", "-Q", "slwo");

        Assert.Equal(64, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"Unknown queue 'slwo': neither this program nor the broker has a queue by that name. Did you mean slow?{Environment.NewLine}", error);

        // The check is passive: it created nothing.
        Assert.Null(await _transport.InspectQueueAsync("slwo", CancellationToken.None));
    }

    [Fact]
    public async Task PurgeWithOneUnknownQueuePurgesNothingAndListsTheDeclaredOnes()
    {
        await PublishAsync("slow", 2);

        (int code, _, string error) = await RunAsync("purge", "-Q", "slow,zzzzzz");

        Assert.Equal(64, code);
        Assert.Equal(
            [
                "Unknown queue 'zzzzzz': neither this program nor the broker has a queue by that name; this program declares audit, celery, greetings, ledger, slow.",
                "Nothing was purged.",
            ],
            error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(2u, (await _transport.InspectQueueAsync("slow", CancellationToken.None))?.Messages);
    }

    [Fact]
    public async Task PurgeEmptiesAQueueOnlyTheBrokerHas()
    {
        // A Python worker's queue: this program does not declare it, the broker has it, so it is purged.
        await PublishAsync("py", 3);

        (int code, string output, string error) = await RunAsync("purge", "-Q", "py");

        Assert.True(code == 0, error);
        Assert.Contains("Purged 3 messages from 1 known task queue.", output, StringComparison.Ordinal);
        Assert.Equal(0u, (await _transport.InspectQueueAsync("py", CancellationToken.None))?.Messages);
    }

    [Fact]
    public async Task PurgeOfADeclaredQueueTheBrokerLacksStillSaysPurgedNone()
    {
        (int code, string output, string error) = await RunAsync("purge", "-Q", "slow");

        Assert.True(code == 0, error);
        Assert.Contains("Purged 0 messages from 1 known task queue.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PurgeOfABroadcastQueueSaysThereIsNoOneQueueToPurge()
    {
        // 'fleet' is declared, as a broadcast queue: an exchange with a queue per worker, not a queue the broker lacks.
        await PublishAsync("slow", 1);

        (int code, _, string error) = await RunAsync("purge", "-Q", "slow,fleet");

        Assert.Equal(64, code);
        Assert.Equal(
            "'fleet' is a broadcast queue: each worker reads it through a queue of its own that goes when the worker stops, so there is no queue to purge. Nothing was purged.",
            error.Trim());
        Assert.Equal(1u, (await _transport.InspectQueueAsync("slow", CancellationToken.None))?.Messages);
    }

    [Fact]
    public async Task AMistypedOptionsBrokerUrlIsShownWithoutItsPassword()
    {
        // --brokr is no option, so its value is an unexpected argument; the line that says so must not print the password.
        (int code, string output, string error) = await RunAsync("status", "--brokr", "amqp://guest:s3cret@localhost:5672//");

        Assert.Equal(64, code);
        Assert.DoesNotContain("s3cret", output + error, StringComparison.Ordinal);
        Assert.Contains("amqp://guest:***@localhost:5672//", error, StringComparison.Ordinal);
    }

    private async Task PublishAsync(string queue, int count)
    {
        await TaskQueueTopology.DeclareAsync(_transport, new QueueDeclaration(queue), CancellationToken.None);
        for (int i = 0; i < count; i++)
        {
            var properties = new MessageProperties { ContentType = "application/json", ContentEncoding = "utf-8", CorrelationId = "id-" + i };
            await _transport.PublishAsync(new TransportMessage(string.Empty, queue, properties, new Dictionary<string, object?>(), "[[], {}, {}]"u8.ToArray()), CancellationToken.None);
        }
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await TaskAppHost.RunAsync([.. args, "--broker", _broker], b => b.AddTaskGenTestsTasks(), output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }
}
