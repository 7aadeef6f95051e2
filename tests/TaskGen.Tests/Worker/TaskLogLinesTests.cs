using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using TaskGen.Cli;
using TaskGen.Diagnostics;
using TaskGen.Tests.EndToEnd;
using Calc = TaskGen.Tests.EndToEnd.Remote.TestTasks;

namespace TaskGen.Tests.Worker;

/// <summary>
/// A worker logs each task as Celery does at INFO: <c>Task name[id] received</c>, then <c>succeeded in 0.002s: result</c>,
/// or at ERROR <c>raised unexpected: Type('message')</c>; each line with its structured fields.
/// </summary>
public sealed class TaskLogLinesTests
{
    [Fact]
    public async Task ASucceededTaskLogsReceivedThenSucceededWithRuntimeAndResult()
    {
        var log = new CapturedLog();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b.LoggerFactory = log);

        AsyncResult<int> result = await env.App.SendAsync(Calc.Add.Signature(2, 2));
        Assert.Equal(4, await result.GetAsync(MemoryEnvironment.Guard));

        LogRecord received = Assert.Single(log.Records, r => r.EventName == "TaskReceived");
        Assert.Equal(LogLevel.Information, received.Level);
        Assert.Equal($"Task {Calc.Add.Name}[{result.Id}] received", received.Message);
        Assert.Equal(Calc.Add.Name, received.Fields["TaskName"]);
        Assert.Equal(result.Id, received.Fields["TaskId"]);

        LogRecord succeeded = Assert.Single(log.Records, r => r.EventName == "TaskSucceeded");
        Assert.Equal(LogLevel.Information, succeeded.Level);
        Assert.Matches($@"^Task {Regex.Escape(Calc.Add.Name)}\[{Regex.Escape(result.Id)}\] succeeded in \d+\.\d{{3,6}}s: 4$", succeeded.Message);
        Assert.Equal(result.Id, succeeded.Fields["TaskId"]);
        Assert.Equal("4", succeeded.Fields["Result"]);
        Assert.True(succeeded.Fields["Runtime"] is double seconds && seconds >= 0, "Runtime is the run's seconds as a number.");
        Assert.True(log.Records.ToList().IndexOf(received) < log.Records.ToList().IndexOf(succeeded), "received is logged before succeeded");
    }

    [Fact]
    public async Task ATaskWithoutAResultLogsNoneAsCeleryDoes()
    {
        var log = new CapturedLog();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b.LoggerFactory = log);

        AsyncResult result = await env.App.SendAsync(Calc.Record.Signature("log-none-" + Guid.NewGuid().ToString("N")));
        await result.GetAsync(MemoryEnvironment.Guard);

        LogRecord succeeded = Assert.Single(log.Records, r => r.EventName == "TaskSucceeded");
        Assert.EndsWith("s: None", succeeded.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedTaskLogsRaisedUnexpectedWithTheExceptionAtError()
    {
        var log = new CapturedLog();
        await using MemoryEnvironment env = await MemoryEnvironment.StartAsync(configure: b => b.LoggerFactory = log);

        AsyncResult<double> result = await env.App.SendAsync(Calc.Divide.Signature(1, 0));
        await Assert.ThrowsAnyAsync<Exception>(() => result.GetAsync(MemoryEnvironment.Guard));

        Assert.Single(log.Records, r => r.EventName == "TaskReceived" && (string?)r.Fields["TaskId"] == result.Id);
        Assert.DoesNotContain(log.Records, r => r.EventName == "TaskSucceeded");
        LogRecord failed = Assert.Single(log.Records, r => r.EventName == "TaskFailed");
        Assert.Equal(LogLevel.Error, failed.Level);
        Assert.Equal($"Task {Calc.Divide.Name}[{result.Id}] raised unexpected: DivideByZeroException('cannot divide by zero')", failed.Message);
        Assert.Equal("DivideByZeroException", failed.Fields["ExceptionType"]);
        Assert.Equal(result.Id, failed.Fields["TaskId"]);
        Assert.IsType<DivideByZeroException>(failed.Exception);
    }

    [Fact]
    public void AResultIsCutAt1024CharactersAsCeleryCutsItsRepr()
    {
        string json = "\"" + new string('x', 2000) + "\"";

        string shown = LogText.Result(Encoding.UTF8.GetBytes(json));

        Assert.Equal(LogText.MaxResultLength + 3, shown.Length);
        Assert.EndsWith("xxx...", shown, StringComparison.Ordinal);
        Assert.Equal("[1,2]", LogText.Result("[1,2]"u8));
        Assert.Equal("None", LogText.Result(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public async Task WorkerAtInfoPrintsCelerysTaskLinesAndOneReadyLine()
    {
        string broker = "memory://" + Guid.NewGuid().ToString("N");
        var output = new LockedWriter();
        var error = new LockedWriter();
        using var stop = new CancellationTokenSource();
        Task<int> worker = TaskAppHost.RunAsync(
            ["worker", "-Q", "celery", "-n", "log@unit", "-l", "info", "--broker", broker],
            b => b.AddTaskGenTestsTasks(),
            output,
            error,
            stop.Token);
        try
        {
            await Eventually.WaitFor(() => output.Text.Contains(" ready", StringComparison.Ordinal) || worker.IsCompleted, "the worker to be ready");
            Assert.False(worker.IsCompleted, "The worker stopped: " + output.Text + error.Text);

            await using TaskApp app = TaskApp.Create(b =>
            {
                b.Options.BrokerUrl = broker;
                b.AddTaskGenTestsTasks();
            });
            AsyncResult<int> result = await app.SendAsync(Calc.Add.Signature(2, 2));
            Assert.Equal(4, await result.GetAsync(MemoryEnvironment.Guard));
            await Eventually.WaitFor(() => error.Text.Contains("succeeded in", StringComparison.Ordinal), "the success line");

            string[] lines = error.Text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
            Assert.Contains(lines, l => Regex.IsMatch(l, $@"^\[[\d\- :,]+: INFO/MainProcess\] Task {Regex.Escape(Calc.Add.Name)}\[{Regex.Escape(result.Id)}\] received$"));
            Assert.Contains(lines, l => Regex.IsMatch(l, $@"^\[[\d\- :,]+: INFO/MainProcess\] Task {Regex.Escape(Calc.Add.Name)}\[{Regex.Escape(result.Id)}\] succeeded in \d+\.\d{{3,6}}s: 4$"));
        }
        finally
        {
            stop.Cancel();
            await worker.WaitAsync(MemoryEnvironment.Guard);
        }

        string all = output.Text + error.Text;
        Assert.Single(Regex.Matches(all, @"log@unit ready\b"));
    }

    /// <summary>A string writer that the worker's threads and the test may use at once.</summary>
    private sealed class LockedWriter : StringWriter
    {
        private readonly object _gate = new();

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return ToString();
                }
            }
        }

        public override void Write(char value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_gate)
            {
                base.Write(value);
            }
        }

        public override void Write(char[] buffer, int index, int count)
        {
            lock (_gate)
            {
                base.Write(buffer, index, count);
            }
        }

        public override void WriteLine(string? value)
        {
            lock (_gate)
            {
                base.WriteLine(value);
            }
        }
    }
}
