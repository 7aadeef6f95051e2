using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TaskGen;
using TaskGen.Hosting;
using TaskGen.Scheduling;
using TaskGen.Worker;

// Beside the extension methods and ASP.NET Core's own builders (IHealthChecksBuilder, IMvcBuilder), so that a
// method taking or returning the builder needs no TaskGen using either.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// What <c>services.AddTaskGen(...)</c> returns: adds task modules, named workers and filters to the one TaskGen app
/// of a service collection, each call returning the builder so that registration reads as one chain.
/// </summary>
public sealed class TaskGenBuilder
{
    // Case-insensitive because configuration keys are: "Calc" and "calc" would read the same section.
    private readonly HashSet<string> _workerNames = new(StringComparer.OrdinalIgnoreCase);

    internal TaskGenBuilder(IServiceCollection services)
    {
        Services = services;
    }

    /// <summary>The service collection TaskGen is registered in, to go on registering other services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Changes the app as it is built: adds task modules (<c>b =&gt; b.AddCeleryAppTasks()</c>) or a transport.</summary>
    /// <param name="configure">Called once with the app's builder, after the filters from the container are added; calls run in order.</param>
    /// <returns>This builder, to chain calls.</returns>
    public TaskGenBuilder AddTasks(Action<TaskAppBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.AddSingleton(new TaskAppSetup(configure));
        return this;
    }

    /// <summary>
    /// Runs a worker with the host, its <see cref="WorkerOptions"/> read from the configuration section
    /// <c>TaskGen:Workers:<paramref name="name"/></c>, then changed by <paramref name="configure"/>, and checked when
    /// the host starts. Its node name defaults to <c><paramref name="name"/>@%h</c>, so that workers in one process
    /// answer remote control apart.
    /// </summary>
    /// <param name="name">The worker's name: its configuration section and its named options; unique in the app, ignoring case.</param>
    /// <param name="configure">Changes the options after configuration has been read; null for none.</param>
    /// <returns>This builder, to chain calls.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or holds a ':', which would split its configuration section.</exception>
    /// <exception cref="InvalidOperationException">A worker with this name is already added.</exception>
    public TaskGenBuilder AddWorker(string name, Action<WorkerOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Contains(ConfigurationPath.KeyDelimiter, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Worker name '{name}' holds a ':', which would split its configuration section: name it without one.", nameof(name));
        }

        // Two workers with one name would share their options and configuration silently; refuse it where it is written.
        if (!_workerNames.Add(name))
        {
            throw new InvalidOperationException($"A worker named '{name}' is already added to this app: give each AddWorker call its own name.");
        }

        OptionsBuilder<WorkerOptions> options = Services.AddOptions<WorkerOptions>(name);
        options.Configure<IServiceProvider>((o, provider) =>
        {
            o.NodeName = name + "@%h";
            if (provider.GetService<IConfiguration>() is { } configuration)
            {
                TaskAppConfiguration.BindWorker(configuration, name, o);
            }
        });
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidation>());
        TaskGenServiceCollectionExtensions.AddWorkerService(Services, provider => provider.GetRequiredService<IOptionsMonitor<WorkerOptions>>().Get(name), name);
        return this;
    }

    /// <summary>
    /// Runs a scheduler (Celery's <c>beat</c>) with the host: it sends the app's schedule entries, from code and from the
    /// configuration section <c>TaskGen:Schedule</c>, while it leads; any number of processes may run one, and they
    /// elect one sender. Its <see cref="SchedulerOptions"/> are read from <c>TaskGen:Scheduler</c> and checked, and its
    /// entries too, when the host starts; it stops sending when the host stops.
    /// </summary>
    /// <param name="configure">Adds entries in code, as <see cref="TaskAppBuilder.AddSchedule"/> does; null for none.</param>
    /// <returns>This builder, to chain calls.</returns>
    /// <exception cref="InvalidOperationException">A scheduler is already added: one per host sends all the entries.</exception>
    public TaskGenBuilder AddScheduler(Action<ScheduleBuilder>? configure = null)
    {
        foreach (ServiceDescriptor descriptor in Services)
        {
            if (descriptor.ServiceType == typeof(TaskSchedulerService))
            {
                throw new InvalidOperationException("AddScheduler has already been called for this app: one scheduler per host sends every entry; add entries with AddSchedule.");
            }
        }

        if (configure is not null)
        {
            AddTasks(b => b.AddSchedule(configure));
        }

        OptionsBuilder<SchedulerOptions> options = Services.AddOptions<SchedulerOptions>();
        options.Configure<IServiceProvider>(static (o, provider) =>
        {
            if (provider.GetService<IConfiguration>() is { } configuration)
            {
                ScheduleConfiguration.BindScheduler(configuration, o);
            }
        });
        options.ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SchedulerOptions>, SchedulerOptionsValidation>());

        // Registered as itself too, so the health check and the beat command find the one running scheduler.
        Services.AddSingleton(provider => new TaskSchedulerService(
            provider.GetRequiredService<TaskApp>(),
            provider.GetRequiredService<IOptions<SchedulerOptions>>().Value,
            provider.GetService<IConfiguration>(),
            provider.GetRequiredService<IHostApplicationLifetime>(),
            provider.GetService<TimeProvider>(),
            provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        Services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<TaskSchedulerService>());
        return this;
    }

    /// <summary>
    /// Adds a filter that every task run of the app's workers goes through, created once by the container; the same
    /// as <see cref="TaskGenServiceCollectionExtensions.AddTaskFilter{TFilter}"/>.
    /// </summary>
    /// <typeparam name="TFilter">The filter type; a singleton, so it takes per-run services from the invocation.</typeparam>
    /// <returns>This builder, to chain calls.</returns>
    public TaskGenBuilder AddFilter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFilter>()
        where TFilter : class, ITaskFilter
    {
        Services.AddTaskFilter<TFilter>();
        return this;
    }
}
