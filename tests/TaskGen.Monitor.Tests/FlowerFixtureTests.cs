using System;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;
using TaskGen.Interop.Tests;

namespace TaskGen.Monitor.Tests;

/// <summary>
/// The side-by-side fixtures work: Flower starts on the test broker and sees the Python Celery workers and the TaskGen
/// worker that the tests start, through the same inspect replies and events TaskGen's monitor reads.
/// </summary>
public sealed class FlowerFixtureTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Theory]
    [InlineData(Python.Celery56)]
    [InlineData(Python.Celery52)]
    public async Task Flower_lists_a_python_worker_and_the_tasks_it_ran(string version)
    {
        await using FlowerProcess flower = await FlowerProcess.StartAsync(Broker.Url);
        await using PythonCeleryWorker worker = await PythonCeleryWorker.StartAsync(version, Broker.Url, UniqueQueue(), PythonCeleryWorker.UniqueNodeName("py"));

        JsonElement entry = await flower.WaitForWorkerAsync(worker.NodeName);
        Assert.Contains("mon.add", entry.GetProperty("registered").EnumerateArray().Select(name => name.GetString()));
        Assert.Equal(worker.Queue, entry.GetProperty("active_queues")[0].GetProperty("name").GetString());

        string id = await worker.SendAsync("mon.add", "[2, 3]");
        JsonElement task = await flower.WaitForTaskAsync(id, "SUCCESS");
        Assert.Equal("mon.add", task.GetProperty("name").GetString());
        Assert.Equal("5", task.GetProperty("result").GetString());
        Assert.Equal(worker.NodeName, task.GetProperty("worker").GetString());

        JsonElement alive = await flower.GetJsonAsync("api/workers?status=1");
        Assert.True(alive.GetProperty(worker.NodeName).GetBoolean(), alive.ToString());
    }

    [Fact]
    public async Task The_mix_gives_Flower_a_failure_and_a_retry()
    {
        await using FlowerProcess flower = await FlowerProcess.StartAsync(Broker.Url);
        await using PythonCeleryWorker worker = await PythonCeleryWorker.StartAsync(Python.Celery56, Broker.Url, UniqueQueue(), PythonCeleryWorker.UniqueNodeName("py56"));

        JsonElement ids = await worker.SendMixAsync();

        JsonElement failed = await flower.WaitForTaskAsync(ids.GetProperty("fail").GetString()!, "FAILURE");
        Assert.Equal("ValueError('boom <b>&')", failed.GetProperty("exception").GetString());
        JsonElement retried = await flower.WaitForTaskAsync(ids.GetProperty("retry").GetString()!, "SUCCESS");
        Assert.Equal(2, retried.GetProperty("retries").GetInt32());
        Assert.Equal(JsonValueKind.Number, retried.GetProperty("retried").ValueKind);

        // rpc:// cannot run a chord, so the mix leaves it out there.
        Assert.Equal(JsonValueKind.Null, ids.GetProperty("chord_body").ValueKind);
        Assert.Equal(3, ids.GetProperty("group").GetArrayLength());
    }

    [Fact]
    public async Task Flower_sees_a_TaskGen_worker_with_events_on()
    {
        // The sample's worker consumes only the queues the sample declares; calc is one, and each test starts it empty.
        string node = PythonCeleryWorker.UniqueNodeName("dotnet");
        await using FlowerProcess flower = await FlowerProcess.StartAsync(Broker.Url);
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(CeleryAppProgram, Broker.Url, "calc", node, 2, "-E");

        JsonElement entry = await flower.WaitForWorkerAsync(node);
        Assert.Equal("TaskGen", entry.GetProperty("stats").GetProperty("sw_ident").GetString());

        AsyncResult<double> call = App.Send(CeleryApp.Tasks.Remote.Geometry.RectArea.Signature(6, 7));
        Assert.Equal(42, await call.GetAsync(Guard));
        JsonElement task = await flower.WaitForTaskAsync(call.Id, "SUCCESS");
        Assert.Equal(node, task.GetProperty("worker").GetString());
        Assert.Equal("CeleryApp.Tasks.Geometry.RectArea", task.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Without_the_unauthenticated_flag_Flower_refuses_its_API()
    {
        await using FlowerProcess flower = await FlowerProcess.StartAsync(Broker.Url, unauthenticatedApi: false);

        (HttpStatusCode status, string body) = await flower.GetAsync("api/workers");

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("FLOWER_UNAUTHENTICATED_API", body, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.OK, "OK"), await flower.GetAsync("healthcheck"));
    }

    private static string UniqueQueue() => "monitor-" + Guid.NewGuid().ToString("N")[..8];
}
