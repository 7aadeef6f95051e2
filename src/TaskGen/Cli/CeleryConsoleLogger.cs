using System;
using System.Globalization;
using System.IO;
using Microsoft.Extensions.Logging;

namespace TaskGen.Cli;

/// <summary>
/// Writes log lines in Celery's own format (<c>[2026-01-01 12:00:00,000: INFO/MainProcess] message</c>),
/// so that operators reading worker logs see what they are used to.
/// </summary>
internal sealed class CeleryConsoleLoggerProvider : ILoggerProvider
{
    private readonly LogLevel _minimum;
    private readonly TextWriter? _writer;
    private readonly object _gate = new();

    /// <summary>Creates the provider.</summary>
    /// <param name="minimum">The lowest level written.</param>
    /// <param name="writer">Where lines go: the command's error writer, or standard error when null.</param>
    public CeleryConsoleLoggerProvider(LogLevel minimum, TextWriter? writer = null)
    {
        _minimum = minimum;
        _writer = writer;
    }

    /// <summary>Parses Celery's <c>--loglevel</c> names (debug, info, warning, error, critical).</summary>
    /// <param name="name">The level name.</param>
    /// <exception cref="ArgumentException">The name is not a level.</exception>
    public static LogLevel ParseLevel(string name) => name.ToUpperInvariant() switch
    {
        "DEBUG" => LogLevel.Debug,
        "INFO" => LogLevel.Information,
        "WARNING" or "WARN" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        "CRITICAL" or "FATAL" => LogLevel.Critical,
        _ => throw new ArgumentException($"'{name}' is not a log level: use debug, info, warning, error or critical.", nameof(name)),
    };

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(CeleryConsoleLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The command prints its own ready line, with the broker; the worker's would say the same thing twice.
            if (!IsEnabled(logLevel) || eventId.Name == TaskGen.Worker.TaskWorker.WorkerReadyEvent)
            {
                return;
            }

            string level = logLevel switch
            {
                LogLevel.Trace or LogLevel.Debug => "DEBUG",
                LogLevel.Information => "INFO",
                LogLevel.Warning => "WARNING",
                LogLevel.Error => "ERROR",
                _ => "CRITICAL",
            };
            string time = DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture);
            string line = $"[{time}: {level}/MainProcess] {formatter(state, exception)}";
            if (exception is not null)
            {
                line += Environment.NewLine + exception;
            }

            lock (owner._gate)
            {
                (owner._writer ?? Console.Error).WriteLine(line);
            }
        }
    }
}
