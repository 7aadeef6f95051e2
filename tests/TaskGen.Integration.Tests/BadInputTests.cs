using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using TaskGen.IntegrationWorker.Remote;
using TaskGen.Transport;
using TaskGen.Protocol;

namespace TaskGen.Integration.Tests;

/// <summary>Messages a worker cannot run: each is rejected, dead-lettered and logged with its id and reason, and the worker keeps serving.</summary>
public sealed class BadInputTests(RabbitMqFixture broker) : IntegrationTest(broker)
{
    [Fact]
    public async Task EachBadMessageIsRejectedLoggedAndDeadLetteredAndTheWorkerKeepsServing()
    {
        await using ProgramProcess worker = await ProgramProcess.StartWorkerAsync(WorkerProgram, Broker.Url, "work", "strict@%h");
        var cases = new List<(string Id, TransportMessage Message, string Reason)>
        {
            Case("application/json", "[[1, 2], {oops}, null]", Jobs.Add.Name, "The body is not valid JSON"),
            Case("application/json", "{\"not\": \"a list\"}", Jobs.Add.Name, "The body must be a JSON array"),
            Case("application/x-python-serialize", "\u0080\u0004K\u0001.", Jobs.Add.Name, "Content type 'application/x-python-serialize' is refused"),
            Case("application/json", "[[1, 2], {}, null]", "no.such.task", "is not registered on this worker"),
            Case("application/json", "[[1, 2], {}, null]", null, "has no 'task' header"),
            Case("application/json", "[[\"" + new string('x', 17 * 1024 * 1024) + "\"], {}, null]", Jobs.Add.Name, "more than the 16777216 bytes accepted"),
            Case("application/json", "[[1, 2, 3], {}, null]", Jobs.Add.Name, "takes 2 positional arguments but 3 were given"),
        };

        foreach ((string _, TransportMessage message, string _) in cases)
        {
            await App.Transport.PublishAsync(message, CancellationToken.None);
        }

        foreach ((string id, TransportMessage _, string reason) in cases)
        {
            await worker.WaitForLineAsync(
                line => line.Contains("ERROR", StringComparison.Ordinal) && line.Contains(id, StringComparison.Ordinal) && line.Contains(reason, StringComparison.Ordinal),
                $"the rejection of {id} ({reason})");
        }

        Assert.Equal(42, await App.Send(Jobs.Add.Signature(40, 2)).GetAsync(Guard));
        Assert.Equal((uint)cases.Count, await Poll.UntilAsync(() => ReadyAsync(RabbitMqFixture.DeadLetters), ready => ready >= cases.Count, "every rejected message in the dead letters", TimeSpan.FromMilliseconds(50)));
    }

    private static (string, TransportMessage, string) Case(string contentType, string body, string? task, string reason)
    {
        string id = Guid.NewGuid().ToString();
        var headers = new Dictionary<string, object?> { ["id"] = id };
        if (task is not null)
        {
            headers["task"] = task;
        }

        var properties = new MessageProperties { ContentType = contentType, ContentEncoding = "utf-8", CorrelationId = id, DeliveryMode = 2 };
        return (id, new TransportMessage(string.Empty, "work", properties, headers, Encoding.UTF8.GetBytes(body)), reason);
    }
}
