using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using TaskGen;
using WebShop;
using WebShop.Tasks;

// The shop's web front: a contact form whose emails are sent by the WebShop.Worker service through the 'mail' queue.
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
TaskGenBuilder taskGen = builder.Services.AddTaskGen().AddTasks(b => b.AddWebShopTasksTasks());
builder.Services.AddHealthChecks().AddTaskGen();
builder.Services.AddAntiforgery();
builder.Services.AddSingleton<SentTasks>();

// memory:// (the default when no broker is configured) lives inside this process, where no separate worker can
// reach it: the web app then sends its mail itself, so `dotnet run` works on a machine without RabbitMQ.
string broker = builder.Configuration["TaskGen:BrokerUrl"] ?? "memory://";
if (broker.StartsWith("memory://", StringComparison.OrdinalIgnoreCase))
{
    builder.Services.AddSingleton<Outbox>();
    taskGen.AddWorker("webshop-local", w => w.Queues = [Queues.Mail]);
}

WebApplication app = builder.Build();
app.UseAntiforgery();
app.MapShop();
app.MapHealthChecks("/health");
app.Run();
