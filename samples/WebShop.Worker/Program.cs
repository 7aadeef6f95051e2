using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TaskGen;
using WebShop.Tasks;

// The worker service that sends the shop's email: it consumes the 'mail' queue that the web app publishes to.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSingleton<Outbox>();

// Its concurrency and node name can be set under TaskGen:Workers:webshop-mail in appsettings.json.
builder.Services.AddTaskGen()
    .AddTasks(b => b.AddWebShopTasksTasks())
    .AddWorker("webshop-mail", w => w.Queues = [Queues.Mail]);

using IHost host = builder.Build();
await host.RunAsync();
