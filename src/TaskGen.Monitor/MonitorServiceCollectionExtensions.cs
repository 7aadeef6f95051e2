using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using TaskGen.Monitor.State;

namespace TaskGen.Monitor;

/// <summary>Registers the monitor's services beside a <c>AddTaskGen()</c> app.</summary>
public static class MonitorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the monitor: its event consumer and <c>inspect</c> poller as hosted services and its bounded store, with
    /// <see cref="MonitorOptions"/> bound from <c>TaskGen:Monitor</c>; mount its pages with <c>MapTaskGenMonitor</c>.
    /// </summary>
    /// <param name="services">The services, which must also have <c>AddTaskGen()</c>'s <see cref="TaskApp"/>.</param>
    /// <param name="configure">Changes the options after configuration is bound, or null.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddTaskGenMonitor(this IServiceCollection services, Action<MonitorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<MonitorOptions> options = services.AddOptions<MonitorOptions>().BindConfiguration(MonitorOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // The pages' actions (dead-letter replay, the apply form) carry antiforgery tokens.
        services.AddAntiforgery();
        services.TryAddSingleton(provider => new MonitorStore(provider.GetRequiredService<IOptions<MonitorOptions>>().Value, provider.GetService<TimeProvider>()));
        services.TryAddSingleton<QueueLengths>();
        services.TryAddSingleton<MonitorEventConsumer>();
        services.TryAddSingleton<InspectPoller>();
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<MonitorEventConsumer>());
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<InspectPoller>());

        // History from the result backend: it does nothing unless LoadHistory is on and the backend keeps results by id.
        services.TryAddSingleton<BackendHistory>();
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<BackendHistory>());
        return services;
    }
}
