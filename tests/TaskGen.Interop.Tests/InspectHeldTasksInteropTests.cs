using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using TaskGen.Integration.Tests;
using TaskGen.IntegrationWorker.Remote;

namespace TaskGen.Interop.Tests;

/// <summary>Celery's <c>inspect scheduled</c> and <c>inspect reserved</c> read what a TaskGen worker holds.</summary>
public sealed class InspectHeldTasksInteropTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [CeleryTheory]
    public async Task CeleryInspectScheduledAndReservedListTheTasksATaskGenWorkerHolds(string celery)
    {
        string host = Environment.MachineName;
        await using ProgramProcess dotnet = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work,slow", "netheld@%h", 1);
        DateTimeOffset eta = DateTimeOffset.UtcNow.AddHours(1);

        AsyncResult<int> later = await App.SendAsync(Jobs.Add.Signature(20, 22, new TaskOptions { Eta = eta }));
        AsyncResult<int> running = await App.SendAsync(Jobs.Slow.Signature(1, 8000));

        // The one slot is taken first, so that the next task has to wait for it.
        await InspectAsync(celery, "active", host, reply => Holds(reply, running.Id, null));
        AsyncResult<int> waiting = await App.SendAsync(Jobs.Add.Signature(2, 3));

        // Found by id: an ETA task held by an earlier test's worker may come back to the queue after it was emptied.
        JsonElement scheduled = await InspectAsync(celery, "scheduled", host, reply => Holds(reply, later.Id, "request"));
        JsonElement held = scheduled.EnumerateArray().Single(e => e.GetProperty("request").GetProperty("id").GetString() == later.Id);
        Assert.Equal(6, held.GetProperty("priority").GetInt32());
        Assert.Equal(eta.UtcDateTime, DateTimeOffset.Parse(held.GetProperty("eta").GetString()!, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime, TimeSpan.FromMilliseconds(1));
        JsonElement request = held.GetProperty("request");
        Assert.Equal(later.Id, request.GetProperty("id").GetString());
        Assert.Equal(Jobs.Add.Name, request.GetProperty("name").GetString());
        Assert.Equal([20, 22], request.GetProperty("args").EnumerateArray().Select(a => a.GetInt32()).ToArray());
        Assert.Equal($"netheld@{host}", request.GetProperty("hostname").GetString());
        Assert.False(request.GetProperty("acknowledged").GetBoolean());
        Assert.Equal("work", request.GetProperty("delivery_info").GetProperty("routing_key").GetString());

        JsonElement reserved = await InspectAsync(celery, "reserved", host, reply => Holds(reply, waiting.Id, null));
        JsonElement info = reserved.EnumerateArray().Single(e => e.GetProperty("id").GetString() == waiting.Id);
        Assert.Equal(Jobs.Add.Name, info.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, info.GetProperty("time_start").ValueKind);
        Assert.False(info.GetProperty("acknowledged").GetBoolean());

        // The held ETA task is no one's business but the worker's: the others finish as usual.
        Assert.Equal(1, await running.GetAsync(Guard));
        Assert.Equal(5, await waiting.GetAsync(Guard));
        await InspectAsync(celery, "scheduled", host, reply => Holds(reply, later.Id, "request"));
    }

    private static bool Holds(JsonElement reply, string id, string? within) =>
        reply.EnumerateArray().Any(e => (within is null ? e : e.GetProperty(within)).GetProperty("id").GetString() == id);

    // Asked again until the worker's reply satisfies the test (the tasks reach it a moment after they are sent); bounded by the guard.
    private async Task<JsonElement> InspectAsync(string celery, string method, string host, Func<JsonElement, bool> ready)
    {
        string output = string.Empty;
        for (DateTime until = DateTime.UtcNow + Guard; DateTime.UtcNow < until;)
        {
            (int code, output) = await Python.CeleryAsync(celery, Broker.Url, "inspect", method, "--json", "-d", $"netheld@{host}");
            string? json = output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
            if (code == 0 && json is not null)
            {
                using JsonDocument parsed = JsonDocument.Parse(json);
                if (parsed.RootElement.TryGetProperty($"netheld@{host}", out JsonElement reply) && reply.ValueKind == JsonValueKind.Array && ready(reply))
                {
                    return reply.Clone();
                }
            }
        }

        Assert.Fail($"celery inspect {method} never listed what the worker holds:\n{output}");
        return default;
    }
}
