using System;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;
using TaskGen.Serialization;

namespace TaskGen.Interop.Tests;

/// <summary>.NET producers calling tasks that a Python Celery worker runs.</summary>
public sealed class DotnetCallsPythonTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [CeleryTheory]
    public async Task TypedCallsPositionalAndKeywordArgumentsAndPythonExceptions(string celery)
    {
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "py", "py@%h");

        Assert.Equal(5, await App.Send(Remote.PythonTasks.Add.Signature(2, 3)).GetAsync(Guard));
        Assert.Equal("Hello, Ada!", await App.Send(Remote.PythonTasks.Greet.Signature("Ada")).GetAsync(Guard));

        // By keyword, as a Python producer would send it.
        var byKeyword = new Signature<int>(Remote.PythonTasks.Add.Descriptor, new RawJsonArguments("[]", "{\"x\": 40, \"y\": 2}"));
        Assert.Equal(42, await App.Send(byKeyword).GetAsync(Guard));

        TaskFailedException failure = await Assert.ThrowsAsync<TaskFailedException>(() => App.Send(Remote.PythonTasks.Div.Signature(1, 0)).GetAsync(Guard));
        Assert.Equal("ZeroDivisionError", failure.RemoteType);
        Assert.Contains("division by zero", failure.RemoteMessage, StringComparison.Ordinal);
        Assert.Contains("Traceback", failure.RemoteTraceback, StringComparison.Ordinal);
    }

    [CeleryTheory]
    public async Task OptionsReachThePythonWorker(string celery)
    {
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "py", "py@%h");

        // Six-digit eta: Python waits for it rather than dropping the task.
        DateTimeOffset sent = DateTimeOffset.UtcNow;
        AsyncResult<int> later = await App.SendAsync(Remote.PythonTasks.Add.Signature(1, 1, new TaskOptions { Countdown = TimeSpan.FromSeconds(1.5) }));
        Assert.Equal(2, await later.GetAsync(Guard));
        Assert.True(DateTimeOffset.UtcNow - sent >= TimeSpan.FromSeconds(1.4), "The Python worker ran the task before its eta.");

        AsyncResult<int> expired = await App.SendAsync(Remote.PythonTasks.Add.Signature(1, 1, new TaskOptions { Expires = DateTimeOffset.UtcNow.AddSeconds(-30) }));
        await Assert.ThrowsAsync<TaskRevokedException>(() => expired.GetAsync(Guard));

        AsyncResult<int> prioritized = await App.SendAsync(Remote.PythonTasks.Add.Signature(3, 4, new TaskOptions { Priority = 5, Headers = new System.Collections.Generic.Dictionary<string, object?> { ["x-trace"] = "abc" } }));
        Assert.Equal(7, await prioritized.GetAsync(Guard));
    }
}
