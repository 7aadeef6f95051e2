using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using TaskGen.Worker;

namespace TaskGen.Hosting;

/// <summary>
/// Reads <see cref="TaskAppOptions"/> from configuration (<c>appsettings.json</c>, environment variables),
/// as Celery reads its <c>celeryconfig</c>, with binding code generated at compile time so trimmed and AOT apps keep working.
/// </summary>
internal static class TaskAppConfiguration
{
    /// <summary>The subsection of <c>TaskGen</c> that holds one section per named worker.</summary>
    internal const string WorkersSectionName = "Workers";

    private const string ArgumentPrefix = "--" + TaskAppOptions.SectionName;

    // Settings written the way Celery writes them, which the binder would misread: durations in seconds
    // (TimeSpan's own parser reads "86400" as days), a content-type list as one comma-separated value,
    // routes as {"queue": "name"} objects, and a queue type by Celery's name only (the binder also takes
    // "default" and any number as an enum value).
    private static readonly HashSet<string> s_celeryForms = new(StringComparer.OrdinalIgnoreCase)
    {
        nameof(TaskAppOptions.BrokerUrl),
        nameof(TaskAppOptions.ResultExpires),
        nameof(TaskAppOptions.WorkerShutdownTimeout),
        nameof(TaskAppOptions.WorkerMaxHoldTime),
        nameof(TaskAppOptions.WorkerResultStoreRetryTime),
        nameof(TaskAppOptions.BrokerConnectionRetryDelay),
        nameof(TaskAppOptions.BrokerConnectionRetryMaxDelay),
        nameof(TaskAppOptions.AcceptContent),
        nameof(TaskAppOptions.TaskRoutes),
        nameof(TaskAppOptions.TaskDefaultQueueType),
    };

    // Settings that each worker now holds in its own WorkerOptions. The binder would drop them without a word, leaving
    // a worker at the default its configuration meant to change, so they are refused with the place they went to.
    private static readonly (string Key, string WorkerKey, string Flag)[] s_movedToWorkers =
    [
        ("WorkerConcurrency", nameof(WorkerOptions.Concurrency), "-c"),
        ("WorkerSendTaskEvents", nameof(WorkerOptions.SendTaskEvents), "-E"),
    ];

