using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TaskGen;
using TaskGen.Monitor;
using WebShop;

// The shop's web front: a contact form whose emails are sent by the WebShop.Worker service through the 'mail' queue.
// It references only WebShop.Contracts: it sends the mail contract's task and never runs it.
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.Services.AddTaskGen().AddTasks(b => b.AddWebShopContractsTasks());
builder.Services.AddHealthChecks().AddTaskGen();

// The monitor (workers, tasks, canvases, Flower's API) at /monitor; it answers loopback clients only unless
// TaskGen:Monitor:BasicAuth or an authorization policy is configured.
builder.Services.AddTaskGenMonitor();
builder.Services.AddAntiforgery();
builder.Services.AddSingleton<SentTasks>();

WebApplication app = builder.Build();

// memory:// (the default when no broker is configured) lives inside this process, where the mail worker cannot reach
// it: messages would be queued and never sent, so say so once at start rather than let tasks stay PENDING unexplained.
string broker = builder.Configuration["TaskGen:BrokerUrl"] ?? "memory://";
if (broker.StartsWith("memory://", StringComparison.OrdinalIgnoreCase))
{
    app.Logger.LogWarning("No broker is configured (TaskGen:BrokerUrl), so emails are queued in this process and no worker sends them: set TaskGen__BrokerUrl to the RabbitMQ URL that WebShop.Worker uses.");
}

app.UseAntiforgery();
app.MapShop();
app.MapHealthChecks("/health");
app.MapTaskGenMonitor("/monitor");
app.Run();
