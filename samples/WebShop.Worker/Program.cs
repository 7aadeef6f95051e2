using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TaskGen;
using WebShop.Tasks;

// The worker service that sends the shop's email: it consumes the 'mail' queue that the web app publishes to.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSingleton<Outbox>();
builder.Services.AddTaskGen(configure: b => b.AddWebShopTasksTasks());
builder.Services.AddTaskGenWorker(w =>
{
    w.Queues = [Queues.Mail];
    w.NodeName = "webshop-mail@%h";
});

using IHost host = builder.Build();
await host.RunAsync();