    /// <summary>
    /// Copies the settings present in the <c>TaskGen</c> section of <paramref name="configuration"/> onto
    /// <paramref name="options"/>, leaving the others as they are.
    /// </summary>
    /// <param name="configuration">The configuration to read; its <c>TaskGen</c> section may be absent.</param>
    /// <param name="options">The options to fill in.</param>
    /// <exception cref="TaskAppConfigurationException">
    /// A value is not of its setting's type, or a setting that moved to each worker's section (<c>WorkerConcurrency</c>,
    /// <c>WorkerSendTaskEvents</c>) is present; the message says where it went.
    /// </exception>
    public static void Bind(IConfiguration configuration, TaskAppOptions options)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);

        IConfigurationSection section = configuration.GetSection(TaskAppOptions.SectionName);
        RefuseMovedSettings(section);

        // Everything but Celery's own forms goes through the configuration binder, whose source generator
        // writes the binding code at compile time (no reflection, so trimmed and AOT apps keep working).
        var plain = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, string?> setting in section.AsEnumerable(makePathsRelative: true))
        {
            int colon = setting.Key.IndexOf(':', StringComparison.Ordinal);
            if (setting.Value is not null && !s_celeryForms.Contains(colon < 0 ? setting.Key : setting.Key[..colon]))
            {
                plain[setting.Key] = setting.Value;
            }
        }

        try
        {
            new ConfigurationBuilder().AddInMemoryCollection(plain).Build().Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw FromBinder(section, ex);
        }

        // One URL, Celery's "amqp://a;amqp://b", or a list of URLs (Celery's broker_url as a list): one string either way.
        IConfigurationSection broker = section.GetSection(nameof(TaskAppOptions.BrokerUrl));
        if (broker.Value is { } brokerUrl)
        {
            options.BrokerUrl = brokerUrl;
        }
        else if (broker.GetChildren().Select(url => url.Value).Where(url => !string.IsNullOrWhiteSpace(url)).ToArray() is { Length: > 0 } urls)
        {
            options.BrokerUrl = string.Join(";", urls);
        }

        if (ReadList(section.GetSection(nameof(TaskAppOptions.AcceptContent)), "content type", "json") is { } acceptContent)
        {
            options.AcceptContent = acceptContent;
        }

        if (ReadDuration(section.GetSection(nameof(TaskAppOptions.ResultExpires))) is { } resultExpires)
        {
            options.ResultExpires = resultExpires;
        }

        if (ReadDuration(section.GetSection(nameof(TaskAppOptions.WorkerShutdownTimeout))) is { } shutdownTimeout)
        {
            options.WorkerShutdownTimeout = shutdownTimeout;
        }

        if (ReadDuration(section.GetSection(nameof(TaskAppOptions.WorkerMaxHoldTime))) is { } maxHoldTime)
        {
            options.WorkerMaxHoldTime = maxHoldTime;
        }

        if (ReadDuration(section.GetSection(nameof(TaskAppOptions.WorkerResultStoreRetryTime))) is { } storeRetryTime)
        {
            options.WorkerResultStoreRetryTime = storeRetryTime;
        }

        if (ReadDuration(section.GetSection(nameof(TaskAppOptions.BrokerConnectionRetryDelay))) is { } retryDelay)
        {
            options.BrokerConnectionRetryDelay = retryDelay;
        }

        if (ReadDuration(section.GetSection(nameof(TaskAppOptions.BrokerConnectionRetryMaxDelay))) is { } retryMaxDelay)
        {
            options.BrokerConnectionRetryMaxDelay = retryMaxDelay;
        }

        if (ReadQueueType(section.GetSection(nameof(TaskAppOptions.TaskDefaultQueueType))) is { } queueType)
        {
            options.TaskDefaultQueueType = queueType;
        }

        ReadRoutes(section.GetSection(nameof(TaskAppOptions.TaskRoutes)), options.TaskRoutes);
    }

    /// <summary>The environment variable Celery reads its broker URL from, honoured by the command line as Celery honours it.</summary>
    internal const string CeleryBrokerVariable = "CELERY_BROKER_URL";

    /// <summary>
    /// Builds the configuration a TaskGen program runs with: <c>appsettings.json</c>, then
    /// <c>appsettings.{DOTNET_ENVIRONMENT}.json</c>, then <c>CELERY_BROKER_URL</c> (as <c>TaskGen:BrokerUrl</c>),
    /// then environment variables (<c>TaskGen__BrokerUrl</c>), then <c>--TaskGen:Name=value</c> arguments, each
    /// overriding the one before.
    /// </summary>
    /// <param name="args">The program's arguments; only those starting with <c>--TaskGen:</c> or <c>--TaskGen__</c> are read.</param>
    /// <param name="basePath">The folder holding the settings files; the current directory when null.</param>
    /// <param name="variable">
    /// Reads <c>DOTNET_ENVIRONMENT</c> and <c>CELERY_BROKER_URL</c>; the process environment when null (tests pass
    /// their own, since the process environment is shared by tests running in parallel).
    /// </param>
    /// <returns>The configuration, to pass to <see cref="Bind"/>.</returns>
    public static IConfiguration Load(string[]? args = null, string? basePath = null, Func<string, string?>? variable = null)
    {
        variable ??= Environment.GetEnvironmentVariable;
        string directory = Path.GetFullPath(basePath ?? Directory.GetCurrentDirectory());
        var builder = new ConfigurationBuilder();

        // A rooted path rather than SetBasePath: the file provider then tolerates a folder that does not exist,
        // which is what optional files should mean. No reload: options are read once at startup.
        builder.AddJsonFile(Path.Combine(directory, "appsettings.json"), optional: true, reloadOnChange: false);
        string? environment = variable("DOTNET_ENVIRONMENT");
        if (!string.IsNullOrWhiteSpace(environment))
        {
            builder.AddJsonFile(Path.Combine(directory, $"appsettings.{environment}.json"), optional: true, reloadOnChange: false);
        }

        // Celery's variable is an environment variable like any other: it overrides the files (a deployment sets it
        // for the Python workers and the .NET ones alike), and TaskGen's own TaskGen__BrokerUrl, more specific, overrides it.
        if (variable(CeleryBrokerVariable) is { } celeryBroker && !string.IsNullOrWhiteSpace(celeryBroker))
        {
            builder.AddInMemoryCollection([new(TaskAppOptions.SectionName + ":" + nameof(TaskAppOptions.BrokerUrl), celeryBroker.Trim())]);
        }

        // No prefix: a prefix would be stripped from the keys, and TaskGen__BrokerUrl must land in the TaskGen section.
        builder.AddEnvironmentVariables();
        if (args is { Length: > 0 })
        {
            builder.AddInMemoryCollection(ReadArguments(args));
        }

        return builder.Build();
    }

    /// <summary>
    /// Copies the settings present in the <c>TaskGen:Workers:<paramref name="name"/></c> section onto
    /// <paramref name="options"/>: <c>Queues</c> (a list, or one comma-separated value), <c>Concurrency</c>,
    /// <c>NodeName</c> and <c>SendTaskEvents</c>.
    /// </summary>
    /// <exception cref="TaskAppConfigurationException">A key is not a worker setting, or a value is not of its setting's type; every one is named.</exception>
    internal static void BindWorker(IConfiguration configuration, string name, WorkerOptions options)
    {
        // By hand rather than through the binder: four settings, and a typo'd key in a section this small is
        // better refused than ignored.
        IConfigurationSection section = configuration.GetSection(WorkerSectionPath(name));
        var errors = new List<string>();
        foreach (IConfigurationSection setting in section.GetChildren())
        {
            try
            {
                switch (setting.Key)
                {
                    case var key when key.Equals(nameof(WorkerOptions.Queues), StringComparison.OrdinalIgnoreCase):
                        options.Queues = ReadList(setting, "queue name", "celery") ?? options.Queues;
                        break;
                    case var key when key.Equals(nameof(WorkerOptions.Concurrency), StringComparison.OrdinalIgnoreCase):
                        options.Concurrency = Read(setting, static (string text, out int value) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value), "is not a whole number") ?? options.Concurrency;
                        break;
                    case var key when key.Equals(nameof(WorkerOptions.NodeName), StringComparison.OrdinalIgnoreCase):
                        options.NodeName = setting.Value ?? options.NodeName;
                        break;
                    case var key when key.Equals(nameof(WorkerOptions.SendTaskEvents), StringComparison.OrdinalIgnoreCase):
                        options.SendTaskEvents = Read(setting, static (string text, out bool value) => bool.TryParse(text, out value), "is not true or false") ?? options.SendTaskEvents;
                        break;
                    default:
                        errors.Add($"{setting.Path} is not a worker setting: use Queues, Concurrency, NodeName or SendTaskEvents.");
                        break;
                }
            }
            catch (TaskAppConfigurationException ex)
            {
                errors.Add(ex.Message);
            }
        }

        if (errors.Count > 0)
        {
            throw new TaskAppConfigurationException(string.Join(Environment.NewLine, errors));
        }
    }

    private static void RefuseMovedSettings(IConfigurationSection section)
    {
        var errors = new List<string>();
        foreach ((string key, string workerKey, string flag) in s_movedToWorkers)
        {
            if (section.GetSection(key).Exists())
            {
                errors.Add($"{ConfigurationPath.Combine(section.Path, key)} moved to {WorkerSectionPath("<name>")}:{workerKey} (or the worker command's {flag}): each worker has its own.");
            }
        }

        if (errors.Count > 0)
        {
            throw new TaskAppConfigurationException(string.Join(Environment.NewLine, errors));
        }
    }

    /// <summary>The configuration path of a named worker's section, <c>TaskGen:Workers:name</c>.</summary>
    internal static string WorkerSectionPath(string name) => ConfigurationPath.Combine(TaskAppOptions.SectionName, WorkersSectionName, name);

    private delegate bool TryParse<T>(string text, out T value);

    private static T? Read<T>(IConfigurationSection section, TryParse<T> parse, string why)
        where T : struct
    {
        if (section.Value is not { } text)
        {
            return null;
        }

        return parse(text.Trim(), out T value) ? value : throw Invalid(section, text, why);
    }

    private static List<string>? ReadList(IConfigurationSection section, string item, string example)
    {
        // A flat value wins over children: it can only come from a flat source (an environment variable or
        // an argument), and those are layered over the JSON files that hold arrays.
        if (section.Value is { } flat)
        {
            var items = new List<string>(flat.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            if (items.Count == 0)
            {
                throw Invalid(section, flat, $"names nothing: give at least one {item}, e.g. {example}");
            }

            return items;
        }

        List<string>? children = null;
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (string.IsNullOrWhiteSpace(child.Value))
            {
                throw Invalid(child, child.Value ?? string.Empty, $"is not a {item}");
            }

            (children ??= []).Add(child.Value.Trim());
        }

        return children;
    }

    private static void ReadRoutes(IConfigurationSection section, IDictionary<string, string> routes)
    {
        // Merged into the existing routes rather than replacing them, so routes set in code before binding stay.
        foreach (IConfigurationSection route in section.GetChildren())
        {
            // Celery also writes a route as {'queue': 'name'}; accept that shape too.
            string? queue = route.Value ?? route["Queue"];
            if (string.IsNullOrWhiteSpace(queue))
            {
                throw Invalid(route, queue ?? string.Empty, "is not a queue name");
            }

            routes[route.Key] = queue;
        }
    }

    private static QueueType? ReadQueueType(IConfigurationSection section) => section.Value?.Trim() switch
    {
        null => null,
        var text when text.Equals("classic", StringComparison.OrdinalIgnoreCase) => QueueType.Classic,
        var text when text.Equals("quorum", StringComparison.OrdinalIgnoreCase) => QueueType.Quorum,
        var text => throw Invalid(section, text, "is not a queue type: use 'classic' or 'quorum', as Celery's task_default_queue_type"),
    };

    private static TimeSpan? ReadDuration(IConfigurationSection section)
    {
        if (section.Value is not { } text)
        {
            return null;
        }

        return TryParseDuration(text, out TimeSpan value)
            ? value
            : throw Invalid(section, text, "is not a duration: give seconds (86400) or a TimeSpan (1.00:00:00) that is not negative");
    }

    /// <summary>Reads a duration as TaskGen's settings write them: seconds (<c>86400</c>) or a TimeSpan (<c>1.00:00:00</c>), not negative.</summary>
    internal static bool TryParseDuration(string text, out TimeSpan value)
    {
        // Seconds first, as Celery's result_expires is written; TimeSpan.TryParse would read "86400" as days.
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            bool inRange = double.IsFinite(seconds) && seconds >= 0 && seconds <= TimeSpan.MaxValue.TotalSeconds;
            value = inRange ? TimeSpan.FromSeconds(seconds) : default;
            return inRange;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
    }

    private static Dictionary<string, string?> ReadArguments(string[] args)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith(ArgumentPrefix, StringComparison.OrdinalIgnoreCase) || arg.Length == ArgumentPrefix.Length
                || arg[ArgumentPrefix.Length] is not (':' or '_'))
            {
                // The rest belongs to the command line's own parser (worker, call, -Q ...).
                continue;
            }

            string key = arg[2..];
            string? value;
            int eq = key.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = key[(eq + 1)..];
                key = key[..eq];
            }
            else if (i + 1 < args.Length)
            {
                value = args[++i];
            }
            else
            {
                throw new TaskAppConfigurationException($"Option --{key} needs a value.");
            }

            values[key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = value;
        }

        return values;
    }

    /// <summary>
    /// Turns the binder's error into one that names the setting and its value, as the other settings' errors do;
    /// the binder's own names only the type, and its inner exception may echo a password.
    /// </summary>
    private static TaskAppConfigurationException FromBinder(IConfigurationSection section, InvalidOperationException exception)
    {
        Match match = Regex.Match(exception.Message, "at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.CultureInvariant);
        if (!match.Success || section[match.Groups["key"].Value] is not { } value)
        {
            return new TaskAppConfigurationException($"{TaskAppOptions.SectionName}: {exception.Message}");
        }

        string why = match.Groups["type"].Value switch
        {
            "System.Int32" => "is not a whole number",
            "System.Boolean" => "is not true or false",
            var type => "cannot be read as " + type,
        };
        return Invalid(section.GetSection(match.Groups["key"].Value), value, why);
    }

    private static TaskAppConfigurationException Invalid(IConfigurationSection setting, string value, string why)
    {
        // Bad values are echoed so the user can find them, except that a URL pasted under the wrong name
        // keeps its password hidden.
        string shown = value.Contains("://", StringComparison.Ordinal) ? TaskGen.Transport.BrokerUrls.Redact(value) : value;
        return new TaskAppConfigurationException($"{setting.Path} '{shown}' {why}.");
    }
}
