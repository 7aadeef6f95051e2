using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TaskGen;
using WebShop.Worker;

// The worker service that sends the shop's email: it implements the WebShop.Contracts mail contract and consumes the
// 'mail' queue that the web app publishes to.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSingleton<Outbox>();

// Its concurrency and node name can be set under TaskGen:Workers:webshop-mail in appsettings.json. AddWebShopWorkerTasks
// registers the contract tasks this assembly implements, with the contract's 'mail' queue as WebShop.Contracts declares it.
builder.Services.AddTaskGen()
    .AddTasks(b => b.AddWebShopWorkerTasks())
    .AddWorker("webshop-mail", w => w.Queues = [WebShop.Contracts.Queues.Mail]);

using IHost host = builder.Build();
await host.RunAsync();
