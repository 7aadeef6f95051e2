using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;
using TaskGen.IntegrationWorker.Remote;
using Py = TaskGen.Interop.Tests.Remote.PythonTasks;

namespace TaskGen.Interop.Tests;

/// <summary>
/// Chains, groups, callbacks and chords that a TaskGen producer sends and Python Celery workers of each release run, alone
/// or with TaskGen workers: each reads the signatures the other writes.
/// </summary>
public sealed class CanvasClientInteropTests(RabbitMqFixture broker, RedisFixture redis) : IntegrationTest(broker), IClassFixture<RedisFixture>
{
    [CeleryTheory]
    public async Task APythonWorkerRunsATaskGenChainToItsLastStep(string celery)
    {
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "py", "py@%h");

        AsyncResult<int> result = await App.SendAsync(Py.Add.Signature(1, 2).Then(Py.Add.Partial(10)).Then(Py.Add.Signature(100, 1)).Then(Py.Add.Partial(5)));

        Assert.Equal(106, await result.GetAsync(Guard));
    }

    [CeleryTheory]
    public async Task AChainGoesFromAPythonWorkerToATaskGenWorkerAndBack(string celery)
    {
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "py", "py@%h");
        await using ProgramProcess dotnet = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "jobs@%h");

        AsyncResult<int> result = await App.SendAsync(Py.Add.Signature(1, 2).Then(CanvasSteps.Times.Partial(10)).Then(Py.Add.Partial(4)));

        Assert.Equal(34, await result.GetAsync(Guard));
    }

    [CeleryTheory]
    public async Task APythonWorkerAnswersATaskGenGroupInMemberOrder(string celery)
    {
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "py", "py@%h");

        GroupResult<int> group = await App.SendAsync(TaskGroup.Of(Enumerable.Range(0, 10).Select(i => Py.Add.Signature(i, i))));
        GroupResult<int, string> mixed = await App.SendAsync(TaskGroup.Mixed(Py.Add.Signature(1, 1), Py.Greet.Signature("Ada")));

        Assert.Equal(Enumerable.Range(0, 10).Select(i => 2 * i), await group.GetAsync(Guard));
        Assert.Equal((2, "Hello, Ada!"), await mixed.GetAsync(Guard));
    }

    [CeleryTheory]
    public async Task APythonWorkerSendsTheCallbackAndTheErrbackATaskGenProducerAttached(string celery)
    {
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "py", "py@%h");
        await using ProgramProcess dotnet = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "jobs@%h");
        DirectoryInfo notes = Directory.CreateTempSubdirectory("taskgen-canvas-");
        try
        {
            string value = Path.Combine(notes.FullName, "value");
            string failure = Path.Combine(notes.FullName, "failure");

            await App.SendAsync(Py.Add.Signature(2, 3).OnSuccess(CanvasSteps.NoteValue.Partial(value)));
            AsyncResult<double> failed = await App.SendAsync(Py.Div.Signature(1, 0).OnError(CanvasSteps.NoteFailure.Partial(failure)));

            Assert.Equal("5", await Poll.UntilAsync(() => Task.FromResult(File.Exists(value) ? File.ReadAllText(value) : null), text => !string.IsNullOrEmpty(text), "the success callback to run"));
            Assert.Equal(failed.Id, await Poll.UntilAsync(() => Task.FromResult(File.Exists(failure) ? File.ReadAllText(failure) : null), text => !string.IsNullOrEmpty(text), "the error callback to run"));
        }
        finally
        {
            notes.Delete(recursive: true);
        }
    }

    [CeleryTheory]
    public async Task PythonWorkersJoinATaskGenChordAndRunItsBodyOnTheResultsInHeaderOrder(string celery)
    {
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "py", "py@%h", resultBackend: redis.Url);
        await using TaskApp app = CreateRedisApp();

        AsyncResult<string> result = await app.SendAsync(TaskChord.Of(TaskGroup.Of(Py.Add.Signature(1, 1), Py.Add.Signature(2, 2), Py.Add.Signature(3, 3)), Py.Collect.Partial("py")));
        AsyncResult<string> empty = await app.SendAsync(TaskChord.Of(TaskGroup.Of<int>(), Py.Collect.Partial("none")));

        Assert.Equal("py:2,4,6", await result.GetAsync(Guard));
        Assert.Equal("none:", await empty.GetAsync(Guard));
    }

    [CeleryTheory]
    public async Task ATaskGenChordOfPythonAndMixedHeadersRunsItsTaskGenBodyOnTheResultsInHeaderOrder(string celery)
    {
        await using ProgramProcess python = await Python.StartWorkerAsync(celery, Broker.Url, "py", "py@%h", resultBackend: redis.Url);
        await using ProgramProcess dotnet = await ProgramProcess.StartWorkerAsync(
            WorkerProgram, Broker.Url, "work", "jobs@%h", 4, new Dictionary<string, string> { ["TaskGen__ResultBackend"] = redis.Url });
        await using TaskApp app = CreateRedisApp();

        // Python parts only: the Python worker that finishes the last one sends the TaskGen body to its queue.
        AsyncResult<string> pythonHeader = await app.SendAsync(TaskChord.Of(TaskGroup.Of(Py.Add.Signature(1, 1), Py.Add.Signature(2, 2), Py.Add.Signature(3, 3)), CanvasSteps.Ordered.Partial("tg")));

        // Parts of both languages count in one chord; whichever finishes last starts the body.
        AsyncResult<string> mixedHeader = await app.SendAsync(TaskChord.Of(TaskGroup.Of(Py.Add.Signature(1, 1), CanvasSteps.Times.Signature(2, 10), Py.Add.Signature(3, 3), CanvasSteps.Times.Signature(4, 10)), CanvasSteps.Ordered.Partial("mixed")));

        Assert.Equal("tg:2,4,6", await pythonHeader.GetAsync(Guard));
        Assert.Equal("mixed:2,20,6,40", await mixedHeader.GetAsync(Guard));
    }

    private TaskApp CreateRedisApp() => TaskApp.Create(b =>
    {
        b.Options.BrokerUrl = Broker.Url;
        b.Options.ResultBackend = redis.Url;
        b.AddRedisResults();
        b.AddTaskGenIntegrationWorkerTasks();
        b.AddTaskGenInteropTestsTasks();
    });
}
