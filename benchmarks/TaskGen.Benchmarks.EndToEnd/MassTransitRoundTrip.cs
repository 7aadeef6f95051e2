using System;
using System.Diagnostics;
using System.Threading.Tasks;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace TaskGen.Benchmarks.EndToEnd;

/// <summary>A request to add two numbers, as MassTransit sends it.</summary>
/// <param name="A">The first addend.</param>
/// <param name="B">The second addend.</param>
public sealed record AddRequest(int A, int B);

/// <summary>The sum, as MassTransit replies with it.</summary>
/// <param name="Sum">The sum.</param>
public sealed record AddResponse(int Sum);

/// <summary>MassTransit's consumer for <see cref="AddRequest"/>.</summary>
public sealed class AddConsumer : IConsumer<AddRequest>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<AddRequest> context) => context.RespondAsync(new AddResponse(context.Message.A + context.Message.B));
}

/// <summary>MassTransit 8 request/response on the same broker, with the same prefetch and concurrency.</summary>
internal static class MassTransitRoundTrip
{
    public static async Task<Measurement> RunAsync(string brokerUrl, int tasks, int concurrency, int warmup)
    {
        var uri = new Uri(brokerUrl);
        string[] credentials = Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMassTransit(x =>
        {
            x.AddConsumer<AddConsumer>();
            x.AddRequestClient<AddRequest>(new Uri("queue:bench-masstransit"));
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(uri.Host, (ushort)uri.Port, "/", h =>
                {
                    h.Username(credentials[0]);
                    h.Password(credentials.Length > 1 ? credentials[1] : string.Empty);
                });
                cfg.ReceiveEndpoint("bench-masstransit", e =>
                {
                    e.PrefetchCount = concurrency * 4;
                    e.ConcurrentMessageLimit = concurrency;
                    e.ConfigureConsumer<AddConsumer>(context);
                });
            });
        });

        await using ServiceProvider provider = services.BuildServiceProvider();
        IBusControl bus = provider.GetRequiredService<IBusControl>();
        await bus.StartAsync();
        try
        {
            using IServiceScope scope = provider.CreateScope();
            IRequestClient<AddRequest> client = scope.ServiceProvider.GetRequiredService<IRequestClient<AddRequest>>();

            async Task<long> CallAsync(int i)
            {
                long start = Stopwatch.GetTimestamp();
                Response<AddResponse> response = await client.GetResponse<AddResponse>(new AddRequest(i, i), timeout: RequestTimeout.After(m: 5));
                return response.Message.Sum == 2 * i ? Stopwatch.GetTimestamp() - start : throw new InvalidOperationException("MassTransit: wrong sum.");
            }

            return await Harness.MeasureAsync("masstransit", "round-trip", tasks, warmup, CallAsync);
        }
        finally
        {
            await bus.StopAsync();
        }
    }
}
