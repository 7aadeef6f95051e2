using System;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TaskGen;
using TaskGen.Hosting;
using TaskGen.Worker;

// In the DI namespace, as ASP.NET Core and the Microsoft.Extensions packages place their Add* methods, so that
// `builder.Services.AddTaskGen(...)` needs no extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a TaskGen app, and workers that run with the host, in a service collection.</summary>
public static class TaskGenServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="TaskApp"/> as a singleton client, its <see cref="TaskAppOptions"/> bound from the
    /// configuration's <c>TaskGen</c> section and validated when the host starts, and makes it the app that
    /// generated stubs send through once the host has started.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configureOptions">Changes the options after configuration has been bound; null for none.</param>
    /// <param name="configure">Adds task modules (<c>b =&gt; b.AddCeleryAppTasks()</c>) or a transport; null for none. The same as <see cref="TaskGenBuilder.AddTasks"/>.</param>
    /// <returns>
    /// A builder that adds tasks, named workers and filters to this app (<c>.AddTasks(...).AddWorker("calc")</c>), and
    /// whose <see cref="TaskGenBuilder.Services"/> goes back to the collection. One method with optional parameters,
    /// rather than a second overload returning the builder, so that <c>AddTaskGen()</c>, <c>AddTaskGen(o =&gt; ...)</c>
    /// and <c>AddTaskGen(configure: b =&gt; ...)</c> keep their meaning and none of them is ambiguous.
    /// </returns>
    /// <exception cref="InvalidOperationException">TaskGen is already registered in <paramref name="services"/>.</exception>
    public static TaskGenBuilder AddTaskGen(this IServiceCollection services, Action<TaskAppOptions>? configureOptions = null, Action<TaskAppBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        // One app per container: a second call would silently build a second broker connection that stubs never use.
        foreach (ServiceDescriptor descriptor in services)
        {
            if (descriptor.ServiceType == typeof(TaskApp))
            {
                throw new InvalidOperationException("AddTaskGen has already been called on this service collection: register one TaskApp and configure it in that call.");
            }
        }

        OptionsBuilder<TaskAppOptions> options = services.AddOptions<TaskAppOptions>();
        options.Configure<IServiceProvider>(static (o, provider) =>
        {
            if (provider.GetService<IConfiguration>() is { } configuration)
            {
                TaskAppConfiguration.Bind(configuration, o);
            }
        });
        if (configureOptions is not null)
        {
            options.Configure(configureOptions);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TaskAppOptions>, TaskAppOptionsValidation>());

        services.AddSingleton(provider =>
        {
            var builder = new TaskAppBuilder(provider.GetRequiredService<IOptions<TaskAppOptions>>().Value)
            {
                LoggerFactory = provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
                Services = provider,
            };
            foreach (ITaskFilter filter in provider.GetServices<ITaskFilter>())
            {
                builder.AddFilter(filter);
            }

            foreach (TaskAppSetup setup in provider.GetServices<TaskAppSetup>())
            {
                setup.Apply(builder);
            }

            return builder.Build();
        });

        // Registered before any worker, so the app exists (and stubs work) before a worker's first task runs.
        services.AddHostedService<TaskAppHostedService>();
        var taskGen = new TaskGenBuilder(services);
        if (configure is not null)
        {
            taskGen.AddTasks(configure);
        }

        return taskGen;
    }

    /// <summary>
    /// Adds a filter that every task run of the app's workers goes through (logging scopes, tenant context, metrics),
    /// created once by the container; filters registered here run in registration order, the first outermost, and
    /// before those added with <see cref="TaskAppBuilder.AddFilter"/>.
    /// </summary>
    /// <typeparam name="TFilter">The filter type; a singleton, so it takes per-run services from the invocation.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection, to chain calls.</returns>
    public static IServiceCollection AddTaskFilter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFilter>(this IServiceCollection services)
        where TFilter : class, ITaskFilter
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<ITaskFilter, TFilter>();
        return services;
    }

    /// <summary>
    /// Runs a worker with the host: it consumes before the host reports itself started, drains running tasks when
    /// the host stops (within the host's shutdown timeout and <see cref="TaskAppOptions.WorkerShutdownTimeout"/>),
    /// and stops the host with exit code 70 if it can no longer consume. Call once per worker (e.g. per queue set).
    /// Its options are set in code only; <see cref="TaskGenBuilder.AddWorker"/> also reads them from configuration.
    /// </summary>
    /// <param name="services">The service collection; <see cref="AddTaskGen"/> must be called too.</param>
    /// <param name="configure">Sets the worker's queues, concurrency and node name; null for the defaults.</param>
    /// <returns>The service collection, to chain calls.</returns>
    public static IServiceCollection AddTaskGenWorker(this IServiceCollection services, Action<WorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var workerOptions = new WorkerOptions();
        configure?.Invoke(workerOptions);
        AddWorkerService(services, _ => workerOptions);
        return services;
    }

    /// <summary>Adds one hosted worker whose options are taken from the container when the host creates it.</summary>
    internal static void AddWorkerService(IServiceCollection services, Func<IServiceProvider, WorkerOptions> options, string? name = null)
    {
        // A factory registration rather than AddHostedService<T>, which adds a type once: each call is its own worker.
        services.AddSingleton<IHostedService>(provider => new TaskWorkerService(
            provider.GetRequiredService<TaskApp>(),
            options(provider),
            provider.GetRequiredService<IHostApplicationLifetime>(),
            provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            name));
    }
}
