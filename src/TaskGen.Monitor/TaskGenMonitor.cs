using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskGen.Cli;
using TaskGen.Hosting;

namespace TaskGen.Monitor;

/// <summary>
/// The monitor run on its own, as <c>celery flower</c> is: a web server on <c>127.0.0.1:5555</c> watching one broker,
/// with Flower's option names (<c>--broker</c>, <c>--port</c>, <c>--basic_auth</c>, <c>--url_prefix</c>, ...).
/// The <c>taskgen-monitor</c> tool is this method.
/// </summary>
public static class TaskGenMonitor
{
    /// <summary>Runs the monitor until <paramref name="cancellationToken"/> fires or the process is asked to stop.</summary>
    /// <param name="args">Flower's options, each as <c>--name=value</c> or <c>--name value</c>; <c>--help</c> lists them.</param>
    /// <param name="cancellationToken">Stops the monitor.</param>
    /// <returns>
    /// 0 when it stopped normally, 64 for a mistake in the options, 69 when the broker cannot be reached or the port
    /// taken at start, 78 for a setting TaskGen refuses.
    /// </returns>
    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default) =>
        RunAsync(args, Console.Out, Console.Error, null, cancellationToken);

    internal static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Action<WebApplication>? started, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        MonitorCommandLine options = MonitorCommandLine.Parse(args);
        if (options.Help)
        {
            await output.WriteAsync(MonitorCommandLine.Usage).ConfigureAwait(false);
            return 0;
        }

        if (options.Errors.Count > 0)
        {
            foreach (string line in options.Errors)
            {
                await error.WriteLineAsync(line).ConfigureAwait(false);
            }

            return CommandLine.UsageError;
        }

        IConfiguration configuration = TaskAppConfiguration.Load(options.ConfigurationArguments.ToArray());
        string? broker = CommandLineBroker.Resolve(options.Broker, configuration);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = "taskgen-monitor" });
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.UseUrls(options.Url);

        // A start failure is said once, in one line, below; the host would log it again with its stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Services.AddTaskGen(o =>
        {
            if (broker is not null)
            {
                o.BrokerUrl = broker;
            }

            // Flower sends with Celery's defaults, which create a queue named in a call; the monitor declares none of its own.
            o.TaskCreateMissingQueues = true;

            if (options.ResultBackend is not null)
            {
                o.ResultBackend = options.ResultBackend;
            }
        });
        builder.Services.AddAntiforgery();
        builder.Services.AddTaskGenMonitor(options.Apply);
        WebApplication app = builder.Build();
        app.MapTaskGenMonitor(options.UrlPrefix);
        TaskApp? taskApp = null;
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            taskApp = app.Services.GetRequiredService<TaskApp>();
            started?.Invoke(app);
            await ((IHost)app).WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception ex) when (CommandLineBroker.IsUnreachable(ex))
        {
            string description = taskApp?.Transport.Description ?? Transport.BrokerUrls.Redact(broker ?? configuration["TaskGen:BrokerUrl"]);
            await error.WriteLineAsync(CommandLineBroker.Unreachable(description, ex)).ConfigureAwait(false);
            return 69;
        }
        catch (Exception ex) when (ex is TaskAppConfigurationException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            // A setting TaskGen refuses (a backend without its package, a bad value): its one line names the fix.
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 78;
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException or System.Net.Sockets.SocketException)
        {
            await error.WriteLineAsync($"{ex.Message.TrimEnd('.')}. Pass another --port or --address.").ConfigureAwait(false);
            return 69;
        }
        finally
        {
            // A start that failed half way leaves hosted services running; stopping them (briefly) lets the process end.
            using (var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            {
                try
                {
                    await app.StopAsync(stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
                {
                }
            }

            await app.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>
/// The standalone monitor's options under Flower's names, each as <c>--name=value</c> or <c>--name value</c> (a switch
/// also bare, as <c>--read_only</c>); every mistake is collected, so one run names them all.
/// </summary>
internal sealed class MonitorCommandLine
{
    /// <summary>What <c>--help</c> prints.</summary>
    public const string Usage = """
        Usage: taskgen-monitor [options]

        A live monitor for TaskGen and Python Celery workers: Flower's pages, REST API and metrics.

          --broker=URL                  Broker URL (also CELERY_BROKER_URL or TaskGen__BrokerUrl; default amqp://guest:guest@localhost:5672//)
          --result_backend=URL          Result backend for /api/task/result (redis://...; needs TaskGen.Redis)
          --address=ADDRESS             Address to listen on (default 127.0.0.1)
          --port=PORT                   Port to listen on (default 5555)
          --url_prefix=PREFIX           Serve under /PREFIX (default /)
          --basic_auth=USER:PASS[,...]  Require HTTP basic authentication (repeatable)
          --allow_remote                Serve clients other than this machine without authentication
          --read_only                   Refuse every action (revoke, rate limit, apply, shutdown, ...)
          --max_tasks=N                 Tasks kept in memory (default 100000)
          --max_workers=N               Workers kept in memory (default 5000)
          --purge_offline_workers=SEC   Forget workers offline for this many seconds
          --inspect_timeout=MS          How long to wait for inspect replies, in milliseconds (default 1000)
          --enable_events[=BOOL]        Ask workers every 5 seconds to send task events (default true)
          --help                        Show this help

        """;

    private static readonly string[] s_switches = ["read_only", "allow_remote", "enable_events"];

    private static readonly string[] s_valued =
        ["broker", "result_backend", "address", "port", "url_prefix", "basic_auth", "max_tasks", "max_workers", "purge_offline_workers", "inspect_timeout"];

    // Flower's options with no meaning here: named as such rather than as typos.
    private static readonly string[] s_flowerOnly =
        ["auth", "auth_provider", "broker_api", "persistent", "db", "state_save_interval", "certfile", "keyfile", "ca_certs", "unix_socket", "xheaders",
         "auto_refresh", "natural_time", "tasks_columns", "cookie_secret", "oauth2_key", "oauth2_secret", "oauth2_redirect_uri", "conf", "debug",
         "task_runtime_metric_buckets", "format_task", "max_tasks_in_memory"];

    private readonly List<string> _errors = [];
    private readonly List<string> _basicAuth = [];

    /// <summary>Whether <c>--help</c> was asked for.</summary>
    public bool Help { get; private set; }

    /// <summary>Every mistake found, one line each.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>The <c>--broker</c> value, or null for the configuration's (or Celery's default).</summary>
    public string? Broker { get; private set; }

    /// <summary>The <c>--result_backend</c> value, or null.</summary>
    public string? ResultBackend { get; private set; }

    /// <summary>The address to listen on.</summary>
    public string Address { get; private set; } = "127.0.0.1";

    /// <summary>The port to listen on.</summary>
    public int Port { get; private set; } = 5555;

    /// <summary>The path the monitor is mounted at, <c>/</c> or <c>/prefix</c>.</summary>
    public string UrlPrefix { get; private set; } = "/";

    /// <summary>The accounts of <c>--basic_auth</c>.</summary>
    public IReadOnlyList<string> BasicAuth => _basicAuth;

    /// <summary>The <c>--max_tasks</c> value, or null.</summary>
    public int? MaxTasks { get; private set; }

    /// <summary>The <c>--max_workers</c> value, or null.</summary>
    public int? MaxWorkers { get; private set; }

    /// <summary>The <c>--purge_offline_workers</c> value, or null.</summary>
    public TimeSpan? PurgeOfflineWorkers { get; private set; }

    /// <summary>The <c>--inspect_timeout</c> value, or null.</summary>
    public TimeSpan? InspectTimeout { get; private set; }

    /// <summary>The <c>--enable_events</c> value, or null.</summary>
    public bool? EnableEvents { get; private set; }

    /// <summary>Whether <c>--read_only</c> was given.</summary>
    public bool ReadOnly { get; private set; }

    /// <summary>Whether <c>--allow_remote</c> was given.</summary>
    public bool AllowRemote { get; private set; }

    /// <summary>Arguments for TaskGen's configuration (<c>--TaskGen:Name=value</c>), passed through.</summary>
    public List<string> ConfigurationArguments { get; } = [];

    /// <summary>The URL Kestrel listens on.</summary>
    public string Url
    {
        get
        {
            string host = IPAddress.TryParse(Address, out IPAddress? ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]" : Address;
            return string.Create(CultureInfo.InvariantCulture, $"http://{host}:{Port}");
        }
    }

    /// <summary>Parses the arguments.</summary>
    public static MonitorCommandLine Parse(IReadOnlyList<string> args)
    {
        var parsed = new MonitorCommandLine();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "--help" or "-h" or "-?")
            {
                parsed.Help = true;
                continue;
            }

            if (arg.StartsWith("--TaskGen:", StringComparison.OrdinalIgnoreCase) || arg.StartsWith("--TaskGen__", StringComparison.OrdinalIgnoreCase))
            {
                parsed.ConfigurationArguments.Add(arg);
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                parsed._errors.Add($"Unexpected argument '{arg}': options are --name=value or --name value; see --help.");
                continue;
            }

            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name = (equals > 0 ? arg[2..equals] : arg[2..]).Replace('-', '_');
            string? value = equals > 0 ? arg[(equals + 1)..] : null;
            if (Array.IndexOf(s_switches, name) >= 0)
            {
                // A switch takes the next word only when it is a truth value, so "--read_only --port 1" stays two options.
                if (value is null && i + 1 < args.Count && Bool(args[i + 1]) is not null)
                {
                    value = args[++i];
                }

                parsed.SetSwitch(name, value);
            }
            else if (Array.IndexOf(s_valued, name) >= 0)
            {
                if (value is null)
                {
                    if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        parsed._errors.Add($"Option --{name} needs a value: --{name}=VALUE.");
                        continue;
                    }

                    value = args[++i];
                }

                parsed.SetValue(name, value);
            }
            else if (Array.IndexOf(s_flowerOnly, name) >= 0)
            {
                parsed._errors.Add($"Flower's option --{name} is not supported by taskgen-monitor; see --help for the options it takes.");
            }
            else
            {
                parsed._errors.Add($"Unknown option --{name}; see --help for the options taskgen-monitor takes.");
            }
        }

        return parsed;
    }

    /// <summary>Copies the options given onto the monitor's settings.</summary>
    public void Apply(MonitorOptions options)
    {
        options.MaxTasks = MaxTasks ?? options.MaxTasks;
        options.MaxWorkers = MaxWorkers ?? options.MaxWorkers;
        options.PurgeOfflineWorkers = PurgeOfflineWorkers ?? options.PurgeOfflineWorkers;
        options.InspectTimeout = InspectTimeout ?? options.InspectTimeout;
        options.EnableEvents = EnableEvents ?? options.EnableEvents;
        options.ReadOnly |= ReadOnly;
        options.AllowRemote |= AllowRemote;
        foreach (string account in _basicAuth)
        {
            options.BasicAuth.Add(account);
        }
    }

    private void SetSwitch(string name, string? value)
    {
        bool on = true;
        if (value is not null)
        {
            if (Bool(value) is not { } parsed)
            {
                _errors.Add($"Option --{name} takes true or false, not '{value}'.");
                return;
            }

            on = parsed;
        }

        switch (name)
        {
            case "read_only": ReadOnly = on; break;
            case "allow_remote": AllowRemote = on; break;
            default: EnableEvents = on; break;
        }
    }

    private void SetValue(string name, string value)
    {
        switch (name)
        {
            case "broker":
                Broker = value;
                break;
            case "result_backend":
                ResultBackend = value;
                break;
            case "address":
                if (value.Length == 0 || (!IPAddress.TryParse(value, out _) && Uri.CheckHostName(value) == UriHostNameType.Unknown))
                {
                    _errors.Add($"Option --address takes an IP address or host name, not '{value}'.");
                }
                else
                {
                    Address = value;
                }

                break;
            case "port":
                if (Integer(name, value, 0, 65_535) is { } port)
                {
                    Port = port;
                }

                break;
            case "url_prefix":
                string trimmed = value.Trim('/');
                UrlPrefix = trimmed.Length == 0 ? "/" : "/" + trimmed;
                break;
            case "basic_auth":
                foreach (string account in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (account.IndexOf(':', StringComparison.Ordinal) <= 0)
                    {
                        _errors.Add("Option --basic_auth takes user:password (comma-separated for several); one entry has no user or no ':'.");
                    }
                    else
                    {
                        _basicAuth.Add(account);
                    }
                }

                break;
            case "max_tasks":
                MaxTasks = Integer(name, value, 1, int.MaxValue) ?? MaxTasks;
                break;
            case "max_workers":
                MaxWorkers = Integer(name, value, 1, int.MaxValue) ?? MaxWorkers;
                break;
            case "purge_offline_workers":
                if (Number(name, value) is { } seconds)
                {
                    PurgeOfflineWorkers = TimeSpan.FromSeconds(seconds);
                }

                break;
            default:
                if (Number(name, value) is { } milliseconds)
                {
                    InspectTimeout = TimeSpan.FromMilliseconds(milliseconds);
                }

                break;
        }
    }

    private int? Integer(string name, string value, int min, int max)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number >= min && number <= max)
        {
            return number;
        }

        _errors.Add($"Option --{name} takes a whole number from {min} to {max}, not '{value}'.");
        return null;
    }

    private double? Number(string name, string value)
    {
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number) && number >= 0 && number < 1e9)
        {
            return number;
        }

        _errors.Add($"Option --{name} takes a number of {(name == "inspect_timeout" ? "milliseconds" : "seconds")}, not '{value}'.");
        return null;
    }

    private static bool? Bool(string value) => value.ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" or "y" or "t" => true,
        "false" or "no" or "off" or "0" or "n" or "f" => false,
        _ => null,
    };
}
